"""One scheduled broadcast, one count: reports of the same moment (a schedule, a hamlet, a
language, a scheduled time) from the station agent, the Today page, CSV or any device are one
play. The first report wins, except that a confirmed play replaces a confirmed "not played"
(the station missed it, the operator played it by hand)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, or_, select, tuple_

from ...bulk import insert_rows
from ...extensions import db
from ...models import PlayEvent
from .. import audit
from ..context import Actor
from . import play_counts

KEY = ("schedule_id", "area_id", "language", "occurrence_at")
COLUMNS = (
    "schedule_id",
    "occurrence_at",
    "played_on",
    "commune_id",
    "district_id",
    "province_id",
    "message_id",
    "language",
    "source",
    "unscheduled",
    "area_id",
    "played",
)  # fmt: skip  (the key, and what the roll-ups need)


def replace_misses(actor: Actor, skipped: Sequence[dict[str, Any]]) -> set[str]:
    """Of the played rows the insert skipped, those whose broadcast was only confirmed as not
    played: the "not played" events are removed (and uncounted) and these inserted instead.
    Returns their client ids."""
    played = [r for r in skipped if r["played"] and r["occurrence_at"] is not None]
    if not played:
        return set()
    keys = {tuple(r[c] for c in KEY) for r in played}
    columns = [getattr(PlayEvent, c) for c in KEY]
    match = (
        tuple_(*columns).in_(list(keys))
        if db.session.get_bind().dialect.name == "postgresql"
        else or_(*(and_(*(c == v for c, v in zip(columns, key, strict=True))) for key in keys))
    )
    misses = db.session.execute(
        select(PlayEvent.id, *(getattr(PlayEvent, c) for c in COLUMNS)).where(
            match, PlayEvent.played.is_(False)
        )
    ).all()
    if not misses:
        return set()
    db.session.execute(delete(PlayEvent).where(PlayEvent.id.in_([m.id for m in misses])))
    play_counts.add([m._asdict() for m in misses], sign=-1)
    replaced = {tuple(getattr(m, c) for c in KEY) for m in misses}
    wanted = [r for r in played if tuple(r[c] for c in KEY) in replaced]
    inserted = set(
        insert_rows(PlayEvent.__table__, wanted, conflict=None, returning="client_event_id")
    )
    play_counts.add([r for r in wanted if r["client_event_id"] in inserted])
    audit.record(
        actor,
        "plays.replace_missed",
        object_type="plays",
        detail={"replaced": len(misses), "by": len(inserted)},
    )
    return inserted

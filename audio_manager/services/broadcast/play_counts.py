"""The daily roll-ups of play events (models.play_counts), kept in step with every insert.

Each batch of new events is added to both roll-ups in one statement each, merged into existing
rows (``plays + n``); keys are sorted so concurrent batches cannot deadlock. ``rebuild`` makes
them again from the events (after a bulk load, or to check them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, delete, func, insert, select, text

from ...bulk import insert_rows
from ...extensions import db
from ...models import HamletPlayCount, PlayCount, PlayEvent

# Each roll-up: its model and key; the other columns follow from the key's area.
ROLLUPS: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (PlayCount, ("played_on", "commune_id", "message_id", "language", "source", "unscheduled")),
    (HamletPlayCount, ("played_on", "area_id", "language", "unscheduled")),
)
AREA_COLUMNS = ("commune_id", "district_id", "province_id")


def add(events: Sequence[dict[str, Any]], *, sign: int = 1) -> None:
    """Count freshly inserted events (the rows as given to the insert) into every roll-up;
    ``sign=-1`` takes removed events out again."""
    if not events:
        return
    for model, key in ROLLUPS:
        totals: dict[tuple[Any, ...], list[Any]] = {}
        for event in events:
            found = totals.setdefault(
                tuple(event[c] for c in key), [0, 0, {c: event[c] for c in AREA_COLUMNS}]
            )
            found[0 if event["played"] else 1] += sign
        rows = [
            {**areas, **dict(zip(key, values, strict=True)), "plays": plays, "misses": misses}
            for values, (plays, misses, areas) in sorted(totals.items(), key=_sortable)
        ]
        insert_rows(model.__table__, rows, conflict=key, add_on_conflict=("plays", "misses"))


def _sortable(item: tuple[tuple[Any, ...], Any]) -> tuple[Any, ...]:
    # None (a missing commune) sorts first instead of failing to compare.
    return tuple((value is None, value) for value in item[0])


def rebuild() -> None:
    """Make every roll-up again from the events, in the caller's transaction (which keeps new
    plays waiting meanwhile on PostgreSQL; SQLite has one writer anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE play_events IN SHARE MODE"))
    played = func.sum(case((PlayEvent.played, 1), else_=0))
    missed = func.sum(case((PlayEvent.played, 0), else_=1))
    for model, key in ROLLUPS:
        db.session.execute(delete(model))
        keys = [getattr(PlayEvent, c) for c in key]
        others = [func.max(getattr(PlayEvent, c)) for c in AREA_COLUMNS if c not in key]
        names = [*key, *(c for c in AREA_COLUMNS if c not in key), "plays", "misses"]
        source = select(*keys, *others, played, missed).group_by(*keys)
        db.session.execute(insert(model).from_select(names, source))

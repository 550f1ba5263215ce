"""The reads a playlist is built from: a fixed number of statements, each an index range or key
lookup, whatever the size of the area (no lazy loads, no per-row queries).

Build order matters for validators: the scope versions of what a playlist is made of are read
*before* the rows they cover (a change committed in between then shows in the body and moves
the validator on the next poll; never the other way round).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, literal, select, union, union_all
from sqlalchemy.orm import aliased

from ... import scheduling as sched
from ...extensions import db
from ...models import (
    Area,
    AreaLanguage,
    Asset,
    Message,
    PlaylistScope,
    Rendition,
    Schedule,
    ScheduleTarget,
    Variant,
    Version,
    VersionStatus,
)
from ..areas.area_levels import Levels
from .schedules import parse_times

PROFILE = "loudspeaker"


def province_scope(path: str) -> str:
    """The scope of the top-level area (the province) an area's path starts with."""
    return "p" + path.strip("/").split("/")[0]


def message_scope(message_id: int) -> str:
    return f"m{message_id}"


def scope_versions(scopes: Iterable[str]) -> dict[str, int]:
    """The current number of each scope (0 for a scope no change has created yet)."""
    wanted = sorted(set(scopes))
    if not wanted:
        return {}
    rows = db.session.execute(_SCOPES, {"scopes": wanted})
    found = {row.scope: row.version for row in rows}
    return {scope: found.get(scope, 0) for scope in wanted}


def hamlets_below(path: str) -> tuple[dict[int, sched.Hamlet], dict[int, str]]:
    """The hamlets at or below the area with this path, with their ordered languages, and
    their paths."""
    leaf = Levels.from_config().leaf
    rows = db.session.execute(_HAMLETS, {"leaf": leaf, **_range(path)})
    found: dict[int, tuple[str, str, list[str]]] = {}
    for row in rows:
        entry = found.setdefault(row.id, (row.name, row.path, []))
        if row.language is not None:
            entry[2].append(row.language)
    hamlets = {}
    for hamlet_id, (name, hamlet_path, codes) in found.items():
        parents = [int(p) for p in hamlet_path.strip("/").split("/")][:-1]
        hamlets[hamlet_id] = sched.Hamlet(
            hamlet_id, name, parents[-1] if parents else None, tuple(codes)
        )
    return hamlets, {h: entry[1] for h, entry in found.items()}


@dataclass(frozen=True)
class ScheduleRow:
    """A schedule reaching the area, with its message's fields and when it last changed."""

    input: sched.ScheduleInput
    message: sched.MessageInput
    revised_at: datetime


def schedules_reaching(
    path: str, hamlet_paths: dict[int, str], first: date, last: date
) -> list[ScheduleRow]:
    """Active schedules between two dates targeting the area with this path, an area below it
    or one above it, limited to the hamlets in ``hamlet_paths``: two statements, the schedule
    ids (index lookups of the targets by area), then the schedules by id with their targets and
    messages (a single statement lets the planner hash every target of the country)."""
    ancestors = [int(p) for p in path.strip("/").split("/")]
    touching = sorted(db.session.scalars(_TOUCHING, {"ancestors": ancestors, **_range(path)}))
    if not touching:
        return []
    rows = db.session.execute(_SCHEDULES, {"ids": touching, "first": first, "last": last})
    grouped: dict[int, tuple[object, list[str]]] = {}
    for row in rows:
        grouped.setdefault(row.id, (row, []))[1].append(row.target_path)
    found = []
    for row, targets in grouped.values():  # type: ignore[assignment]
        reached = frozenset(
            h for h, h_path in hamlet_paths.items() if any(h_path.startswith(t) for t in targets)
        )
        if not reached:
            continue
        recurrence = _recurrence(row.rrule, row.start_date, row.end_date, tuple(row.times))
        found.append(
            ScheduleRow(
                sched.ScheduleInput(
                    row.id,
                    row.message_id,
                    row.title,
                    row.priority,
                    recurrence,
                    reached,
                    row.pinned_version_id,
                ),
                sched.MessageInput(
                    row.message_id,
                    row.title,
                    row.priority,
                    row.valid_from,
                    row.valid_until,
                    row.retired_at is not None,
                ),
                max(row.updated_at, row.message_updated_at),
            )
        )
    return found


@functools.lru_cache(maxsize=8192)
def _recurrence(rrule: str, start: date, end: date, times: tuple[str, ...]) -> sched.Recurrence:
    """A stored schedule's recurrence (parsed once per process: a pure function of its text)."""
    return sched.from_rrule_text(rrule, start, end, parse_times(times), check=False)


def message_inputs(message_ids: Sequence[int]) -> dict[int, sched.MessageInput]:
    rows = db.session.execute(
        select(
            Message.id,
            Message.title,
            Message.priority,
            Message.valid_from,
            Message.valid_until,
            Message.retired_at,
        ).where(Message.id.in_(sorted(set(message_ids))))
    )
    return {
        r.id: sched.MessageInput(
            r.id, r.title, r.priority, r.valid_from, r.valid_until, r.retired_at is not None
        )
        for r in rows
    }


def playable_versions(
    message_ids: Sequence[int], pinned_ids: Sequence[int]
) -> tuple[dict[int, sched.VersionInput], dict[tuple[int, str], int], datetime | None]:
    """The current version of every variant of these messages and the pinned versions, with
    their loudspeaker rendition and its asset, in one statement: (approved versions by id,
    current version id by (message, language), the latest decision among them)."""
    if not message_ids and not pinned_ids:
        return {}, {}, None
    statement = _VERSIONS[(bool(message_ids), bool(pinned_ids))]
    params = {"messages": sorted(set(message_ids)), "pinned": sorted(set(pinned_ids))}
    versions: dict[int, sched.VersionInput] = {}
    current: dict[tuple[int, str], int] = {}
    latest: datetime | None = None
    for row in db.session.execute(statement, params):
        if row.is_current:
            current[(row.message_id, row.language)] = row.id
        if row.status != VersionStatus.APPROVED:
            continue
        if row.decided_at is not None and (latest is None or row.decided_at > latest):
            latest = row.decided_at
        renditions = {PROFILE: (row.rendition_id, row.sha256, row.size)} if row.sha256 else {}
        versions[row.id] = sched.VersionInput(
            row.id, row.message_id, row.language, row.number, row.duration, renditions
        )
    return versions, current, latest


def playable_inputs(
    message_ids: Sequence[int], pinned_ids: Sequence[int]
) -> tuple[
    dict[int, sched.MessageInput], dict[int, sched.VersionInput], dict[tuple[int, str], int]
]:
    """Messages, their current approved versions (and pinned ones) with loudspeaker renditions."""
    if not message_ids:
        return {}, {}, {}
    versions, current, _latest = playable_versions(message_ids, pinned_ids)
    return message_inputs(message_ids), versions, current


# --- the statements, built once per process (building them costs more than running them) ---


def _range(path: str) -> dict[str, str]:
    """The index range of a subtree (see ``Area.subtree``)."""
    return {"lo": path, "hi": path[:-1] + chr(ord(path[-1]) + 1)}


_IN_SUBTREE = and_(Area.path >= bindparam("lo"), Area.path < bindparam("hi"))
_SCOPES = select(PlaylistScope.scope, PlaylistScope.version).where(
    PlaylistScope.scope.in_(bindparam("scopes", expanding=True))
)
_HAMLETS = (
    select(Area.id, Area.name, Area.path, AreaLanguage.language)
    .outerjoin(AreaLanguage, AreaLanguage.area_id == Area.id)
    .where(Area.level == bindparam("leaf"), _IN_SUBTREE)
    .order_by(Area.path, AreaLanguage.position)
)
_TOUCHING = union(
    select(ScheduleTarget.schedule_id).where(
        ScheduleTarget.area_id.in_(bindparam("ancestors", expanding=True))
    ),
    select(ScheduleTarget.schedule_id)
    .join(Area, Area.id == ScheduleTarget.area_id)
    .where(_IN_SUBTREE),
)
_TARGET = aliased(Area)
_SCHEDULES = (
    select(
        Schedule.id,
        Schedule.message_id,
        Schedule.rrule,
        Schedule.start_date,
        Schedule.end_date,
        Schedule.times,
        Schedule.pinned_version_id,
        Schedule.updated_at,
        Message.title,
        Message.priority,
        Message.valid_from,
        Message.valid_until,
        Message.retired_at,
        Message.updated_at.label("message_updated_at"),
        _TARGET.path.label("target_path"),
    )
    .join(Message, Message.id == Schedule.message_id)
    .join(ScheduleTarget, ScheduleTarget.schedule_id == Schedule.id)
    .join(_TARGET, _TARGET.id == ScheduleTarget.area_id)
    .where(
        Schedule.cancelled_at.is_(None),
        Schedule.start_date <= bindparam("last"),
        Schedule.end_date >= bindparam("first"),
        Schedule.id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Schedule.id)
)


def _versions_query(current: bool, condition: Any) -> Any:
    return (
        select(
            Version.id,
            Version.number,
            Version.status,
            Version.decided_at,
            Variant.message_id,
            Variant.language,
            Rendition.id.label("rendition_id"),
            Asset.sha256,
            Asset.size,
            Asset.duration,
            literal(current).label("is_current"),
        )
        .select_from(Version)
        .join(Variant, Variant.id == Version.variant_id)
        .outerjoin(
            Rendition, and_(Rendition.version_id == Version.id, Rendition.profile == PROFILE)
        )
        .outerjoin(Asset, Asset.id == Rendition.asset_id)
        .where(condition)
    )


_CURRENT = _versions_query(
    True,
    and_(
        Variant.message_id.in_(bindparam("messages", expanding=True)),
        Variant.current_version_id == Version.id,
    ),
)
_PINNED = _versions_query(False, Version.id.in_(bindparam("pinned", expanding=True)))
_VERSIONS = {
    (True, False): _CURRENT,
    (False, True): _PINNED,
    (True, True): union_all(_CURRENT, _PINNED),
}

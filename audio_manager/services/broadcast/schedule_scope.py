"""Which schedules a reader may see: those reaching their areas (inside them or above them),
and of each schedule only the target areas they may know of."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from ...extensions import db
from ...models import Area, Schedule, ScheduleTarget, User, Version, VersionStatus
from .. import audit
from ..areas import areas as area_service


def _reaches(target: Area, roots: Sequence[Area]) -> bool:
    """A target reaches a scope root when it lies inside it or above it."""
    return any(target.path.startswith(r.path) or r.path.startswith(target.path) for r in roots)


def visible_targets(user: User, schedule: Schedule) -> list[Area]:
    """The schedule's target areas the user may know of: all for unscoped readers; for a
    scoped one those inside their areas or above them (their own commune's province)."""
    roots = area_service.scope_of(user)
    if roots is None:
        return list(schedule.targets)
    return [a for a in schedule.targets if _reaches(a, roots)]


def visible_to(user: User) -> ColumnElement[bool] | None:
    """A filter on ``Schedule``: those reaching the user's areas (None: no limit)."""
    roots = area_service.scope_of(user)
    if roots is None:
        return None
    if not roots:
        return false()
    above = {i for r in roots for i in [*r.ancestor_ids(), r.id]}
    inside = db.select(Area.id).where(or_(*(Area.path.startswith(r.path) for r in roots)))
    return Schedule.id.in_(
        db.select(ScheduleTarget.schedule_id).where(
            or_(ScheduleTarget.area_id.in_(above), ScheduleTarget.area_id.in_(inside))
        )
    )


@dataclass(frozen=True)
class AuditLine:
    """An audit event as a scoped reader may see it (a copy: the stored event is untouched)."""

    created_at: datetime
    actor_label: str
    action: str
    object_label: str | None
    reason: str | None
    detail: Any


def message_audit(reader: User, message_id: int) -> list[Any]:
    """A message's audit for this reader: a scoped reader sees the events of schedules that
    reach their areas, with only the area ids they may know of."""
    events = audit.for_object("message", message_id)
    scope = visible_to(reader)
    if scope is None:
        return events
    shown = set(
        db.session.scalars(db.select(Schedule.id).where(Schedule.message_id == message_id, scope))
    )
    roots = area_service.scope_of(reader) or []
    lines: list[Any] = []
    for event in events:
        if not event.action.startswith("schedule."):
            lines.append(event)
            continue
        match = SCHEDULE_LABEL.fullmatch(event.object_label or "")
        if match is None or int(match.group(1)) not in shown:
            continue
        lines.append(
            AuditLine(
                event.created_at,
                event.actor_label,
                event.action,
                event.object_label,
                event.reason,
                _limit_areas(event.detail, roots),
            )
        )
    return lines


SCHEDULE_LABEL = re.compile(r"schedule (\d+)")


def _limit_areas(detail: Any, roots: Sequence[Area]) -> Any:
    """``detail`` with every "areas" list cut to the areas reaching ``roots``."""
    if not isinstance(detail, dict):
        return detail
    ids = {i for part in _area_lists(detail) for i in part if isinstance(i, int)}
    known = db.session.scalars(db.select(Area).where(Area.id.in_(ids))) if ids else []
    allowed = {a.id for a in known if _reaches(a, roots)}

    def cut(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            k: [i for i in v if i in allowed] if k == "areas" and isinstance(v, list) else cut(v)
            for k, v in value.items()
        }

    return cut(detail)


def _area_lists(detail: dict[str, Any]) -> list[list[Any]]:
    found = []
    for key, value in detail.items():
        if key == "areas" and isinstance(value, list):
            found.append(value)
        elif isinstance(value, dict):
            found.extend(_area_lists(value))
    return found


def may_hear(user: User, version: Version) -> bool:
    """Whether the user may fetch this version's audio. Those who may read drafts (editors,
    approvers, admins, viewers of every area) hear any version; operators and viewers limited
    to areas only approved versions their playlists hold: the current or pinned version of a
    message scheduled in their areas."""
    if user.has_role(*area_service.UNSCOPED_ROLES):
        return True
    scope = visible_to(user)
    if scope is None:
        return True
    if version.status != VersionStatus.APPROVED:
        return False
    plays_it = (
        Schedule.pinned_version_id == version.id
        if not version.is_current
        else or_(Schedule.pinned_version_id.is_(None), Schedule.pinned_version_id == version.id)
    )
    found = db.session.scalar(
        db.select(Schedule.id)
        .where(
            Schedule.message_id == version.variant.message_id,
            Schedule.cancelled_at.is_(None),
            plays_it,
            scope,
        )
        .limit(1)
    )
    return found is not None

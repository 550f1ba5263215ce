"""Schedules: creating, changing and cancelling them, their preview, and the areas they reach.

The rules of recurrence and playlists live in the pure ``audio_manager.scheduling`` package;
this module maps rows onto it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from ... import scheduling as sched
from ...extensions import db
from ...models import Area, Message, Schedule, ScheduleTarget, User, Version, VersionStatus
from ...models.base import as_id, utcnow
from .. import audit
from ..areas import area_refs
from ..areas.area_levels import Levels
from ..context import Actor
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .schedule_scope import visible_targets, visible_to

RECURRENCE_MESSAGES = {
    "no_times": _l("Give at least one time of day."),
    "end_before_start": _l("The end date comes before the start date."),
    "bad_interval": _l("The interval must be between 1 and 52."),
    "no_weekdays": _l("Choose at least one weekday."),
    "bad_nth": _l("Choose first, second, third, fourth, fifth or last."),
    "no_dates": _l("List at least one date."),
    "dates_outside_range": _l("A listed date lies outside the start and end dates."),
    "too_long": _l("A schedule may run at most three years."),
    "invalid_rrule": _l("This recurrence cannot be understood."),
    "bad_kind": _l("Unknown kind of recurrence."),
    "bad_weekday": _l("Unknown weekday."),
    "bad_time": _l("A time of day is invalid."),
}


def recurrence_error(error: sched.RecurrenceError) -> ValidationFailed:
    messages = [str(RECURRENCE_MESSAGES.get(e.code, e.message)) for e in error.errors or [error]]
    return ValidationFailed(
        " ".join(messages),
        code=error.code,
        details=[{"field": e.field, "code": e.code} for e in (error.errors or [error])],
    )


def parse_times(values: Iterable[str]) -> tuple[time, ...]:
    parsed = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            hours, minutes = text.split(":")
            parsed.append(time(int(hours), int(minutes)))
        except ValueError:
            raise ValidationFailed(
                _l('"%(value)s" is not a time of day (HH:MM).', value=text), code="bad_time"
            ) from None
    return tuple(parsed)


def recurrence_of(schedule: Schedule) -> sched.Recurrence:
    return sched.from_rrule_text(
        schedule.rrule,
        schedule.start_date,
        schedule.end_date,
        parse_times(schedule.times),
        check=False,
    )


def get(schedule_id: int, reader: User | None = None) -> Schedule:
    """A schedule; with ``reader``, only one that reaches the reader's areas (404 otherwise:
    a scoped reader learns nothing of other provinces' schedules)."""
    schedule = db.session.get(Schedule, schedule_id) if as_id(schedule_id) else None
    if schedule is None or (reader is not None and not visible_targets(reader, schedule)):
        raise NotFound(_l("No such schedule."), code="schedule_not_found")
    return schedule


def editor_scope(user: User) -> list[Area] | None:
    """Editors given areas schedule only inside them; others schedule anywhere."""
    return user.scope_areas or None


def check_targets(user: User | None, targets: Sequence[Area]) -> None:
    if not targets:
        raise ValidationFailed(_l("Choose at least one area."), code="no_areas")
    scope = editor_scope(user) if user is not None else None
    if scope is None:
        return
    outside = [a for a in targets if not any(a.path.startswith(s.path) for s in scope)]
    if outside:
        raise PermissionDenied(
            _l("Outside your areas: %(names)s", names=", ".join(a.name for a in outside)),
            code="area_out_of_scope",
        )


def _check_message(message: Message, pinned: Version | None) -> None:
    if message.retired_at is not None:
        raise Conflict(_l("A retired message cannot be scheduled."), code="message_retired")
    if pinned is not None and (
        pinned.variant.message_id != message.id or pinned.status != VersionStatus.APPROVED
    ):
        raise ValidationFailed(
            _l("Only an approved version of this message can be pinned."), code="bad_pin"
        )


def validated(rec: sched.Recurrence) -> sched.Recurrence:
    try:
        return sched.validate(rec)
    except sched.RecurrenceError as error:
        raise recurrence_error(error) from None


def _fill(
    schedule: Schedule,
    rec: sched.Recurrence,
    targets: Sequence[Area],
    pinned: Version | None,
    note: str,
) -> None:
    schedule.rrule = sched.to_rrule_text(rec)
    schedule.start_date, schedule.end_date = rec.start_date, rec.end_date
    schedule.times = [t.strftime("%H:%M") for t in rec.times]
    schedule.pinned_version_id = pinned.id if pinned else None
    schedule.note = note.strip()[:300]
    schedule.target_rows = [
        ScheduleTarget(area_id=a.id) for a in {a.id: a for a in targets}.values()
    ]


def _detail(schedule: Schedule) -> dict[str, object]:
    return {
        "rrule": schedule.rrule,
        "start": schedule.start_date.isoformat(),
        "end": schedule.end_date.isoformat(),
        "times": schedule.times,
        "areas": sorted(row.area_id for row in schedule.target_rows),
        "pinned": schedule.pinned_version_id,
    }


def create(
    actor: Actor,
    message: Message,
    targets: Sequence[Area],
    rec: sched.Recurrence,
    *,
    pinned: Version | None = None,
    note: str = "",
) -> Schedule:
    rec = validated(rec)
    check_targets(actor.user, targets)
    _check_message(message, pinned)
    schedule = Schedule(message=message, created_by_id=actor.user.id if actor.user else None)
    _fill(schedule, rec, targets, pinned, note)
    db.session.add(schedule)
    db.session.flush()
    audit.record(
        actor,
        "schedule.create",
        object_type="message",
        object_id=message.id,
        object_label=f"schedule {schedule.id}",
        detail=_detail(schedule),
    )
    return schedule


def update(
    actor: Actor,
    schedule: Schedule,
    targets: Sequence[Area],
    rec: sched.Recurrence,
    *,
    seen_revision: int | None,
    pinned: Version | None = None,
    note: str = "",
) -> Schedule:
    if schedule.cancelled_at is not None:
        raise Conflict(_l("A cancelled schedule cannot be changed."), code="schedule_cancelled")
    if seen_revision is not None and seen_revision != schedule.revision:
        raise Conflict(
            _l("Someone changed this schedule meanwhile. Reload the page and check."), code="stale"
        )
    rec = validated(rec)
    check_targets(actor.user, targets)
    check_targets(actor.user, schedule.targets)  # nor may one take over someone else's areas
    _check_message(schedule.message, pinned)
    before = _detail(schedule)
    _fill(schedule, rec, targets, pinned, note)
    schedule.revision += 1
    audit.record(
        actor,
        "schedule.update",
        object_type="message",
        object_id=schedule.message_id,
        object_label=f"schedule {schedule.id}",
        detail={"before": before, "after": _detail(schedule)},
    )
    return schedule


def cancel(actor: Actor, schedule: Schedule, *, reason: str | None) -> Schedule:
    if schedule.cancelled_at is not None:
        raise Conflict(_l("This schedule is already cancelled."), code="schedule_cancelled")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the schedule is cancelled."), code="reason_required")
    check_targets(actor.user, schedule.targets)
    schedule.cancelled_at, schedule.cancel_reason = utcnow(), reason[:2000]
    schedule.revision += 1
    audit.record(
        actor,
        "schedule.cancel",
        object_type="message",
        object_id=schedule.message_id,
        object_label=f"schedule {schedule.id}",
        reason=reason,
    )
    return schedule


def hamlets_under(areas: Sequence[Area]) -> list[Area]:
    """Every hamlet at or below these areas."""
    if not areas:
        return []
    leaf = Levels.from_config().leaf
    return list(
        db.session.scalars(
            db.select(Area)
            .where(Area.level == leaf, or_(*(Area.subtree(a.path) for a in areas)))
            .options(selectinload(Area.language_rows))
            .order_by(Area.path)
        )
    )


def hamlet_input(area: Area) -> sched.Hamlet:
    parent_ids = area.ancestor_ids()
    return sched.Hamlet(
        area.id, area.name, parent_ids[-1] if parent_ids else None, tuple(area.languages)
    )


def schedules_touching(area: Area, first: date, last: date) -> list[Schedule]:
    """Active schedules between two dates whose targets are inside ``area`` or above it."""
    ancestor_ids = [*area.ancestor_ids(), area.id]
    inside = db.select(Area.id).where(Area.subtree(area.path))
    return list(
        db.session.scalars(
            db.select(Schedule)
            .where(
                Schedule.cancelled_at.is_(None),
                Schedule.start_date <= last,
                Schedule.end_date >= first,
                Schedule.id.in_(
                    db.select(ScheduleTarget.schedule_id).where(
                        or_(
                            ScheduleTarget.area_id.in_(ancestor_ids),
                            ScheduleTarget.area_id.in_(inside),
                        )
                    )
                ),
            )
            .options(selectinload(Schedule.message))
            .order_by(Schedule.id)
        )
    )


def schedule_input(schedule: Schedule, paths: dict[int, str]) -> sched.ScheduleInput:
    """A stored schedule, limited to the hamlets in ``paths`` (hamlet id -> area path)."""
    targets = [row.area.path for row in schedule.target_rows]
    reached = frozenset(
        h_id for h_id, area_path in paths.items() if any(area_path.startswith(t) for t in targets)
    )
    return sched.ScheduleInput(
        schedule.id,
        schedule.message_id,
        schedule.message.title,
        schedule.message.priority,
        recurrence_of(schedule),
        reached,
        schedule.pinned_version_id,
        schedule.cancelled_at is not None,
    )


def hamlet_paths(hamlets: dict[int, sched.Hamlet]) -> dict[int, str]:
    rows = db.session.execute(db.select(Area.id, Area.path).where(Area.id.in_(list(hamlets))))
    return {row.id: row.path for row in rows}


def recurrence_from(data: dict[str, object]) -> sched.Recurrence:
    """A recurrence from request data: an RRULE string, or {kind, interval, weekdays, nth,
    dates}, with start_date, end_date and times."""
    try:
        start = date.fromisoformat(str(data.get("start_date")))
        end = date.fromisoformat(str(data.get("end_date")))
    except ValueError:
        raise ValidationFailed(
            _l("Give a start and an end date (YYYY-MM-DD)."), code="bad_dates"
        ) from None
    raw_times = data.get("times") or []
    times = parse_times(raw_times.split(",") if isinstance(raw_times, str) else raw_times)
    if data.get("rrule"):
        try:
            return sched.from_rrule_text(str(data["rrule"]), start, end, times)
        except sched.RecurrenceError as error:
            raise recurrence_error(error) from None
    weekdays = []
    for day in data.get("weekdays") or []:
        if isinstance(day, int):
            weekdays.append(day)
        elif str(day).upper() in sched.WEEKDAY_CODES:
            weekdays.append(sched.WEEKDAY_CODES.index(str(day).upper()))
        else:
            raise ValidationFailed(_l("Unknown weekday."), code="bad_weekday")
    try:
        dates = tuple(date.fromisoformat(str(d)) for d in data.get("dates") or [])
        raw_interval = data.get("interval")
        interval = 1 if raw_interval in (None, "") else int(str(raw_interval))
        nth = int(data["nth"]) if data.get("nth") not in (None, "") else None
    except (TypeError, ValueError):
        raise ValidationFailed(
            _l("This recurrence cannot be understood."), code="invalid_rrule"
        ) from None
    return sched.Recurrence(
        str(data.get("kind") or "daily"),
        start,
        end,
        times,
        interval=interval,
        weekdays=tuple(weekdays),
        nth=nth,
        dates=dates,
    )


def areas_from_refs(user: User, refs: Sequence[area_refs.AreaRef]) -> list[Area]:
    """The areas a schedule targets, named by id (a number) or code (a string); an area inside
    another one named is dropped (the outer one reaches it, and hamlets added to it later)."""
    found = area_refs.without_covered(area_refs.resolve(refs))
    check_targets(user, found)
    return found


def list_schedules(
    *,
    reader: User | None = None,
    message_id: int | None = None,
    active_on: date | None = None,
    include_cancelled: bool = False,
) -> list[Schedule]:
    """Newest first; with ``reader``, only schedules reaching the reader's areas."""
    query = db.select(Schedule).order_by(Schedule.id.desc())
    scope = visible_to(reader) if reader is not None else None
    if scope is not None:
        query = query.where(scope)
    if message_id is not None:
        query = query.where(Schedule.message_id == message_id)
    if active_on is not None:
        query = query.where(Schedule.start_date <= active_on, Schedule.end_date >= active_on)
    if not include_cancelled:
        query = query.where(Schedule.cancelled_at.is_(None))
    return list(db.session.scalars(query.limit(500)))

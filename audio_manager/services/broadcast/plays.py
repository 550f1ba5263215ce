"""Recording confirmed broadcasts: from the page, from devices in batches, from CSV.

A batch is validated in a handful of queries, then inserted with ON CONFLICT DO NOTHING on
(reporter, client event id): the same batch sent twice is recorded once, and every event gets
its own result (created, duplicate, or rejected with a reason).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from ... import scheduling as sched
from ...bulk import insert_rows
from ...extensions import db
from ...models import Area, PlayEvent, Schedule, Variant, Version, VersionStatus
from ...models.base import as_id, utcnow
from .. import audit
from ..areas import areas as area_service
from ..areas.area_levels import Levels
from ..context import Actor
from ..errors import ValidationFailed
from . import play_counts, play_occurrences
from .schedules import recurrence_of

MAX_BATCH = 1000
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=366)
SOURCES = ("page", "device", "import", "station")


@dataclass
class EventResult:
    id: str
    status: str  # created | duplicate | rejected
    reason: str | None = None
    code: str | None = None


@dataclass
class Prepared:
    row: dict[str, Any]
    index: int


@dataclass
class Batch:
    results: list[EventResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"created": 0, "duplicate": 0, "rejected": 0}
        for result in self.results:
            out[result.status] += 1
        return out


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else None


def _ids(events: Sequence[dict[str, Any]], key: str) -> set[int]:
    return {i for i in (as_id(e.get(key)) for e in events) if i is not None}


class _Lookups:
    """Everything a batch refers to, fetched once."""

    def __init__(self, events: Sequence[dict[str, Any]], actor: Actor) -> None:
        self.visible = area_service.visible_paths(actor.user) if actor.user is not None else None
        # Ids no column can hold (e.g. 99999999999) find nothing: that event alone is refused.
        hamlet_ids = _ids(events, "hamlet_id")
        codes = {e.get("area") for e in events if isinstance(e.get("area"), str)}
        version_ids = _ids(events, "version_id")
        schedule_ids = _ids(events, "schedule_id")
        self.areas = (
            {a.id: a for a in db.session.scalars(db.select(Area).where(Area.id.in_(hamlet_ids)))}
            if hamlet_ids
            else {}
        )
        self.by_code = (
            {a.code: a for a in db.session.scalars(db.select(Area).where(Area.code.in_(codes)))}
            if codes
            else {}
        )
        rows = (
            db.session.execute(
                db.select(Version.id, Version.status, Variant.message_id, Variant.language)
                .join(Variant, Variant.id == Version.variant_id)
                .where(Version.id.in_(version_ids))
            ).all()
            if version_ids
            else []
        )
        self.versions = {row.id: row for row in rows}
        self.schedules = (
            {
                s.id: s
                for s in db.session.scalars(
                    db.select(Schedule).where(Schedule.id.in_(schedule_ids))
                )
            }
            if schedule_ids
            else {}
        )
        self.level_order = Levels.from_config()
        self.leaf = self.level_order.leaf
        self._recurrences: dict[int, sched.Recurrence] = {}
        self._moments: dict[tuple[int, date], list[datetime]] = {}
        ancestor_ids = {
            i for a in [*self.areas.values(), *self.by_code.values()] for i in a.ancestor_ids()
        }
        self.levels = (
            dict(
                db.session.execute(
                    db.select(Area.id, Area.level).where(Area.id.in_(ancestor_ids))
                ).all()
            )
            if ancestor_ids
            else {}
        )

    def rollup(self, hamlet: Area) -> dict[str, int | None]:
        """The hamlet's ancestors by level: the top one ("province"), the one just above the
        hamlet ("commune"), and any between ("district", optional)."""
        levels = self.level_order
        found: dict[str, int | None] = {
            "commune_id": None,
            "district_id": None,
            "province_id": None,
        }
        for area_id in hamlet.ancestor_ids():
            level = self.levels.get(area_id)
            if level == levels.top:
                found["province_id"] = area_id
            elif level == levels.order[-2]:
                found["commune_id"] = area_id
            else:
                found["district_id"] = area_id
        return found

    def area(self, event: dict[str, Any]) -> Area | None:
        if isinstance(event.get("hamlet_id"), int):
            return self.areas.get(as_id(event["hamlet_id"]))  # type: ignore[arg-type]
        if isinstance(event.get("area"), str):
            return self.by_code.get(event["area"])
        return None

    def occurrence(
        self,
        schedule: Schedule,
        hamlet: Area,
        message_id: int,
        at: datetime,
        scheduled_at: datetime | None,
    ) -> datetime | None:
        """The scheduled moment a play answers: the one the reporter names when it is one,
        else the schedule's moment that day nearest to the play (the earlier of two as near).
        None when the schedule does not play the message in this hamlet that day."""
        if schedule.message_id != message_id or schedule.cancelled_at is not None:
            return None
        if not any(hamlet.path.startswith(row.area.path) for row in schedule.target_rows):
            return None
        day = (scheduled_at or at).astimezone(sched.LOCAL_TZ).date()
        key = (schedule.id, day)
        if key not in self._moments:
            if schedule.id not in self._recurrences:
                self._recurrences[schedule.id] = recurrence_of(schedule)
            self._moments[key] = sched.occurrences(self._recurrences[schedule.id], day, day)
        moments = self._moments[key]
        if not moments:
            return None
        if scheduled_at is not None and scheduled_at in moments:
            return scheduled_at
        return min(moments, key=lambda m: (abs((m - at).total_seconds()), m))


def _check(
    event: Any, lookups: _Lookups, actor: Actor, now: datetime
) -> tuple[dict[str, Any] | None, EventResult | None]:
    """The row to insert, or the reason the event is rejected."""
    if not isinstance(event, dict):
        return None, EventResult("", "rejected", str(_l("Not an event object.")), "bad_event")
    client_id = str(event.get("id") or "").strip()

    def reject(code: str, message: Any) -> tuple[None, EventResult]:
        return None, EventResult(client_id, "rejected", str(message), code)

    if not client_id or len(client_id) > 100:
        return reject("bad_id", _l("Each event needs an id of 1-100 characters."))
    at = _parse_time(event.get("played_at"))
    if at is None:
        return reject("bad_time", _l("played_at must be an ISO time with its time zone."))
    if at > now + CLOCK_SKEW:
        return reject("in_future", _l("This play is in the future."))
    if at < now - MAX_AGE:
        return reject("too_old", _l("This play is more than a year old."))
    hamlet = lookups.area(event)
    if hamlet is None:
        return reject("unknown_area", _l("Unknown hamlet."))
    if hamlet.level != lookups.leaf:
        return reject("not_a_hamlet", _l("Plays are confirmed per hamlet."))
    if actor.user is None or lookups.visible is None or not lookups.visible.admits(hamlet):
        return reject("out_of_scope", _l("This hamlet is outside your areas."))
    version = lookups.versions.get(as_id(event.get("version_id")))
    if version is None:
        return reject("unknown_version", _l("Unknown version."))
    if version.status not in (VersionStatus.APPROVED, VersionStatus.RETIRED):
        return reject("not_approved", _l("Only approved versions are broadcast."))
    played = event.get("played", True)
    if not isinstance(played, bool):
        return reject("bad_played", _l("played must be true or false."))
    reason = str(event.get("reason") or "").strip() or None
    if not played and not reason:
        return reject("reason_required", _l("Say why it was not played."))
    scheduled_at = None
    if event.get("scheduled_at") is not None:
        scheduled_at = _parse_time(event["scheduled_at"])
        if scheduled_at is None:
            return reject("bad_time", _l("scheduled_at must be an ISO time with its time zone."))
    schedule_id = event.get("schedule_id")
    occurrence = None
    if schedule_id is not None:
        schedule = lookups.schedules.get(as_id(schedule_id))  # type: ignore[arg-type]
        if schedule is None:
            return reject("unknown_schedule", _l("Unknown schedule."))
        occurrence = lookups.occurrence(schedule, hamlet, version.message_id, at, scheduled_at)
    unscheduled = occurrence is None
    rollup = lookups.rollup(hamlet)
    return {
        "client_event_id": client_id,
        "reported_by_id": actor.user.id,
        "area_id": hamlet.id,
        **rollup,
        "played_at": at,
        "played_on": at.astimezone(sched.LOCAL_TZ).date(),
        "message_id": version.message_id,
        "version_id": version.id,
        "language": version.language,
        "schedule_id": schedule_id if not unscheduled else None,
        "played": played,
        "reason": reason[:2000] if reason else None,
        "unscheduled": unscheduled,
        "source": event.get("source") if event.get("source") in SOURCES else actor.via,
        "reported_at": now,
        "occurrence_at": occurrence,
        "station_id": event.get("station_id"),
    }, None


def record(
    actor: Actor, events: Sequence[Any], *, source: str, station_id: int | None = None
) -> Batch:
    """Validate and store a batch; the caller commits. A scheduled broadcast counts once
    however many reports name it; one confirmed played replaces one confirmed not played."""
    if not isinstance(events, list | tuple):
        raise ValidationFailed(_l("Send a list of events."), code="bad_batch")
    if len(events) > MAX_BATCH:
        raise ValidationFailed(
            _l("At most %(n)d events per batch.", n=MAX_BATCH), code="batch_too_large"
        )
    now = utcnow()
    lookups = _Lookups([e for e in events if isinstance(e, dict)], actor)
    batch = Batch()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for event in events:
        row, refused = _check(
            {**event, "source": source, "station_id": station_id}
            if isinstance(event, dict)
            else event,
            lookups,
            actor,
            now,
        )
        if refused is not None:
            batch.results.append(refused)
            continue
        assert row is not None
        if row["client_event_id"] in seen:
            batch.results.append(EventResult(row["client_event_id"], "duplicate"))
            continue
        seen.add(row["client_event_id"])
        rows.append(row)
        batch.results.append(EventResult(row["client_event_id"], "created"))
    created = _insert(rows)
    play_counts.add([row for row in rows if row["client_event_id"] in created])
    created |= play_occurrences.replace_misses(
        actor, [row for row in rows if row["client_event_id"] not in created]
    )
    for result in batch.results:
        if result.status == "created" and result.id not in created:
            result.status = "duplicate"
    if rows:
        audit.record(
            actor, "plays.record", object_type="plays", detail={"source": source, **batch.counts}
        )
    return batch


def _insert(rows: list[dict[str, Any]]) -> set[str]:
    """Insert, skipping events already recorded (the reporter's own id, or the scheduled
    broadcast they answer); returns the client ids actually inserted."""
    inserted = insert_rows(PlayEvent.__table__, rows, conflict=None, returning="client_event_id")
    return set(inserted)


CSV_COLUMNS = ("id", "hamlet_id", "played_at", "version_id", "played", "reason", "schedule_id")


def import_csv(actor: Actor, data: bytes, *, max_bytes: int = 5_000_000) -> Batch:
    """All or nothing: any rejected line stops the import and reports line numbers."""
    if len(data) > max_bytes:
        raise ValidationFailed(_l("The file is too large."), code="too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _l('The file is not UTF-8 text. Save it as "CSV UTF-8".'), code="bad_encoding"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("id", "hamlet_id", "played_at", "version_id") if c not in header]
    if missing:
        raise ValidationFailed(
            _l("Missing column(s): %(cols)s", cols=", ".join(missing)), code="missing_columns"
        )
    reader.fieldnames = header
    events, lines = [], []
    try:
        for record_ in reader:
            if None in record_:
                raise ValidationFailed(
                    _l("Line %(n)d has too many values.", n=reader.line_num), code="bad_line"
                )
            values = {k: (v or "").strip() for k, v in record_.items()}
            events.append(_csv_event(values))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ValidationFailed(
            _l("Unreadable CSV: %(err)s", err=str(exc)), code="bad_csv"
        ) from None
    if not events:
        raise ValidationFailed(_l("The file has a header but no plays."), code="empty")
    batch = Batch()
    for start in range(0, len(events), MAX_BATCH):
        part = record(actor, events[start : start + MAX_BATCH], source="import")
        batch.results += part.results
    errors = [
        {"line": line, "code": r.code, "message": r.reason}
        for line, r in zip(lines, batch.results, strict=True)
        if r.status == "rejected"
    ]
    if errors:
        db.session.rollback()
        raise ValidationFailed(
            _l("The file was not imported: %(n)d problem(s) found.", n=len(errors)),
            code="plays_import_invalid",
            details=errors[:200],
        )
    return batch


def _csv_event(values: dict[str, str]) -> dict[str, Any]:
    def as_int(text: str) -> Any:
        return int(text) if text.isdigit() else (text or None)

    played = values.get("played", "").lower()
    return {
        "id": values.get("id"),
        "hamlet_id": as_int(values.get("hamlet_id", "")),
        "played_at": values.get("played_at"),
        "version_id": as_int(values.get("version_id", "")),
        "played": played not in {"0", "false", "no", "không"},
        "reason": values.get("reason") or None,
        "schedule_id": as_int(values.get("schedule_id", "")),
    }

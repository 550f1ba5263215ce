"""When a schedule plays: a small recurrence value built on python-dateutil's ``rrule``.

A ``Recurrence`` picks *days* (daily, chosen weekdays, the Nth weekday of the month, or listed
dates) between two inclusive dates; its ``times`` are the local times of day it plays on each of
those days. The day rule is stored as RFC 5545 text (``to_rrule_text``); dates and times live in
their own columns, so ``from_rrule_text`` takes them back as arguments.

Pure domain code: no Flask, no database. Errors carry stable ``code``s the web layer translates.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulebase, rruleset, weekdays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

WEEKDAY_CODES: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = weekday()
NTH_VALUES: tuple[int, ...] = (-1, 1, 2, 3, 4, 5)
MAX_INTERVAL = 52
MAX_SPAN_YEARS = 3


class Kind(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday"
    DATES = "dates"


# Every code ``RecurrenceError`` can carry, with its English message; the web layer translates
# by code.
ERROR_MESSAGES: dict[str, str] = {
    "bad_kind": "Unknown recurrence kind {kind!r}.",
    "no_times": "Give at least one time of day.",
    "bad_time": "Times must be plain local times of day.",
    "end_before_start": "The end date is before the start date.",
    "too_long": "A schedule may span at most {years} years.",
    "bad_interval": "The interval must be a whole number from 1 to {max}.",
    "no_weekdays": "Choose at least one weekday.",
    "bad_weekday": "Weekdays are 0 (Monday) to 6 (Sunday).",
    "bad_nth": "The week of the month must be 1 to 5, or -1 (the last).",
    "no_dates": "List at least one date.",
    "dates_outside_range": "These dates are outside the start and end dates: {dates}.",
    "invalid_rrule": "Unreadable recurrence rule: {detail}.",
}
ERROR_CODES: tuple[str, ...] = tuple(ERROR_MESSAGES)


class RecurrenceError(ValueError):
    """An invalid recurrence. ``code`` is stable; ``message`` is English; ``field`` names the
    form field at fault (or None). ``errors`` lists every problem found, this one first."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.errors: tuple[RecurrenceError, ...] = (self,)

    def __repr__(self) -> str:
        return f"RecurrenceError({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class Recurrence:
    """Which days and times a schedule plays, in local time.

    ``weekdays`` are ``date.weekday()`` numbers (0 = Monday). ``nth`` (monthly kind) is 1..5 or
    -1 for the last; it applies to every listed weekday. Intervals count from ``start_date``
    (weeks start on Monday). Construction normalises: lists become sorted de-duplicated tuples
    and fields that do not belong to the kind are cleared, so equal rules compare equal.
    Construction never rejects anything: call ``validate``.
    """

    kind: str
    start_date: date
    end_date: date
    times: tuple[time, ...]
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    dates: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        kind = str(self.kind)
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "start_date", _as_date(self.start_date))
        put(self, "end_date", _as_date(self.end_date))
        put(self, "times", _sorted_unique(self.times))
        put(self, "weekdays", _sorted_unique(self.weekdays))
        put(self, "dates", _sorted_unique(_as_date(d) for d in self.dates))
        if kind != Kind.MONTHLY_NTH_WEEKDAY:
            put(self, "nth", None)
        if kind != Kind.DATES:
            put(self, "dates", ())
        if kind in (Kind.DAILY, Kind.DATES):
            put(self, "weekdays", ())
        if kind == Kind.DATES:
            put(self, "interval", 1)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _sorted_unique(values: Iterable[Any]) -> tuple[Any, ...]:
    unique = tuple(dict.fromkeys(values))
    try:
        return tuple(sorted(unique))
    except TypeError:  # e.g. naive and aware times mixed: left for validate() to report
        return unique


# --- validation ------------------------------------------------------------------------------


def recurrence_error(code: str, field: str | None, **values: object) -> RecurrenceError:
    return RecurrenceError(code, ERROR_MESSAGES[code].format(**values), field)


def _structural_errors(rec: Recurrence) -> list[RecurrenceError]:
    """Problems that leave the day rule undefined (occurrences() refuses these)."""
    if rec.kind not in set(Kind):
        return [recurrence_error("bad_kind", "kind", kind=rec.kind)]
    errors: list[RecurrenceError] = []
    if any(not isinstance(t, time) or t.tzinfo is not None for t in rec.times):
        errors.append(recurrence_error("bad_time", "times"))
    if not isinstance(rec.interval, int) or rec.interval < 1:
        errors.append(recurrence_error("bad_interval", "interval", max=MAX_INTERVAL))
    if rec.kind in (Kind.WEEKLY, Kind.MONTHLY_NTH_WEEKDAY):
        if not rec.weekdays:
            errors.append(recurrence_error("no_weekdays", "weekdays"))
        elif any(not isinstance(d, int) or not 0 <= d <= 6 for d in rec.weekdays):
            errors.append(recurrence_error("bad_weekday", "weekdays"))
    if rec.kind == Kind.MONTHLY_NTH_WEEKDAY and rec.nth not in NTH_VALUES:
        errors.append(recurrence_error("bad_nth", "nth"))
    if rec.kind == Kind.DATES and not rec.dates:
        errors.append(recurrence_error("no_dates", "dates"))
    return errors


def find_errors(rec: Recurrence) -> list[RecurrenceError]:
    """Every problem with ``rec``, in form order (empty when it is valid)."""
    errors = _structural_errors(rec)
    if errors and errors[0].code == "bad_kind":
        return errors
    if not rec.times:
        errors.insert(0, recurrence_error("no_times", "times"))
    if rec.end_date < rec.start_date:
        errors.append(recurrence_error("end_before_start", "end_date"))
    elif rec.end_date > rec.start_date + relativedelta(years=MAX_SPAN_YEARS):
        errors.append(recurrence_error("too_long", "end_date", years=MAX_SPAN_YEARS))
    if isinstance(rec.interval, int) and rec.interval > MAX_INTERVAL:
        errors.append(recurrence_error("bad_interval", "interval", max=MAX_INTERVAL))
    if rec.kind == Kind.DATES and rec.end_date >= rec.start_date:
        outside = [d.isoformat() for d in rec.dates if not rec.start_date <= d <= rec.end_date]
        if outside:
            errors.append(
                recurrence_error("dates_outside_range", "dates", dates=", ".join(outside))
            )
    return errors


def validate(rec: Recurrence) -> Recurrence:
    """Return ``rec`` if valid; otherwise raise the first ``RecurrenceError`` (``.errors`` has
    them all)."""
    errors = find_errors(rec)
    if errors:
        first = errors[0]
        first.errors = tuple(errors)
        raise first
    return rec


def check_structure(rec: Recurrence) -> None:
    errors = _structural_errors(rec)
    if errors:
        errors[0].errors = tuple(errors)
        raise errors[0]


# --- occurrences -----------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


@lru_cache(maxsize=4096)
def _day_rule(rec: Recurrence) -> rrulebase:
    """The days ``rec`` plays, as naive local midnights. Rules are immutable values, so the rule
    objects are cached; their occurrences are not (rrule's cache would hold every day)."""
    start, until = _midnight(rec.start_date), _midnight(rec.end_date)
    if rec.kind == Kind.DATES:
        rules = rruleset()
        for day in rec.dates:
            if rec.start_date <= day <= rec.end_date:
                rules.rdate(_midnight(day))
        return rules
    if rec.kind == Kind.DAILY:
        return rrule(DAILY, start, rec.interval, until=until)
    if rec.kind == Kind.WEEKLY:
        by = [weekdays[d] for d in rec.weekdays]
        return rrule(WEEKLY, start, rec.interval, weekdays[0], until=until, byweekday=by)
    if rec.nth is None:  # callers check the structure first; this keeps the types honest
        raise recurrence_error("bad_nth", "nth")
    by = [weekdays[d](rec.nth) for d in rec.weekdays]
    return rrule(MONTHLY, start, rec.interval, weekdays[0], until=until, byweekday=by)


@lru_cache(maxsize=65536)  # a playlist asks the same (rule, day) questions again and again
def _plays_on(rec: Recurrence, day: date) -> bool:
    if not rec.start_date <= day <= rec.end_date:
        return False
    return _day_rule(rec).after(_midnight(day), inc=True) == _midnight(day)


def local_datetime(day: date, at: time, tz: tzinfo = LOCAL_TZ) -> datetime:
    """An aware datetime for a wall-clock time. Round-tripping through UTC moves a time that does
    not exist (a DST gap) forward, and keeps the first of an ambiguous one (fold=0)."""
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def occurrence_days(rec: Recurrence, start: date, end: date) -> list[date]:
    """The days ``rec`` plays within [start, end] ∩ [rec.start_date, rec.end_date]."""
    check_structure(rec)
    lo, hi = max(start, rec.start_date), min(end, rec.end_date)
    if lo > hi:
        return []
    if lo == hi:
        return [lo] if _plays_on(rec, lo) else []
    return [d.date() for d in _day_rule(rec).between(_midnight(lo), _midnight(hi), inc=True)]


def occurrences(
    rec: Recurrence, start: date, end: date, *, tz: tzinfo = LOCAL_TZ
) -> list[datetime]:
    """Aware local datetimes, sorted, for every play of ``rec`` from ``start`` to ``end``
    (inclusive local dates). Raises ``RecurrenceError`` only when the rule itself is undefined."""
    found = {local_datetime(d, t, tz) for d in occurrence_days(rec, start, end) for t in rec.times}
    return sorted(found)


def occurs_on(rec: Recurrence, day: date) -> list[time]:
    """The local times ``rec`` plays on ``day`` (empty if it does not play that day)."""
    check_structure(rec)
    return list(rec.times) if _plays_on(rec, day) else []


def _iter_after(rec: Recurrence, after: datetime, tz: tzinfo) -> Iterator[datetime]:
    first = max(after.astimezone(tz).date(), rec.start_date)
    if first > rec.end_date or not rec.times:
        return
    for day in _day_rule(rec).xafter(_midnight(first), inc=True):
        for at in rec.times:
            moment = local_datetime(day.date(), at, tz)
            if moment > after:
                yield moment


def next_occurrences(
    rec: Recurrence, after: datetime, n: int, *, tz: tzinfo = LOCAL_TZ
) -> list[datetime]:
    """The first ``n`` plays strictly after the aware instant ``after``, as local datetimes."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    check_structure(rec)
    found: list[datetime] = []
    for moment in _iter_after(rec, after, tz):
        if len(found) >= n:
            break
        if not found or moment != found[-1]:
            found.append(moment)
    return found

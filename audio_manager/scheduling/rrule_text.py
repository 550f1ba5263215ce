"""A ``Recurrence`` as text: its day rule as RFC 5545 text and back, and a description for
pages and the API. The RFC 5545 form: ``FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE``
or ``RDATE;VALUE=DATE:20250102,20250315``. Dates and times live in their own columns, so
``from_rrule_text`` takes them back as arguments. Pure: no Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr

from .recurrence import (
    LOCAL_TZ,
    WEEKDAY_CODES,
    Kind,
    Recurrence,
    RecurrenceError,
    check_structure,
    recurrence_error,
    validate,
)


def _byday(rec: Recurrence) -> str:
    prefix = str(rec.nth) if rec.kind == Kind.MONTHLY_NTH_WEEKDAY else ""
    return ",".join(prefix + WEEKDAY_CODES[d] for d in rec.weekdays)


def to_rrule_text(rec: Recurrence) -> str:
    """The day rule as RFC 5545 text: ``FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE`` (no DTSTART, UNTIL
    or times: those are stored beside it), or ``RDATE;VALUE=DATE:20250102,20250315`` for listed
    dates."""
    check_structure(rec)
    if rec.kind == Kind.DATES:
        return "RDATE;VALUE=DATE:" + ",".join(d.strftime("%Y%m%d") for d in rec.dates)
    freq = {Kind.DAILY: "DAILY", Kind.WEEKLY: "WEEKLY", Kind.MONTHLY_NTH_WEEKDAY: "MONTHLY"}
    parts = [f"FREQ={freq[Kind(rec.kind)]}"]
    if rec.interval != 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.kind != Kind.DAILY:
        parts.append(f"BYDAY={_byday(rec)}")
    return ";".join(parts)


def _invalid(detail: str) -> RecurrenceError:
    return recurrence_error("invalid_rrule", "rrule", detail=detail)


def _parse_rdate(lines: list[str]) -> tuple[date, ...]:
    found: list[date] = []
    for line in lines:
        name, sep, value = line.partition(":")
        params = name.upper().split(";")[1:]
        if not sep or params not in ([], ["VALUE=DATE"], ["VALUE=DATE-TIME"]):
            raise _invalid(line)
        for item in value.split(","):
            item = item.strip().upper()
            try:
                if len(item) == 8:
                    found.append(datetime.strptime(item, "%Y%m%d").date())
                elif len(item) == 15 and item.endswith("T000000"):
                    found.append(datetime.strptime(item, "%Y%m%dT%H%M%S").date())
                else:
                    raise ValueError(item)
            except ValueError:
                raise _invalid(f"bad date {item!r}") from None
    return tuple(found)


_BYDAY_TOKEN = re.compile(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)")


def _parse_byday(value: str, monthly: bool) -> tuple[tuple[int, ...], int | None]:
    matches = [_BYDAY_TOKEN.fullmatch(token) for token in value.split(",")]
    if not all(matches):
        raise _invalid(f"bad BYDAY {value!r}")
    nths = {int(m[1]) if m[1] else None for m in matches if m}
    if monthly != (None not in nths) or len(nths) != 1:
        raise _invalid("ordinal weekdays (BYDAY=2TU) need FREQ=MONTHLY and one ordinal")
    return tuple(WEEKDAY_CODES.index(m[2]) for m in matches if m), nths.pop()


def _parse_rrule(line: str) -> tuple[str, int, tuple[int, ...], int | None]:
    body = line[6:] if line.upper().startswith("RRULE:") else line
    try:  # dateutil must accept it too
        rrulestr(body, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError):
        raise _invalid(repr(body)) from None
    fields: dict[str, str] = {}
    for pair in body.upper().split(";"):
        key, sep, value = pair.partition("=")
        if not sep or not value or key in fields:
            raise _invalid(pair)
        fields[key] = value
    unsupported = set(fields) - {"FREQ", "INTERVAL", "BYDAY", "WKST"}
    if unsupported:
        raise _invalid("unsupported part " + ", ".join(sorted(unsupported)))
    if fields.get("WKST", "MO") != "MO":
        raise _invalid("weeks start on Monday (WKST=MO)")
    freq = fields.get("FREQ")
    try:
        interval = int(fields.get("INTERVAL", "1"))
    except ValueError:
        raise _invalid("bad INTERVAL") from None
    days, nth = (
        _parse_byday(fields["BYDAY"], freq == "MONTHLY") if "BYDAY" in fields else ((), None)
    )
    if freq == "DAILY" and not days:
        return Kind.DAILY, interval, (), None
    if freq == "DAILY" and interval == 1:  # FREQ=DAILY;BYDAY=MO,...,FR ("weekdays")
        return Kind.WEEKLY, 1, days, None
    if freq == "WEEKLY":
        return Kind.WEEKLY, interval, days, None
    if freq == "MONTHLY" and days:
        return Kind.MONTHLY_NTH_WEEKDAY, interval, tuple(days), nth
    raise _invalid(f"FREQ={freq} with these parts is not a supported recurrence")


def from_rrule_text(
    text: str, start: date, end: date, times: Iterable[time], *, check: bool = True
) -> Recurrence:
    """Read back what ``to_rrule_text`` wrote. Raises ``invalid_rrule`` for text it cannot map
    onto a ``Recurrence``; with ``check`` (the default) also runs ``validate``. Pass
    ``check=False`` to load stored rows whose limits may have changed since they were saved."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise _invalid("empty")
    rdates = [line for line in lines if line.upper().startswith("RDATE")]
    if rdates and len(rdates) != len(lines):
        raise _invalid("RRULE and RDATE cannot be mixed")
    if rdates:
        rec = Recurrence(Kind.DATES, start, end, tuple(times), dates=_parse_rdate(rdates))
    elif len(lines) > 1:
        raise _invalid("only one RRULE line is supported")
    else:
        kind, interval, days, nth = _parse_rrule(lines[0])
        rec = Recurrence(kind, start, end, tuple(times), interval, days, nth)
    return validate(rec) if check else rec


def _time_text(at: time) -> str:
    return at.strftime("%H:%M:%S" if at.second or at.microsecond else "%H:%M")


def describe(rec: Recurrence) -> dict[str, Any]:
    """A JSON-ready description a page or the API can render (it never raises)."""
    try:
        text: str | None = to_rrule_text(rec)
    except RecurrenceError:
        text = None
    return {
        "kind": rec.kind,
        "interval": rec.interval,
        "weekdays": list(rec.weekdays),
        "weekday_codes": [
            WEEKDAY_CODES[d] for d in rec.weekdays if isinstance(d, int) and 0 <= d <= 6
        ],
        "nth": rec.nth,
        "dates": [d.isoformat() for d in rec.dates],
        "start_date": rec.start_date.isoformat(),
        "end_date": rec.end_date.isoformat(),
        "times": [_time_text(t) for t in rec.times],
        "timezone": str(LOCAL_TZ),
        "rrule": text,
    }

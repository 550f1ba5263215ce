"""Times the agent reads and writes: aware datetimes, ISO 8601, the local (Vietnam) day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975. A fixed offset needs no
# time zone database (Windows has none without the tzdata package).
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def parse(text: str) -> datetime:
    """An ISO 8601 date-time with its offset (``2026-12-02T06:00+07:00``, ``...Z``)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone offset (e.g. +07:00)")
    return value


def iso(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).isoformat(timespec="milliseconds")


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def short(at: datetime) -> str:
    """``2026-12-02 06:00:00`` in local time, for people."""
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")

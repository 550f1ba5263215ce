"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from ..scheduling.recurrence import LOCAL_TZ

# The largest value an id (or any INTEGER column) holds on PostgreSQL; SQLite takes more, so
# both refuse the same numbers only when they are checked before reaching the database.
MAX_ID = 2**31 - 1


def as_id(value: Any) -> int | None:
    """``value`` when it is an int that can be a row id (1 to MAX_ID), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today where days are counted (Asia/Ho_Chi_Minh)."""
    return utcnow().astimezone(LOCAL_TZ).date()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, read back as aware UTC on every backend.

    SQLite has no time zone type, so normalising here keeps comparisons identical on SQLite and
    PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def render_migration_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Alembic hook: migrations spell UTCDateTime as plain ``sa.DateTime()``."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False

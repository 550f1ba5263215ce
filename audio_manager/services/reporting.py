"""Broadcast counts and compliance, aggregated inside the database (GROUP BY on indexed
roll-up columns of play_events), limited to the areas a user may see. Days are local
(Asia/Ho_Chi_Minh): every event carries its local day, ``played_on``."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, DateTime, Select, cast, func, or_

from .. import languages
from ..extensions import db
from ..models import Area, Message, PlayEvent, User
from . import areas as area_service
from .area_levels import Levels
from .errors import ValidationFailed

PERIODS = ("day", "week", "month", "quarter", "year", "custom")
MAX_GROUPS = 3
MAX_ROWS = 5000


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def of(
        cls, kind: str, anchor: date, first: date | None = None, last: date | None = None
    ) -> Period:
        if kind == "day":
            return cls(anchor, anchor)
        if kind == "week":
            start = anchor - timedelta(days=anchor.weekday())
            return cls(start, start + timedelta(days=6))
        if kind == "month":
            return cls(
                anchor.replace(day=1),
                anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1]),
            )
        if kind == "quarter":
            month = 3 * ((anchor.month - 1) // 3) + 1
            end_month = month + 2
            return cls(
                date(anchor.year, month, 1),
                date(anchor.year, end_month, calendar.monthrange(anchor.year, end_month)[1]),
            )
        if kind == "year":
            return cls(date(anchor.year, 1, 1), date(anchor.year, 12, 31))
        if kind == "custom":
            if first is None or last is None:
                raise ValidationFailed(_l("Give both dates of the period."), code="bad_period")
            if last < first:
                raise ValidationFailed(
                    _l("The end date comes before the start date."), code="bad_period"
                )
            if (last - first).days > 366 * 3:
                raise ValidationFailed(
                    _l("A report covers at most three years."), code="bad_period"
                )
            return cls(first, last)
        raise ValidationFailed(_l("Unknown period."), code="bad_period")


def _dimensions() -> dict[str, Any]:
    """Group-by name -> (SQL expression, label kind). Area dimensions use roll-up columns."""
    dialect = db.session.get_bind().dialect.name

    def bucket(fmt_sqlite: str, unit: str) -> ColumnElement[Any]:
        # Group on a plain value; the label is formatted in Python (``_normalise``).
        if unit == "day":
            return PlayEvent.played_on
        if dialect == "postgresql":
            return func.date_trunc(unit, cast(PlayEvent.played_on, DateTime))
        return func.strftime(fmt_sqlite, PlayEvent.played_on)

    return {
        "province": (PlayEvent.province_id, "area"),
        "district": (PlayEvent.district_id, "area"),
        "commune": (PlayEvent.commune_id, "area"),
        "hamlet": (PlayEvent.area_id, "area"),
        "language": (PlayEvent.language, "language"),
        "message": (PlayEvent.message_id, "message"),
        "topic": (Message.topic, "text"),
        "priority": (Message.priority, "priority"),
        "source": (PlayEvent.source, "source"),
        "day": (bucket("%Y-%m-%d", "day"), "text"),
        "month": (bucket("%Y-%m-01", "month"), "text"),
    }


GROUPS = (
    "province",
    "district",
    "commune",
    "hamlet",
    "language",
    "message",
    "topic",
    "priority",
    "source",
    "day",
    "month",
)
AREA_COLUMNS = {
    "province": "province_id",
    "district": "district_id",
    "commune": "commune_id",
    "hamlet": "area_id",
}


def scope_condition(user: User) -> ColumnElement[bool] | None:
    """Viewers and operators given areas see only events in them."""
    scope = area_service.scope_of(user)
    if scope is None:
        return None
    if not scope:
        return db.false()
    levels = Levels.from_config()
    conditions = []
    for area in scope:
        if area.level == levels.leaf:
            conditions.append(PlayEvent.area_id == area.id)
        elif area.level == levels.top:
            conditions.append(PlayEvent.province_id == area.id)
        elif area.level == levels.order[-2]:
            conditions.append(PlayEvent.commune_id == area.id)
        else:
            conditions.append(PlayEvent.district_id == area.id)
    return or_(*conditions)


@dataclass
class Report:
    group_by: list[str]
    period: Period
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    truncated: bool = False


def broadcasts(
    user: User, period: Period, group_by: Sequence[str], *, filters: dict[str, Any] | None = None
) -> Report:
    """Confirmed broadcasts (played), counted by the chosen groups."""
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown or not group_by or len(group_by) > MAX_GROUPS:
        raise ValidationFailed(
            _l("Group by one to three of: %(groups)s", groups=", ".join(GROUPS)),
            code="bad_group_by",
        )
    dims = _dimensions()
    columns = [dims[g][0].label(g) for g in group_by]
    query: Select[Any] = (
        db.select(*columns, func.count().label("count"))
        .where(
            PlayEvent.played.is_(True),
            PlayEvent.played_on >= period.first,
            PlayEvent.played_on <= period.last,
        )
        .group_by(*columns)
        .order_by(func.count().desc(), *columns)
    )
    if any(g in ("topic", "priority") for g in group_by) or _needs_message(filters):
        query = query.join(Message, Message.id == PlayEvent.message_id)
    query = _apply_filters(query, filters or {}, dims)
    condition = scope_condition(user)
    if condition is not None:
        query = query.where(condition)
    rows = db.session.execute(query.limit(MAX_ROWS + 1)).all()
    report = Report(list(group_by), period, truncated=len(rows) > MAX_ROWS)
    report.rows = [_normalise(dict(row._mapping), group_by) for row in rows[:MAX_ROWS]]
    if not report.truncated:  # every played event lands in exactly one group
        report.total = sum(row["count"] for row in report.rows)
        _label(report)
        return report
    total_query = db.select(func.count()).where(
        PlayEvent.played.is_(True),
        PlayEvent.played_on >= period.first,
        PlayEvent.played_on <= period.last,
    )
    if _needs_message(filters):
        total_query = total_query.join(Message, Message.id == PlayEvent.message_id)
    total_query = _apply_filters(total_query, filters or {}, dims)
    if condition is not None:
        total_query = total_query.where(condition)
    report.total = db.session.scalar(total_query) or 0
    _label(report)
    return report


def _normalise(row: dict[str, Any], group_by: Sequence[str]) -> dict[str, Any]:
    """Day and month buckets as ISO dates, whatever the database returned."""
    for group in group_by:
        value = row.get(group)
        if group in ("day", "month") and isinstance(value, datetime | date):
            row[group] = (value.date() if isinstance(value, datetime) else value).isoformat()
    return row


def _needs_message(filters: dict[str, Any] | None) -> bool:
    return bool(filters) and any(k in filters for k in ("topic", "priority"))


def _apply_filters(
    query: Select[Any], filters: dict[str, Any], dims: dict[str, Any]
) -> Select[Any]:
    """Drill-down: equality on any group dimension (e.g. province=3&language=khmer)."""
    for name, value in filters.items():
        if name not in dims or value in (None, ""):
            continue
        column = dims[name][0]
        if dims[name][1] in ("area", "message"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationFailed(_l("Unknown filter value."), code="bad_filter") from None
        query = query.where(column == value)
    return query


def _label(report: Report) -> None:
    """Names for ids, in one query per kind."""
    dims = _dimensions()
    area_ids = {row[g] for g in report.group_by if dims[g][1] == "area" for row in report.rows}
    message_ids = {
        row[g] for g in report.group_by if dims[g][1] == "message" for row in report.rows
    }
    area_names = (
        dict(
            db.session.execute(
                db.select(Area.id, Area.name).where(Area.id.in_(area_ids - {None}))
            ).all()
        )
        if area_ids
        else {}
    )
    titles = (
        dict(
            db.session.execute(
                db.select(Message.id, Message.title).where(Message.id.in_(message_ids))
            ).all()
        )
        if message_ids
        else {}
    )
    for row in report.rows:
        labels = {}
        for group in report.group_by:
            kind, value = dims[group][1], row[group]
            if kind == "area":
                labels[group] = area_names.get(value, "—") if value is not None else "—"
            elif kind == "message":
                labels[group] = titles.get(value, str(value))
            elif kind == "language":
                lang = languages.get(value)
                labels[group] = lang.native_name if lang else str(value)
            else:
                labels[group] = "" if value is None else str(value)
        row["labels"] = labels


def headline(user: User, year: int) -> dict[str, Any]:
    """ "N broadcasts in Kinh, Hoa and Khmer this year in M hamlets"."""
    period = Period.of("year", date(year, 1, 1))
    query = (
        db.select(
            PlayEvent.language,
            func.count(PlayEvent.id),
            func.count(func.distinct(PlayEvent.area_id)),
        )
        .where(
            PlayEvent.played.is_(True),
            PlayEvent.played_on >= period.first,
            PlayEvent.played_on <= period.last,
        )
        .group_by(PlayEvent.language)
    )
    hamlets_query = db.select(func.count(func.distinct(PlayEvent.area_id))).where(
        PlayEvent.played.is_(True),
        PlayEvent.played_on >= period.first,
        PlayEvent.played_on <= period.last,
    )
    condition = scope_condition(user)
    if condition is not None:
        query, hamlets_query = query.where(condition), hamlets_query.where(condition)
    by_language = {row[0]: row[1] for row in db.session.execute(query)}
    return {
        "year": year,
        "total": sum(by_language.values()),
        "by_language": by_language,
        "hamlets": db.session.scalar(hamlets_query) or 0,
        "period": period,
    }

"""Broadcast counts, aggregated inside the database: sums over the daily roll-ups of play
events where they hold what a report needs, GROUP BY over the events otherwise (see
count_sources), limited to the areas a user may see. Days are local (Asia/Ho_Chi_Minh): every
event carries its local day, ``played_on``."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func

from ... import languages
from ...extensions import db
from ...models import Area, Message, User
from ..errors import ValidationFailed
from . import count_sources
from .count_sources import DIMENSIONS

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


GROUPS = tuple(DIMENSIONS)


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
    wanted = _filters(filters or {})
    source = count_sources.choose(user, {*group_by, *wanted})
    columns = [source.dimension(g).label(g) for g in group_by]
    query = (
        db.select(*columns, source.plays.label("count"))
        .group_by(*columns)
        .order_by(source.plays.desc(), *columns)
    )
    query = _restricted(query, user, source, period, {*group_by, *wanted}, wanted)
    rows = db.session.execute(query.limit(MAX_ROWS + 1)).all()
    report = Report(list(group_by), period, truncated=len(rows) > MAX_ROWS)
    report.rows = [_normalise(dict(row._mapping), group_by) for row in rows[:MAX_ROWS]]
    if report.truncated:
        total = _restricted(db.select(source.plays), user, source, period, set(wanted), wanted)
        report.total = db.session.scalar(total) or 0
    else:  # every played event lands in exactly one group
        report.total = sum(row["count"] for row in report.rows)
    _label(report)
    return report


def _restricted(
    query: Select[Any],
    user: User,
    source: count_sources.CountSource,
    period: Period,
    names: frozenset[str] | set[str] = frozenset(),
    filters: dict[str, Any] | None = None,
) -> Select[Any]:
    """Rows of ``source`` in the period with a play, filtered, in the user's areas."""
    day = source.column("played_on")
    query = query.where(source.played_row, day >= period.first, day <= period.last)
    if names & count_sources.NEEDS_MESSAGE:
        query = query.join(Message, Message.id == source.column("message_id"))
    for name, value in (filters or {}).items():
        query = query.where(source.dimension(name) == value)
    condition = count_sources.scope_condition(user, source)
    return query if condition is None else query.where(condition)


def _filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Drill-down: equality on any group dimension (e.g. province=3&language=khmer)."""
    found = {}
    for name, value in filters.items():
        if name not in DIMENSIONS or value in (None, ""):
            continue
        if DIMENSIONS[name][1] in ("area", "message"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationFailed(_l("Unknown filter value."), code="bad_filter") from None
        found[name] = value
    return found


def _normalise(row: dict[str, Any], group_by: Sequence[str]) -> dict[str, Any]:
    """Day and month buckets as ISO dates, whatever the database returned."""
    for group in group_by:
        value = row.get(group)
        if group in ("day", "month") and isinstance(value, datetime | date):
            row[group] = (value.date() if isinstance(value, datetime) else value).isoformat()
    return row


SOURCE_LABELS = {
    "page": _l("Today page"),
    "device": _l("Device or script (API)"),
    "import": _l("CSV import"),
    "station": _l("Station (automatic)"),
}


def source_label(value: Any) -> str:
    """How a play was confirmed, for people; automatic confirmations are their own source."""
    return str(SOURCE_LABELS.get(value, "" if value is None else value))


def _label(report: Report) -> None:
    """Names for ids, in one query per kind."""
    kinds = {g: DIMENSIONS[g][1] for g in report.group_by}
    area_ids = {row[g] for g, kind in kinds.items() if kind == "area" for row in report.rows}
    message_ids = {row[g] for g, kind in kinds.items() if kind == "message" for row in report.rows}
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
        for group, kind in kinds.items():
            value = row[group]
            if kind == "area":
                labels[group] = area_names.get(value, "—") if value is not None else "—"
            elif kind == "message":
                labels[group] = titles.get(value, str(value))
            elif kind == "language":
                lang = languages.get(value)
                labels[group] = lang.native_name if lang else str(value)
            elif kind == "source":
                labels[group] = source_label(value)
            else:
                labels[group] = "" if value is None else str(value)
        row["labels"] = labels


def headline(user: User, year: int) -> dict[str, Any]:
    """ "N broadcasts in Kinh, Hoa and Khmer this year in M hamlets"."""
    period = Period.of("year", date(year, 1, 1))
    source = count_sources.choose(user, {"hamlet", "language"})
    language = source.column("language")
    per_language = db.select(language, source.plays).group_by(language)
    by_language = dict(db.session.execute(_restricted(per_language, user, source, period)).all())
    hamlets = db.select(func.count(func.distinct(source.column("area_id"))))
    return {
        "year": year,
        "total": sum(by_language.values()),
        "by_language": by_language,
        "hamlets": db.session.scalar(_restricted(hamlets, user, source, period)) or 0,
        "period": period,
    }

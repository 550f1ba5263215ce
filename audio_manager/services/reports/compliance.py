"""Compliance: broadcasts scheduled versus confirmed, per area and language, and what was
missed with its reason. Scheduled counts come from the recurrences (expanded once per
schedule, never per hamlet); confirmed counts are one GROUP BY in the database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ... import scheduling as sched
from ...extensions import db
from ...models import Area, AreaLanguage, Message, PlayEvent, User
from ..areas.area_levels import Levels
from ..broadcast.schedules import recurrence_of, schedules_touching
from . import count_sources
from .reporting import Period

MAX_MISSED = 500


@dataclass
class ComplianceRow:
    area_id: int
    area_name: str
    language: str
    scheduled: int
    confirmed: int
    not_played: int
    by_station: int = 0  # of the confirmed, those the station agent confirmed by itself

    @property
    def percent(self) -> float | None:
        return round(100 * self.confirmed / self.scheduled, 1) if self.scheduled else None


@dataclass
class Compliance:
    area: Area
    period: Period
    row_level: str
    rows: list[ComplianceRow] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scheduled(self) -> int:
        return sum(r.scheduled for r in self.rows)

    @property
    def confirmed(self) -> int:
        return sum(r.confirmed for r in self.rows)

    @property
    def by_station(self) -> int:
        return sum(r.by_station for r in self.rows)

    @property
    def percent(self) -> float | None:
        return round(100 * self.confirmed / self.scheduled, 1) if self.scheduled else None


def compliance(user: User, area: Area, period: Period) -> Compliance:
    levels = Levels.from_config()
    # Rows are hamlets inside a commune, communes anywhere above.
    row_level = levels.leaf if area.level == levels.order[-2] else levels.order[-2]
    row_group = "hamlet" if row_level == levels.leaf else "commune"
    hamlets = db.session.execute(
        db.select(Area.id, Area.path, AreaLanguage.language)
        .join(AreaLanguage, AreaLanguage.area_id == Area.id)
        .where(Area.level == levels.leaf, Area.subtree(area.path))
    ).all()
    row_of = _row_ids(hamlets, row_level, levels)
    # Each hamlet-language under every area id on its path: a target finds its hamlets at once.
    under: dict[int, list[tuple[int, str]]] = {}
    for hamlet_id, path, language in hamlets:
        for area_id in path.strip("/").split("/"):
            under.setdefault(int(area_id), []).append((hamlet_id, language))
    scheduled: Counter[tuple[int, str]] = Counter()
    for schedule in schedules_touching(area, period.first, period.last):
        message = schedule.message
        plays = [
            at
            for at in sched.occurrences(recurrence_of(schedule), period.first, period.last)
            if message.is_playable_at(at)
        ]
        if not plays:
            continue
        reached = {pair for row in schedule.target_rows for pair in under.get(row.area_id, ())}
        for hamlet_id, language in reached:
            scheduled[(row_of[hamlet_id], language)] += len(plays)
    area_column = count_sources.area_column(area)
    source = count_sources.choose(
        user, {row_group, "language", "source"}, {"unscheduled", area_column}
    )
    row_column, language = source.dimension(row_group), source.column("language")
    origin = source.column("source")
    counted = db.session.execute(
        db.select(row_column, language, origin, source.plays, source.misses)
        .where(
            *_in(source, area, area_column, period, user), source.column("unscheduled").is_(False)
        )
        .group_by(row_column, language, origin)
    ).all()
    confirmed: Counter[tuple[int, str]] = Counter()
    not_played: Counter[tuple[int, str]] = Counter()
    by_station: Counter[tuple[int, str]] = Counter()
    for area_id, lang, how, played, missed in counted:
        confirmed[(area_id, lang)] += played
        not_played[(area_id, lang)] += missed
        if how == "station":
            by_station[(area_id, lang)] += played
    events = count_sources.events()
    keys = set(scheduled) | set(confirmed) | set(not_played)
    names = dict(
        db.session.execute(
            db.select(Area.id, Area.name).where(Area.id.in_({k[0] for k in keys}))
        ).all()
    )
    report = Compliance(area, period, row_level)
    report.rows = sorted(
        (
            ComplianceRow(
                a,
                names.get(a, "—"),
                lang,
                scheduled[(a, lang)],
                confirmed[(a, lang)],
                not_played[(a, lang)],
                by_station[(a, lang)],
            )
            for a, lang in keys
        ),
        key=lambda r: (r.area_name, r.language),
    )
    missed = db.session.execute(
        db.select(
            PlayEvent.played_at,
            PlayEvent.language,
            PlayEvent.reason,
            PlayEvent.source,
            Area.name,
            Message.title,
        )
        .join(Area, Area.id == PlayEvent.area_id)
        .join(Message, Message.id == PlayEvent.message_id)
        .where(
            *_in(events, area, area_column, period, user),
            PlayEvent.played.is_(False),
            # Bounds on played_at too, so the ordered scan starts at the period.
            PlayEvent.played_at >= _local_midnight(period.first),
            PlayEvent.played_at < _local_midnight(period.last + timedelta(days=1)),
        )
        .order_by(PlayEvent.played_at)
        .limit(MAX_MISSED)
    ).all()
    report.missed = [
        {
            "at": row.played_at.astimezone(sched.LOCAL_TZ),
            "language": row.language,
            "reason": row.reason,
            "source": row.source,
            "hamlet": row.name,
            "title": row.title,
        }
        for row in missed
    ]
    return report


def _in(
    source: count_sources.CountSource, area: Area, area_column: str, period: Period, user: User
) -> list[Any]:
    """The rows of ``source`` in the period, in ``area`` and in the user's areas."""
    day = source.column("played_on")
    found = [day >= period.first, day <= period.last, source.column(area_column) == area.id]
    condition = count_sources.scope_condition(user, source)
    return found if condition is None else [*found, condition]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), sched.LOCAL_TZ).astimezone(UTC)


def _row_ids(hamlets: list[Any], row_level: str, levels: Levels) -> dict[int, int]:
    """Each hamlet's row: itself, or its commune (the ancestor just above the hamlet)."""
    if row_level == levels.leaf:
        return {h[0]: h[0] for h in hamlets}
    return {h[0]: int(h[1].strip("/").split("/")[-2]) for h in hamlets}

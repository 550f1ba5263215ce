"""Where broadcasts are counted, and how a report's groups, filters and scope map onto it.

Reports add up the daily roll-ups (services/broadcast/play_counts.py) whenever one holds every
column they need, and count the events themselves only for combinations no roll-up keeps (a hamlet
by message, say). Either way the numbers are the same; only the number of rows read differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, DateTime, case, cast, func, or_

from ...extensions import db
from ...models import Area, HamletPlayCount, Message, PlayCount, PlayEvent, User
from ..areas import areas as area_service
from ..areas.area_levels import Levels

# Group-by name -> (the column it needs, how its values are labelled).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "province": ("province_id", "area"),
    "district": ("district_id", "area"),
    "commune": ("commune_id", "area"),
    "hamlet": ("area_id", "area"),
    "language": ("language", "language"),
    "message": ("message_id", "message"),
    "topic": ("message_id", "text"),
    "priority": ("message_id", "priority"),
    "source": ("source", "source"),
    "day": ("played_on", "text"),
    "month": ("played_on", "text"),
}
NEEDS_MESSAGE = frozenset({"topic", "priority"})


@dataclass(frozen=True)
class CountSource:
    model: Any
    plays: Any  # how many played, as an aggregate over the source's rows
    misses: Any  # how many not played
    played_row: Any  # a row that counts at least one play

    def has(self, column: str) -> bool:
        return column in self.model.__table__.c

    def column(self, name: str) -> Any:
        return getattr(self.model, name)

    def dimension(self, name: str) -> ColumnElement[Any]:
        """The SQL of a group or filter on this source (topic and priority are the message's)."""
        if name == "topic":
            return Message.topic
        if name == "priority":
            return Message.priority
        column = self.column(DIMENSIONS[name][0])
        if name == "month":  # grouped on a plain value, labelled in Python
            if db.session.get_bind().dialect.name == "postgresql":
                return func.date_trunc("month", cast(column, DateTime))
            return func.strftime("%Y-%m-01", column)
        return column


def _sources() -> tuple[CountSource, ...]:
    """Smallest first."""
    rollups = tuple(
        CountSource(m, func.sum(m.plays), func.sum(m.misses), m.plays > 0)
        for m in (PlayCount, HamletPlayCount)
    )
    events = CountSource(
        PlayEvent,
        func.count(case((PlayEvent.played, 1))),
        func.count(case((PlayEvent.played, None), else_=1)),
        PlayEvent.played.is_(True),
    )
    return (*rollups, events)


def events() -> CountSource:
    """The events themselves (every column; the most rows)."""
    return _sources()[-1]


def choose(user: User, names: set[str], columns: set[str] = frozenset()) -> CountSource:
    """The smallest source with what a report groups or filters by (``names`` of
    DIMENSIONS), the extra ``columns`` it reads, and the columns of the user's scope."""
    needed = {DIMENSIONS[n][0] for n in names} | set(columns) | _scope_columns(user)
    return next(s for s in _sources() if all(s.has(c) for c in needed))


def area_column(area: Area) -> str:
    """The roll-up column that holds an area of this level."""
    levels = Levels.from_config()
    if area.level == levels.leaf:
        return "area_id"
    if area.level == levels.top:
        return "province_id"
    if area.level == levels.order[-2]:
        return "commune_id"
    return "district_id"


def _scope_columns(user: User) -> set[str]:
    return {area_column(area) for area in area_service.scope_of(user) or ()}


def scope_condition(user: User, source: CountSource) -> ColumnElement[bool] | None:
    """Viewers and operators given areas see only counts in them."""
    scope = area_service.scope_of(user)
    if scope is None:
        return None
    if not scope:
        return db.false()
    return or_(*(source.column(area_column(area)) == area.id for area in scope))

"""Schedules on a calendar: every play of a week or a month, per area, per message or all the
reader may see, with emergencies and clashes marked.

Made from the playlists themselves (``playlists.for_area``, the same cached builds devices
download) and the same clash rule as the preview (``scheduling.clashes``), so the calendar,
the playlists and the preview never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ... import scheduling as sched
from ...models import Area, User
from ..areas import areas as area_service
from . import playlists

MAX_DAYS = 42  # six weeks: a month's grid
MAX_SLOTS = 3000  # beyond this the page would be too heavy for a commune's link


@dataclass
class Slot:
    """One play of one schedule at one moment: its languages and hamlets."""

    at: datetime
    schedule_id: int
    message_id: int
    title: str
    priority: str
    languages: list[str] = field(default_factory=list)
    hamlets: dict[int, str] = field(default_factory=dict)  # id -> name
    missing: list[str] = field(default_factory=list)  # languages without a playable version
    clashes_with: dict[int, str] = field(default_factory=dict)  # schedule id -> title

    @property
    def emergency(self) -> bool:
        return self.priority == "emergency"

    @property
    def hamlet_names(self) -> list[str]:
        return sorted(self.hamlets.values())


@dataclass
class Day:
    day: date
    slots: list[Slot]

    @property
    def clashes(self) -> int:
        return sum(1 for s in self.slots if s.clashes_with)


@dataclass
class Calendar:
    first: date
    last: date
    days: list[Day]
    truncated: bool  # more plays than MAX_SLOTS: the rest are left out

    @property
    def slot_count(self) -> int:
        return sum(len(d.slots) for d in self.days)


def roots(user: User, area: Area | None) -> list[Area]:
    """The areas to draw: the one chosen, else everything the user sees."""
    return [area] if area is not None else area_service.roots_for(user)


def build(
    areas: Sequence[Area],
    first: date,
    last: date,
    *,
    message_id: int | None = None,
    schedule_id: int | None = None,
) -> Calendar:
    """Every play between two local dates (inclusive) in the hamlets of ``areas``, optionally
    of one message or one schedule."""
    days = min((last - first).days + 1, MAX_DAYS)
    last = first + timedelta(days=days - 1)
    slots: dict[tuple[datetime, int], Slot] = {}
    by_day: dict[date, list[Slot]] = {first + timedelta(days=i): [] for i in range(days)}
    for area in areas:
        offset = 0
        while offset < days:
            chunk = min(playlists.MAX_DAYS, days - offset)
            result = playlists.for_area(area, first + timedelta(days=offset), chunk)
            _add(result, slots, by_day)
            offset += chunk
    count, truncated = 0, False
    calendar_days = []
    for day, every in by_day.items():
        found = [
            s
            for s in every
            if (message_id is None or s.message_id == message_id)
            and (schedule_id is None or s.schedule_id == schedule_id)
        ]
        found.sort(key=lambda s: (s.at, s.schedule_id))
        if count + len(found) > MAX_SLOTS:
            found, truncated = found[: max(0, MAX_SLOTS - count)], True
        count += len(found)
        calendar_days.append(Day(day, found))
    return Calendar(first, last, calendar_days, truncated)


def _add(
    result: playlists.AreaPlaylists,
    slots: dict[tuple[datetime, int], Slot],
    by_day: dict[date, list[Slot]],
) -> None:
    names = {h.id: h.name for h in result.hamlets.values()}
    titles = {s.id: s.title for s in result.schedules}
    durations = {
        (item.message_id, item.language): item.duration_s
        for item in result.items()
        if item.duration_s
    }
    for playlist in result.playlists:
        for item in playlist.items:
            key = (item.at, item.schedule_id)
            slot = slots.get(key)
            if slot is None:
                slot = slots[key] = Slot(
                    item.at, item.schedule_id, item.message_id, item.title, item.priority
                )
                by_day.setdefault(playlist.day, []).append(slot)
            if item.language not in slot.languages:
                slot.languages.append(item.language)
            if item.status == "missing" and item.language not in slot.missing:
                slot.missing.append(item.language)
            slot.hamlets.update((h, names.get(h, "")) for h in item.hamlet_ids)
        # The clash rule of the preview, over the schedules this playlist was made of; only
        # plays the playlist holds count (an expired message plays nothing, clashes with none).
        for clash in sched.clashes(playlist.day, result.hamlets, result.schedules, durations):
            first = slots.get((clash.first.start, clash.first.schedule_id))
            second = slots.get((clash.second.start, clash.second.schedule_id))
            if first is None or second is None:
                continue
            first.clashes_with[second.schedule_id] = titles.get(second.schedule_id, "")
            second.clashes_with[first.schedule_id] = titles.get(first.schedule_id, "")


def month_grid(month_first: date) -> tuple[date, date]:
    """The Monday before (or on) the month's first day, and the Sunday after its last."""
    next_month = (month_first.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = month_first - timedelta(days=month_first.weekday())
    end = next_month - timedelta(days=1)
    return start, end + timedelta(days=6 - end.weekday())


def week_of(day: date) -> tuple[date, date]:
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)

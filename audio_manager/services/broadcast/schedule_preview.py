"""A schedule's preview: its next plays, who hears it, what is missing, what clashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ... import scheduling as sched
from ...models import Area, Message, Schedule, Version
from ...models.base import utcnow
from .playlist_reads import playable_inputs
from .schedules import (
    hamlet_input,
    hamlet_paths,
    hamlets_under,
    schedule_input,
    schedules_touching,
    validated,
)


@dataclass(frozen=True)
class ClashGroup:
    """Clashes of the same two plays, whatever the hamlet: one line with the hamlets named."""

    start: datetime  # this schedule's play
    other_start: datetime
    other_schedule_id: int  # 0: this schedule with itself (two of its times overlap)
    other_title: str
    hamlet_names: list[str]
    overlap_s: float

    @property
    def count(self) -> int:
        return len(self.hamlet_names)


@dataclass
class Preview:
    occurrences: list[datetime]
    reach: dict[str, int]
    hamlet_count: int
    missing_languages: list[str]
    clashes: list[sched.Clash]
    clash_groups: list[ClashGroup] = field(default_factory=list)


def group_clashes(
    found: list[sched.Clash], names: dict[int, str], titles: dict[int, str]
) -> list[ClashGroup]:
    """The clashes of schedule 0 (the one previewed), one group per pair of plays, in time
    order, each with the names of the hamlets where they meet."""
    groups: dict[tuple[datetime, datetime, int], list[sched.Clash]] = {}
    for clash in found:
        mine, other = (
            (clash.first, clash.second)
            if clash.first.schedule_id == 0
            else (clash.second, clash.first)
        )
        groups.setdefault((mine.start, other.start, other.schedule_id), []).append(clash)
    return [
        ClashGroup(
            start,
            other_start,
            other_id,
            titles.get(other_id, ""),
            sorted({names.get(c.hamlet_id, str(c.hamlet_id)) for c in clashes}),
            max(c.overlap_s for c in clashes),
        )
        for (start, other_start, other_id), clashes in sorted(groups.items())
    ]


def preview(
    message: Message,
    targets: Sequence[Area],
    rec: sched.Recurrence,
    *,
    pinned: Version | None = None,
    exclude_schedule_id: int | None = None,
    days: int = 14,
) -> Preview:
    """What a schedule would do: its next plays, who hears it, what is missing, what clashes."""
    rec = validated(rec)
    hamlets = [hamlet_input(a) for a in hamlets_under(targets)]
    by_id = {h.id: h for h in hamlets}
    draft = sched.ScheduleInput(
        0,
        message.id,
        message.title,
        message.priority,
        rec,
        frozenset(by_id),
        pinned.id if pinned else None,
    )
    now = utcnow().astimezone(sched.LOCAL_TZ)
    _messages, versions, current = playable_inputs([message.id], [pinned.id] if pinned else [])
    missing = sched.missing_languages(draft, by_id, versions, current)
    found: list[sched.Clash] = []
    titles: dict[int, str] = {0: message.title}
    if hamlets:
        first = max(now.date(), rec.start_date)
        others = _other_inputs(
            targets, first, first + timedelta(days=days), by_id, exclude_schedule_id
        )
        titles.update((o.id, o.title) for o in others)
        all_messages, all_versions, _current = playable_inputs(
            [s.message_id for s in others] + [message.id], []
        )
        durations = {
            (v.message_id, v.language): v.duration_s or 60.0 for v in all_versions.values()
        }
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day > rec.end_date:
                break
            found += sched.clashes(
                day, by_id, [draft, *others], durations, messages=all_messages, schedule_id=0
            )
    return Preview(
        occurrences=sched.next_occurrences(rec, now, 10),
        reach=sched.reach(draft, by_id),
        hamlet_count=len(hamlets),
        missing_languages=missing,
        clashes=found[:50],
        clash_groups=group_clashes(found, {h.id: h.name for h in hamlets}, titles)[:30],
    )


def _other_inputs(
    targets: Sequence[Area],
    first: date,
    last: date,
    hamlets: dict[int, sched.Hamlet],
    exclude: int | None,
) -> list[sched.ScheduleInput]:
    seen: dict[int, Schedule] = {}
    for area in targets:
        for schedule in schedules_touching(area, first, last):
            if schedule.id != exclude:
                seen[schedule.id] = schedule
    paths = hamlet_paths(hamlets)
    return [schedule_input(s, paths) for s in seen.values()]

"""A schedule's preview: its next plays, who hears it, what is missing, what clashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass
class Preview:
    occurrences: list[datetime]
    reach: dict[str, int]
    hamlet_count: int
    missing_languages: list[str]
    clashes: list[sched.Clash]


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
    if hamlets:
        first = max(now.date(), rec.start_date)
        others = _other_inputs(
            targets, first, first + timedelta(days=days), by_id, exclude_schedule_id
        )
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

"""A day's playlist, resolved as a pure function of schedules, messages, versions and hamlets.

Inputs are plain frozen dataclasses the service fills from ORM rows; nothing here touches the
database, so every rule can be tested with literals. Times are aware local datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple, Protocol, TypeVar

from .recurrence import LOCAL_TZ, Recurrence, RecurrenceError, occurrences

Priority = Literal["normal", "priority", "emergency"]
Status = Literal["ok", "missing", "expired"]

PRIORITIES: tuple[str, ...] = ("emergency", "priority", "normal")  # most urgent first
PRIORITY_RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}


def _check_priority(value: str) -> None:
    if value not in PRIORITY_RANK:
        raise ValueError(f"unknown priority {value!r}; expected one of {', '.join(PRIORITIES)}")


def more_urgent(a: str, b: str) -> str:
    return a if PRIORITY_RANK[a] <= PRIORITY_RANK[b] else b


class RenditionRef(NamedTuple):
    id: int
    sha256: str
    size: int


@dataclass(frozen=True)
class Hamlet:
    id: int
    name: str
    commune_id: int | None
    languages: tuple[str, ...]  # in broadcast order

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(dict.fromkeys(self.languages)))


@dataclass(frozen=True)
class ScheduleInput:
    id: int
    message_id: int
    title: str
    priority: str
    recurrence: Recurrence
    hamlet_ids: frozenset[int]  # already resolved from the target areas
    pinned_version_id: int | None = None
    cancelled: bool = False

    def __post_init__(self) -> None:
        _check_priority(self.priority)
        object.__setattr__(self, "hamlet_ids", frozenset(self.hamlet_ids))


@dataclass(frozen=True)
class VersionInput:
    """A playable version: approved and current for its variant, or pinned by a schedule."""

    id: int
    message_id: int
    language: str
    number: int
    duration_s: float | None
    renditions: Mapping[str, RenditionRef] = field(default_factory=dict)  # profile -> rendition

    def __post_init__(self) -> None:
        refs = {profile: RenditionRef(*ref) for profile, ref in self.renditions.items()}
        object.__setattr__(self, "renditions", refs)


@dataclass(frozen=True)
class MessageInput:
    id: int
    title: str
    priority: str
    valid_from: datetime | None = None  # aware; inclusive
    valid_until: datetime | None = None  # aware; exclusive
    retired: bool = False

    def __post_init__(self) -> None:
        _check_priority(self.priority)
        for name in ("valid_from", "valid_until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be an aware datetime")

    def plays_at(self, at: datetime) -> bool:
        """Not retired, and ``valid_from <= at < valid_until``."""
        if self.retired:
            return False
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until


@dataclass(frozen=True)
class PlaylistItem:
    at: datetime
    schedule_id: int
    message_id: int
    title: str
    priority: str
    language: str
    hamlet_ids: tuple[int, ...]
    version_id: int | None
    version_number: int | None
    rendition_id: int | None
    sha256: str | None
    size: int | None
    duration_s: float | None
    status: Status
    play_now: bool


@dataclass(frozen=True)
class Playlist:
    day: date
    items: list[PlaylistItem]
    # Schedules skipped because their stored rule is undefined (see RecurrenceError).
    invalid_schedule_ids: tuple[int, ...] = ()

    @property
    def missing(self) -> list[PlaylistItem]:
        return [item for item in self.items if item.status == "missing"]


@dataclass(frozen=True)
class Slot:
    """One schedule's block in one hamlet: its languages back to back from ``start``."""

    schedule_id: int
    message_id: int
    start: datetime
    end: datetime
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Clash:
    hamlet_id: int
    first: Slot  # the earlier (then the lower schedule id)
    second: Slot
    overlap_s: float


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


def _by_id(values: Iterable[T] | Mapping[int, T]) -> dict[int, T]:
    rows: Iterable[T] = values.values() if isinstance(values, Mapping) else values
    return {row.id: row for row in rows}


class _Group(NamedTuple):
    language: str
    hamlet_ids: tuple[int, ...]
    rank: tuple[int, int, str]


def _language_groups(targets: Iterable[Hamlet], order: Sequence[str] = ()) -> list[_Group]:
    """The hamlets grouped per language. Ordered by the best position the language has in any of
    its hamlets' own order, then by ``order`` (e.g. the language registry), then by code."""
    members: dict[str, list[int]] = {}
    best: dict[str, int] = {}
    for hamlet in targets:
        for position, language in enumerate(hamlet.languages):
            members.setdefault(language, []).append(hamlet.id)
            best[language] = min(best.get(language, position), position)
    fallback = {language: i for i, language in enumerate(order)}
    groups = [
        _Group(lang, tuple(sorted(ids)), (best[lang], fallback.get(lang, len(fallback)), lang))
        for lang, ids in members.items()
    ]
    return sorted(groups, key=lambda g: g.rank)


def _targets(schedule: ScheduleInput, hamlets: Mapping[int, Hamlet]) -> list[Hamlet]:
    return [hamlets[h] for h in sorted(schedule.hamlet_ids) if h in hamlets]


def pick_version(
    schedule: ScheduleInput,
    language: str,
    versions: Mapping[int, VersionInput],
    current_versions: Mapping[tuple[int, str], int],
) -> VersionInput | None:
    """The pinned version if it is playable and in ``language``, else the current one."""
    pin = schedule.pinned_version_id
    pinned = versions.get(pin) if pin is not None else None
    if pinned and pinned.language == language and pinned.message_id == schedule.message_id:
        return pinned
    current = current_versions.get((schedule.message_id, language))
    return versions.get(current) if current is not None else None


def _item(
    schedule: ScheduleInput,
    message: MessageInput,
    at: datetime,
    group: _Group,
    version: VersionInput | None,
    profile: str,
    expired: bool,
) -> PlaylistItem:
    priority = more_urgent(schedule.priority, message.priority)
    rendition = version.renditions.get(profile) if version else None
    status: Status = "expired" if expired else ("ok" if rendition else "missing")
    return PlaylistItem(
        at=at,
        schedule_id=schedule.id,
        message_id=schedule.message_id,
        title=schedule.title or message.title,
        priority=priority,
        language=group.language,
        hamlet_ids=group.hamlet_ids,
        version_id=version.id if version else None,
        version_number=version.number if version else None,
        rendition_id=rendition.id if rendition else None,
        sha256=rendition.sha256 if rendition else None,
        size=rendition.size if rendition else None,
        duration_s=version.duration_s if version else None,
        status=status,
        play_now=priority == "emergency",
    )


def _sort_key(item: PlaylistItem, rank: tuple[int, int, str]) -> tuple[object, ...]:
    return (not item.play_now, item.at, PRIORITY_RANK[item.priority], item.schedule_id, rank)


def resolve_playlist(
    day: date,
    hamlets: Iterable[Hamlet] | Mapping[int, Hamlet],
    schedules: Iterable[ScheduleInput],
    messages: Iterable[MessageInput] | Mapping[int, MessageInput],
    versions: Iterable[VersionInput] | Mapping[int, VersionInput],
    current_versions: Mapping[tuple[int, str], int],
    profile: str = "loudspeaker",
    *,
    include_expired: bool = False,
    language_order: Sequence[str] = (),
    tz: tzinfo = LOCAL_TZ,
) -> Playlist:
    """The playlist of ``day`` (a local date) for the given hamlets.

    One item per (occurrence, schedule, language) with the hamlets that broadcast that language.
    Only hamlets passed in ``hamlets`` count, so pass a commune's hamlets for its playlist.
    Cancelled schedules, retired messages, unknown messages and occurrences outside the message's
    validity window yield nothing; with ``include_expired`` the last two kinds appear with status
    "expired" instead (for an editor's preview). A language without a playable version, or whose
    version has no rendition for ``profile``, appears with status "missing".
    Order: emergency items first ("play now"), then by time, priority, schedule id and language
    (see ``_language_groups``; pass the language registry's codes as ``language_order``).
    """
    hamlet_map, message_map, version_map = _by_id(hamlets), _by_id(messages), _by_id(versions)
    keyed: list[tuple[tuple[object, ...], PlaylistItem]] = []
    invalid: list[int] = []
    for schedule in sorted(schedules, key=lambda s: s.id):
        message = message_map.get(schedule.message_id)
        targets = _targets(schedule, hamlet_map)
        if schedule.cancelled or message is None or not targets:
            continue
        try:
            moments = occurrences(schedule.recurrence, day, day, tz=tz)
        except RecurrenceError:
            invalid.append(schedule.id)
            continue
        groups = _language_groups(targets, language_order)
        for at in moments:
            expired = not message.plays_at(at)
            if expired and not include_expired:
                continue
            for group in groups:
                version = (
                    None
                    if expired
                    else pick_version(schedule, group.language, version_map, current_versions)
                )
                item = _item(schedule, message, at, group, version, profile, expired)
                keyed.append((_sort_key(item, group.rank), item))
    keyed.sort(key=lambda pair: pair[0])
    return Playlist(day, [item for _, item in keyed], tuple(invalid))


def reach(
    schedule: ScheduleInput,
    hamlets: Iterable[Hamlet] | Mapping[int, Hamlet],
    language_order: Sequence[str] = (),
) -> dict[str, int]:
    """How many of the given hamlets the schedule reaches in each language (playlist order)."""
    groups = _language_groups(_targets(schedule, _by_id(hamlets)), language_order)
    return {group.language: len(group.hamlet_ids) for group in groups}


def missing_languages(
    schedule: ScheduleInput,
    hamlets: Iterable[Hamlet] | Mapping[int, Hamlet],
    versions: Iterable[VersionInput] | Mapping[int, VersionInput],
    current_versions: Mapping[tuple[int, str], int],
) -> list[str]:
    """Languages the schedule reaches that have no playable version (for the preview warning)."""
    version_map = _by_id(versions)
    return [
        language
        for language in reach(schedule, hamlets)
        if pick_version(schedule, language, version_map, current_versions) is None
    ]


def _end(start: datetime, seconds: float, tz: tzinfo) -> datetime:
    # Add elapsed time in UTC: wall-clock arithmetic would be wrong across a DST change.
    return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(tz)


def clashes(
    day: date,
    hamlets: Iterable[Hamlet] | Mapping[int, Hamlet],
    schedules: Iterable[ScheduleInput],
    durations: Mapping[tuple[int, str], float],
    *,
    messages: Iterable[MessageInput] | Mapping[int, MessageInput] | None = None,
    schedule_id: int | None = None,
    default_duration_s: float = 60.0,
    tz: tzinfo = LOCAL_TZ,
) -> list[Clash]:
    """Pairs of blocks in the same hamlet on ``day`` whose [start, end) overlap.

    A block is one occurrence of one schedule in one hamlet: the hamlet's languages played back to
    back, each lasting ``durations[(message_id, language)]`` seconds (``default_duration_s`` when
    unknown), so the languages of one occurrence never clash with each other. Two blocks that
    start at the same moment always clash. With ``messages``, occurrences the message would not
    play (retired, outside its window) are left out. With ``schedule_id``, only clashes involving
    that schedule are returned (the editor's preview).
    """
    hamlet_map = _by_id(hamlets)
    message_map = _by_id(messages) if messages is not None else None
    slots: dict[int, list[Slot]] = {}
    for schedule in sorted(schedules, key=lambda s: s.id):
        if schedule.cancelled:
            continue
        try:
            moments = occurrences(schedule.recurrence, day, day, tz=tz)
        except RecurrenceError:
            continue
        if message_map is not None:
            message = message_map.get(schedule.message_id)
            moments = [at for at in moments if message is not None and message.plays_at(at)]
        for hamlet in _targets(schedule, hamlet_map):
            if not hamlet.languages:
                continue
            seconds = sum(
                durations.get((schedule.message_id, lang), default_duration_s)
                for lang in hamlet.languages
            )
            for at in moments:
                slot = Slot(
                    schedule.id, schedule.message_id, at, _end(at, seconds, tz), hamlet.languages
                )
                slots.setdefault(hamlet.id, []).append(slot)
    found: list[Clash] = []
    for hamlet_id, blocks in slots.items():
        blocks.sort(key=lambda s: (s.start, s.schedule_id))
        for i, first in enumerate(blocks):
            for second in blocks[i + 1 :]:
                if second.start >= first.end and second.start != first.start:
                    break
                if schedule_id is not None and schedule_id not in (
                    first.schedule_id,
                    second.schedule_id,
                ):
                    continue
                overlap = (min(first.end, second.end) - second.start).total_seconds()
                found.append(Clash(hamlet_id, first, second, overlap))
    found.sort(key=lambda c: (c.first.start, c.hamlet_id, c.first.schedule_id, c.second.start))
    return found

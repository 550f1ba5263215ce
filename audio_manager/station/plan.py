"""What to play and when, from the playlists as fetched: pure functions, no I/O.

An item is one message in one language for the hamlets that hear it, at its time. Items due at
once play one after the other: emergencies first, then by time, priority and the playlist's
own order (which carries the hamlets' language order). An emergency that appears after its
time (approved late) is due from the poll that could first have seen it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .timeutil import parse

PRIORITY_RANK = {"emergency": 0, "priority": 1, "normal": 2}


@dataclass(frozen=True)
class Item:
    key: str  # stable for the occurrence: time, schedule, language, commune
    area: str  # the commune's code
    at: datetime
    index: int  # position in its playlist (language order within a time)
    schedule_id: int
    message_id: int
    title: str
    priority: str
    language: str
    hamlet_ids: tuple[int, ...]
    version_id: int
    rendition_id: int
    sha256: str
    size: int
    duration_s: float
    raw: Mapping[str, Any]  # the playlist item as the server sent it (e.g. a media url)

    @property
    def emergency(self) -> bool:
        return self.priority == "emergency"

    def label(self) -> str:
        return f"{self.language} «{self.title}» v{self.version_id}"


def item_key(area: str, raw: Mapping[str, Any], at: datetime) -> str:
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-s{raw['schedule_id']}-{raw['language']}-{area}"


def items_of(area: str, body: Mapping[str, Any]) -> tuple[list[Item], list[dict[str, Any]]]:
    """Playable items of a playlist document, and those that cannot play (no approved audio)."""
    playable: list[Item] = []
    other: list[dict[str, Any]] = []
    index = 0
    for day in body.get("days", []):
        for raw in day.get("items", []):
            index += 1
            ok = raw.get("status") == "ok" and raw.get("sha256") and raw.get("version_id")
            if not ok:
                other.append(dict(raw))
                continue
            at = parse(str(raw["at"]))
            playable.append(
                Item(
                    key=item_key(area, raw, at),
                    area=area,
                    at=at,
                    index=index,
                    schedule_id=int(raw["schedule_id"]),
                    message_id=int(raw["message_id"]),
                    title=str(raw.get("title") or ""),
                    priority=str(raw.get("priority") or "normal"),
                    language=str(raw["language"]),
                    hamlet_ids=tuple(int(h["id"]) for h in raw.get("hamlets", [])),
                    version_id=int(raw["version_id"]),
                    rendition_id=int(raw.get("rendition_id") or 0),
                    sha256=str(raw["sha256"]).lower(),
                    size=int(raw.get("size") or 0),
                    duration_s=float(raw.get("duration_s") or 0.0),
                    raw=raw,
                )
            )
    return playable, other


def moment(item: Item, seen: Mapping[str, tuple[str, str | None]]) -> datetime:
    """When the item is due. An emergency first seen after its time is due from the poll
    before the one that saw it (it was approved in between), so it plays within one poll."""
    if not item.emergency or item.key not in seen:
        return item.at
    _first, previous = seen[item.key]
    if previous is None:
        return item.at
    return max(item.at, parse(previous))


def order(item: Item, due_at: datetime) -> tuple[Any, ...]:
    return (not item.emergency, due_at, PRIORITY_RANK.get(item.priority, 3), item.index)


@dataclass
class Plan:
    items: list[Item]
    seen: Mapping[str, tuple[str, str | None]]

    def due(self, now: datetime, done: Iterable[str]) -> list[tuple[Item, datetime]]:
        """Items due by ``now`` not yet played or missed, in playing order."""
        skip = set(done)
        found = [
            (item, moment(item, self.seen))
            for item in self.items
            if item.key not in skip and item.at <= now
        ]
        found = [(item, at) for item, at in found if at <= now]
        return sorted(found, key=lambda pair: order(*pair))

    def next_time(self, now: datetime, done: Iterable[str]) -> datetime | None:
        skip = set(done)
        later = [i.at for i in self.items if i.key not in skip and i.at > now]
        return min(later) if later else None

    def upcoming(self, now: datetime, done: Iterable[str], limit: int) -> list[Item]:
        skip = set(done)
        later = sorted(
            (i for i in self.items if i.key not in skip and i.at >= now),
            key=lambda i: order(i, i.at),
        )
        return later[:limit]

    def needed_files(self, since: datetime) -> dict[str, tuple[datetime, Item]]:
        """Each file still to be played from ``since`` on, with its first use."""
        found: dict[str, tuple[datetime, Item]] = {}
        for item in self.items:
            if item.at < since:
                continue
            if item.sha256 not in found or item.at < found[item.sha256][0]:
                found[item.sha256] = (item.at, item)
        return found


def build(playlists: Iterable[tuple[str, Mapping[str, Any]]], seen: Mapping[str, Any]) -> Plan:
    items: list[Item] = []
    for area, body in playlists:
        items += items_of(area, body)[0]
    return Plan(items, seen)

"""Playlists for an area and days: derived from schedules, versions and areas, never stored.

A playlist's validator (its ETag) is known without building it. A commune's playlist is made of
the areas and schedules of its province and of the messages those schedules play; migration
0011 keeps a version number per province and per message that moves with any change to them.
The validator is an HMAC (keyed by the app's secret) of the area, the days, the format and those
numbers, followed by the ids of the messages it plays: "<digest>.<message>.<message>…". Whether a
device's copy is current is then one primary-key read of those numbers, in any worker, even one
that has never built the playlist; and an edit in one province, or of one message, changes only
the validators of the playlists it touches (any change to which schedules reach an area moves
the province's number, so the message ids listed in a validator are the ones to check). A
worker that found a validator current skips even that read while the database's global
``playlists`` data version (read anyway with the token's) has not moved.

Built playlists are kept in a per-process cache bounded by ``PLAYLIST_CACHE_MB``, checked
against the same numbers before use, so they are never stale. What devices poll for, the JSON,
is kept there compressed beside its validator (``CompactJson``: ~2 KB for a commune's 14 KB
document, against ~44 KB for the built objects), so the default 16 MB keeps every commune of a
country of 3,300 and a device without a validator is answered without a build.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import zlib
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import languages
from ... import scheduling as sched
from ...lru import SizedLRU
from ...models import Area, User
from .. import data_versions
from ..areas import area_refs
from ..areas import areas as area_service
from ..errors import ValidationFailed
from .playlist_reads import (
    PROFILE,
    hamlets_below,
    message_scope,
    playable_versions,
    province_scope,
    schedules_reaching,
    scope_versions,
)

MAX_DAYS = 14
FORMAT = "pl2"  # moves when what a validator covers changes
_TAG = re.compile(r"^([0-9a-f]{32})((?:\.[0-9]{1,12}){0,2000})$")


@dataclass(frozen=True)
class AreaRef:
    """The area a playlist is for, as plain values (playlists outlive the request's session)."""

    id: int
    code: str | None
    name: str
    path: str

    @classmethod
    def of(cls, area: Area) -> AreaRef:
        return cls(area.id, area.code, area.name, area.path)

    @property
    def scope(self) -> str:
        return province_scope(self.path)


@dataclass
class AreaPlaylists:
    area: AreaRef
    hamlets: dict[int, sched.Hamlet]
    playlists: list[sched.Playlist]
    first_day: date
    days: int
    scopes: dict[str, int] = field(default_factory=dict)  # the versions it was built from
    revised_at: datetime | None = None  # the latest change of what it plays (aware)
    schedules: list[sched.ScheduleInput] = field(default_factory=list)  # what it was made of

    @cached_property
    def json_body(self) -> bytes:
        """The JSON document, keys sorted so equal playlists give equal bytes."""
        payload = self.payload()
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()

    @property
    def etag(self) -> str:
        return self.validator("json")

    def validator(self, fmt: str, extra: str = "") -> str:
        """The ETag of this playlist in ``fmt`` (``extra``: anything else the bytes depend on,
        e.g. the expiry of the signed links inside)."""
        return validator(self.area, self.first_day, self.days, fmt, extra, self.scopes)

    @property
    def message_ids(self) -> list[int]:
        return sorted(int(s[1:]) for s in self.scopes if s.startswith("m"))

    def payload(self) -> dict[str, Any]:
        names = {h.id: h.name for h in self.hamlets.values()}
        return {
            "area": {"id": self.area.id, "code": self.area.code, "name": self.area.name},
            "days": [
                {
                    "date": playlist.day.isoformat(),
                    "items": [item_payload(item, names) for item in playlist.items],
                }
                for playlist in self.playlists
            ],
        }

    def items(self) -> list[sched.PlaylistItem]:
        return [item for playlist in self.playlists for item in playlist.items]

    def size(self) -> int:
        """What the cache counts for it: objects outweigh their JSON."""
        return 3 * len(self.json_body) + 2048


_ITEM_FIELDS = tuple(
    f.name for f in fields(sched.PlaylistItem) if f.name not in ("at", "hamlet_ids")
)


def item_payload(item: sched.PlaylistItem, names: dict[int, str]) -> dict[str, Any]:
    """An item as JSON: its fields (flat values: no deep copy), the time, the hamlets named."""
    data = {name: getattr(item, name) for name in _ITEM_FIELDS}
    data["at"] = item.at.isoformat()
    data["hamlets"] = [{"id": h, "name": names.get(h, "")} for h in item.hamlet_ids]
    return data


# --- validators ----------------------------------------------------------------------------


def _config_fingerprint() -> str:
    """What a playlist depends on besides the database: languages, levels, time zone."""
    config = current_app.config
    return "|".join(
        (
            ",".join(languages.codes()),
            str(config.get("AREA_LEVELS", "")),
            str(config.get("TIMEZONE", "")),
            PROFILE,
        )
    )


def validator(
    area: AreaRef, first_day: date, days: int, fmt: str, extra: str, scopes: dict[str, int]
) -> str:
    messages = sorted(int(s[1:]) for s in scopes if s.startswith("m"))
    canonical = "\n".join(
        (
            FORMAT,
            _config_fingerprint(),
            fmt,
            extra,
            str(area.id),
            first_day.isoformat(),
            str(days),
            ",".join(f"{name}={scopes[name]}" for name in sorted(scopes)),
        )
    )
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()[:32]
    return digest + "".join(f".{m}" for m in messages)


def _parse(tag: str) -> list[int] | None:
    """The message ids a validator lists, or None when it is not one of ours."""
    found = _TAG.match(tag)
    if found is None:
        return None
    return [int(part) for part in found.group(2).split(".") if part]


def current_tag(
    user: User, code: str, first_day: date, days: int, fmt: str, extra: str, tags: list[str]
) -> str | None:
    """Which of the validators a client holds (If-None-Match) is current, without building the
    playlist: one read of the scope versions it lists. None when none is (or the area is not
    the user's: the caller then answers as for a changed playlist)."""
    _check_days(days)
    parsed = [(tag, ids) for tag in tags[:8] if (ids := _parse(tag)) is not None]
    if not parsed:
        return None
    area = _area_by_code(code)
    if area is None or not area_service.can_see(user, area):
        return None
    # A tag this worker found current while nothing at all has changed since is current still.
    everything = data_versions.current(data_versions.PLAYLISTS)
    for tag, _ids in parsed:
        if _found_current((area.id, first_day, days, fmt, extra, tag), everything):
            return tag
    wanted = {area.scope} | {message_scope(m) for _tag, ids in parsed for m in ids}
    versions = scope_versions(wanted)
    for tag, ids in parsed:
        scopes = {area.scope: versions[area.scope]}
        scopes.update((message_scope(m), versions[message_scope(m)]) for m in ids)
        if hmac.compare_digest(validator(area, first_day, days, fmt, extra, scopes), tag):
            _note_current((area.id, first_day, days, fmt, extra, tag), everything)
            return tag
    return None


def _found_current(validated: tuple[Any, ...], everything: int) -> bool:
    """Whether this worker found ``validated`` (area id, first day, days, format, extra, tag)
    current while the global ``playlists`` version was ``everything`` (nothing changed since)."""
    return small_cache().get(("tag", *validated)) == everything


def _note_current(validated: tuple[Any, ...], everything: int) -> None:
    """Note ``validated`` as current at ``everything``, read by this transaction before the
    scopes it was checked or built from (never what a writing transaction read)."""
    if not data_versions.wrote():
        small_cache().put(("tag", *validated), everything, 256)


def remember(result: AreaPlaylists, fmt: str, extra: str = "") -> str:
    """The validator of ``result`` in ``fmt``, noted as current at the database's global
    ``playlists`` version read by this transaction (its scopes were read after it)."""
    tag = result.validator(fmt, extra)
    validated = (result.area.id, result.first_day, result.days, fmt, extra, tag)
    _note_current(validated, data_versions.current(data_versions.PLAYLISTS))
    return tag


# --- the cache -----------------------------------------------------------------------------


def cache() -> SizedLRU[AreaPlaylists | CompactJson]:
    """Built playlists (large), and JSON documents compressed."""
    return current_app.extensions["audio_manager.playlist_cache"]


def small_cache() -> SizedLRU[AreaRef | int]:
    """Areas by code and validators found current (small: built playlists cannot push them
    out, so a poll storm keeps its one-statement 304s while 200s churn the other cache)."""
    return current_app.extensions["audio_manager.playlist_tags"]


def for_code(user: User, code: str, first_day: date, days: int = 1) -> AreaPlaylists:
    """The playlists of the area with this code, when ``user`` may see it (what a device asks
    for), from the cache when nothing they are made of has changed."""
    _check_days(days)
    return _cached(_visible_area(user, code), first_day, days)


def _visible_area(user: User, code: str) -> AreaRef:
    """The area with this code when ``user`` may see it; unknown to them otherwise."""
    area = _area_by_code(code)
    if area is None or not area_service.can_see(user, area):
        raise area_service.unknown_code(code)
    return area


def for_area(area: Area, first_day: date, days: int = 1) -> AreaPlaylists:
    """The playlists of ``area``, from the cache when nothing they are made of has changed."""
    _check_days(days)
    return _cached(AreaRef.of(area), first_day, days)


def _area_by_code(code: str) -> AreaRef | None:
    """Areas by code, kept until areas or accounts change (the ``accounts`` data version)."""
    key = ("area", code, data_versions.current(data_versions.ACCOUNTS))
    found = small_cache().get(key)
    if isinstance(found, AreaRef):
        return found
    area = area_refs.by_text(code)
    if area is None:
        return None  # unknown codes are not kept
    ref = AreaRef.of(area)
    if not data_versions.wrote():
        small_cache().put(key, ref, 512)
    return ref


@dataclass(frozen=True)
class CompactJson:
    """A playlist's JSON document, compressed, with what says whether it is still current."""

    scopes: dict[str, int]
    compressed: bytes
    etag: str

    def size(self) -> int:
        return len(self.compressed) + 48 * len(self.scopes) + 512

    @property
    def body(self) -> bytes:
        return zlib.decompress(self.compressed)


def json_for_code(user: User, code: str, first_day: date, days: int = 1) -> tuple[bytes, str]:
    """The JSON document of the playlists of the area with this code and its validator, when
    ``user`` may see it; from the compact cache while nothing it is made of has changed."""
    _check_days(days)
    area = _visible_area(user, code)
    key = ("json", area.id, first_day, days)
    found = cache().get(key)
    everything = data_versions.current(data_versions.PLAYLISTS)
    if isinstance(found, CompactJson) and (
        # found current while nothing at all has changed since (as for a 304), or still current
        _found_current((area.id, first_day, days, "json", "", found.etag), everything)
        or scope_versions(found.scopes) == found.scopes
    ):
        body, tag = found.body, found.etag
    else:
        built = _build(area, first_day, days)
        body, tag = built.json_body, built.validator("json")
        if not data_versions.wrote():
            compact = CompactJson(built.scopes, zlib.compress(body, 6), tag)
            cache().put(key, compact, compact.size())
    _note_current((area.id, first_day, days, "json", "", tag), everything)
    return body, tag


def _cached(area: AreaRef, first_day: date, days: int) -> AreaPlaylists:
    key = ("playlists", area.id, first_day, days)
    found = cache().get(key)
    if isinstance(found, AreaPlaylists) and scope_versions(found.scopes) == found.scopes:
        return found
    built = _build(area, first_day, days)
    if not data_versions.wrote():  # what a writing transaction reads may never be committed
        cache().put(key, built, built.size())
    return built


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(_l("Ask for 1 to %(n)d days.", n=MAX_DAYS), code="bad_days")


# --- building ------------------------------------------------------------------------------


def build(area: Area, first_day: date, days: int = 1) -> AreaPlaylists:
    """Every day's playlist for the hamlets at or below ``area`` (read from the database)."""
    _check_days(days)
    return _build(AreaRef.of(area), first_day, days)


def _build(area: AreaRef, first_day: date, days: int) -> AreaPlaylists:
    """Six statements whatever the area: the province's version, the hamlets, the schedules
    reaching them (two), the messages' versions, the playable versions."""
    last = first_day + timedelta(days=days - 1)
    scopes = scope_versions([area.scope])
    hamlets, paths = hamlets_below(area.path)
    rows = schedules_reaching(area.path, paths, first_day, last) if hamlets else []
    message_ids = sorted({row.input.message_id for row in rows})
    scopes.update(scope_versions(message_scope(m) for m in message_ids))
    inputs = [row.input for row in rows]
    messages = {row.message.id: row.message for row in rows}
    versions, current, decided = playable_versions(
        message_ids, [s.pinned_version_id for s in inputs if s.pinned_version_id]
    )
    playlists = [
        sched.resolve_playlist(
            first_day + timedelta(days=offset),
            hamlets,
            inputs,
            messages,
            versions,
            current,
            PROFILE,
            language_order=languages.codes(),
        )
        for offset in range(days)
    ]
    changes = [row.revised_at for row in rows] + ([decided] if decided else [])
    revised = max(changes, default=None) or datetime.combine(
        first_day, time(0), tzinfo=sched.LOCAL_TZ
    )
    return AreaPlaylists(area, hamlets, playlists, first_day, days, scopes, revised, inputs)

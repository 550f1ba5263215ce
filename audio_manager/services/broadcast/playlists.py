"""Playlists for an area and days: derived from schedules, versions and areas, never stored.

Built playlists are kept in a per-process cache keyed by (area, days, the database's playlist
data version): any committed change to what playlists are made of moves the version on, so a
cached playlist is never stale, and a device polling with If-None-Match costs one small query
(the data versions, which also serve its token).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import languages
from ... import scheduling as sched
from ...extensions import db
from ...lru import SizedLRU
from ...models import Area, Message, Rendition, User, Variant, Version, VersionStatus
from .. import data_versions
from ..areas import areas as area_service
from ..errors import ValidationFailed
from .schedules import hamlet_input, hamlet_paths, hamlets_under, schedule_input, schedules_touching

MAX_DAYS = 14
PROFILE = "loudspeaker"


def playable_inputs(
    message_ids: Sequence[int], pinned_ids: Sequence[int]
) -> tuple[
    dict[int, sched.MessageInput], dict[int, sched.VersionInput], dict[tuple[int, str], int]
]:
    """Messages, their current approved versions (and pinned ones) with loudspeaker renditions."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}, {}, {}
    messages = {
        m.id: sched.MessageInput(
            m.id, m.title, m.priority, m.valid_from, m.valid_until, m.retired_at is not None
        )
        for m in db.session.scalars(db.select(Message).where(Message.id.in_(ids)))
    }
    rows = db.session.execute(
        db.select(Variant.message_id, Variant.language, Variant.current_version_id).where(
            Variant.message_id.in_(ids), Variant.current_version_id.is_not(None)
        )
    ).all()
    current = {(row.message_id, row.language): row.current_version_id for row in rows}
    wanted = set(current.values()) | set(pinned_ids)
    versions: dict[int, sched.VersionInput] = {}
    if wanted:
        found = db.session.execute(
            db.select(
                Version.id, Version.number, Version.status, Variant.message_id, Variant.language
            )
            .join(Variant, Variant.id == Version.variant_id)
            .where(Version.id.in_(wanted))
        ).all()
        renditions: dict[int, dict[str, tuple[int, str, int]]] = {}
        durations: dict[int, float | None] = {}
        for rendition in db.session.scalars(
            db.select(Rendition).where(
                Rendition.version_id.in_(wanted), Rendition.profile == PROFILE
            )
        ):
            asset = rendition.asset
            renditions.setdefault(rendition.version_id, {})[PROFILE] = (
                rendition.id,
                asset.sha256,
                asset.size,
            )
            durations[rendition.version_id] = asset.duration
        for row in found:
            if row.status not in (VersionStatus.APPROVED,):
                continue
            versions[row.id] = sched.VersionInput(
                row.id,
                row.message_id,
                row.language,
                row.number,
                durations.get(row.id),
                renditions.get(row.id, {}),
            )
    return messages, versions, current


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


@dataclass
class AreaPlaylists:
    area: AreaRef
    hamlets: dict[int, sched.Hamlet]
    playlists: list[sched.Playlist]

    @cached_property
    def json_body(self) -> bytes:
        """The JSON document, keys sorted so equal playlists give equal bytes."""
        payload = self.payload()
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()

    @cached_property
    def etag(self) -> str:
        return hashlib.sha256(self.json_body).hexdigest()[:32]

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


def item_payload(item: sched.PlaylistItem, names: dict[int, str]) -> dict[str, Any]:
    data = asdict(item)
    data["at"] = item.at.isoformat()
    data["hamlets"] = [{"id": h, "name": names.get(h, "")} for h in item.hamlet_ids]
    del data["hamlet_ids"]
    return data


def cache() -> SizedLRU[AreaPlaylists | AreaRef]:
    return current_app.extensions["audio_manager.playlist_cache"]


def for_code(user: User, code: str, first_day: date, days: int = 1) -> AreaPlaylists:
    """The playlists of the area with this code, when ``user`` may see it (what a device asks
    for). When nothing has changed, no query beyond reading the data versions."""
    _check_days(days)
    version = data_versions.current(data_versions.PLAYLISTS)
    area = _area_by_code(code, version)
    if area is None or not area_service.can_see(user, area):
        raise area_service.unknown_code(code)
    return _cached(area, first_day, days, version)


def for_area(area: Area, first_day: date, days: int = 1) -> AreaPlaylists:
    """The playlists of ``build``, from the cache when nothing they depend on has changed."""
    _check_days(days)
    return _cached(
        AreaRef.of(area), first_day, days, data_versions.current(data_versions.PLAYLISTS)
    )


def _area_by_code(code: str, version: int) -> AreaRef | None:
    key = ("area", code, version)
    found = cache().get(key)
    if isinstance(found, AreaRef):
        return found
    area = area_service.by_code(code)
    if area is None:
        return None  # unknown codes are not kept
    ref = AreaRef.of(area)
    if not data_versions.wrote():
        cache().put(key, ref, 512)
    return ref


def _cached(area: AreaRef, first_day: date, days: int, version: int) -> AreaPlaylists:
    key = ("playlists", area.id, first_day, days, version)
    found = cache().get(key)
    if isinstance(found, AreaPlaylists):
        return found
    built = build(db.session.get(Area, area.id), first_day, days)
    if not data_versions.wrote():  # what a writing transaction reads may never be committed
        cache().put(key, built, 3 * len(built.json_body) + 2048)  # objects outweigh JSON
    return built


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(_l("Ask for 1 to %(n)d days.", n=MAX_DAYS), code="bad_days")


def build(area: Area, first_day: date, days: int = 1) -> AreaPlaylists:
    """Every day's playlist for the hamlets at or below ``area`` (read from the database)."""
    _check_days(days)
    last = first_day + timedelta(days=days - 1)
    hamlets = {a.id: hamlet_input(a) for a in hamlets_under([area])}
    schedules = schedules_touching(area, first_day, last) if hamlets else []
    paths = hamlet_paths(hamlets)
    inputs = [schedule_input(s, paths) for s in schedules]
    inputs = [s for s in inputs if s.hamlet_ids]
    messages, versions, current = playable_inputs(
        [s.message_id for s in inputs], [s.pinned_version_id for s in inputs if s.pinned_version_id]
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
    return AreaPlaylists(AreaRef.of(area), hamlets, playlists)

"""Playlists for an area and days: derived from schedules, versions and areas, never stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import languages
from .. import scheduling as sched
from ..extensions import db
from ..models import Area, Message, Rendition, Variant, Version, VersionStatus
from .errors import ValidationFailed
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


@dataclass
class AreaPlaylists:
    area: Area
    hamlets: dict[int, sched.Hamlet]
    playlists: list[sched.Playlist]

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


def etag_of(payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def item_payload(item: sched.PlaylistItem, names: dict[int, str]) -> dict[str, Any]:
    data = asdict(item)
    data["at"] = item.at.isoformat()
    data["hamlets"] = [{"id": h, "name": names.get(h, "")} for h in item.hamlet_ids]
    del data["hamlet_ids"]
    return data


def build(area: Area, first_day: date, days: int = 1) -> AreaPlaylists:
    """Every day's playlist for the hamlets at or below ``area``."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(_l("Ask for 1 to %(n)d days.", n=MAX_DAYS), code="bad_days")
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
    return AreaPlaylists(area, hamlets, playlists)

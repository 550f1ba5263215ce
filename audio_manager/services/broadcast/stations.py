"""Stations: the agents on commune playback PCs, each known by its API token.

A station appears with its first heartbeat and reports, at every heartbeat, its agent version,
last sync, playlist validator, free cache space, what it is playing and its last error. Plays
it confirms are counted under their own source, "station".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import ApiToken, Station, User
from ...models.base import utcnow
from ..areas import areas as area_service
from ..errors import ValidationFailed

TEXT_LIMITS = {"agent_version": 40, "platform": 120, "playlist_validator": 400}
MAX_ERROR = 2000


def for_token(token_id: int) -> Station | None:
    return db.session.scalar(db.select(Station).where(Station.token_id == token_id))


def source_of(token: ApiToken | None) -> tuple[str, int | None]:
    """How plays sent with this token are counted: ("station", id) for a station's token."""
    station = for_token(token.id) if token is not None else None
    return ("station", station.id) if station is not None else ("device", None)


def _time(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed(
            _l("%(field)s must be an ISO time with its time zone.", field=name), code="bad_time"
        )
    return parsed


def _count(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(
            _l("%(field)s must be a whole number of 0 or more.", field=name), code="bad_number"
        )
    return value


def _now_playing(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        title, language = str(value.get("title") or ""), str(value.get("language") or "")
        return f"{language} «{title}»"[:300]
    return str(value)[:300]


def heartbeat(token: ApiToken, data: dict[str, Any], address: str | None) -> Station:
    """Record a heartbeat (creating the station on the first one); the caller commits."""
    if not isinstance(data, dict):
        raise ValidationFailed(_l("Send a JSON object."), code="bad_heartbeat")
    values: dict[str, Any] = {
        "clock_at": _time(data, "clock"),
        "last_sync_at": _time(data, "last_sync_at"),
        "cache_free_bytes": _count(data, "cache_free_bytes"),
        "cache_used_bytes": _count(data, "cache_used_bytes"),
        "waiting_confirmations": _count(data, "waiting_confirmations") or 0,
        "simulated": bool(data.get("simulated")),
        "now_playing": _now_playing(data.get("now_playing")),
    }
    for name, limit in TEXT_LIMITS.items():
        values[name] = str(data.get(name) or "")[:limit]
    station = for_token(token.id)
    now = utcnow()
    if station is None:
        station = Station(token_id=token.id, user_id=token.user_id, name=token.name,
                          first_seen_at=now)  # fmt: skip
        db.session.add(station)
    for name, value in values.items():
        setattr(station, name, value)
    error = str(data.get("last_error") or "").strip()[:MAX_ERROR] or None
    if error != station.last_error:
        station.last_error_at = now if error else None
    station.last_error = error
    station.name = token.name
    station.last_seen_at = now
    station.address = (address or "")[:64] or None
    db.session.flush()
    return station


def visible(user: User) -> list[Station]:
    """Stations whose communes the user may see (every station for unscoped users), by name.
    Stations of revoked tokens stay listed: their silence is news."""
    stations = db.session.scalars(db.select(Station).order_by(Station.name, Station.id)).all()
    paths = area_service.visible_paths(user)
    if paths.prefixes is None:
        return list(stations)
    return [s for s in stations if any(paths.admits(area) for area in s.user.scope_areas)]

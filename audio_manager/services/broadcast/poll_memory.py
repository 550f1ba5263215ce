"""What this process last told each device about its playlist, to answer its polls with 304
while the database is away.

Each poll answered (304, or 200 with a validator) notes, per bearer token and request, the
validator sent and the global ``playlists`` data version this process read with it. During a
database outage, a poll carrying that same validator gets 304 again if, as far as this process
saw before the outage, nothing in any playlist changed since (the version it noted is the
one it read last). Only tokens this process verified for that very request are answered, so the
outage answers nothing to anyone who had not just been answered the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from ...lru import SizedLRU
from .. import data_versions
from ..accounts.accounts import hash_token

ENTRY_BYTES = 256


def _memory() -> SizedLRU[Any]:
    return current_app.extensions["audio_manager.playlist_tags"]


def _seen() -> dict[str, int]:
    return current_app.extensions.setdefault("audio_manager.playlists_seen", {"version": -1})


def _key(bearer: str, code: str, day: date, days: int, fmt: str, extra: str) -> tuple[Any, ...]:
    return ("poll", hash_token(bearer), code, day, days, fmt, extra)


def note(bearer: str, code: str, day: date, days: int, fmt: str, extra: str, tag: str) -> None:
    """Remember the validator this token was just answered with (outside writing requests)."""
    if data_versions.wrote():
        return
    version = data_versions.current(data_versions.PLAYLISTS)
    _seen()["version"] = version  # versions are not ordered: the one read last
    _memory().put(_key(bearer, code, day, days, fmt, extra), (tag, version), ENTRY_BYTES)


def still_current(
    bearer: str, code: str, day: date, days: int, fmt: str, extra: str, tags: list[str]
) -> str | None:
    """The validator among ``tags`` this process may confirm without the database, or None."""
    found = _memory().get(_key(bearer, code, day, days, fmt, extra))
    if not isinstance(found, tuple):
        return None
    tag, version = found
    if tag in tags and version == _seen()["version"]:
        return tag
    return None

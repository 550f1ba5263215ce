"""Answers the API can still give while the database is away."""

from __future__ import annotations

from typing import Any

from flask import request

from .. import http_cache
from ..auth import bearer_value
from ..models.base import local_today
from ..services.broadcast import poll_memory
from .downloads import validator_extra

FORMATS = {"json", "m3u8", "ics", "html"}


def poll_answer() -> Any:
    """304 for a device polling an unchanged playlist with the validator this process last
    gave it (``poll_memory``), or None."""
    if request.method not in ("GET", "HEAD") or request.path != "/api/v1/playlists":
        return None
    bearer, tags = bearer_value(), http_cache.client_tags()
    fmt = request.args.get("format", "json")
    if bearer is None or not tags or fmt not in FORMATS:
        return None
    try:
        from datetime import date

        raw_day = request.args.get("date")
        day = date.fromisoformat(raw_day) if raw_day else local_today()
        days = int(request.args.get("days", "1"))
    except ValueError:
        return None
    code = request.args.get("area", "")
    tag = poll_memory.still_current(bearer, code, day, days, fmt, validator_extra(fmt), tags)
    if tag is None:
        return None
    response = http_cache.not_modified(tag)
    response.headers["Cache-Status"] = "audio_manager; hit; detail=database-unavailable"
    return response

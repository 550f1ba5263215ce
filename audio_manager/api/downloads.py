"""Playlist downloads: M3U8, a ZIP streamed in constant memory, iCalendar, a printable page."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context, url_for

from .. import languages
from ..extensions import db
from ..models import Asset
from ..models.base import utcnow
from ..scheduling import bundle, exports, ical
from ..services.audio.assets import storage
from ..services.broadcast.playlists import AreaPlaylists


def export_context(result: AreaPlaylists) -> exports.ExportContext:
    return exports.ExportContext(
        area_code=result.area.code or str(result.area.id),
        area_name=result.area.name,
        hamlet_names={h.id: h.name for h in result.hamlets.values()},
        language_names={lang.code: lang.native_name for lang in languages.all_languages()},
        generated_at=utcnow(),
        days=[p.day for p in result.playlists],
    )


def _filename(result: AreaPlaylists, extension: str) -> str:
    code = "".join(c for c in (result.area.code or str(result.area.id)) if c.isalnum())
    first = result.playlists[0].day.isoformat() if result.playlists else "empty"
    return f"playlist-{code}-{first}-{len(result.playlists)}d.{extension}"


def _attachment(body: Any, mimetype: str, name: str, inline: bool = False) -> Response:
    response = Response(body, content_type=mimetype)  # as given: one charset, not two
    kind = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{kind}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def playlist_download(result: AreaPlaylists, fmt: str) -> Response:
    items = result.items()
    ctx = export_context(result)
    if fmt == "m3u8":
        text = exports.m3u8(
            items,
            lambda item, _index: url_for(
                "api_production.download_rendition", rendition_id=item.rendition_id, _external=True
            ),
            ctx,
        )
        return _attachment(text, "audio/x-mpegurl; charset=utf-8", _filename(result, "m3u8"))
    if fmt == "ics":
        return _attachment(
            ical.ics(items, ctx), "text/calendar; charset=utf-8", _filename(result, "ics")
        )
    if fmt == "html":
        return _attachment(
            exports.schedule_html(items, ctx),
            "text/html; charset=utf-8",
            _filename(result, "html"),
            inline=True,
        )
    keys = dict(
        db.session.execute(
            db.select(Asset.sha256, Asset.storage_key).where(
                Asset.sha256.in_({item.sha256 for item in items if item.sha256})
            )
        ).all()
    )
    store = storage()

    def open_audio(item: Any) -> Any:
        return store.open(keys[item.sha256])

    stream = bundle.zip_stream(items, ctx, open_audio)
    return _attachment(stream_with_context(stream), "application/zip", _filename(result, "zip"))

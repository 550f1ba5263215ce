"""Playlist downloads: M3U8 (HLS, signed audio links), iCalendar, a printable page and the ZIP
bundle (Content-Length, strong ETag, Range/If-Range, constant memory). Every representation has
its validator (``AreaPlaylists.validator``): the ZIP's depends on the data only; those carrying
signed links also on the links' expiry window."""

from __future__ import annotations

from typing import Any

from flask import Response

from .. import http_cache, languages
from ..scheduling import exports, ical
from ..services.broadcast import bundles, playlists
from ..services.broadcast.playlists import AreaPlaylists
from ..web.media import link_expiry, signed_url

MIMETYPES = {
    "json": "application/json",
    "m3u8": "application/vnd.apple.mpegurl",
    "ics": "text/calendar; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "zip": "application/zip",
}
LINKED = ("m3u8", "ics", "html")  # formats carrying signed audio links


def validator_extra(fmt: str) -> str:
    """What a format's bytes depend on besides the data: the signed links' expiry."""
    return str(link_expiry()) if fmt in LINKED else ""


def export_context(result: AreaPlaylists) -> exports.ExportContext:
    assert result.revised_at is not None
    return exports.ExportContext(
        area_code=result.area.code or str(result.area.id),
        area_name=result.area.name,
        hamlet_names={h.id: h.name for h in result.hamlets.values()},
        language_names={lang.code: lang.native_name for lang in languages.all_languages()},
        revised_at=result.revised_at,
        days=[p.day for p in result.playlists],
    )


def _filename(result: AreaPlaylists, extension: str) -> str:
    code = "".join(c for c in (result.area.code or str(result.area.id)) if c.isalnum())
    first = result.playlists[0].day.isoformat() if result.playlists else "empty"
    return f"playlist-{code}-{first}-{len(result.playlists)}d.{extension}"


def _disposition(result: AreaPlaylists, fmt: str) -> dict[str, str]:
    kind = "inline" if fmt == "html" else "attachment"
    return {"Content-Disposition": f'{kind}; filename="{_filename(result, fmt)}"'}


def playlist_download(result: AreaPlaylists, fmt: str) -> Response:
    items = result.items()
    ctx = export_context(result)
    if fmt == "zip":
        tag = result.validator("zip")
        if http_cache.unchanged(tag):  # no need to look at the storage
            return http_cache.not_modified(tag)
        ready = bundles.prepare(items, ctx)
        return http_cache.send(
            lambda start, stop: ready.bundle.stream(ready.open_audio, start, stop),
            ready.length,
            tag,
            MIMETYPES["zip"],
            _disposition(result, "zip"),
        )
    extra = validator_extra(fmt)
    expires = int(extra)

    def link(item: Any, _index: int) -> str:
        return signed_url(item.sha256, "audio/mpeg", expires)

    if fmt == "m3u8":
        body = exports.m3u8(items, link, ctx)
    elif fmt == "ics":
        body = ical.ics(items, ctx, url_for=link)
    else:
        body = exports.schedule_html(items, ctx, url_for=link)
    data = body.encode("utf-8")
    return http_cache.send(
        lambda start, stop: [data[start:stop]],
        len(data),
        playlists.remember(result, fmt, extra),
        MIMETYPES[fmt],
        _disposition(result, fmt),
    )

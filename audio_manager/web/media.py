"""Audio by signed, expiring link (``signed_links``), for players that cannot send a token:
the links inside downloaded M3U8 playlists, calendars and printable pages. Each link opens one
file until it expires; an expired or altered link answers 403. Local files are served here
(Range, If-Range, validators); files in S3 through a presigned URL that expires with the link.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, redirect, url_for
from flask_babel import gettext as _

from .. import http_cache, signed_links
from ..access import api_error, public
from ..models import Asset
from ..services.audio.assets import by_sha256, extension_for, storage
from ..storage import StorageError

bp = Blueprint("media", __name__)

RENEW_EVERY_S = 6 * 3600  # links made within the same 6 hours are identical
PRESIGNED_MAX_S = 3600


def _key() -> bytes:
    return signed_links.key_from_secret(current_app.config["SECRET_KEY"], "media")


def link_expiry(now: float | None = None) -> int:
    """When links made now expire: at least MEDIA_LINK_HOURS away, on a 6-hour boundary."""
    hours = current_app.config["MEDIA_LINK_HOURS"]
    return signed_links.expiry(time.time() if now is None else now, hours * 3600, RENEW_EVERY_S)


def signed_url(sha256: str, mime: str, expires: int) -> str:
    """An absolute URL that opens this audio file, without a token, until ``expires``."""
    link = signed_links.make(_key(), f"/{sha256}.{extension_for(mime)}", expires)
    return url_for(
        "media.media_file",
        expires=link.expires,
        signature=link.signature,
        name=link.path.lstrip("/"),
        _external=True,
    )


@bp.route("/media/<int:expires>/<signature>/<name>", methods=["GET", "HEAD"])
@public
def media_file(expires: int, signature: str, name: str) -> Any:
    verdict = signed_links.check(_key(), f"/{name}", expires, signature, time.time())
    if verdict is signed_links.Verdict.EXPIRED:
        return api_error(403, "link_expired", _("This link has expired; download the list again."))
    if verdict is not signed_links.Verdict.VALID:
        return api_error(403, "link_invalid", _("This link is not valid."))
    asset = by_sha256(name.split(".", 1)[0])
    if asset is None:
        return api_error(404, "not_found", _("This audio file no longer exists."))
    left = max(1, min(PRESIGNED_MAX_S, int(expires - time.time())))
    return serve_asset(asset, name, presigned_seconds=left)


def serve_asset(
    asset: Asset,
    name: str,
    presigned_seconds: int = PRESIGNED_MAX_S,
    disposition: str = "inline",
) -> Any:
    """An asset's bytes with its sha256 as strong validator and Range support (local storage),
    or a redirect to a presigned URL (S3). Audio is never public: the browser (or player) may
    keep it, shared caches and proxies may not."""
    store = storage()
    path = store.local_path(asset.storage_key)
    proxy = current_app.config["S3_PROXY_DOWNLOADS"]
    if path is None and not proxy:
        url = store.presigned_url(
            asset.storage_key, expires_in=presigned_seconds, filename=name, content_type=asset.mime
        )
        return redirect(url)
    if path is None:  # S3, streamed through the app (S3_PROXY_DOWNLOADS)
        try:
            store.size(asset.storage_key)  # unreadable: an error status, not a 200 cut short
        except StorageError:
            return api_error(
                503, "storage_unavailable", _("The audio store could not be reached. Retry later.")
            )

    def produce(start: int, stop: int) -> Any:
        if path is None:
            source = store.open(asset.storage_key, start, stop - start)
        else:
            source = path.open("rb")
            source.seek(start)
        with source as src:
            left = stop - start
            while left > 0 and (chunk := src.read(min(1 << 16, left))):
                left -= len(chunk)
                yield chunk

    return http_cache.send(
        produce,
        asset.size,
        asset.sha256,
        asset.mime,
        {"Content-Disposition": f'{disposition}; filename="{name}"'},
        cache_control="private, max-age=31536000, immutable",
    )

"""gzip for pages, JSON, stylesheets and scripts, when the client accepts it.

Only whole 200 answers of text types are compressed: audio, ZIP archives and every partial
(Range) answer go out as they are, so resumed downloads and their validators keep working. A
compressed answer's ETag becomes weak (the bytes differ, the meaning does not), and
``Vary: Accept-Encoding`` keeps shared caches from mixing the two.
"""

from __future__ import annotations

import gzip
from typing import Any

from flask import Flask, request

COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "image/svg+xml",
}
MIN_BYTES = 500
MAX_BYTES = 8 * 1024 * 1024  # larger bodies are downloads: streamed, not held in memory
LEVEL = 6


def accepts_gzip() -> bool:
    return "gzip" in request.accept_encodings


def compress(response: Any) -> Any:
    if response.status_code in (200, 304):
        response.vary.add("Accept-Encoding")  # a 304 carries the 200's cache headers
    if (
        response.status_code != 200
        or request.method == "HEAD"
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or "Content-Range" in response.headers
        or request.headers.get("Range")
        or (response.is_streamed and response.content_length is None)
    ):
        return response
    length = response.content_length
    if length is not None and not MIN_BYTES <= length <= MAX_BYTES:
        return response
    if not accepts_gzip():
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, _weak = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)
    return response


def init_compression(app: Flask) -> None:
    app.after_request(compress)

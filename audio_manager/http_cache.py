"""Validators and byte ranges for downloads, as curl, wget, players and proxies expect them.

* ``If-None-Match`` compares weakly: ``W/"x"`` (what a compressing proxy sends back) matches
  ``"x"``; a 304 carries the same cache headers as the 200 would.
* ``Range`` with one satisfiable range answers 206 with ``Content-Range``; several ranges answer
  the whole representation (200); an unsatisfiable one answers 416 with ``Content-Range:
  bytes */N``; ``If-Range`` resumes only while the strong validator is the same.
* Every answer with a body carries ``Content-Length`` (a client can tell a short body).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Response, request, stream_with_context
from werkzeug.http import parse_etags, parse_range_header, quote_etag

Produce = Callable[[int, int], Iterable[bytes]]  # the bytes [start, stop)


def client_tags() -> list[str]:
    """The opaque tags of the request's If-None-Match, weak or strong ("*" kept as is)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return []
    etags = parse_etags(header)
    if etags.star_tag:
        return ["*"]
    return list(etags._strong) + list(etags._weak)


def cache_headers(etag: str, cache_control: str = "private, no-cache") -> dict[str, str]:
    """The headers a 200 and its 304 share."""
    return {"ETag": quote_etag(etag), "Cache-Control": cache_control, "Vary": "Authorization"}


def unchanged(etag: str) -> bool:
    """Whether the client's If-None-Match names this representation (weak comparison)."""
    tags = client_tags()
    return "*" in tags or etag in tags


def not_modified(etag: str, cache_control: str = "private, no-cache") -> Response:
    return Response(status=304, headers=cache_headers(etag, cache_control))


def send(
    produce: Produce,
    length: int,
    etag: str,
    mimetype: str,
    headers: dict[str, str] | None = None,
    cache_control: str = "private, no-cache",
) -> Response:
    """A representation of ``length`` bytes that ``produce(start, stop)`` streams, answering
    If-None-Match, Range and If-Range (see the module docstring)."""
    common = {**cache_headers(etag, cache_control), **(headers or {}), "Accept-Ranges": "bytes"}
    if unchanged(etag):
        return Response(status=304, headers=cache_headers(etag, cache_control))
    start, stop, status = 0, length, 200
    wanted = _range(length, etag)
    if wanted == "unsatisfiable":
        return Response(
            status=416,
            headers={**common, "Content-Range": f"bytes */{length}"},
            content_type=mimetype,
        )
    if isinstance(wanted, tuple):
        start, stop = wanted
        status = 206
        common["Content-Range"] = f"bytes {start}-{stop - 1}/{length}"
    body: Iterable[bytes] = () if request.method == "HEAD" else produce(start, stop)
    # content_type, not mimetype: a type given with its charset keeps exactly one
    response = Response(stream_with_context(body), status=status, content_type=mimetype)
    response.headers.update(common)
    response.headers["Content-Length"] = str(stop - start)
    return response


def _range(length: int, etag: str) -> tuple[int, int] | str | None:
    """The one range to send, "unsatisfiable", or None for the whole representation."""
    header = request.headers.get("Range")
    if not header or request.method not in ("GET", "HEAD"):
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None:
        tags = parse_etags(if_range)
        if tags._weak or etag not in tags._strong:
            return None  # the client's copy is another one: send it whole
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes":
        return None  # not understood: ignored, as RFC 9110 says
    if len(parsed.ranges) != 1:
        return None  # several ranges: the whole representation answers them all
    found = parsed.range_for_length(length)
    return found if found is not None else "unsatisfiable"

"""Polling URL sources: a conditional GET (If-None-Match with the ETag, If-Modified-Since with
the Last-Modified the source gave last time), so an unchanged source costs a 304 and nothing
else; the body is read up to CAP_MAX_BYTES and no further. ``flask cap poll`` runs it (cron)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from ...capxml.reading import CapError
from ...extensions import db
from ...models import CapInbound, CapSource, CapSourceKind
from ...models.base import utcnow
from ..context import Actor
from . import ingest

if TYPE_CHECKING:
    import requests

USER_AGENT = "audio_manager-cap/1"


@dataclass
class PollResult:
    source: CapSource
    status: str  # not_modified | fetched | error
    rows: list[CapInbound]
    detail: str = ""


def _get(url: str, headers: dict[str, str] | None = None) -> requests.Response:
    import requests  # loaded when polling, not by every web worker

    return requests.get(
        url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=current_app.config["CAP_POLL_TIMEOUT_SECONDS"],
        stream=True,
        allow_redirects=True,
    )


def _body(response: requests.Response) -> bytes:
    limit = current_app.config["CAP_MAX_BYTES"]
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise CapError("too_large", f"larger than {limit} bytes")
    data = bytearray()
    for chunk in response.iter_content(1 << 16):
        data += chunk
        if len(data) > limit:
            raise CapError("too_large", f"larger than {limit} bytes")
    return bytes(data)


def fetch(url: str) -> bytes:
    """One linked alert (from a feed), bounded like the feed itself."""
    import requests

    try:
        with _get(url) as response:
            if response.status_code != 200:
                raise CapError("http", f"HTTP {response.status_code}")
            return _body(response)
    except requests.RequestException as error:
        raise CapError("unreachable", type(error).__name__) from None


def poll(actor: Actor, source: CapSource) -> PollResult:
    """Ask one source for what changed; the caller commits."""
    import requests

    if source.kind != CapSourceKind.URL or not source.url:
        return PollResult(source, "error", [], "not a polled source")
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    source.last_polled_at = utcnow()
    try:
        with _get(source.url, headers) as response:
            if response.status_code == 304:
                source.last_result = "304 not modified"
                return PollResult(source, "not_modified", [])
            if response.status_code != 200:
                raise CapError("http", f"HTTP {response.status_code}")
            data = _body(response)
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
    except (CapError, requests.RequestException) as error:
        reason = (
            f"{error.code}: {error.reason}" if isinstance(error, CapError) else type(error).__name__
        )
        source.last_result = f"error: {reason}"[:400]
        row = CapInbound(source_id=source.id, result="error", detail=reason, url=source.url)
        db.session.add(row)
        return PollResult(source, "error", [row], reason)
    rows = ingest.receive(actor, source, data, url=source.url, fetch=fetch)
    # Remember the validators only once what they stand for was taken in.
    source.etag = etag[:400] if etag else None
    source.last_modified = modified[:64] if modified else None
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result] = counts.get(row.result, 0) + 1
    source.last_result = ("200: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))[:400]
    return PollResult(source, "fetched", rows)


def poll_all(actor: Actor) -> list[PollResult]:
    sources = db.session.scalars(
        db.select(CapSource)
        .where(CapSource.kind == CapSourceKind.URL, CapSource.active.is_(True))
        .order_by(CapSource.id)
    )
    return [poll(actor, source) for source in sources]

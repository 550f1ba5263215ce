"""The agent's whole conversation with the server, over the public JSON API (stdlib only).

Kept small on purpose: four calls (who am I, a playlist with its validator, a media file from
an offset, a batch of confirmations) and the heartbeat. Media links come from the playlist item
(``url``, e.g. a signed, expiring link) when the server gives one, else the rendition download.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from . import __version__

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0
CHUNK = 64 * 1024


class ApiError(Exception):
    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class Unreachable(ApiError):
    """No answer, a cut connection or a server error: try again later."""


class Refused(ApiError):
    """The server refuses the token (revoked, expired, unknown, account disabled): stop."""


@dataclass
class Playlist:
    etag: str | None
    body: dict[str, Any] | None  # None: not modified


class Download:
    """An open media response: ``offset`` is where its bytes start (0 when the server sent the
    whole file again), ``total`` the file's full size when known."""

    def __init__(
        self, response: Any, offset: int, total: int | None, client: Client | None = None
    ) -> None:
        self.response, self.offset, self.total, self._client = response, offset, total, client

    def chunks(self) -> Iterator[bytes]:
        while True:
            try:  # read1: whatever arrived, so a cut keeps every byte received before it
                chunk = self.response.read1(CHUNK)
                if not chunk:
                    self.response.read()  # the end: frees the kept-alive connection
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise Unreachable(f"download cut: {_describe(exc)}") from None
            if not chunk:
                if getattr(self.response, "length", None):  # fewer bytes than announced
                    self._drop()
                return
            yield chunk

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()


class Client:
    """One keep-alive connection per thread to the server."""

    def __init__(self, server: str, token: str) -> None:
        self.base = server.rstrip("/") + "/"
        self.token = token
        self._local = threading.local()

    # --- transport ---------------------------------------------------------------------------

    def _connection(self, url: str) -> http.client.HTTPConnection:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        self.close()
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.netloc, timeout=CONNECT_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.netloc, timeout=CONNECT_TIMEOUT)
        self._local.connection = (key, connection)
        return connection

    def close(self) -> None:
        cached = getattr(self._local, "connection", None)
        if cached is not None:
            cached[1].close()
            self._local.connection = None

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        same_server = url.startswith(self.base)
        path = urlsplit(url)
        target = path.path + (f"?{path.query}" if path.query else "")
        headers = {"User-Agent": f"audio-manager-station/{__version__}", **headers}
        if same_server:  # never hand the token to another host (signed links need none)
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):  # a kept-alive connection the server closed: one fresh retry
            connection = self._connection(url)
            try:
                connection.request(method, target or "/", body=body, headers=headers)
                if connection.sock is not None:
                    connection.sock.settimeout(READ_TIMEOUT)
                return connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise Unreachable(f"{urlsplit(url).netloc}: connection closed") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise Unreachable(f"{urlsplit(url).netloc}: {_describe(exc)}") from None
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = self._send(method, self.base + path.lstrip("/"), body, headers)
        data = self._read(response)
        _raise_for(response.status, data)
        return json.loads(data) if data else None

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        try:
            return response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Unreachable(f"answer cut: {_describe(exc)}") from None

    # --- calls -------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return dict(self._json("GET", "api/v1/me"))

    def playlist(self, area: str, first_day: date, days: int, etag: str | None) -> Playlist:
        query = urlencode({"area": area, "date": first_day.isoformat(), "days": days})
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = f'"{etag}"'
        response = self._send("GET", f"{self.base}api/v1/playlists?{query}", None, headers)
        data = self._read(response)
        new_etag = (response.getheader("ETag") or "").strip('W/"') or None
        if response.status == 304:
            return Playlist(new_etag or etag, None)
        _raise_for(response.status, data)
        return Playlist(new_etag, json.loads(data))

    def media_url(self, item: dict[str, Any]) -> str:
        if item.get("url"):
            return urljoin(self.base, str(item["url"]))
        return f"{self.base}api/v1/renditions/{int(item['rendition_id'])}/file"

    def download(self, url: str, offset: int, redirects: int = 3) -> Download:
        """The media from ``offset`` on (HTTP Range); the caller reads it to the end."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        response = self._send("GET", url, None, headers)
        if response.status in (301, 302, 303, 307, 308) and redirects:
            location = response.getheader("Location") or ""
            self._read(response)
            return self.download(urljoin(url, location), offset, redirects - 1)
        if response.status == 206:
            start, total = _content_range(response.getheader("Content-Range") or "")
            return Download(response, start, total, self)
        if response.status == 200:
            length = response.getheader("Content-Length")
            total = int(length) if length and length.isdigit() else None
            return Download(response, 0, total, self)
        data = self._read(response)
        if response.status == 416:  # the part we hold is longer than the file
            return Download(_EmptyResponse(), -1, None)
        _raise_for(response.status, data)
        raise Unreachable(f"unexpected answer {response.status} to a download", status=416)

    def send_plays(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self._json("POST", "api/v1/plays", {"events": events})
        return list(answer["results"])

    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self._json("POST", "api/v1/stations/heartbeat", payload))


class _EmptyResponse:
    def read1(self, _size: int = -1) -> bytes:
        return b""

    def read(self) -> bytes:
        return b""


def _content_range(value: str) -> tuple[int, int | None]:
    """``bytes 100-999/1000`` -> (100, 1000)."""
    try:
        _unit, _, rest = value.partition(" ")
        span, _, total = rest.partition("/")
        start = int(span.split("-")[0])
        return start, (int(total) if total.isdigit() else None)
    except ValueError:
        raise Unreachable(f"bad Content-Range {value!r}") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(exc) or exc.__class__.__name__


def _raise_for(status: int, data: bytes) -> None:
    if 200 <= status < 300:
        return
    code, message = "", ""
    try:
        error = json.loads(data)["error"]
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        message = data[:200].decode("utf-8", "replace")
    text = f"HTTP {status} {code}: {message}".strip()
    if status == 401:
        raise Refused(text, status=status, code=code or "unauthenticated")
    if status >= 500 or status in (408, 429):
        raise Unreachable(text, status=status, code=code)
    raise ApiError(text, status=status, code=code)

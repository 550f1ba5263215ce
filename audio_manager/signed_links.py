"""Signed, expiring links to one file, that a plain player (VLC, mpv, a browser) can open.

A link carries its expiry (Unix seconds) and an HMAC-SHA256 over the file's path and that
expiry, keyed by a secret of the server: ``/media/<expires>/<signature>/<path>``. Changing the
path, the expiry or the signature, or using it after it expired, makes it invalid; the link
opens that one file and nothing else. The signature sits in the path (not the query) so the
URL still ends in the file's extension, which players use to pick a demuxer.

Expiries are rounded up to a window (``granularity``): links made within the same window are
identical, so a playlist that carries them keeps the same bytes (and validator) for that long.

Pure code (no Flask, no database), for the server's downloads and later for the station agent
and CAP alerts: ``key_from_secret`` derives a key per purpose, ``make`` signs, ``check`` verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from enum import Enum

_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


class Verdict(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"  # altered, or not made with this key


def key_from_secret(secret: str | bytes, purpose: str = "media") -> bytes:
    """A key for one purpose, derived from the server's secret (so a link signed for one use
    cannot stand for another, and the secret itself never signs anything)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, f"audio_manager.signed_links/{purpose}".encode(), hashlib.sha256).digest()


def expiry(now: float, lifetime_s: float, granularity_s: float = 3600.0) -> int:
    """An expiry at least ``lifetime_s`` from ``now``, rounded up to a ``granularity_s`` window."""
    return int(math.ceil((now + lifetime_s) / granularity_s) * granularity_s)


def signature(key: bytes, path: str, expires: int) -> str:
    mac = hmac.new(key, f"{path}\n{int(expires)}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


@dataclass(frozen=True)
class SignedLink:
    path: str  # the file's own path, e.g. "/<sha256>.mp3"
    expires: int
    signature: str

    def url_path(self, prefix: str = "/media") -> str:
        return f"{prefix}/{self.expires}/{self.signature}{self.path}"


def make(key: bytes, path: str, expires: int) -> SignedLink:
    if not path.startswith("/"):
        raise ValueError("a signed path starts with /")
    return SignedLink(path, int(expires), signature(key, path, expires))


def check(key: bytes, path: str, expires: int, given: str, now: float) -> Verdict:
    """Whether a link (its path, expiry and signature) is one this key made, still valid."""
    if not _SIGNATURE.match(given or ""):
        return Verdict.INVALID
    if not hmac.compare_digest(signature(key, path, expires), given):
        return Verdict.INVALID
    return Verdict.EXPIRED if now >= expires else Verdict.VALID

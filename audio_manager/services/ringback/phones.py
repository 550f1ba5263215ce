"""Vietnamese mobile numbers: normalised, validated, and turned into what may be kept.

A number is never stored in clear. What is kept is an HMAC of its national form (keyed by the
``PHONE_HMAC_KEY`` setting, so the same phone always gives the same value and nobody without
the key can test a guess) and a masked form for display, ``09x xxx x678``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...bulk import insert_rows
from ...extensions import db
from ...models import KeyFingerprint
from ..errors import Conflict

# Mobile ranges since the 2018 move to ten digits: 03x Viettel, 05x Vietnamobile/Gmobile/Reddi,
# 07x MobiFone, 08x VinaPhone/Viettel/iTel/MobiFone, 09x all of them (095 is unassigned).
MOBILE = re.compile(r"0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-46-9])\d{7}")
SEPARATORS = re.compile(r"[\s.\-()/]+")
# Anything in free text that could be a phone number (for redacting file names).
PHONE_LIKE = re.compile(r"\+?\d[\d\s.\-]{7,14}\d")


@dataclass(frozen=True)
class Phone:
    """What is kept of a number: its keyed HMAC and its masked form."""

    hmac: str
    masked: str


def normalise(raw: Any) -> str | None:
    """The national form ``0912345678`` of a Vietnamese mobile number, or None.

    Accepts ``+84 91 234 5678``, ``84912345678``, ``0084…``, ``0912.345.678`` and the nine digits
    left when a spreadsheet drops the leading zero (also as a number cell).
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        if not raw.is_integer():
            return None
        text = str(int(raw))
    else:
        text = SEPARATORS.sub("", str(raw).strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("0084"):
        text = "0" + text[4:]
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    elif len(text) == 9 and not text.startswith("0"):
        text = "0" + text
    return text if MOBILE.fullmatch(text) else None


def mask(national: str) -> str:
    """``0912345678`` → ``09x xxx x678``."""
    return f"{national[:2]}x xxx x{national[-3:]}"


def hasher(key: str | None = None) -> Callable[[str], str]:
    """A function from a national number to its HMAC-SHA256 (hex), keyed once (by default
    with the server's key, checked against the one the recorded installs were made with)."""
    if key is None:
        key = current_app.config["PHONE_HMAC_KEY"]
        check_server_key(key)
    base = hmac.new(key.encode(), digestmod=hashlib.sha256)

    def digest(national: str) -> str:
        mac = base.copy()
        mac.update(national.encode())
        return mac.hexdigest()

    return digest


FINGERPRINT_TEXT = b"audio_manager phone key"


def check_server_key(key: str) -> None:
    """Refuse to hash with a key other than the one the data was made with (two servers with
    their own default keys would count the same phone twice). The database keeps an HMAC of a
    fixed text under the key, recorded with the first phone; once found, not read again by this
    process."""
    checked = current_app.extensions.setdefault("audio_manager.phone_key_checked", set())
    if key in checked:
        return
    fingerprint = hmac.new(key.encode(), FINGERPRINT_TEXT, hashlib.sha256).hexdigest()
    stored = db.session.scalar(
        db.select(KeyFingerprint.fingerprint).where(KeyFingerprint.name == "phone_hmac")
    )
    if stored is None:  # recorded in the caller's transaction: checked again until it is kept
        row = {"name": "phone_hmac", "fingerprint": fingerprint}
        insert_rows(KeyFingerprint.__table__, [row], conflict=("name",))
        return
    if not hmac.compare_digest(stored, fingerprint):
        raise Conflict(
            _l(
                "This server's phone key is not the one the recorded installs were made with: "
                "set AUDIO_MANAGER_PHONE_HMAC_KEY to the same value on every server."
            ),
            code="phone_key_mismatch",
        )
    checked.add(key)


def protect(raw: Any, digest: Callable[[str], str] | None = None) -> Phone | None:
    """HMAC and mask of a raw number, or None when it is not a Vietnamese mobile number."""
    national = normalise(raw)
    if national is None:
        return None
    return Phone((digest or hasher())(national), mask(national))


def redact(text: str) -> str:
    """Free text (a file name) with anything that looks like a phone number masked."""
    return PHONE_LIKE.sub(
        lambda m: "x" * max(0, len(re.sub(r"\D", "", m.group())) - 3) + m.group()[-3:], text
    )

"""What the service keeps of an uploaded file's name: the last path part, without control
characters or bidirectional overrides (U+202E would show ``gpj.exe`` as ``exe.jpg``)."""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings, overrides and isolates, the implicit marks, and the Arabic letter mark.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_UNWANTED = re.compile(f"[{BIDI_CONTROLS}\\x00-\\x1f\\x7f-\\x9f]")


def clean_filename(name: str | None, limit: int = 255) -> str:
    """The name shown and stored for an upload ('' when nothing is left)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return unicodedata.normalize("NFC", _UNWANTED.sub("", base)).strip()[:limit]

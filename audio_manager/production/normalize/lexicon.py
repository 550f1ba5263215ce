"""Applying a lexicon (written form -> spoken form) to a text, on whole words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache


@lru_cache(maxsize=32)
def _compile(keys: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "TP.HCM" wins over "TP."; a key is a whole word when no letter or
    # digit touches it (a key that ends with "." may be followed by anything).
    ordered = sorted(keys, key=len, reverse=True)
    parts = []
    for key in ordered:
        tail = "" if not key[-1].isalnum() else r"(?![\w])"
        head = "" if not key[0].isalnum() else r"(?<![\w])"
        parts.append(head + re.escape(key) + tail)
    return re.compile("|".join(parts))


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace every lexicon word in ``text`` by its spoken form (case as written)."""
    text = unicodedata.normalize("NFC", text)
    entries = {
        unicodedata.normalize("NFC", k.strip()): v.strip()
        for k, v in lexicon.items()
        if k.strip() and v.strip()
    }
    if not entries:
        return text
    pattern = _compile(tuple(sorted(entries)))
    return pattern.sub(lambda m: entries[m.group(0)], text)

"""What the voice will read: a script through its language's lexicon and normaliser. The
preview on the edit page, ``POST /api/v1/speech/preview`` and every synthesis call this."""

from __future__ import annotations

from ...production.normalize import normalize
from . import lexicons, preferences


def spoken_text(language: str, text: str) -> str:
    """``text`` in ``language`` (kinh, hoa, khmer) as the voice will read it."""
    found = preferences.language(language)
    return normalize(found.bcp47, text or "", lexicons.as_mapping(found.code))

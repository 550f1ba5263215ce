"""Check that a text can be read by a voice: writing systems and length."""

from __future__ import annotations

import unicodedata
from collections import Counter

from ..errors import EmptyScriptError, ScriptTooLongError, UnsupportedScriptError
from .base import HAN, KHMER, LATIN, Voice

MAX_CHARS = 3000

_LANGUAGE_NAMES = {"vi": "Vietnamese", "zh": "Chinese", "km": "Khmer"}


def script_of(char: str) -> str | None:
    """The writing system of a letter ("Latin", "Han", "Khmer", or Unicode's own word)."""
    if not char.isalpha():
        return None
    code = ord(char)
    if 0x1780 <= code <= 0x17FF or 0x19E0 <= code <= 0x19FF:
        return KHMER
    if (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or code in (0x3005, 0x3007)
    ):
        return HAN
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF or 0xFF21 <= code <= 0xFF5A:
        return LATIN
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0].title() if name else "Unknown"


def count_scripts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script:
            counts[script] += 1
    return counts


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """NFC-normalised, stripped text; raises for empty or over-long scripts."""
    cleaned = unicodedata.normalize("NFC", text or "").strip()
    if not cleaned or not any(c.isalnum() for c in cleaned):
        raise EmptyScriptError("The script is empty: type the text to be spoken.")
    if len(cleaned) > max_chars:
        raise ScriptTooLongError(
            f"The script is {len(cleaned)} characters long; the limit is {max_chars}.",
            details={"length": len(cleaned), "max_chars": max_chars},
        )
    return cleaned


def check_readable(text: str, voice: Voice) -> None:
    """Raise :class:`UnsupportedScriptError` when ``voice`` cannot read ``text``.

    Letters in a script the voice does not read are refused (Khmer text sent to a Vietnamese
    voice); Latin letters are tolerated for names and acronyms, but a Chinese or Khmer voice
    needs some text in its own script.
    """
    counts = count_scripts(text)
    language = _LANGUAGE_NAMES.get(voice.language, voice.language)
    foreign = sorted(s for s in counts if s not in voice.scripts and s != LATIN)
    if foreign:
        raise UnsupportedScriptError(
            f"The {language} voice ({voice.id}) cannot read {', '.join(foreign)} script. "
            "Choose the voice for the text's language, or correct the text.",
            details={"voice": voice.id, "scripts": foreign},
        )
    own = [s for s in voice.scripts if s != LATIN]
    if own and counts and not any(counts[s] for s in own):
        raise UnsupportedScriptError(
            f"The {language} voice ({voice.id}) needs text written in "
            f"{' or '.join(sorted(own))} script; this text has none.",
            details={"voice": voice.id, "scripts": sorted(counts)},
        )

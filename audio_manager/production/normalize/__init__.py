"""Text normalisers: what a voice should read, written out as a person would read it.

Every speech engine reads scripts literally: "BHXH" letter by letter, "1900 9068" as one huge
number, "16/9/2020" as "sixteen slash nine…". :func:`normalize` rewrites a script in words before
any engine sees it: abbreviations from a lexicon (editable by admins, passed in here), phone and
hotline numbers in digit groups, numbers, decimals, percentages, money, dates, times, ordinals
and ranges, each in the language's own reading.

Pure functions (no Flask, no database): ``normalize(language, text, lexicon)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .chinese import normalize_chinese
from .khmer import normalize_khmer
from .lexicon import apply_lexicon
from .vietnamese import normalize_vietnamese

Normalizer = Callable[[str], str]

# By BCP-47 primary language (the speech engines' own tags: vi, zh, km).
NORMALIZERS: dict[str, Normalizer] = {
    "vi": normalize_vietnamese,
    "zh": normalize_chinese,
    "km": normalize_khmer,
}


def normalize(language: str, text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """``text`` in ``language`` (``vi``, ``zh``, ``km``) written out in words.

    The lexicon (written form -> spoken form) is applied first, longest entry first, on whole
    words; then the language's own rules. A language without rules gets the lexicon only.
    """
    out = apply_lexicon(text, lexicon or {})
    rules = NORMALIZERS.get(language)
    return rules(out) if rules else " ".join(out.split())


__all__ = ["NORMALIZERS", "apply_lexicon", "normalize"]

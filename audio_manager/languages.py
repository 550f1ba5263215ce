"""The registry of broadcast languages.

A fourth language is configuration, not code: ``register`` adds one (``create_app`` may read more
from settings later). Codes are the project's own (``kinh``, ``hoa``, ``khmer``); ``bcp47`` is the
tag speech engines and HTML ``lang`` attributes use.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Language:
    code: str
    bcp47: str
    label: object  # a lazy translatable string
    native_name: str


_REGISTRY: dict[str, Language] = {}


def register(language: Language) -> None:
    _REGISTRY[language.code] = language


def get(code: str) -> Language | None:
    return _REGISTRY.get(code)


def codes() -> list[str]:
    return list(_REGISTRY)


def all_languages() -> list[Language]:
    return list(_REGISTRY.values())


register(Language("kinh", "vi", _l("Kinh (Vietnamese)"), "Tiếng Việt"))
register(Language("hoa", "zh", _l("Hoa (Chinese)"), "中文"))
register(Language("khmer", "km", _l("Khmer"), "ភាសាខ្មែរ"))


# What a list or a picker calls each language, in a word ("Kinh", "Hoa", "Khmer").
_SHORT_NAMES = {"kinh": _l("Kinh"), "hoa": _l("Hoa"), "khmer": _l("Khmer")}


def short_name(code: str) -> str:
    """A language's name in a word, in the page's language; the registry's label otherwise."""
    if code in _SHORT_NAMES:
        return str(_SHORT_NAMES[code])
    language = _REGISTRY.get(code)
    return str(language.label) if language else code

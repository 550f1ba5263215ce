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
    name: object = None  # the short name officers use ("Kinh", "Hoa", "Khmer"), lazy


def name_of(code: str | None) -> str:
    """The short name of a language ("Kinh"), or the code of one not registered."""
    found = _REGISTRY.get(code or "")
    if found is None:
        return code or ""
    return str(found.name or found.label)


_REGISTRY: dict[str, Language] = {}


def register(language: Language) -> None:
    _REGISTRY[language.code] = language


def get(code: str) -> Language | None:
    return _REGISTRY.get(code)


def codes() -> list[str]:
    return list(_REGISTRY)


def all_languages() -> list[Language]:
    return list(_REGISTRY.values())


register(Language("kinh", "vi", _l("Kinh (Vietnamese)"), "Tiếng Việt", _l("Kinh")))
register(Language("hoa", "zh", _l("Hoa (Chinese)"), "中文", _l("Hoa")))
register(Language("khmer", "km", _l("Khmer"), "ភាសាខ្មែរ", _l("Khmer")))

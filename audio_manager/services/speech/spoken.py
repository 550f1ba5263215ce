"""What the voice will read: a script through its language's lexicon and normaliser. The
preview on the edit page, ``POST /api/v1/speech/preview`` and every synthesis call this."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import languages
from ...production.normalize import normalize
from ..errors import ValidationFailed
from . import lexicons


def spoken_text(language: str, text: str) -> str:
    """``text`` in ``language`` (kinh, hoa, khmer) as the voice will read it."""
    found = languages.get(language)
    if found is None:
        raise ValidationFailed(
            _l("Unknown language: %(codes)s", codes=language), code="unknown_language"
        )
    return normalize(found.bcp47, text or "", lexicons.as_mapping(found.code))

"""Names compared the way people type them: lower case, without diacritics ("hoa tu" finds
"Hòa Tú", "dai tam" finds "Đại Tâm")."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, spaces collapsed ("Hòa Tú" -> "hoa tu", "Đại" -> "dai")."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())

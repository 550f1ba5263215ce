"""Which passwords are refused, after NIST SP 800-63B (5.1.1.2): too short, one of the commonest
(a vendored list), trivially repeated or sequential, a keyboard row, a common word with a few
digits or symbols added, or the username itself."""

from __future__ import annotations

import functools
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed

MIN_LENGTH = 10
LIST = Path(__file__).with_name("common_passwords.txt")
KEYBOARD_ROWS = (
    "1234567890-=",
    "qwertyuiop[]",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qazwsxedcrfvtgbyhnujmik,ol.p;/",
)
_AFFIXES = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.UNICODE)


@functools.cache
def common() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _sequential(text: str) -> bool:
    """Every step the same +1 or -1 (abcdefghij, 9876543210; digits wrap: 1234567890)."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    if text.isdigit():
        return {step % 10 for step in steps} in ({1}, {9})
    return steps in ({1}, {-1})


def _repeated(text: str) -> bool:
    """A few characters, or one short piece over and over (aaaaaaaaaa, abcabcabcabc)."""
    if len(set(text)) < 4:
        return True
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


def _keyboard(text: str) -> bool:
    return any(text in row or text in row[::-1] for row in KEYBOARD_ROWS)


def problem(password: str, username: str | None = None) -> Any:
    """Why the password is refused (a translatable message), or None."""
    if len(password) < MIN_LENGTH:
        return _l("The password must be at least %(n)d characters long.", n=MIN_LENGTH)
    lowered = password.lower()
    core = _AFFIXES.match(lowered)
    stem = core.group(1) if core else lowered
    if lowered in common() or (len(stem) >= 4 and stem in common()):
        return _l("This password is one of the most common ones. Choose another.")
    if _repeated(lowered) or _sequential(lowered) or _keyboard(lowered):
        return _l("This password is a simple pattern (repeated or in sequence). Choose another.")
    name = (username or "").lower()
    if len(name) >= 4 and (name in lowered or stem == name):
        return _l("The password must not contain the username.")
    return None


def check(password: str, username: str | None = None) -> None:
    reason = problem(password, username)
    if reason is not None:
        raise ValidationFailed(reason, code="weak_password")

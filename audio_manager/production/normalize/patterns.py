"""Building blocks shared by the normalisers: number patterns, ranges and phone groups."""

from __future__ import annotations

import re
from collections.abc import Callable

# Reads the text of one entity (a date, a time…) given the text before it; None leaves it as
# written (a later rule, or the engine, reads it).
Reader = Callable[[str, str], str | None]

DASHES = "-–—"
_RANGE_SEP = rf"\s*[{DASHES}]\s*"


def entity_pass(
    text: str,
    single: str,
    reader: Reader,
    *,
    joiner: str,
    before: str = r"(?<![\w.,/:])",
    after: str = r"(?![\w/]|[.,:]\d)",
    flags: int = 0,
    space: str = " ",
) -> str:
    """Replace every ``single`` (a regex without numbered groups) in ``text`` by its reading.

    Two of them joined by a dash ("2018 - 2020", "7h-11h") are a range: "A <joiner> B".
    """
    pattern = re.compile(f"{before}(?P<a>{single})(?:{_RANGE_SEP}(?P<b>{single}))?{after}", flags)

    def replace(match: re.Match[str]) -> str:
        context = match.string[: match.start()]
        first = reader(match.group("a"), context)
        if match.group("b") is None:
            return match.group(0) if first is None else first
        second = reader(match.group("b"), context + match.group("a") + space + joiner + space)
        if first is None or second is None:
            return match.group(0)
        return f"{first}{space}{joiner}{space}{second}"

    return pattern.sub(replace, text)


def last_word(context: str) -> str:
    """The last word before an entity, lower-cased ("" when none)."""
    words = re.findall(r"\w+", context[-24:])
    return words[-1].lower() if words else ""


def phone_groups(written: str) -> list[str]:
    """The digit groups of a phone number: as written when separated, else the usual split.

    "1900 9068" -> ["1900", "9068"]; "0912345678" -> ["0912", "345", "678"];
    "02838291234" -> ["028", "3829", "1234"].
    """
    groups = [g for g in re.split(r"[^\d+]+", written) if g]
    if len(groups) > 1:
        return groups
    digits = groups[0] if groups else ""
    if digits.startswith("+"):
        return [digits[:3], *phone_groups(digits[3:])]
    if len(digits) == 8:
        sizes = [4, 4]
    elif len(digits) == 10:
        sizes = [4, 3, 3]
    elif len(digits) == 11:
        sizes = [3, 4, 4]
    else:
        sizes = [3] * (len(digits) // 3 + 1)
    out, start = [], 0
    for size in sizes:
        if start < len(digits):
            out.append(digits[start : start + size])
            start += size
    return out


def digit_count(written: str) -> int:
    return sum(c.isdigit() for c in written)


def is_phone(written: str) -> bool:
    """A Vietnamese phone or hotline number (mobile, landline, 1800/1900)."""
    digits = "".join(c for c in written if c.isdigit())
    if written.startswith("+84"):
        return 11 <= len(digits) <= 12
    if digits.startswith(("1800", "1900")):
        return len(digits) in (8, 10)
    return digits.startswith("0") and len(digits) in (10, 11)


DATE = r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}-\d{1,2}-\d{4}"
PHONE = (
    r"\+84[ .]?\d{2,3}(?:[ .\-]?\d{2,4}){2,3}"
    r"|\(?0\d{1,3}\)?(?:[ .\-]?\d{2,4}){2,3}"
    r"|1[89]00(?:[ .]?\d{2,4}){1,3}"
)

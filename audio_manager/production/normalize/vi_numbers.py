"""Vietnamese number words: integers, digit strings, decimals, ordinals, Roman numerals.

"21492" -> "hai mươi mốt nghìn bốn trăm chín mươi hai"; "2020" -> "hai nghìn không trăm hai
mươi"; "105" -> "một trăm lẻ năm"; 1 after "mươi" is "mốt", 4 is "tư", 5 after "mười"/"mươi" is
"lăm". The northern-standard "nghìn" and "lẻ" are used (southern speakers say "ngàn", "linh":
both are understood everywhere).
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 10**9


def _tens_units(tens: int, units: int, *, after_hundreds: bool) -> list[str]:
    if tens == 0:
        if units == 0:
            return []
        return (["lẻ"] if after_hundreds else []) + [DIGITS[units]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 0:
        return words
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    else:
        words.append(DIGITS[units])
    return words


def _group(value: int, *, leading: bool) -> list[str]:
    """Three digits; a group that follows a higher one says its zero hundreds."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    if hundreds or not leading:
        return [DIGITS[hundreds], "trăm", *_tens_units(tens, units, after_hundreds=True)]
    return _tens_units(tens, units, after_hundreds=False)


def _below_billion(value: int, *, leading: bool) -> list[str]:
    words: list[str] = []
    started = not leading
    for scale, word in ((10**6, "triệu"), (1000, "nghìn"), (1, "")):
        group = (value // scale) % 1000
        if group == 0:
            continue
        words += _group(group, leading=not started)
        if word:
            words.append(word)
        started = True
    return words


def _words(value: int, *, leading: bool = True) -> list[str]:
    if value >= BILLION:
        high, low = divmod(value, BILLION)
        words = [*_words(high, leading=leading), "tỷ"]
        return words + (_below_billion(low, leading=False) if low else [])
    return _below_billion(value, leading=leading)


def read_int(value: int) -> str:
    """An integer in words."""
    if value < 0:
        return "âm " + read_int(-value)
    if value == 0:
        return DIGITS[0]
    return " ".join(_words(value))


def read_digits(digits: str) -> str:
    """Digit by digit: "1900" -> "một chín không không"."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def read_number(integer: str, fraction: str | None = None) -> str:
    """A written number: integer digits (no separators) and optional decimal digits.

    The decimal part is read as a number when it has one or two digits and no leading zero
    ("8,85" -> "tám phẩy tám mươi lăm"), else digit by digit ("0,05" -> "không phẩy không năm").
    """
    words = read_int(int(integer))
    if fraction:
        if len(fraction) <= 2 and not fraction.startswith("0"):
            words += " phẩy " + read_int(int(fraction))
        else:
            words += " phẩy " + read_digits(fraction)
    return words


def read_ordinal(value: int) -> str:
    """After "thứ": 1 is "nhất", 4 is "tư" ("thứ nhất", "thứ tư", "thứ hai")."""
    return {1: "nhất", 4: "tư"}.get(value) or read_int(value)


def read_month(value: int) -> str:
    """Month numbers: "tháng tư" for April, "tháng mười hai"."""
    return "tư" if value == 4 else read_int(value)


ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(text: str) -> int | None:
    """The value of a well-formed Roman numeral, or None ("IV" -> 4, "XIV" -> 14)."""
    if not text or any(c not in ROMAN for c in text):
        return None
    total = 0
    for index, char in enumerate(text):
        value = ROMAN[char]
        following = ROMAN[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total if to_roman(total) == text else None


def to_roman(value: int) -> str:
    out = []
    for number, letters in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while value >= number:
            out.append(letters)
            value -= number
    return "".join(out)

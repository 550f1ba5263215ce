"""Khmer: numbers, dates, times and phone numbers in Khmer readings.

Khmer digits (០–៩) and Latin digits are both read. Numbers use the traditional units
(រយ 100, ពាន់ 1,000, ម៉ឺន 10,000, សែន 100,000, លាន 1,000,000) and are written without spaces
("២០២០" -> "ពីរពាន់ម្ភៃ"); phone numbers are read digit by digit in their groups. These readings
follow the standard grammar; have a native speaker review the output of new kinds of text.
"""

from __future__ import annotations

import re

from .patterns import DATE, PHONE, entity_pass, is_phone, last_word, phone_groups

DIGITS = ("សូន្យ", "មួយ", "ពីរ", "បី", "បួន", "ប្រាំ", "ប្រាំមួយ", "ប្រាំពីរ", "ប្រាំបី", "ប្រាំបួន")
TENS = ("", "ដប់", "ម្ភៃ", "សាមសិប", "សែសិប", "ហាសិប", "ហុកសិប", "ចិតសិប", "ប៉ែតសិប", "កៅសិប")
UNITS = ((100_000, "សែន"), (10_000, "ម៉ឺន"), (1000, "ពាន់"), (100, "រយ"))
MONTHS = (
    "មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា",
    "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ",
)  # fmt: skip
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def read_int(value: int) -> str:
    """2020 -> "ពីរពាន់ម្ភៃ"; 21492 -> "ពីរម៉ឺនមួយពាន់បួនរយកៅសិបពីរ"."""
    if value < 0:
        return "ដក" + read_int(-value)
    if value == 0:
        return DIGITS[0]
    if value >= 1_000_000:
        high, low = divmod(value, 1_000_000)
        return read_int(high) + "លាន" + (read_int(low) if low else "")
    out = ""
    for power, unit in UNITS:
        digit = value // power % 10
        if digit:
            out += DIGITS[digit] + unit
    tens, units = divmod(value % 100, 10)
    return out + TENS[tens] + (DIGITS[units] if units else "")


def read_digits(digits: str) -> str:
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def read_number(written: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", written):
        return read_int(int(re.sub(r"[.,]", "", written)))
    integer, _, fraction = re.sub(r",", ".", written).partition(".")
    words = read_int(int(integer))
    return words + ("ចុច" + "".join(DIGITS[int(d)] for d in fraction) if fraction else "")


NUM = r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+[.,]\d{1,2}(?!\d)|\d+"


def _phone(written: str, _context: str) -> str | None:
    if not is_phone(written):
        return None
    return ", ".join(read_digits(g) for g in phone_groups(written))


def _date(written: str, context: str) -> str | None:
    day, month, year = (int(p) for p in re.split(r"[/.\-]", written))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    before = context.rstrip()
    lead = "" if before.endswith("ថ្ងៃទី") else "ទី" if before.endswith("ថ្ងៃ") else "ថ្ងៃទី"
    return f"{lead}{read_int(day)} ខែ{MONTHS[month - 1]} ឆ្នាំ{read_int(year)}"


def _time(written: str, context: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})\s?[h:]\s?(\d{2})?", written)
    if match is None or int(match.group(1)) > 24 or int(match.group(2) or 0) > 59:
        return None
    lead = "" if context.rstrip().endswith("ម៉ោង") or last_word(context) == "ម៉ោង" else "ម៉ោង"
    words = lead + read_int(int(match.group(1)))
    minute = int(match.group(2) or 0)
    return words + (f" {read_int(minute)}នាទី" if minute else "")


def normalize_khmer(text: str) -> str:
    out = text.translate(KHMER_DIGITS)
    out = entity_pass(out, PHONE, _phone, joiner="ដល់", before=r"(?<![\d.,/])")
    out = entity_pass(out, DATE, _date, joiner="ដល់")
    out = re.sub(
        r"ខែ\s*(\d{1,2})(?!\d)",
        lambda m: "ខែ" + MONTHS[int(m.group(1)) - 1] if 1 <= int(m.group(1)) <= 12 else m[0],
        out,
    )
    out = entity_pass(out, r"\d{1,2}\s?[h:]\s?(?:\d{2})?", _time, joiner="ដល់")
    out = re.sub(rf"(?<![\d.,])({NUM})\s?[%％]", lambda m: read_number(m.group(1)) + "ភាគរយ", out)
    out = re.sub(
        rf"(?<![\d.,])({NUM})\s?(?:đ|₫|VNĐ|VND)(?!\w)", lambda m: read_number(m[1]) + "ដុង", out
    )
    out = entity_pass(
        out,
        NUM,
        lambda w, _c: read_number(w),
        joiner="ដល់",
        before=r"(?<![\d.,])",
        after=r"(?!\d)",
    )
    return " ".join(out.split())

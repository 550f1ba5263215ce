"""Hoa (Chinese): numbers, dates, times and phone numbers in Chinese readings.

Chinese writing conventions: thousands separated by commas and decimals by a point
("12,000", "8.85%"). Years are read digit by digit ("2020年" -> "二零二零年"); phone numbers
digit by digit in their groups ("1900 9068" -> "一九零零，九零六八"). Amounts in đồng written the
Vietnamese way ("12.000 đ") are understood as thousands.
"""

from __future__ import annotations

import re

from .patterns import DATE, PHONE, Reader, entity_pass, is_phone, phone_groups

DIGITS = "零一二三四五六七八九"
SECTIONS = ("", "万", "亿", "万亿")


def _section(value: int) -> str:
    out, zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // power % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += DIGITS[digit] + unit
    return out


def read_int(value: int) -> str:
    """21492 -> "两万一千四百九十二"; 105 -> "一百零五"; 10 -> "十"."""
    if value < 0:
        return "负" + read_int(-value)
    if value == 0:
        return DIGITS[0]
    sections = []
    while value:
        value, low = divmod(value, 10000)
        sections.append(low)
    out, gap = "", False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or section < 1000):
            out += "零"
        out += _section(section) + SECTIONS[index]
        gap = False
    if out.startswith("一十"):
        out = out[1:]
    if len(out) > 1 and out[0] == "二" and out[1] in "千万亿":
        out = "两" + out[1:]
    return out


def read_digits(digits: str) -> str:
    return "".join(DIGITS[int(d)] for d in digits if d.isdigit())


def read_number(written: str, *, vietnamese_thousands: bool = False) -> str:
    """ "12,000" -> "一万二千"; "8.85" -> "八点八五"."""
    if vietnamese_thousands and re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", written):
        written = written.replace(".", "").replace(",", ".")
    written = written.replace(",", "")
    integer, _, fraction = written.partition(".")
    words = read_int(int(integer))
    return words + ("点" + read_digits(fraction) if fraction else "")


NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+\.\d+|\d+"
VN_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)"


def _phone(written: str, _context: str) -> str | None:
    if not is_phone(written):
        return None
    return "，".join(
        ("加" if g.startswith("+") else "") + read_digits(g) for g in phone_groups(written)
    )


def _date(written: str, _context: str) -> str | None:
    day, month, year = (int(p) for p in re.split(r"[/.\-]", written))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{read_digits(str(year))}年{read_int(month)}月{read_int(day)}日"


def _time(written: str, _context: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})\s?[h:]\s?(\d{2})?", written)
    if match is None or int(match.group(1)) > 24:
        return None
    words = read_int(int(match.group(1))) + "点"
    minute = int(match.group(2) or 0)
    if minute > 59:
        return None
    if minute:
        words += ("零" if minute < 10 else "") + read_int(minute) + "分"
    return words


def _money(written: str, _context: str) -> str:
    match = re.fullmatch(rf"({VN_NUM}|{NUM})\s?(\S+)", written)
    assert match is not None
    amount = read_number(match.group(1), vietnamese_thousands=True)
    unit = match.group(2)
    return amount + ("元" if unit == "元" else "越南盾")


def _percent(written: str, _context: str) -> str:
    return "百分之" + read_number(written.rstrip("%％ "))


def normalize_chinese(text: str) -> str:
    def rule(out: str, single: str, reader: Reader, **options: str) -> str:
        return entity_pass(out, single, reader, joiner="至", space="", **options)

    out = rule(text, PHONE, _phone, before=r"(?<![\d.,/])")
    out = rule(out, DATE, _date)
    out = re.sub(r"(\d{4})\s*年", lambda m: read_digits(m.group(1)) + "年", out)
    out = rule(out, r"\d{1,2}\s?[h:]\s?(?:\d{2})?", _time)
    money = rf"(?:{VN_NUM}|{NUM})\s?(?:đ|₫|VNĐ|VND|越南盾|元)"
    out = rule(out, money, _money, before=r"(?<![\d.,])", after="")
    out = re.sub(r"越南盾越南盾", "越南盾", out)
    out = rule(out, rf"(?:{NUM})\s?[%％]", _percent, before=r"(?<![\d.,])", after="")
    out = rule(out, NUM, lambda w, _c: read_number(w), before=r"(?<![\d.,])", after=r"(?!\d)")
    return " ".join(out.split())

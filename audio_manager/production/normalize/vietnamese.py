"""Vietnamese: scripts written out as an announcer reads them.

Conventions of Vietnamese writing: thousands are separated by dots and decimals by a comma
("21.492", "8,85%"); dates are day/month/year ("16/9/2020", "tháng 10/2022"); times "17h30";
money "12.000 đ". Hotline and phone numbers are read digit by digit in their groups
("1900 9068" -> "một chín không không, chín không sáu tám").
"""

from __future__ import annotations

import re

from .patterns import DATE, PHONE, entity_pass, is_phone, last_word, phone_groups
from .vi_numbers import (
    read_digits,
    read_int,
    read_month,
    read_number,
    read_ordinal,
    roman_value,
)

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)|\d+,\d+|\d+\.\d{1,2}(?![\d.])|\d+"

DATE_WORDS = {
    "ngày", "mùng", "mồng", "từ", "đến", "tới", "trước", "sau", "hết", "hạn", "vào", "đầu",
    "cuối", "nay", "hôm", "sáng", "chiều", "tối", "trưa", "đêm", "là", "kể", "chót", "nộp",
}  # fmt: skip
UNITS = {
    "km/h": "ki lô mét một giờ",
    "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "m³": "mét khối",
    "m3": "mét khối",
    "kg": "ki lô gam",
    "km": "ki lô mét",
    "cm": "xen ti mét",
    "mm": "mi li mét",
    "ml": "mi li lít",
    "ha": "héc ta",
    "m": "mét",
    "g": "gam",
    "l": "lít",
}
CURRENCIES = {"đ": "đồng", "₫": "đồng", "vnđ": "đồng", "vnd": "đồng", "usd": "đô la Mỹ"}
PER_WORDS = "người|tháng|năm|ngày|tuần|giờ|lần|hộ|suất|thẻ|kg|lít|học sinh|sinh viên|lao động|tháng"
ROMAN_AFTER = r"(?i:quý|khóa|khoá|chương|phần|mục|kỳ|kì|đợt|giai đoạn|thế kỷ|thế kỉ|đại hội)"


def parse_number(written: str) -> str:
    """A written Vietnamese number ("21.492", "8,85", "1.5") in words."""
    if "," in written:
        integer, fraction = written.split(",", 1)
        return read_number(integer.replace(".", ""), fraction)
    if re.fullmatch(r"\d+\.\d{1,2}", written):  # a decimal point written the English way
        integer, fraction = written.split(".")
        return read_number(integer, fraction)
    return read_number(written.replace(".", ""))


def _phone(written: str, _context: str) -> str | None:
    if not is_phone(written):
        return None
    words = []
    for group in phone_groups(written):
        prefix = "cộng " if group.startswith("+") else ""
        words.append(prefix + read_digits(group))
    return ", ".join(words)


def _date_parts(written: str) -> list[int]:
    return [int(p) for p in re.split(r"[/.\-]", written)]


def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _full_date(written: str, context: str) -> str | None:
    day, month, year = _date_parts(written)
    if not _valid_day_month(day, month):
        return None
    lead = "" if last_word(context) in ("ngày", "mùng", "mồng") else "ngày "
    return f"{lead}{read_int(day)} tháng {read_month(month)} năm {read_int(year)}"


def _month_year(written: str, context: str) -> str | None:
    month, year = _date_parts(written)
    if not 1 <= month <= 12:
        return None
    lead = "" if last_word(context) == "tháng" else "tháng "
    return f"{lead}{read_month(month)} năm {read_int(year)}"


def _day_month(written: str, context: str) -> str | None:
    day, month = _date_parts(written)
    if not _valid_day_month(day, month) or last_word(context) not in DATE_WORDS:
        return None
    lead = "" if last_word(context) in ("ngày", "mùng", "mồng") else "ngày "
    return f"{lead}{read_int(day)} tháng {read_month(month)}"


def _time(written: str, _context: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})\s?[hg:]\s?(\d{2})?(?:\s?(?:'|p|phút))?", written)
    if match is None:
        return None
    hour, minute = int(match.group(1)), match.group(2)
    if hour > 24 or (minute is not None and int(minute) > 59):
        return None
    words = f"{read_int(hour)} giờ"
    if minute is not None and int(minute):
        words += f" {read_int(int(minute))} phút"
    return words


def _money(written: str, _context: str) -> str | None:
    match = re.fullmatch(rf"(\$)?\s?({NUM})\s?([^\d\s]*)", written)
    if match is None:
        return None
    amount = parse_number(match.group(2))
    unit = match.group(3).lower()
    if match.group(1):
        return f"{amount} đô la Mỹ"
    if unit in ("k", "nghìn"):
        return f"{amount} nghìn"
    if unit in ("tr", "triệu"):
        return f"{amount} triệu"
    return f"{amount} {CURRENCIES[unit]}"


def _percent(written: str, _context: str) -> str:
    return parse_number(written.rstrip("% ")) + " phần trăm"


def _unit(written: str, _context: str) -> str | None:
    match = re.fullmatch(rf"({NUM})\s?(\S+)", written)
    if match is None or match.group(2) not in UNITS:
        return None
    return f"{parse_number(match.group(1))} {UNITS[match.group(2)]}"


def _number(written: str, _context: str) -> str:
    return parse_number(written)


def _fraction(match: re.Match[str]) -> str:
    top, bottom = int(match.group(1)), int(match.group(2))
    if 0 < top < bottom <= 10:
        return f"{read_int(top)} phần {read_int(bottom)}"
    return f"{read_int(top)} trên {read_int(bottom)}"


def _roman(match: re.Match[str]) -> str:
    value = roman_value(match.group(2))
    return match.group(0) if value is None else f"{match.group(1)} {read_int(value)}"


def _quarter(match: re.Match[str]) -> str:
    quarter = match.group(2)
    value = int(quarter) if quarter.isdigit() else roman_value(quarter)
    if value is None or not 1 <= value <= 4:
        return match.group(0)
    return f"{match.group(1)} {read_int(value)} năm {read_int(int(match.group(3)))}"


def _web_address(match: re.Match[str]) -> str:
    text = re.sub(r"^https?://", "", match.group(0))
    text = re.sub(r"\d+", lambda m: " " + read_digits(m.group(0)) + " ", text)
    text = text.replace("@", " a còng ").replace(".", " chấm ").replace("/", " gạch chéo ")
    return " ".join(text.split())


def normalize_vietnamese(text: str) -> str:
    """A Vietnamese script in words (after the lexicon has expanded abbreviations)."""
    out = text
    out = re.sub(
        r"(?:https?://)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://)?(?:www\.)?[a-zA-Z][\w-]*"
        r"(?:\.[\w-]+)*\.(?:vn|com|net|org|gov|edu|info)(?:/[\w./-]*)?(?![\w])",
        _web_address,
        out,
    )
    out = entity_pass(out, PHONE, _phone, joiner="đến", before=r"(?<![\w.,/])")
    out = re.sub(rf"({ROMAN_AFTER})\s+([IVX]+|[1-4])\s*/\s*(\d{{4}})(?!\d)", _quarter, out)
    out = entity_pass(out, DATE, _full_date, joiner="đến")
    out = entity_pass(out, r"\d{1,2}/\d{4}", _month_year, joiner="đến")
    out = entity_pass(out, r"\d{1,2}/\d{1,2}", _day_month, joiner="đến")
    out = entity_pass(
        out, r"\d{1,2}\s?[h:]\s?(?:\d{2})?(?:\s?(?:'|phút))?|\d{1,2}g\d{2}", _time, joiner="đến"
    )
    out = entity_pass(
        out,
        rf"\$\s?(?:{NUM})|(?:{NUM})\s?(?:đ|₫|VNĐ|VND|vnđ|vnd|USD|k|tr)",
        _money,
        joiner="đến",
        after=r"(?!\w)",
    )
    out = re.sub(
        rf"(?<![\d.,])({NUM})\s?[-–—]\s?({NUM})\s?%",
        lambda m: f"{parse_number(m.group(1))} đến {parse_number(m.group(2))} phần trăm",
        out,
    )
    out = entity_pass(out, rf"(?:{NUM})\s?%", _percent, joiner="đến", after=r"")
    units = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
    out = entity_pass(out, rf"(?:{NUM})\s?(?:{units})", _unit, joiner="đến", after=r"(?![\w²³])")
    out = re.sub(
        r"(?i:(thứ))\s+(\d+)(?!\d)", lambda m: f"{m.group(1)} {read_ordinal(int(m.group(2)))}", out
    )
    out = re.sub(rf"({ROMAN_AFTER})\s+([IVXLC]+)(?![\w])", _roman, out)
    out = re.sub(r"(?<![\d.,/])(\d+)/(\d+)(?![\d/])", _fraction, out)
    out = entity_pass(out, NUM, _number, joiner="đến", before=r"(?<![\d.,])", after=r"(?!\d)")
    out = re.sub(rf"(?<=\w)/(?=(?:{PER_WORDS})\b)", " một ", out)
    out = re.sub(r"(?<=\w)/(?=\w)", " hoặc ", out)
    out = re.sub(r"(?<=\w)[-–](?=\w)", " ", out)
    out = re.sub(r"\s[-–—]\s", ", ", out)
    out = out.replace("&", " và ").replace("~", " khoảng ")
    return _tidy(out)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    return text.strip()

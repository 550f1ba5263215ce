"""Every spreadsheet the service writes, XLSX or CSV, is built here, so that no text from a user
(a title, a topic, an area's or a person's name, a script) ever becomes a live formula.

The rule is OWASP's for CSV injection: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe; in XLSX, text is moreover written as a string cell
(never left to type inference), and characters XML cannot carry are dropped. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so XLSX) cannot hold: control characters but tab, newline and return.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Row = Sequence[Any]


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as typed and never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """A cell value: text made safe, numbers, dates and empty cells as they are."""
    return safe_text(value) if isinstance(value, str) else value


def csv_bytes(rows: Iterable[Row]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel shows Vietnamese) and CRLF lines, every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_csv(header: Row, rows: Sequence[Row], total: Row) -> bytes:
    """A header, the rows and a totals row last."""
    return csv_bytes([header, *rows, total])


def append_row(sheet: Any, row: Row) -> None:
    """Add a row to an openpyxl sheet: text as explicit string cells, made safe."""
    sheet.append([None] * len(row) if row else [])
    target = sheet.max_row
    for index, value in enumerate(row, start=1):
        cell = sheet.cell(row=target, column=index)
        if isinstance(value, str):
            cell.value = safe_text(_NOT_IN_XML.sub("", value))
            cell.data_type = "s"  # never a formula, whatever openpyxl would infer
        else:
            cell.value = value


def new_workbook() -> Any:
    from openpyxl import Workbook  # loaded on the first export, not by every web worker

    return Workbook()


def workbook_bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill_sheet(
    sheet: Any,
    title: str,
    caption: str,
    header: Row,
    rows: Sequence[Row],
    total: Row | None,
) -> None:
    """A caption line, a bold header, the rows, a bold totals row and readable widths."""
    from openpyxl.styles import Font

    sheet.title = title.replace("/", "-")[:31]
    append_row(sheet, [caption])
    append_row(sheet, list(header))
    for row in rows:
        append_row(sheet, list(row))
    bold = Font(bold=True)
    if total is not None:
        append_row(sheet, list(total))
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    for cell in sheet[2]:
        cell.font = bold
    set_widths(sheet, [header, *rows])


def set_widths(sheet: Any, rows: Sequence[Row]) -> None:
    from openpyxl.utils import get_column_letter

    for index in range(max(len(r) for r in rows)):
        longest = max(
            (len(str(r[index])) for r in rows if index < len(r) and r[index] is not None),
            default=0,
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, max(10, longest + 2))

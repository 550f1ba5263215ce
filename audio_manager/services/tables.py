"""Reading an uploaded table, CSV or XLSX, told apart by its bytes (never its name)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed

DELIMITERS = ",;\t"


@dataclass
class Table:
    format: str  # csv | xlsx
    header: list[str]
    # (line number, cell values) for every non-empty line after the header
    rows: Iterator[tuple[int, list[Any]]]


def sniff(data: bytes) -> str:
    """``"xlsx"`` or ``"csv"``, or a clear refusal for anything else."""
    if not data.strip():
        raise ValidationFailed(_l("The file is empty."), code="empty_file")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise ValidationFailed(
            _l("This is a ZIP archive, not a CSV or XLSX file."), code="unsupported_file"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed(
            _l("Old Excel files (.xls) are not read: save it as .xlsx or CSV UTF-8."),
            code="unsupported_file",
        )
    if b"\x00" in data[:4096]:
        raise ValidationFailed(_l("This is not a CSV or XLSX file."), code="unsupported_file")
    return "csv"


def read_table(data: bytes) -> Table:
    kind = sniff(data)
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    for _line, cells in rows:
        header = [str(cell).strip() if cell is not None else "" for cell in cells]
        if any(header):
            return Table(kind, header, rows)
    raise ValidationFailed(_l("The file has no header line."), code="no_header")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _l('The file is not UTF-8 text. Save it as "CSV UTF-8".'), code="bad_encoding"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as exc:
        raise ValidationFailed(
            _l("Unreadable CSV on line %(n)d: %(err)s", n=reader.line_num, err=str(exc)),
            code="bad_csv",
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise ValidationFailed(
            _l("The Excel file is damaged and cannot be read."), code="bad_xlsx"
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:  # read-only sheets are parsed while iterating: damage shows up here too
                number, values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise ValidationFailed(
                    _l("The Excel file is damaged and cannot be read."), code="bad_xlsx"
                ) from None
            cells = ["" if value is None else value for value in values]
            if any(str(cell).strip() for cell in cells):
                yield number, cells
    finally:
        book.close()

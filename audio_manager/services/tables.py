"""Reading an uploaded table, CSV or XLSX, told apart by its bytes (never its name).

An XLSX is a ZIP of XML: before anything is unpacked its directory is checked (entry count,
total unpacked size, compression ratio: a 2 MB file may not unpack to gigabytes), its XML parts
may carry no DTD (no entity expansion, "billion laughs"), and the sheet is read as a stream,
row by row, at most ``MAX_COLUMNS`` wide whatever size the sheet claims.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed

DELIMITERS = ",;\t"
MAX_ENTRIES = 500  # an XLSX has a dozen or two
MAX_UNPACKED = 256 * 1024 * 1024  # all entries together, as the archive declares them
MAX_RATIO = 200  # unpacked / packed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_PROLOG = 64 * 1024  # bytes before an XML part's root element
MAX_COLUMNS = 200
EXCEL_ROWS = 1_048_576  # the most rows a spreadsheet has
_ROOT = re.compile(rb"<[A-Za-z_]")


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
        except (zipfile.BadZipFile, ValueError, OSError):
            names = set()
        if "xl/workbook.xml" in names:
            check_archive(data)
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


def _too_big() -> ValidationFailed:
    return ValidationFailed(
        _l("This Excel file unpacks to far more than a list of this size can hold."),
        code="xlsx_too_large",
    )


def check_archive(data: bytes) -> None:
    """Refuse a ZIP (an XLSX) that would unpack to too much, or whose XML declares a DTD, from
    its directory and the first bytes of each part: nothing is unpacked whole."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed(
            _l("The Excel file is damaged and cannot be read."), code="bad_xlsx"
        ) from None
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
        raise _too_big()
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * entry.compress_size:
            raise _too_big()
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels", ".vml")) and not _plain_xml(archive, entry):
            raise ValidationFailed(
                _l("This Excel file holds XML this service does not read (a DTD or entities)."),
                code="unsafe_xlsx",
            )


def _plain_xml(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """The part's prolog (what comes before its root element) has no DTD and is UTF-8."""
    prolog = b""
    try:
        with archive.open(entry) as stream:
            while len(prolog) < MAX_PROLOG:
                chunk = stream.read(4096)
                if not chunk:
                    break
                prolog += chunk
                root = _ROOT.search(prolog)
                if root is not None:
                    prolog = prolog[: root.start()]
                    break
            else:
                return False  # no root element within the first 64 KB
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return b"<!DOCTYPE" not in prolog and b"<!ENTITY" not in prolog and b"\x00" not in prolog


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
        sheet.reset_dimensions()  # the size the sheet claims is not believed
        for number, header in _sheet_lines(sheet, 1, MAX_COLUMNS):
            # The rest is read only as wide as the header: cells beyond it have no name.
            width = max(i for i, cell in enumerate(header, start=1) if str(cell).strip())
            yield number, header[:width]
            yield from _sheet_lines(sheet, number + 1, width)
            return
    finally:
        book.close()


def _sheet_lines(sheet: Any, first: int, width: int) -> Iterator[tuple[int, list[Any]]]:
    """Non-empty lines from row ``first`` on, streamed, ``width`` cells each, never past the
    last row a spreadsheet can have (a file claiming row 2,000,000,000 is not walked to it)."""
    rows = enumerate(
        sheet.iter_rows(min_row=first, max_row=EXCEL_ROWS, max_col=width, values_only=True),
        start=first,
    )
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

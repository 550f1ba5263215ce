"""The same numbers as the page, as XLSX (a sheet per grouping, totals row) or CSV (UTF-8 with
BOM so Excel shows Vietnamese). Headers are Vietnamese: these files go to the monthly report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from .reporting import Report

HEADERS = {
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã/Phường",
    "hamlet": "Ấp/Khóm",
    "language": "Ngôn ngữ",
    "message": "Thông điệp",
    "topic": "Chủ đề",
    "priority": "Mức ưu tiên",
    "source": "Nguồn",
    "day": "Ngày",
    "month": "Tháng",
}
COUNT_HEADER = "Lượt phát"
TOTAL = "Tổng cộng"


def _table(report: Report) -> tuple[list[str], list[list[object]]]:
    header = [HEADERS[g] for g in report.group_by] + [COUNT_HEADER]
    rows = [[row["labels"][g] for g in report.group_by] + [row["count"]] for row in report.rows]
    return header, rows


def report_csv(report: Report) -> bytes:
    header, rows = _table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerow([TOTAL] + [""] * (len(header) - 2) + [report.total])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report, per_group: Callable[[str], Report]) -> bytes:
    """The requested grouping first, then one sheet per single grouping (same period)."""
    from openpyxl import Workbook  # loaded on the first export, not by every web worker

    book = Workbook()
    sheet = book.active
    _fill(sheet, "Tổng hợp", report)
    if len(report.group_by) > 1:
        for group in report.group_by:
            _fill(book.create_sheet(), f"Theo {HEADERS[group].lower()}", per_group(group))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: object, title: str, report: Report) -> None:
    from openpyxl.styles import Font

    header, rows = _table(report)
    sheet.title = title.replace("/", "-")[:31]  # type: ignore[attr-defined]
    sheet.append([f"Lượt phát từ {report.period.first:%d/%m/%Y} đến {report.period.last:%d/%m/%Y}"])  # type: ignore[attr-defined]
    sheet.append(header)  # type: ignore[attr-defined]
    for row in rows:
        sheet.append(row)  # type: ignore[attr-defined]
    sheet.append([TOTAL] + [None] * (len(header) - 2) + [report.total])  # type: ignore[attr-defined]
    bold = Font(bold=True)
    for cell in sheet[2]:  # type: ignore[index]
        cell.font = bold
    for cell in sheet[sheet.max_row]:  # type: ignore[attr-defined,index]
        cell.font = bold
    _widths(sheet, [header, *rows])


def _widths(sheet: object, rows: Sequence[Sequence[object]]) -> None:
    from openpyxl.utils import get_column_letter

    for index in range(max(len(r) for r in rows)):
        longest = max(len(str(r[index])) for r in rows if index < len(r) and r[index] is not None)
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, max(10, longest + 2))  # type: ignore[attr-defined]

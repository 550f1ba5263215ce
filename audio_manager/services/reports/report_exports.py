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
    return table_csv(header, rows, [TOTAL] + [""] * (len(header) - 2) + [report.total])


def table_csv(
    header: Sequence[object], rows: Sequence[Sequence[object]], total: Sequence[object]
) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel shows Vietnamese), CRLF lines, a totals row last."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerow(total)
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
    header, rows = _table(report)
    caption = f"Lượt phát từ {report.period.first:%d/%m/%Y} đến {report.period.last:%d/%m/%Y}"
    total = [TOTAL] + [None] * (len(header) - 2) + [report.total]
    fill_sheet(sheet, title, caption, header, rows, total)


def fill_sheet(
    sheet: object,
    title: str,
    caption: str,
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    total: Sequence[object] | None,
) -> None:
    """A caption line, a bold header, the rows, a bold totals row and readable widths."""
    from openpyxl.styles import Font

    sheet.title = title.replace("/", "-")[:31]  # type: ignore[attr-defined]
    sheet.append([caption])  # type: ignore[attr-defined]
    sheet.append(list(header))  # type: ignore[attr-defined]
    for row in rows:
        sheet.append(list(row))  # type: ignore[attr-defined]
    bold = Font(bold=True)
    if total is not None:
        sheet.append(list(total))  # type: ignore[attr-defined]
        for cell in sheet[sheet.max_row]:  # type: ignore[attr-defined,index]
            cell.font = bold
    for cell in sheet[2]:  # type: ignore[index]
        cell.font = bold
    set_widths(sheet, [header, *rows])


def set_widths(sheet: object, rows: Sequence[Sequence[object]]) -> None:
    from openpyxl.utils import get_column_letter

    for index in range(max(len(r) for r in rows)):
        longest = max(len(str(r[index])) for r in rows if index < len(r) and r[index] is not None)
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, max(10, longest + 2))  # type: ignore[attr-defined]

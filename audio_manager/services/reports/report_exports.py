"""The same numbers as the page, as XLSX (a sheet per grouping, totals row) or CSV (UTF-8 with
BOM so Excel shows Vietnamese). Headers are Vietnamese: these files go to the monthly report.
Every cell goes through ``services.spreadsheets``: no user text becomes a formula."""

from __future__ import annotations

from collections.abc import Callable

from ..spreadsheets import fill_sheet, new_workbook, table_csv, workbook_bytes
from .compliance import Compliance
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


def report_xlsx(report: Report, per_group: Callable[[str], Report]) -> bytes:
    """The requested grouping first, then one sheet per single grouping (same period)."""
    book = new_workbook()
    _fill(book.active, "Tổng hợp", report)
    if len(report.group_by) > 1:
        for group in report.group_by:
            _fill(book.create_sheet(), f"Theo {HEADERS[group].lower()}", per_group(group))
    return workbook_bytes(book)


def _fill(sheet: object, title: str, report: Report) -> None:
    header, rows = _table(report)
    caption = f"Lượt phát từ {report.period.first:%d/%m/%Y} đến {report.period.last:%d/%m/%Y}"
    total = [TOTAL] + [None] * (len(header) - 2) + [report.total]
    fill_sheet(sheet, title, caption, header, rows, total)


COMPLIANCE_HEADER = ["Khu vực", "Ngôn ngữ", "Theo lịch", "Đã phát", "Không phát", "Tỷ lệ (%)"]
MISSED_HEADER = ["Thời điểm", "Ấp/Khóm", "Ngôn ngữ", "Thông điệp", "Lý do"]


def compliance_table(result: Compliance) -> tuple[list[str], list[list[object]], list[object]]:
    rows: list[list[object]] = [
        [r.area_name, r.language, r.scheduled, r.confirmed, r.not_played, r.percent]
        for r in result.rows
    ]
    not_played = sum(r.not_played for r in result.rows)
    total = [TOTAL, "", result.scheduled, result.confirmed, not_played, result.percent]
    return COMPLIANCE_HEADER, rows, total


def compliance_csv(result: Compliance) -> bytes:
    return table_csv(*compliance_table(result))


def compliance_xlsx(result: Compliance) -> bytes:
    """Scheduled versus confirmed per area and language, then what was not played and why."""
    first, last = result.period.first, result.period.last
    book = new_workbook()
    caption = f"{result.area.name}: tỷ lệ thực hiện từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
    fill_sheet(book.active, "Tỷ lệ thực hiện", caption, *compliance_table(result))
    missed = [
        [f"{m['at']:%d/%m/%Y %H:%M}", m["hamlet"], m["language"], m["title"], m["reason"] or ""]
        for m in result.missed
    ]
    fill_sheet(book.create_sheet(), "Không phát", caption, MISSED_HEADER, missed, None)
    return workbook_bytes(book)

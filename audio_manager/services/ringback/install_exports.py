"""Install reports as XLSX (one sheet per grouping, the requested one first, totals rows) and
CSV (UTF-8 with BOM), with the page's numbers and Vietnamese headers."""

from __future__ import annotations

from collections.abc import Callable

from ..reports.report_exports import TOTAL
from ..spreadsheets import fill_sheet, new_workbook, table_csv, workbook_bytes
from .install_reports import GROUPS, InstallReport

GROUP_HEADERS = {
    "carrier": "Nhà mạng",
    "unit": "Đơn vị",
    "tone": "Nhạc chờ",
    "month": "Tháng",
    "target": "Đơn vị",
}
SHEET_TITLES = {
    "carrier": "Theo nhà mạng",
    "unit": "Theo đơn vị",
    "tone": "Theo nhạc chờ",
    "month": "Theo tháng",
    "target": "Chỉ tiêu",
}
ACTIVE = "Lượt cài đặt đang hoạt động"
PHONES = "Số thuê bao"


def table(report: InstallReport) -> tuple[list[str], list[list[object]], list[object]]:
    """Header, rows and totals row of a report, as on the page."""
    group = GROUP_HEADERS[report.group_by]
    if report.group_by == "month":
        header = [group, "Cài mới", "Gỡ", "Đang hoạt động cuối tháng"]
        rows = [[r["label"], r["new"], r["removed"], r["installs"]] for r in report.rows]
        total = [
            TOTAL,
            sum(r["new"] for r in report.rows),
            sum(r["removed"] for r in report.rows),
            report.installs,
        ]
        return header, rows, total
    if report.group_by == "target":
        header = [group, "Chỉ tiêu", "Số thuê bao đã cài", "Tỷ lệ (%)"]
        rows = [[r["label"], r["target"], r["phones"], r["percent"]] for r in report.rows]
        return header, rows, [TOTAL, report.target, report.phones, report.percent]
    header = [group, ACTIVE, PHONES]
    rows = [[r["label"], r["installs"], r["phones"]] for r in report.rows]
    return header, rows, [TOTAL, report.installs, report.phones]


def caption(report: InstallReport) -> str:
    return f"Nhạc chờ đang hoạt động ngày {report.as_of:%d/%m/%Y}"


def report_csv(report: InstallReport) -> bytes:
    header, rows, total = table(report)
    return table_csv(header, rows, total)


def report_xlsx(report: InstallReport, other: Callable[[str], InstallReport]) -> bytes:
    """The requested grouping first, then every other grouping on the same day."""
    book = new_workbook()
    for index, group in enumerate([report.group_by, *(g for g in GROUPS if g != report.group_by)]):
        current = report if group == report.group_by else other(group)
        sheet = book.active if index == 0 else book.create_sheet()
        fill_sheet(sheet, SHEET_TITLES[group], caption(current), *table(current))
    return workbook_bytes(book)

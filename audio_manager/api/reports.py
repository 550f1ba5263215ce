"""Reports: broadcast counts by any grouping, compliance, as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import roles
from ..models import Role
from ..models.base import local_today
from ..services.areas import area_refs
from ..services.reports import compliance as compliance_service
from ..services.reports import report_exports, reporting
from .openapi import content

blp = Blueprint("api_reports", __name__, description="Broadcast counts and compliance")

READERS = (Role.VIEWER, Role.ADMIN, Role.EDITOR, Role.APPROVER, Role.OPERATOR)


class ReportQuery(ma.Schema):
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(reporting.PERIODS))
    date = ma.fields.Date(load_default=None, metadata={"description": "A day inside the period"})
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)
    group_by = ma.fields.String(
        load_default="language",
        metadata={"description": "Up to 3 of " + ", ".join(reporting.GROUPS)},
    )
    format = ma.fields.String(
        load_default="json", validate=ma.validate.OneOf(["json", "csv", "xlsx"])
    )

    class Meta:
        unknown = ma.INCLUDE  # drill-down filters: province=3&language=khmer


class ComplianceQuery(ma.Schema):
    area = ma.fields.String(
        required=True, metadata={"description": "The area's code, or its id when it has none"}
    )
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(reporting.PERIODS))
    date = ma.fields.Date(load_default=None)
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)
    format = ma.fields.String(
        load_default="json", validate=ma.validate.OneOf(["json", "csv", "xlsx"])
    )


def period_from(args: dict[str, Any]) -> reporting.Period:
    kind = "custom" if args.get("from_") or args.get("to") else args["period"]
    return reporting.Period.of(
        kind, args.get("date") or local_today(), args.get("from_"), args.get("to")
    )


def drill_filters(values: Any) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in reporting.GROUPS and v}


def run_broadcasts(args: dict[str, Any], filters: dict[str, str]) -> reporting.Report:
    groups = [g.strip() for g in args["group_by"].split(",") if g.strip()]
    return reporting.broadcasts(current_user, period_from(args), groups, filters=filters)


CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, content_type: str, name: str) -> Response:
    """A download; ``content_type`` is sent as given (one charset, never two)."""
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def report_file(report: reporting.Report, fmt: str, filters: dict[str, str]) -> Response:
    stem = f"luot-phat-{report.period.first:%Y%m%d}-{report.period.last:%Y%m%d}"
    if fmt == "csv":
        return attachment(report_exports.report_csv(report), CSV, f"{stem}.csv")
    data = report_exports.report_xlsx(
        report, lambda g: reporting.broadcasts(current_user, report.period, [g], filters=filters)
    )
    return attachment(data, XLSX, f"{stem}.xlsx")


def report_json(report: reporting.Report) -> dict[str, Any]:
    return {
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "group_by": report.group_by,
        "total": report.total,
        "truncated": report.truncated,
        "rows": [
            {**{g: row[g] for g in report.group_by}, "labels": row["labels"], "count": row["count"]}
            for row in report.rows
        ],
    }


@blp.route("/reports/broadcasts")
@roles(*READERS)
@blp.arguments(ReportQuery(), location="query")
@blp.response(200, description="Counts of confirmed broadcasts; CSV and XLSX give the same")
@blp.doc(**content("application/json", "text/csv", XLSX, description="The report"))
def broadcasts(args: dict[str, Any]) -> Any:
    """Confirmed broadcasts in a period (local days), grouped by up to three of: province,
    district, commune, hamlet, language, message, topic, priority, source, day, month. Any of
    those names as a query parameter filters (drill-down)."""
    filters = drill_filters(request.args)
    report = run_broadcasts(args, filters)
    if args["format"] != "json":
        return report_file(report, args["format"], filters)
    return report_json(report)


@blp.route("/reports/compliance")
@roles(*READERS)
@blp.arguments(ComplianceQuery(), location="query")
@blp.response(200, description="Scheduled versus confirmed, per area and language")
@blp.doc(**content("application/json", "text/csv", XLSX, description="The compliance report"))
def compliance(args: dict[str, Any]) -> Any:
    """Scheduled and confirmed broadcasts per area and language, and what was not played."""
    area = area_refs.visible_by_text(current_user, args["area"])
    result = compliance_service.compliance(current_user, area, period_from(args))
    if args["format"] != "json":
        stem = f"ty-le-thuc-hien-{result.period.first:%Y%m%d}-{result.period.last:%Y%m%d}"
        if args["format"] == "csv":
            return attachment(report_exports.compliance_csv(result), CSV, f"{stem}.csv")
        return attachment(report_exports.compliance_xlsx(result), XLSX, f"{stem}.xlsx")
    return {
        "area": {"id": area.id, "code": area.code, "name": area.name},
        "from": result.period.first.isoformat(),
        "to": result.period.last.isoformat(),
        "scheduled": result.scheduled,
        "confirmed": result.confirmed,
        "confirmed_by_station": result.by_station,
        "percent": result.percent,
        "rows": [
            {
                "area_id": r.area_id,
                "area": r.area_name,
                "language": r.language,
                "scheduled": r.scheduled,
                "confirmed": r.confirmed,
                "not_played": r.not_played,
                "confirmed_by_station": r.by_station,
                "percent": r.percent,
            }
            for r in result.rows
        ],
        "missed": [{**m, "at": m["at"].isoformat()} for m in result.missed],
    }

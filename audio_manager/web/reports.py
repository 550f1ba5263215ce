"""The reports page: counts for a period by any grouping, charts, drill-down, exports;
and compliance for an area."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from .. import languages
from ..access import roles
from ..api.reports import READERS, drill_filters, period_from
from ..models.base import local_today
from ..services.areas import areas
from ..services.areas.area_levels import Levels
from ..services.reports import compliance as compliance_service
from ..services.reports import reporting
from . import charts

bp = Blueprint("reports", __name__, url_prefix="/reports")

DEEPER = {"province": "district", "district": "commune", "commune": "hamlet"}


def _args() -> dict[str, Any]:
    from datetime import date

    def day(name: str) -> date | None:
        raw = request.args.get(name)
        return date.fromisoformat(raw) if raw else None

    return {
        "period": request.args.get("period", "month"),
        "date": day("date"),
        "from_": day("from"),
        "to": day("to"),
    }


@bp.route("/")
@roles(*READERS)
def index() -> Any:
    args = _args()
    group = request.args.get("group_by", "commune")
    filters = drill_filters(request.args)
    period = period_from(args)
    report = reporting.broadcasts(current_user, period, [group], filters=filters)
    area_dim = group if group in ("province", "district", "commune", "hamlet") else "commune"
    stacked = reporting.broadcasts(current_user, period, [area_dim, "language"], filters=filters)
    bars: dict[str, dict[str, int]] = {}
    for row in stacked.rows:
        bars.setdefault(row["labels"][area_dim], {})[row["language"]] = row["count"]
    bucket = "day" if (period.last - period.first).days <= 62 else "month"
    over_time = reporting.broadcasts(current_user, period, [bucket], filters=filters)
    points = sorted((row[bucket], row["count"]) for row in over_time.rows)
    series = [lang.code for lang in languages.all_languages()]
    labels = {lang.code: lang.native_name for lang in languages.all_languages()}
    query = {k: v for k, v in request.args.items() if k != "format"}
    return render_template(
        "reports/index.html",
        report=report,
        group=group,
        filters=filters,
        args=args,
        groups=reporting.GROUPS,
        periods=reporting.PERIODS,
        bars_svg=charts.stacked_bars(
            sorted(bars.items(), key=lambda kv: -sum(kv[1].values()))[:30], series, labels
        ),
        line_svg=charts.line(points),
        deeper=DEEPER,
        export_url=lambda fmt: url_for(
            "api_reports.broadcasts", **{**query, "group_by": group, "format": fmt}
        ),
        drill_url=lambda row: url_for(
            "reports.index", **{**query, group: row[group], "group_by": DEEPER.get(group, group)}
        ),
        levels=Levels.from_config(),
    )


@bp.route("/compliance")
@roles(*READERS)
def compliance() -> Any:
    args = _args()
    code = request.args.get("area")
    if not code:
        roots = areas.roots_for(current_user)
        code = roots[0].code if roots else ""
    area = areas.visible_by_code(current_user, code or "")
    result = compliance_service.compliance(current_user, area, period_from(args))
    query = {k: v for k, v in request.args.items() if k != "format"}
    return render_template(
        "reports/compliance.html",
        export_url=lambda fmt: url_for(
            "api_reports.compliance", **{**query, "area": area.code, "format": fmt}
        ),
        result=result,
        source_label=reporting.source_label,
        args=args,
        periods=reporting.PERIODS,
        today=local_today(),
    )

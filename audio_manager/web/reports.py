"""The reports page: counts for a period by any grouping, charts, drill-down, exports;
and compliance for an area."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from .. import languages
from ..access import roles
from ..api.reports import READERS, drill_filters, period_from
from ..extensions import db
from ..models import Area
from ..models.base import local_today
from ..services.areas import area_refs, areas, picker
from ..services.areas.area_levels import Levels
from ..services.reports import compliance as compliance_service
from ..services.reports import reporting
from . import charts
from .forms import db_int

bp = Blueprint("reports", __name__, url_prefix="/reports")

DEEPER = {"province": "district", "district": "commune", "commune": "hamlet"}
AREA_LEVELS = ("province", "district", "commune", "hamlet")


def _area_filter(filters: dict[str, str]) -> tuple[dict[str, str], Area | None]:
    """The area picked (``area_id``) becomes the filter of its level, replacing any area filter
    of a drill-down; without one, the deepest area filter is the area shown as picked."""
    area_id = request.args.get("area_id", type=db_int)
    if area_id is not None:
        area = areas.get_visible(current_user, area_id)
        kept = {k: v for k, v in filters.items() if k not in AREA_LEVELS}
        return ({**kept, area.level: str(area.id)} if area.level in AREA_LEVELS else kept), area
    if request.args.get("area_id") == "":  # "every area" picked: area filters dropped
        return {k: v for k, v in filters.items() if k not in AREA_LEVELS}, None
    for level in reversed(AREA_LEVELS):
        value = filters.get(level, "")
        if value.isdigit():
            found = db.session.get(Area, int(value))
            if found is not None and areas.can_see(current_user, found):
                return filters, found
    return filters, None


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
    filters, chosen = _area_filter(drill_filters(request.args))
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
        area_levels=AREA_LEVELS,
        chosen_area=chosen,
        area_tree=picker.tree(current_user, [chosen.id] if chosen else []),
    )


@bp.route("/compliance")
@roles(*READERS)
def compliance() -> Any:
    args = _args()
    area_id = request.args.get("area_id", type=db_int)
    code = request.args.get("area")
    if area_id is not None:
        area = areas.get_visible(current_user, area_id)
    elif code:
        area = area_refs.visible_by_text(current_user, code)
    else:
        roots = areas.roots_for(current_user)
        if not roots:
            raise areas.unknown_code("—")
        area = roots[0]
    result = compliance_service.compliance(current_user, area, period_from(args))
    query = {k: v for k, v in request.args.items() if k != "format"}
    return render_template(
        "reports/compliance.html",
        export_url=lambda fmt: url_for(
            "api_reports.compliance",
            **{k: v for k, v in query.items() if k not in ("area_id", "area")},
            area=area.code or area.id,
            format=fmt,
        ),
        area_tree=picker.tree(current_user, [area.id]),
        result=result,
        source_label=reporting.source_label,
        args=args,
        periods=reporting.PERIODS,
        today=local_today(),
    )

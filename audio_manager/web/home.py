"""The start page: what each role can do next."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import allowed, authenticated
from ..extensions import db
from ..models import Area
from ..models.base import utcnow
from ..scheduling import LOCAL_TZ
from ..services.areas import areas
from ..services.areas.area_levels import Levels
from ..services.broadcast import station_status
from ..services.reports import reporting
from ..services.ringback import install_reports

bp = Blueprint("home", __name__)


@bp.route("/")
@authenticated
def index() -> Any:
    levels = Levels.from_config()
    counts = {}
    for level in levels.order:
        query = areas.restrict(
            db.select(db.func.count(Area.id)).where(Area.level == level), current_user
        )
        counts[level] = db.session.scalar(query) or 0
    scope = areas.scope_of(current_user)
    return render_template(
        "home.html",
        # The commune's own officers (users with areas) see their stations that need them.
        station_flags=station_status.flagged(current_user)
        if scope is not None and allowed("stations.index")
        else [],
        counts=counts,
        levels=levels,
        scope=scope,
        headline=reporting.headline(current_user, utcnow().astimezone(LOCAL_TZ).year),
        ringback=install_reports.headline(current_user) if allowed("installs.report") else None,
    )

"""The commune operator's day: the playlist, downloads, and confirming what was played."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_

from .. import scheduling as sched
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import Area, PlayEvent, Role
from ..models.base import utcnow
from ..services.areas import area_refs, areas, picker
from ..services.broadcast import playlists, plays
from ..services.errors import NotFound, ServiceError, ValidationFailed
from .forms import db_int, flash_error

bp = Blueprint("operator", __name__)

OPERATORS = (Role.OPERATOR, Role.ADMIN)
_COMMUNE_LEVELS = ("commune",)


def _area() -> Area:
    """The commune: ``area_id`` (the picker), or ``area``, its code (or id); else the first of
    the operator's."""
    area_id = request.values.get("area_id", type=db_int)
    code = request.values.get("area")
    if area_id is not None:
        area = db.session.get(Area, area_id)
    elif code:
        area = area_refs.by_text(code)
    else:
        roots = areas.roots_for(current_user)
        area = roots[0] if roots else None
    if area is None or not areas.can_see(current_user, area):
        raise NotFound(_("Unknown area: %(code)s", code=code or "—"), code="unknown_area")
    return area


def _day() -> date:
    raw = request.values.get("date")
    if not raw:
        return utcnow().astimezone(sched.LOCAL_TZ).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Give the date as YYYY-MM-DD."), code="bad_date") from None


def event_id(day: date, item: sched.PlaylistItem, hamlet_id: int) -> str:
    """Deterministic, so confirming the same item twice records it once."""
    return (
        f"page-{day.isoformat()}-{item.schedule_id}-{item.language}-"
        f"{item.at.strftime('%H%M')}-{hamlet_id}"
    )


def _confirmed(day: date, items: list[sched.PlaylistItem]) -> dict[str, PlayEvent]:
    """Confirmations of the day's items, keyed by the page's event ids: the page's own, and
    those of the same broadcasts from the station agent, CSV or any device."""
    ids = {event_id(day, item, h): (item, h) for item in items for h in item.hamlet_ids}
    if not ids:
        return {}
    by_moment = {
        (item.schedule_id, h, item.language, item.at.astimezone(UTC)): key
        for key, (item, h) in ids.items()
    }
    rows = db.session.scalars(
        db.select(PlayEvent).where(
            or_(
                PlayEvent.client_event_id.in_(list(ids)),
                db.and_(
                    PlayEvent.area_id.in_({h for _i, h in ids.values()}),
                    PlayEvent.played_on == day,
                    PlayEvent.occurrence_at.is_not(None),
                ),
            )
        )
    )
    found: dict[str, PlayEvent] = {}
    for row in rows:
        moment = (row.schedule_id, row.area_id, row.language, row.occurrence_at)
        key = row.client_event_id if row.client_event_id in ids else by_moment.get(moment)
        if key is not None:
            found.setdefault(key, row)
    return found


@bp.route("/today")
@roles(*OPERATORS)
def today() -> Any:
    area, day = _area(), _day()
    result = playlists.for_area(area, day)
    items = result.items()
    return render_template(
        "operator/today.html",
        area=area,
        day=day,
        items=items,
        hamlets=result.hamlets,
        confirmed=_confirmed(day, items),
        event_id=event_id,
        communes=areas.roots_for(current_user),
        commune_tree=picker.tree(current_user, [area.id], levels=_COMMUNE_LEVELS),
    )


@bp.route("/today/confirm", methods=["POST"])
@roles(*OPERATORS)
def confirm() -> Any:
    """Confirm items: one (played or not, with a reason) or every unconfirmed one at once."""
    area, day = _area(), _day()
    items = playlists.for_area(area, day).items()
    wanted = request.form.getlist("item")  # "index" values; "all" confirms every ok item
    played = request.form.get("played", "1") == "1"
    reason = request.form.get("reason", "").strip() or None
    chosen = [
        item
        for index, item in enumerate(items)
        if item.status == "ok" and ("all" in wanted or str(index) in wanted)
    ]
    events = [
        {
            "id": event_id(day, item, hamlet),
            "hamlet_id": hamlet,
            "version_id": item.version_id,
            "schedule_id": item.schedule_id,
            "played": played,
            "reason": reason,
            "played_at": item.at.isoformat()
            if played or item.at <= utcnow()
            else utcnow().isoformat(),
            "scheduled_at": item.at.isoformat(),
        }
        for item in chosen
        for hamlet in item.hamlet_ids
    ]
    try:
        batch = plays.record(current_actor(), events, source="page")
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        rejected = [r for r in batch.results if r.status == "rejected"]
        if rejected:
            flash("; ".join(sorted({r.reason or "" for r in rejected})), "error")
        counts = batch.counts
        flash(
            _(
                "%(created)d confirmed, %(duplicate)d already confirmed.",
                created=counts["created"],
                duplicate=counts["duplicate"],
            ),
            "success",
        )
    return redirect(url_for("operator.today", area=area.code, date=day.isoformat()))


@bp.route("/plays/import", methods=["GET", "POST"])
@roles(*OPERATORS)
def import_plays() -> Any:
    errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed(_("Choose a CSV file."), code="no_file")
            batch = plays.import_csv(current_actor(), upload.stream.read(5_000_001))
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            errors = error.details if isinstance(error.details, list) else []
            status = error.status
        else:
            db.session.commit()
            counts = batch.counts
            flash(
                _(
                    "%(created)d confirmed, %(duplicate)d already confirmed.",
                    created=counts["created"],
                    duplicate=counts["duplicate"],
                ),
                "success",
            )
            return redirect(url_for("operator.import_plays"))
    return render_template("operator/import.html", errors=errors), status

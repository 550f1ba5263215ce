"""The commune operator's day: the playlist, downloads, and confirming what was played."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
# Why a broadcast did not go out, as operators say it; "other" asks for the operator's words.
REASONS = {
    "power": _l("Power cut"),
    "speaker": _l("Speaker or amplifier broken"),
    "clash": _l("Clashed with another schedule or event"),
    "weather": _l("Storm or bad weather"),
    "staff": _l("Nobody on duty"),
    "audio": _l("The audio would not play"),
    "other": _l("Other (write below)"),
}


def _reason() -> str | None:
    """The picked reason and the operator's own words, together."""
    picked = REASONS.get(request.form.get("reason_choice", ""))
    words = request.form.get("reason", "").strip()
    if picked is None or request.form.get("reason_choice") == "other":
        return words or None
    return f"{picked}: {words}" if words else str(picked)


def now_and_next(
    items: list[sched.PlaylistItem], now: Any
) -> tuple[list[sched.PlaylistItem], list[sched.PlaylistItem]]:
    """The items of the latest time that has come, and those of the first still to come."""
    due = [item for item in items if item.at <= now]
    later = [item for item in items if item.at > now]
    latest = max((item.at for item in due), default=None)
    first = min((item.at for item in later), default=None)
    return [i for i in due if i.at == latest], [i for i in later if i.at == first]


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
    now = utcnow()
    current, upcoming = now_and_next(items, now)
    return render_template(
        "operator/today.html",
        area=area,
        day=day,
        items=items,
        now=now,
        current=current,
        upcoming=upcoming,
        reasons=REASONS,
        hamlets=result.hamlets,
        confirmed=_confirmed(day, items),
        event_id=event_id,
        communes=areas.roots_for(current_user),
        commune_tree=picker.tree(current_user, [area.id], levels=_COMMUNE_LEVELS),
    )


@bp.route("/today/confirm", methods=["POST"])
@roles(*OPERATORS)
def confirm() -> Any:
    """Confirm items whose time has come: one (played or not, with a reason) or all of them.
    An item still to come cannot be confirmed; "all" leaves such items alone."""
    area, day = _area(), _day()
    items = playlists.for_area(area, day).items()
    wanted = request.form.getlist("item")  # "index" values; "all" confirms every due ok item
    played = request.form.get("played", "1") == "1"
    reason = _reason()
    now = utcnow()
    back = redirect(url_for("operator.today", area=area.code, date=day.isoformat()))
    named = [
        item
        for index, item in enumerate(items)
        if item.status == "ok" and ("all" in wanted or str(index) in wanted)
    ]
    chosen = [item for item in named if item.at <= now]
    if not chosen:
        if named:
            flash(_("Nothing confirmed: the time of this broadcast has not come yet."), "error")
        else:
            flash(_("Nothing to confirm."), "info")
        return back
    if not played and reason is None:
        flash(_("Choose or write why it was not played."), "error")
        return back
    # "all" answers what is still open: it never turns the operator's own "not played" into
    # "played"; a miss the station reported (the operator played it by hand) it does replace.
    already = {
        key: row
        for key, row in (_confirmed(day, chosen) if "all" in wanted else {}).items()
        if row.played or row.source != "station"
    }
    events = [
        {
            "id": event_id(day, item, hamlet),
            "hamlet_id": hamlet,
            "version_id": item.version_id,
            "schedule_id": item.schedule_id,
            "played": played,
            "reason": reason,
            "played_at": item.at.isoformat(),
            "scheduled_at": item.at.isoformat(),
        }
        for item in chosen
        for hamlet in item.hamlet_ids
        if not ("all" in wanted and event_id(day, item, hamlet) in already)
    ]
    if not events:
        flash(_("Nothing to confirm."), "info")
        return back
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
        if counts["created"] or counts["duplicate"]:
            flash(
                _(
                    "%(created)d confirmed, %(duplicate)d already confirmed.",
                    created=counts["created"],
                    duplicate=counts["duplicate"],
                ),
                "success",
            )
    return back


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

"""The schedules' calendar: a week or a month of plays, per area, per message or everything
the reader may see. Drawn on the server (no calendar library): a page of plain HTML is light on
a commune's slow link, works without JavaScript and reads well on a phone as a list of days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..access import roles
from ..extensions import db
from ..models import Area, Message, Role
from ..models.base import local_today
from ..services.areas import area_refs, picker
from ..services.areas import areas as area_service
from ..services.broadcast import calendar, schedule_words, schedules
from .forms import db_int

bp = Blueprint("schedule_calendar", __name__, url_prefix="/schedules")

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)


def _area() -> Any:
    """The area chosen: ``area_id`` (the picker), or ``area``, a code (or an id)."""
    area_id = request.args.get("area_id", type=db_int)
    value = (request.args.get("area") or "").strip()
    if area_id is None and not value:
        return None
    area = db.session.get(Area, area_id) if area_id else area_refs.by_text(value)
    if area is None or not area_service.can_see(current_user, area):
        raise area_service.unknown_code(value or f"#{area_id}")
    return area


def _anchor(view: str) -> date:
    try:
        if view == "month" and request.args.get("month"):
            return date.fromisoformat(request.args["month"] + "-01")
        if request.args.get("date"):
            return date.fromisoformat(request.args["date"])
    except ValueError:
        pass
    return local_today()


@bp.route("/calendar")
@roles(*READERS)
def calendar_page() -> Any:
    view = "week" if request.args.get("view") == "week" else "month"
    anchor = _anchor(view)
    area = _area()
    message_id = request.args.get("message", type=db_int)
    schedule_id = request.args.get("schedule", type=db_int)
    schedule = schedules.get(schedule_id, current_user) if schedule_id else None
    message = db.session.get(Message, message_id) if message_id else None
    if view == "month":
        anchor = anchor.replace(day=1)
        first, last = calendar.month_grid(anchor)
        previous = (anchor - timedelta(days=1)).replace(day=1)
        following = (anchor + timedelta(days=32)).replace(day=1)
    else:
        first, last = calendar.week_of(anchor)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    result = calendar.build(
        calendar.roots(current_user, area),
        first,
        last,
        message_id=message.id if message else None,
        schedule_id=schedule.id if schedule else None,
    )
    return render_template(
        "schedules/calendar.html",
        view=view,
        anchor=anchor,
        result=result,
        area=area,
        message=message,
        schedule=schedule,
        previous=previous,
        following=following,
        today=local_today(),
        words=schedule_words,
        area_tree=picker.tree(current_user, [area.id] if area else []),
        messages=_messages(),
    )


def _messages() -> list[Message]:
    """The messages of the schedules the reader sees, for the filter (newest first)."""
    found = {s.message_id: s.message for s in schedules.list_schedules(reader=current_user)}
    return [found[i] for i in sorted(found, reverse=True)]

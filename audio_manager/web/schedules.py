"""Schedule pages: the list, a form with a preview (next plays, reach, gaps, clashes), cancel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import scheduling as sched
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import Message, Role, Schedule, VersionStatus
from ..services.areas import area_refs, picker
from ..services.broadcast import schedule_preview, schedule_words, schedules
from ..services.broadcast.schedule_scope import visible_targets
from ..services.errors import ServiceError
from ..services.messages import messages, versions
from .forms import db_int, flash_error

bp = Blueprint("schedules", __name__, url_prefix="/schedules")

EDITORS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER)
KINDS = ("daily", "weekly", "monthly_nth_weekday", "dates")


def _form_data(schedule: Schedule | None) -> dict[str, Any]:
    """What the form shows: the request's values, else the schedule's, else defaults."""
    if request.method == "POST":
        form = request.form
        return {
            "message_id": form.get("message_id", type=db_int),
            "area_ids": [i for i in form.getlist("area_ids", type=db_int) if i],
            "areas": form.get("areas", ""),
            "times": ", ".join(t for t in form.getlist("times") if t.strip()),
            "kind": form.get("kind", "daily"),
            "interval": form.get("interval", "1"),
            "weekdays": form.getlist("weekdays"),
            "nth": form.get("nth", ""),
            "dates": "\n".join(d for d in form.getlist("dates") if d.strip()),
            "start_date": form.get("start_date", ""),
            "end_date": form.get("end_date", ""),
            "pinned_version_id": form.get("pinned_version_id", type=db_int),
            "note": form.get("note", ""),
            "revision": form.get("revision", type=int),
        }
    if schedule is not None:
        rec = schedules.recurrence_of(schedule)
        return {
            "message_id": schedule.message_id,
            "area_ids": [a.id for a in schedule.targets],
            "areas": "",
            "times": ", ".join(schedule.times),
            "kind": rec.kind,
            "interval": str(rec.interval),
            "weekdays": [sched.WEEKDAY_CODES[d] for d in rec.weekdays],
            "nth": "" if rec.nth is None else str(rec.nth),
            "dates": "\n".join(d.isoformat() for d in rec.dates),
            "start_date": schedule.start_date.isoformat(),
            "end_date": schedule.end_date.isoformat(),
            "pinned_version_id": schedule.pinned_version_id,
            "note": schedule.note,
            "revision": schedule.revision,
        }
    today = date.today()
    return {
        "message_id": request.args.get("message", type=db_int),
        "area_ids": [i for i in request.args.getlist("area", type=db_int) if i],
        "areas": "",
        "times": "06:30",
        "kind": "daily",
        "interval": "1",
        "weekdays": [],
        "nth": "",
        "dates": "",
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=30)).isoformat(),
        "pinned_version_id": None,
        "note": "",
        "revision": None,
    }


def _recurrence(data: dict[str, Any]) -> sched.Recurrence:
    dates = [d.strip() for d in data["dates"].replace(",", "\n").splitlines() if d.strip()]
    return schedules.recurrence_from(
        {
            "kind": data["kind"],
            "interval": data["interval"],
            "weekdays": data["weekdays"],
            "nth": data["nth"],
            "dates": dates,
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "times": data["times"],
        }
    )


def _choices() -> list[Message]:
    return list(
        db.session.scalars(
            db.select(Message)
            .where(Message.retired_at.is_(None))
            .order_by(Message.id.desc())
            .limit(300)
        )
    )


def _pinnable(message_id: int | None) -> list[Any]:
    if not message_id:
        return []
    message = db.session.get(Message, message_id)
    if message is None:
        return []
    return [
        v
        for variant in message.variants
        for v in variant.versions
        if v.status == VersionStatus.APPROVED
    ]


def _edit(schedule: Schedule | None) -> Any:
    data = _form_data(schedule)
    preview = None
    preview_rule = ""
    status = 200
    if request.method == "POST":
        actor = current_actor()
        try:
            message = messages.get(data["message_id"] or 0)
            targets = schedules.areas_from_refs(
                current_user,
                area_refs.parse_form_refs(request.form.getlist("area_ids"), data["areas"]),
            )
            rec = _recurrence(data)
            pinned = versions.get(data["pinned_version_id"]) if data["pinned_version_id"] else None
            if request.form.get("action") == "preview":
                preview = schedule_preview.preview(
                    message,
                    targets,
                    rec,
                    pinned=pinned,
                    exclude_schedule_id=schedule.id if schedule else None,
                )
                preview_rule = schedule_words.recurrence(rec)
            elif schedule is None:
                schedule = schedules.create(
                    actor, message, targets, rec, pinned=pinned, note=data["note"]
                )
            else:
                schedules.update(
                    actor,
                    schedule,
                    targets,
                    rec,
                    seen_revision=data["revision"],
                    pinned=pinned,
                    note=data["note"],
                )
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            status = error.status
        else:
            if preview is None:
                db.session.commit()
                flash(_("The schedule has been saved."), "success")
                return redirect(url_for("schedules.show", schedule_id=schedule.id))
    return render_template(
        "schedules/form.html",
        schedule=schedule,
        data=data,
        preview=preview,
        preview_rule=preview_rule,
        message_choices=_choices(),
        pinnable=_pinnable(data["message_id"]),
        kinds=KINDS,
        weekday_codes=sched.WEEKDAY_CODES,
        area_tree=picker.tree(
            current_user, data["area_ids"], within=schedules.editor_scope(current_user)
        ),
        words=schedule_words,
    ), status


def _targets_of(schedule: Schedule) -> list[Any]:
    return visible_targets(current_user, schedule)


@bp.route("/")
@roles(*READERS)
def index() -> Any:
    show_cancelled = request.args.get("cancelled") == "1"
    items = schedules.list_schedules(
        reader=current_user,
        include_cancelled=show_cancelled,
        message_id=request.args.get("message", type=db_int),
    )
    return render_template(
        "schedules/list.html",
        items=items,
        show_cancelled=show_cancelled,
        describe=lambda s: sched.describe(schedules.recurrence_of(s)),
        words=lambda s: schedule_words.recurrence(schedules.recurrence_of(s)),
        targets_of=_targets_of,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new() -> Any:
    return _edit(None)


@bp.route("/<int:schedule_id>")
@roles(*READERS)
def show(schedule_id: int) -> Any:
    schedule = schedules.get(schedule_id, current_user)
    if current_user.has_role(*EDITORS):
        return _edit(schedule)
    return render_template(
        "schedules/show.html",
        schedule=schedule,
        info=sched.describe(schedules.recurrence_of(schedule)),
        rule=schedule_words.recurrence(schedules.recurrence_of(schedule)),
        targets_of=_targets_of,
    )


@bp.route("/<int:schedule_id>", methods=["POST"])
@roles(*EDITORS)
def update(schedule_id: int) -> Any:
    return _edit(schedules.get(schedule_id, current_user))


@bp.route("/<int:schedule_id>/cancel", methods=["POST"])
@roles(*EDITORS)
def cancel(schedule_id: int) -> Any:
    try:
        schedules.cancel(
            current_actor(),
            schedules.get(schedule_id, current_user),
            reason=request.form.get("reason"),
        )
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        flash(_("The schedule has been cancelled."), "success")
    return redirect(url_for("schedules.show", schedule_id=schedule_id))

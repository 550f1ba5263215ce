"""Admin pages for CAP 1.2: the settings (sender, identifiers, public feed, which priorities
are published, the priority → urgency/severity/certainty table), the alerts published, the
upstream sources (add, pause, poll now, upload an alert file) and the ingest log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import roles
from ..auth import current_actor
from ..capxml import document
from ..extensions import db
from ..models import CapAlert, CapSourceKind, Priority, Role
from ..services.cap import ingest, polling, settings, sources
from ..services.errors import ServiceError
from .forms import db_int, flash_error
from .production import PRIORITIES

bp = Blueprint("cap_admin", __name__, url_prefix="/admin/cap")

RESULT_LABELS = {
    "new": _l("new draft message"),
    "update": _l("update shown on the message"),
    "cancel": _l("cancel shown on the message"),
    "duplicate": _l("already received"),
    "no_area": _l("none of our areas"),
    "ignored": _l("ignored"),
    "refused": _l("refused"),
    "error": _l("source unreachable or failed"),
}


def _page(new_token: str | None = None, new_source: Any = None) -> Any:
    recent = list(db.session.scalars(db.select(CapAlert).order_by(CapAlert.id.desc()).limit(20)))
    return render_template(
        "admin/cap.html",
        config=settings.current(),
        sources=sources.all_sources(),
        alerts=recent,
        priorities=PRIORITIES,
        choices=settings.CHOICES,
        categories=document.CATEGORIES,
        new_token=new_token,
        new_source=new_source,
        kinds=CapSourceKind,
    )


@bp.route("/")
@roles(Role.ADMIN)
def index() -> Any:
    return _page()


@bp.route("/settings", methods=["POST"])
@roles(Role.ADMIN)
def save_settings() -> Any:
    form = request.form
    try:
        settings.update(
            current_actor(),
            feed_public=form.get("feed_public") == "1",
            publish_priority=form.get("publish_priority") == "1",
            sender=form.get("sender", ""),
            sender_name=form.get("sender_name", ""),
            identifier_prefix=form.get("identifier_prefix", ""),
            category=form.get("category", ""),
            mapping={
                p.value: {name: form.get(f"{p.value}-{name}", "") for name in settings.FIELDS}
                for p in Priority
            },
        )
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
        return _page(), error.status
    db.session.commit()
    flash(_("The CAP settings have been saved."), "success")
    return redirect(url_for("cap_admin.index"))


@bp.route("/sources", methods=["POST"])
@roles(Role.ADMIN)
def add_source() -> Any:
    form = request.form
    try:
        source, token = sources.create(
            current_actor(), form.get("name", ""), form.get("kind", ""), form.get("url", "")
        )
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
        return _page(), error.status
    db.session.commit()
    if token is not None:  # shown this once
        return _page(new_token=token, new_source=source)
    flash(_("The source has been added."), "success")
    return redirect(url_for("cap_admin.index"))


@bp.route("/sources/<int:source_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def set_active(source_id: int) -> Any:
    source = sources.get(source_id)
    sources.set_active(current_actor(), source, request.form.get("active") == "1")
    db.session.commit()
    return redirect(url_for("cap_admin.index"))


@bp.route("/sources/<int:source_id>/poll", methods=["POST"])
@roles(Role.ADMIN)
def poll(source_id: int) -> Any:
    source = sources.get(source_id)
    result = polling.poll(current_actor(), source)
    db.session.commit()
    if result.status == "error":
        flash(_("The source could not be read: %(reason)s", reason=result.detail), "error")
    elif result.status == "not_modified":
        flash(_("Nothing new from this source."), "success")
    else:
        flash(_("Documents read: %(n)d. See the ingest log.", n=len(result.rows)), "success")
    return redirect(url_for("cap_admin.log", source=source.id))


@bp.route("/sources/<int:source_id>/upload", methods=["POST"])
@roles(Role.ADMIN)
def upload(source_id: int) -> Any:
    source = sources.get(source_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CAP file first."), "error")
        return redirect(url_for("cap_admin.index"))
    data = upload.stream.read(current_app.config["CAP_MAX_BYTES"] + 1)
    rows = ingest.receive(current_actor(), source, data)
    db.session.commit()
    flash(_("Documents read: %(n)d. See the ingest log.", n=len(rows)), "success")
    return redirect(url_for("cap_admin.log", source=source.id))


@bp.route("/log")
@roles(Role.ADMIN)
def log() -> Any:
    source_id = request.args.get("source", type=db_int)
    return render_template(
        "admin/cap_log.html",
        rows=sources.log(source_id),
        sources=sources.all_sources(),
        source_id=source_id,
        labels=RESULT_LABELS,
        area_names=sources.area_names,
    )

"""Officers' message pages: the list, creating and editing, and a message with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_render
from ..models import Role
from ..production.errors import ProductionError
from ..services.broadcast import schedule_scope
from ..services.cap import publishing as cap_publishing
from ..services.cap import sources as cap_sources
from ..services.errors import ServiceError, ValidationFailed
from ..services.messages import messages, versions, workflow
from ..services.speech import catalogue
from ..services.speech import preferences as speech_preferences
from ..services.speech.spoken import spoken_text
from . import bulletins as bulletins_page
from .forms import as_choices, db_int, error_text, flash_queued
from .production import PRIORITIES

bp = Blueprint("messages", __name__, url_prefix="/messages")

EDITORS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER)
STATUS_FILTERS = [
    ("", _l("Any status")),
    ("draft", _l("Draft")),
    ("pending", _l("Pending")),
    ("approved", _l("Approved")),
    ("rejected", _l("Rejected")),
    ("retired", _l("Retired")),
    ("expired", _l("Expired")),
]


class MessageForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    topic = StringField(_l("Topic or campaign"), validators=[Optional(), Length(max=120)])
    priority = SelectField(_l("Priority"), choices=as_choices(PRIORITIES), default="normal")
    valid_from = DateTimeLocalField(_l("Valid from"), validators=[Optional()])
    valid_until = DateTimeLocalField(_l("Valid until"), validators=[Optional()])
    revision = HiddenField()


SPEEDS = ["0.8", "0.9", "1.0", "1.1", "1.25"]


class RetireMessageForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(value: datetime | None) -> datetime | None:
    """Form datetimes are local (Asia/Ho_Chi_Minh); the database keeps UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


def voice_choices(language: str) -> list[tuple[str, str]]:
    automatic = ("", str(_l("Automatic (the language's default voice)")))
    return [automatic, *catalogue.voice_choices(language)]


@dataclass
class Panel:
    """One language's column on the edit page."""

    language: languages.Language
    latest: Any
    voices: list[tuple[str, str]]
    script: str
    spoken: str
    speed: str


def panels(message: Any, scripts: dict[str, str] | None = None) -> list[Panel]:
    """Each language's column; ``scripts`` are typed ones to preview instead of the saved."""
    out = []
    upstream = cap_sources.suggested_scripts(message.id)  # a draft made from a CAP alert
    for lang in languages.all_languages():
        variant = message.variant(lang.code)
        latest = variant.versions[-1] if variant and variant.versions else None
        script = latest.script_text if latest and latest.script_text else ""
        script = script or upstream.get(lang.code, "")
        script = (scripts or {}).get(lang.code, script)
        default_speed = f"{speech_preferences.get(lang.code).default_speed:.2f}".rstrip("0")
        speed = default_speed if default_speed in SPEEDS else "1.0"
        out.append(
            Panel(
                lang,
                latest,
                voice_choices(lang.code),
                script,
                spoken_text(lang.code, script),
                speed,
            )
        )
    return out


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refuse(error: ServiceError | ProductionError, status: int | None = None) -> Any:
    db.session.rollback()
    text = error_text(error)
    if _wants_json():
        return jsonify({"error": {"code": error.code, "message": text}}), status or error.status
    flash(text, "error")
    return None


@bp.route("/")
@roles(*READERS)
def index() -> Any:
    args = request.args
    filters = messages.Filters(
        status=args.get("status") or None,
        language=args.get("language") or None,
        topic=args.get("topic") or None,
        priority=args.get("priority") or None,
        text=args.get("q") or None,
        waiting_for=current_user._get_current_object() if args.get("waiting") else None,
    )
    page = messages.search(filters, page=args.get("page", 1, type=db_int))
    return render_template(
        "messages/list.html",
        page=page,
        filters=filters,
        statuses=STATUS_FILTERS,
        priorities=PRIORITIES,
        topics=messages.topics(),
        now=datetime.now(UTC),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new() -> Any:
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message = messages.create(
                current_actor(),
                form.title.data,
                topic=form.topic.data or "",
                priority=form.priority.data,
                valid_from=local_to_utc(form.valid_from.data),
                valid_until=local_to_utc(form.valid_until.data),
            )
        except ServiceError as error:
            _refuse(error)
        else:
            db.session.commit()
            return redirect(url_for("messages.edit", message_id=message.id))
    return render_template("messages/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:message_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit(message_id: int) -> Any:
    message = messages.get(message_id)
    form = MessageForm(obj=None if request.method == "POST" else message)
    if request.method == "GET":
        form.valid_from.data = utc_to_local(message.valid_from)
        form.valid_until.data = utc_to_local(message.valid_until)
        form.revision.data = str(message.revision)
    status = 200
    if form.validate_on_submit():
        try:
            messages.update(
                current_actor(),
                message,
                seen_revision=int(form.revision.data or 0),
                title=form.title.data,
                topic=form.topic.data or "",
                priority=form.priority.data,
                valid_from=local_to_utc(form.valid_from.data),
                valid_until=local_to_utc(form.valid_until.data),
            )
        except ServiceError as error:
            _refuse(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("The message has been saved."), "success")
            return redirect(url_for("messages.edit", message_id=message.id))
    elif form.errors:
        status = 422
    return _edit_page(message, form), status


def _edit_page(message: Any, form: MessageForm, scripts: dict[str, str] | None = None) -> str:
    return render_template(
        "messages/edit.html",
        message=message,
        form=form,
        panels=panels(message, scripts),
        speeds=SPEEDS,
    )


@bp.route("/<int:message_id>/versions", methods=["POST"])
@roles(*EDITORS)
def create_version(message_id: int) -> Any:
    """Generate speech from a panel's script, or take its uploaded/recorded voice."""
    message = messages.get(message_id)
    form = request.form
    language = form.get("language", "")
    back = url_for("messages.edit", message_id=message.id) + f"#lang-{language}"
    upload = request.files.get(f"{language}-recording")
    if form.get("action") == "preview":  # without JavaScript: the page again, with the preview
        return _preview_page(message, language, form.get(f"{language}-script", ""))
    actor = current_actor()
    try:
        if form.get("action") == "upload" or (upload is not None and upload.filename):
            if upload is None or not upload.filename:
                raise ValidationFailed(_l("Choose or record a recording first."), code="no_file")
            version, job = versions.create_from_upload(
                actor,
                message,
                language,
                upload.stream,
                upload.filename,
                script=form.get(f"{language}-script"),
            )
        else:
            engine, _sep, voice = form.get(f"{language}-voice", "").partition(":")
            speed = form.get(f"{language}-speed", "")
            version, job = versions.create_from_speech(
                actor,
                message,
                language,
                form.get(f"{language}-script", ""),
                engine=engine or None,
                voice=voice or None,
                speed=float(speed) if speed in SPEEDS else None,
            )
    except (ServiceError, ProductionError) as error:
        refused = _refuse(error, 422)
        return refused if refused is not None else redirect(back)
    db.session.commit()
    dispatched = enqueue_render(job.id)
    if _wants_json():
        return jsonify(
            {
                "version_id": version.id,
                "number": version.number,
                "job_id": job.id,
                "waiting_for_service": not dispatched,
                "job_url": url_for("api_production.get_job", job_id=job.id),
                "panel_url": url_for("messages.panel", message_id=message.id, language=language),
            }
        ), 202
    flash_queued(dispatched, version.number)
    return redirect(back)


def _preview_page(message: Any, language: str, script: str) -> Any:
    form = MessageForm(obj=message)
    form.valid_from.data = utc_to_local(message.valid_from)
    form.valid_until.data = utc_to_local(message.valid_until)
    form.revision.data = str(message.revision)
    return _edit_page(message, form, {language: script})


@bp.route("/<int:message_id>/listen/<language>")
@roles(*EDITORS)
def listen(message_id: int, language: str) -> Any:
    """Without JavaScript: the chosen voice (else the language's first) reading its sample."""
    messages.get(message_id)
    choices = catalogue.voice_choices(language)
    chosen = request.args.get(f"{language}-voice") or (choices[0][0] if choices else "")
    engine, _sep, voice = chosen.partition(":")
    if not voice:
        flash(_("There is no voice for this language yet."), "error")
        return redirect(url_for("messages.edit", message_id=message_id) + f"#lang-{language}")
    return redirect(
        url_for("api_speech.voice_sample", engine=engine, voice=voice, language=language)
    )


@bp.route("/<int:message_id>/panel/<language>")
@roles(*EDITORS)
def panel(message_id: int, language: str) -> Any:
    """One language's latest version (HTML fragment the edit page swaps in after a job)."""
    message = messages.get(message_id)
    variant = message.variant(language)
    latest = variant.versions[-1] if variant and variant.versions else None
    return render_template("messages/_latest.html", version=latest, message=message)


@bp.route("/<int:message_id>")
@roles(*READERS)
def show(message_id: int) -> Any:
    message = messages.get(message_id)
    user = current_user._get_current_object()
    history = {
        lang.code: list(reversed(message.variant(lang.code).versions))
        if message.variant(lang.code)
        else []
        for lang in languages.all_languages()
    }
    bulletin = message.variant(versions.BULLETIN)
    bulletin_list = list(reversed(bulletin.versions)) if bulletin else []
    return render_template(
        "messages/show.html",
        message=message,
        history=history,
        bulletins=bulletin_list,
        bulletin_moves={v.id: workflow.allowed_moves(user, v) for v in bulletin_list},
        offered=bulletins_page.choices(message),
        gap=current_app.config["BULLETIN_GAP_SECONDS"],
        max_gap=bulletins_page.MAX_GAP_S,
        moves={v.id: workflow.allowed_moves(user, v) for vs in history.values() for v in vs},
        events=schedule_scope.message_audit(user, message.id),
        retire_form=RetireMessageForm(),
        now=datetime.now(UTC),
        self_approval=current_app.config["ALLOW_SELF_APPROVAL"],
        cap_inbound=cap_sources.for_message(message.id),
        cap_alerts=cap_publishing.for_message(message.id),
        cap_area_names=cap_sources.area_names,
    )

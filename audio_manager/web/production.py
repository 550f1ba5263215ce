"""Making audio on pages: a new message with speech or a recording, a version's renditions
with players and measurements, retrying a failed job, and the stock sounds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_render, waiting_for_queue
from ..models import JobStatus, RenderJob, Role
from ..production.engines import ALL_ENGINES
from ..production.errors import ProductionError
from ..services.audio import rendering, social, stock
from ..services.errors import NotFound, ServiceError
from ..services.messages import messages, versions
from ..services.speech import labels as speech_labels
from .forms import WAITING, as_choices, flash_error, flash_queued

bp = Blueprint("production", __name__)

PRODUCERS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN)
PRIORITIES = [
    ("normal", _l("Normal")),
    ("priority", _l("Priority")),
    ("emergency", _l("Emergency")),
]
CONTRIBUTOR_KINDS = {
    "created": _l("made it"),
    "edited": _l("changed it"),
    "restored": _l("wrote the version it restores"),
    "part": _l("wrote one of its parts"),
}
SOCIAL_LABELS = {
    "social_square": _l("Square video 1080×1080 (MP4)"),
    "social_vertical": _l("Vertical video 1080×1920 (MP4)"),
    "social_wide": _l("Wide video 1920×1080 (MP4)"),
    "captions_srt": _l("Captions (SRT)"),
    "captions_vtt": _l("Captions (WebVTT)"),
}
ENGINES = [
    ("", _l("Automatic (the language's default voice)")),
    *((name, speech_labels.ENGINES[name]) for name in ALL_ENGINES),
]


class StudioForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    topic = StringField(_l("Topic or campaign"), validators=[Optional(), Length(max=120)])
    priority = SelectField(_l("Priority"), choices=as_choices(PRIORITIES), default="normal")
    language = SelectField(_l("Language"))
    script = TextAreaField(_l("Script"), validators=[Optional(), Length(max=20000)])
    engine = SelectField(
        _l("Speech engine"), choices=as_choices(ENGINES), default="", validate_choice=True
    )
    speed = DecimalField(
        _l("Speed"), default=1.0, places=2, validators=[Optional(), NumberRange(min=0.5, max=2.0)]
    )
    recording = FileField(_l("Or a recording (wav, mp3, m4a, ogg, webm, flac, amr)"))


class RetryForm(FlaskForm):
    pass


class StockForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=as_choices([("bed", _l("Background bed")), ("chime", _l("Chime"))])
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    licence = StringField(_l("Licence"), validators=[DataRequired(), Length(max=300)])
    make_default = BooleanField(_l("Use as the default"))
    file = FileField(_l("Audio file"))


def _language_choices() -> list[tuple[str, str]]:
    return [(lang.code, f"{lang.native_name} — {lang.label}") for lang in languages.all_languages()]


def _refuse(error: ServiceError | ProductionError) -> None:
    db.session.rollback()
    flash_error(error)


@bp.route("/studio", methods=["GET", "POST"])
@roles(*PRODUCERS)
def studio() -> Any:
    """A new message with its first version, from a script or a recording."""
    form = StudioForm()
    form.language.choices = as_choices(_language_choices())
    status = 200
    if form.validate_on_submit():
        recording = form.recording.data
        has_file = recording is not None and getattr(recording, "filename", "")
        actor = current_actor()
        try:
            message = messages.create(
                actor, form.title.data, topic=form.topic.data or "", priority=form.priority.data
            )
            if has_file:
                version, job = versions.create_from_upload(
                    actor,
                    message,
                    form.language.data,
                    recording.stream,
                    recording.filename,
                    script=form.script.data,
                )
            else:
                version, job = versions.create_from_speech(
                    actor,
                    message,
                    form.language.data,
                    form.script.data or "",
                    engine=form.engine.data or None,
                    speed=float(form.speed.data) if form.speed.data else None,
                )
        except (ServiceError, ProductionError) as error:
            _refuse(error)
            status = 422
        else:
            db.session.commit()
            flash_queued(enqueue_render(job.id), version.number)
            return redirect(url_for("production.version", version_id=version.id))
    elif request.method == "POST":
        status = 422
    return render_template("production/studio.html", form=form), status


@bp.route("/versions/<int:version_id>")
@roles(*READERS)
def version(version_id: int) -> Any:
    item = versions.get(version_id)
    job = item.latest_job  # the audio's (social videos have their own section)
    return render_template(
        "production/version.html",
        version=item,
        job=job,
        waiting_for_service=job is not None
        and job.status == JobStatus.QUEUED
        and waiting_for_queue(job.id),
        social_names=social.outputs(),
        social_renditions=social.renditions_of(item),
        social_labels=SOCIAL_LABELS,
        retry_form=RetryForm(),
        language=languages.get(item.language),
        contributor_kinds=CONTRIBUTOR_KINDS,
    )


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@roles(*PRODUCERS)
def retry_job(job_id: int) -> Any:
    job = db.session.get(RenderJob, job_id)
    if job is None:
        raise NotFound(_l("No such job."))
    try:
        rendering.retry(current_actor(), job)
    except ServiceError as error:
        _refuse(error)
    else:
        db.session.commit()
        if enqueue_render(job.id):
            flash(_("The job has been queued again."), "success")
        else:
            flash(WAITING, "warning")
    if request.form.get("next") == "admin":  # the Background jobs page's retry button
        return redirect(url_for("admin_jobs.index"))
    return redirect(url_for("production.version", version_id=job.version_id))


@bp.route("/stock-sounds", methods=["GET", "POST"])
@roles(Role.ADMIN)
def stock_sounds() -> Any:
    form = StockForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is None or not getattr(upload, "filename", ""):
                raise ServiceError(_l("Choose an audio file."), code="no_file")
            stock.upload(
                current_actor(),
                form.kind.data,
                form.name.data,
                form.licence.data,
                upload.stream,
                make_default=bool(form.make_default.data),
            )
        except (ServiceError, ProductionError) as error:
            _refuse(error)
            status = 422
        else:
            db.session.commit()
            flash(_("The sound has been added."), "success")
            return redirect(url_for("production.stock_sounds"))
    return render_template("production/stock.html", form=form, sounds=stock.all_sounds()), status

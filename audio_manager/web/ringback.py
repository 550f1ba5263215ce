"""Ringback tone pages: the overview, carriers (admins), releases and the printable flyers."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import wording
from ..access import allowed, authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role
from ..production.errors import ProductionError
from ..services.errors import ServiceError
from ..services.messages import versions
from ..services.ringback import carriers, install_reports, releases
from .forms import as_choices, db_int, flash_error

bp = Blueprint("ringback", __name__, url_prefix="/ringback")

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER)
EDITORS = (Role.EDITOR, Role.ADMIN)
CODEC_LABELS = {
    "mp3": "MP3",
    "aac": "AAC (m4a)",
    "opus": "Opus (ogg)",
    "pcm_s16le": "WAV PCM 16-bit",
    "pcm_alaw": "WAV G.711 A-law",
    "pcm_mulaw": "WAV G.711 µ-law",
}
STATUS_LABELS = {
    "prepared": _l("Prepared"),
    "submitted": _l("Submitted"),
    "live": _l("Live"),
    "withdrawn": _l("Withdrawn"),
}


def qr_svg(payload: str | None, label: str) -> Markup:
    """A QR code drawn on the server as inline SVG (no script, nothing fetched)."""
    if not payload:
        return Markup("")
    svg = segno.make(payload, error="m").svg_inline(scale=6, border=2, svgclass="qr", omitsize=True)
    return Markup('<figure class="qr" role="img" aria-label="{}">{}</figure>').format(
        label, Markup(svg)
    )


class CarrierForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(_l("In use"), default=True)
    source_profile = SelectField(_l("Made from the rendition"))
    codec = SelectField(
        _l("Upload format"), choices=as_choices(CODEC_LABELS.items()), default="mp3"
    )
    bitrate_kbps = IntegerField(_l("Bitrate (kbit/s, lossy formats)"), validators=[Optional()])
    sample_rate = SelectField(
        _l("Sample rate (Hz)"),
        choices=as_choices((str(r), str(r)) for r in carriers.SAMPLE_RATES),
        default="44100",
    )
    max_duration_s = FloatField(_l("Maximum length (seconds)"), default=30.0)
    sms_number = StringField(_l("SMS number"), validators=[Optional(), Length(max=20)])
    sms_template = StringField(_l("SMS text"), validators=[Optional(), Length(max=160)])
    ussd_template = StringField(_l("USSD code"), validators=[Optional(), Length(max=80)])
    app_name = StringField(_l("App"), validators=[Optional(), Length(max=120)])
    instructions = TextAreaField(_l("Install instructions"), validators=[Optional()])
    revision = HiddenField()

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "active": bool(self.active.data),
            "source_profile": self.source_profile.data,
            "codec": self.codec.data,
            "bitrate_kbps": self.bitrate_kbps.data,
            "sample_rate": int(self.sample_rate.data or 0),
            "max_duration_s": self.max_duration_s.data,
            "sms_number": self.sms_number.data,
            "sms_template": self.sms_template.data,
            "ussd_template": self.ussd_template.data,
            "app_name": self.app_name.data,
            "instructions": self.instructions.data,
        }


class NewReleaseForm(FlaskForm):
    version_id = SelectField(
        _l("Approved version"),
        coerce=int,
        validators=[NumberRange(min=1, message=_l("Choose the version to release."))],
    )
    carrier_id = SelectField(
        _l("Carrier"),
        coerce=int,
        validators=[NumberRange(min=1, message=_l("Choose the carrier."))],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class MoveForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    content_code = StringField(_l("Tone code"), validators=[Optional(), Length(max=40)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    revision = HiddenField()


def _refuse(error: ServiceError | ProductionError, form: FlaskForm | None = None) -> None:
    db.session.rollback()
    flash_error(error)
    details = getattr(error, "details", None)
    if form is not None and isinstance(details, dict):
        for name, message in details.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]


@bp.route("/")
@authenticated
def index() -> Any:
    live = releases.live_releases()
    by_carrier: dict[Any, list[Any]] = {}
    for release in live:
        by_carrier.setdefault(release.carrier, []).append(release)
    headline = install_reports.headline(current_user) if allowed("installs.report") else None
    return render_template(
        "ringback/index.html",
        by_carrier=by_carrier,
        carriers=carriers.all_carriers(active_only=True),
        headline=headline,
    )


def _carrier_form(carrier: Any = None) -> CarrierForm:
    form = CarrierForm(obj=carrier)
    form.source_profile.choices = as_choices(
        (p, wording.profile_name(p)) for p in carriers.source_profiles()
    )
    if carrier is not None and request.method == "GET":
        form.sample_rate.data = str(carrier.sample_rate)
        form.revision.data = str(carrier.revision)
    return form


@bp.route("/carriers")
@roles(Role.ADMIN)
def carrier_list() -> Any:
    return render_template(
        "ringback/carriers.html", carriers=carriers.all_carriers(), codecs=CODEC_LABELS
    )


@bp.route("/carriers/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_carrier() -> Any:
    return _carrier_page(None)


@bp.route("/carriers/<int:carrier_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_carrier(carrier_id: int) -> Any:
    return _carrier_page(carriers.get(carrier_id))


def _carrier_page(carrier: Any) -> Any:
    """The carrier form: a new carrier, or changes to one (a stale form is refused)."""
    form = _carrier_form(carrier)
    status = 200
    if form.validate_on_submit():
        seen = int(form.revision.data) if (form.revision.data or "").isdigit() else None
        try:
            if carrier is None:
                saved = carriers.create(current_actor(), form.values())
            else:
                saved = carriers.update(current_actor(), carrier, form.values(), seen_revision=seen)
        except ServiceError as error:
            _refuse(error, form)
            status = 422
        else:
            db.session.commit()
            flash(_("Carrier %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("ringback.carrier_list"))
    elif request.method == "POST":
        status = 422
    return render_template("ringback/carrier_form.html", form=form, carrier=carrier), status


def _flyer(carrier: Any, tones: list[Any]) -> Any:
    items = []
    for release in tones:
        how = carriers.instructions(carrier, release.content_code or "")
        items.append(
            {
                "release": release,
                "how": how,
                "qr": qr_svg(how.qr_payload, _("Scan to install tone %(code)s", code=how.code)),
            }
        )
    report_url = url_for("installs.report_own", _external=True)
    return render_template(
        "ringback/flyer.html",
        carrier=carrier,
        items=items,
        report_url=report_url,
        report_qr=qr_svg(report_url, _("Scan to report your install")),
    )


@bp.route("/carriers/<int:carrier_id>/flyer")
@authenticated
def carrier_flyer(carrier_id: int) -> Any:
    carrier = carriers.get(carrier_id)
    return _flyer(carrier, releases.live_releases(carrier))


@bp.route("/releases/<int:release_id>/flyer")
@authenticated
def release_flyer(release_id: int) -> Any:
    release = releases.get(release_id)
    return _flyer(release.carrier, [release])


@bp.route("/releases")
@roles(*READERS)
def release_list() -> Any:
    status = request.args.get("status") or None
    carrier_id = request.args.get("carrier", type=db_int)
    return render_template(
        "ringback/releases.html",
        releases=releases.list_releases(status=status, carrier_id=carrier_id),
        carriers=carriers.all_carriers(),
        status=status,
        carrier_id=carrier_id,
        status_labels=STATUS_LABELS,
    )


def _version_label(version: Any) -> str:
    """ "BHXH tự nguyện · phiên bản 2 (Kinh) · 3.2 s"."""
    duration = version.rendition("ringback").asset.duration
    seconds = f" · {duration:.1f} s" if duration is not None else ""
    label = wording.version_of(version)
    return f"{version.variant.message.title} · {label}{seconds}"


def _by_message_then_language(version: Any) -> tuple[str, int, int]:
    """Kinh, Hoa, Khmer under each message (never by code: "hoa" sorted first by mistake)."""
    return (
        version.variant.message.title.lower(),
        wording.language_rank(version.variant.language),
        -version.number,
    )


@bp.route("/releases/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_release() -> Any:
    form = NewReleaseForm()
    candidates = sorted(releases.releasable_versions(), key=_by_message_then_language)
    # Nothing chosen in advance: a wrong default would publish the wrong tone.
    choices = as_choices((v.id, _version_label(v)) for v in candidates)
    form.version_id.choices = [(0, _("— choose a version —")), *choices]
    active = carriers.all_carriers(active_only=True)
    form.carrier_id.choices = as_choices((c.id, c.name) for c in active)
    if len(active) > 1:
        form.carrier_id.choices.insert(0, (0, _("— choose a carrier —")))
    if request.method == "GET" and request.args.get("version_id", type=db_int):
        form.version_id.data = request.args.get("version_id", type=db_int)
    status = 200
    if form.validate_on_submit():
        try:
            release = releases.prepare(
                current_actor(),
                versions.get(form.version_id.data),
                carriers.get(form.carrier_id.data),
                note=form.note.data or "",
            )
        except (ServiceError, ProductionError) as error:
            _refuse(error)
            status = 422
        else:
            db.session.commit()
            flash(_("The release is prepared: download its ZIP for the carrier."), "success")
            return redirect(url_for("ringback.release", release_id=release.id))
    elif request.method == "POST":
        status = 422
    return render_template("ringback/release_new.html", form=form, empty=not candidates), status


@bp.route("/releases/<int:release_id>")
@roles(*READERS)
def release(release_id: int) -> Any:
    item = releases.get(release_id)
    return render_template(
        "ringback/release.html",
        release=item,
        moves=releases.allowed_moves(item),
        form=MoveForm(revision=str(item.revision), content_code=item.content_code or ""),
        status_labels=STATUS_LABELS,
    )


@bp.route("/releases/<int:release_id>/move", methods=["POST"])
@roles(*EDITORS)
def move_release(release_id: int) -> Any:
    item = releases.get(release_id)
    form = MoveForm()
    if form.validate_on_submit():
        seen = int(form.revision.data) if (form.revision.data or "").isdigit() else None
        try:
            releases.move(
                current_actor(),
                item,
                form.action.data,
                content_code=form.content_code.data,
                reason=form.reason.data,
                seen_revision=seen,
            )
        except ServiceError as error:
            _refuse(error)
        else:
            db.session.commit()
            flash(_("The release is now %(status)s.", status=STATUS_LABELS[item.status]), "success")
    return redirect(url_for("ringback.release", release_id=release_id))

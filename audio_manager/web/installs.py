"""Install pages: a staff member's own reports, importing lists (admins), the report with
targets, and setting targets."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..access import authenticated, roles
from ..api.reports import READERS
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_install_import
from ..jobs.progress import done_rows
from ..models import Area, Role
from ..services.areas import areas, picker
from ..services.areas.area_levels import Levels
from ..services.errors import NotFound, ServiceError, ValidationFailed
from ..services.ringback import (
    carriers,
    install_import,
    install_reports,
    install_rows,
    install_staging,
    installs,
    releases,
)
from . import charts
from .forms import as_choices, db_int, flash_error

bp = Blueprint("installs", __name__, url_prefix="/ringback")

ACTIONS = [("install", _l("I installed it")), ("uninstall", _l("I removed it"))]
FIELD_LABELS = {
    "phone": _l("Phone number"),
    "code": _l("Tone code"),
    "carrier": _l("Carrier"),
    "unit": _l("Unit (area code)"),
    "date": _l("Date"),
    "action": _l("Install or uninstall"),
    "name": _l("Staff name"),
}
GROUP_LABELS = {
    "carrier": _l("Carrier"),
    "unit": _l("Unit"),
    "tone": _l("Tone"),
    "month": _l("Month"),
    "target": _l("Targets"),
}


def units_for(user: Any) -> list[Area]:
    """Units (areas above hamlets) this user may name, in tree order."""
    leaf = Levels.from_config().leaf
    query = areas.restrict(db.select(Area).where(Area.level != leaf), user)
    return list(db.session.scalars(query.order_by(Area.path)))


def unit_choices(user: Any, blank: str) -> list[Any]:
    return as_choices(
        [("", blank)] + [(str(a.id), f"{a.name} ({a.code})") for a in units_for(user)]
    )


def unit_tree(value: Any) -> picker.Tree:
    """The area picker over the units (areas above hamlets), ``value`` (an id) chosen."""
    levels = Levels.from_config().order[:-1]
    chosen = [int(value)] if str(value or "").isdigit() else []
    return picker.tree(current_user, chosen, levels=levels)


def _unit(value: str | None) -> Area | None:
    if not value:
        return None
    area = db.session.get(Area, int(value)) if value.isdigit() else None
    if area is None or not areas.can_see(current_user, area):
        raise NotFound(_l("No such area."), code="unknown_unit")
    return area


class ReportForm(FlaskForm):
    carrier_id = SelectField(_l("Carrier"), coerce=int)
    code = StringField(_l("Tone code"), validators=[DataRequired(), Length(max=40)])
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=30)])
    unit = SelectField(_l("Your unit"), default="")
    on = DateField(_l("Date"), validators=[Optional()])
    action = RadioField(_l("What happened"), choices=as_choices(ACTIONS), default="install")


class RemoveForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    file = FileField(_l("List of installs (CSV or XLSX)"), validators=[FileRequired()])
    carrier_id = SelectField(
        _l("Carrier of every line (when there is no carrier column)"), default=""
    )
    release_id = SelectField(
        _l("Tone of every line (when there is no tone code column)"), default=""
    )
    unit = SelectField(_l("Unit of every line (when there is no unit column)"), default="")
    action = SelectField(
        _l("Lines without an action are"),
        choices=as_choices([("install", _l("installs")), ("uninstall", _l("uninstalls"))]),
    )
    on = DateField(_l("Date of lines without a date (default: today)"), validators=[Optional()])


class ImportActionForm(FlaskForm):
    pass


class TargetForm(FlaskForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    target = IntegerField(_l("Target (phones; empty removes it)"), validators=[Optional()])


@bp.route("/my-installs", methods=["GET", "POST"])
@authenticated
def report_own() -> Any:
    """ "I installed tone X on carrier Y": a staff member's own report, and their list."""
    form = ReportForm()
    form.carrier_id.choices = as_choices(
        (c.id, c.name) for c in carriers.all_carriers(active_only=True)
    )
    form.unit.choices = unit_choices(current_user, _("(not given)"))
    if request.method == "GET" and current_user.scope_areas:
        form.unit.data = str(current_user.scope_areas[0].id)
    status = 200
    if form.validate_on_submit():
        try:
            outcome, row = installs.report_own(
                current_actor(),
                phone=form.phone.data,
                carrier=carriers.get(form.carrier_id.data),
                code=form.code.data,
                unit=_unit(form.unit.data),
                on=form.on.data,
                action=form.action.data,
            )
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            status = error.status
        else:
            db.session.commit()
            messages = {
                "created": _("Thank you: the install on %(phone)s is counted."),
                "removed": _("The tone on %(phone)s is recorded as removed."),
                "duplicate": _("Already recorded for %(phone)s: it counts once."),
            }
            flash(messages[outcome] % {"phone": row.phone_masked}, "success")
            return redirect(url_for("installs.report_own"))
    elif request.method == "POST":
        status = 422
    mine = installs.own_installs(current_user)
    return render_template(
        "ringback/my_installs.html",
        form=form,
        remove_form=RemoveForm(),
        mine=mine,
        live=releases.live_releases(),
        labels=install_reports.tone_labels([i.release_id for i in mine]),
        unit_tree=unit_tree(form.unit.data),
    ), status


@bp.route("/my-installs/<int:install_id>/remove", methods=["POST"])
@authenticated
def remove_own(install_id: int) -> Any:
    if RemoveForm().validate_on_submit():
        try:
            installs.remove_own(current_actor(), install_id)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(_("Recorded as removed."), "success")
    return redirect(url_for("installs.report_own"))


def _import_form() -> ImportForm:
    form = ImportForm()
    every = _("(from the file)")
    form.carrier_id.choices = as_choices(
        [("", every)] + [(str(c.id), c.name) for c in carriers.all_carriers()]
    )
    form.release_id.choices = as_choices(
        [("", every)] + [(str(r.id), label) for r, label in _tone_choices()]
    )
    form.unit.choices = unit_choices(current_user, every)
    return form


def _tone_choices() -> list[tuple[Any, str]]:
    live = [r for r in releases.list_releases() if r.live_at is not None]
    labels = install_reports.tone_labels([r.id for r in live])
    return [(r, labels[r.id]) for r in live]


def _defaults(form: ImportForm) -> install_rows.Defaults:
    release = releases.get(int(form.release_id.data)) if form.release_id.data else None
    carrier = carriers.get(int(form.carrier_id.data)) if form.carrier_id.data else None
    return install_rows.Defaults(
        carrier=carrier,
        release=release,
        area=_unit(form.unit.data),
        action=form.action.data or "install",
        on=form.on.data,
    )


def mapping_from(values: Any) -> dict[str, str]:
    return {f: values.get(f"map_{f}", "") for f in install_import.FIELDS}


@bp.route("/installs/import", methods=["GET", "POST"])
@roles(Role.ADMIN)
def import_page() -> Any:
    form = _import_form()
    problems: dict[str, Any] = {}
    mapping = mapping_from(request.form)
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["INSTALL_IMPORT_MAX_BYTES"]
        try:
            record = install_import.preview(
                current_actor(),
                upload.stream.read(limit + 1),
                filename=upload.filename or "",
                mapping=mapping,
                defaults=_defaults(form),
            )
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            problems = error.details if isinstance(error.details, dict) else {}
            status = error.status
        else:
            db.session.commit()
            return redirect(url_for("installs.import_status", import_id=record.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "ringback/import.html",
        form=form,
        problems=problems,
        mapping=problems.get("mapping") or mapping,
        columns=problems.get("columns") or [],
        fields=install_import.FIELDS,
        field_labels=FIELD_LABELS,
        recent=install_import.recent(),
        unit_tree=unit_tree(form.unit.data),
    ), status


@bp.route("/imports/<int:import_id>")
@roles(Role.ADMIN)
def import_status(import_id: int) -> Any:
    record = install_import.get(import_id)
    sample = install_staging.sample(record) if record.status == "ready" else []
    return render_template(
        "ringback/import_status.html",
        record=record,
        done=done_rows(record),
        sample=sample,
        earlier=install_import.earlier_imports_of_same_file(record),
        labels=install_reports.tone_labels([row.release_id for row, _status in sample]),
        form=ImportActionForm(),
        field_labels=FIELD_LABELS,
    )


@bp.route("/imports/<int:import_id>/commit", methods=["POST"])
@roles(Role.ADMIN)
def commit_import(import_id: int) -> Any:
    if _import_action(import_id, install_import.commit):
        enqueue_install_import(import_id)
    return redirect(url_for("installs.import_status", import_id=import_id))


@bp.route("/imports/<int:import_id>/cancel", methods=["POST"])
@roles(Role.ADMIN)
def cancel_import(import_id: int) -> Any:
    if _import_action(import_id, install_import.cancel):
        flash(_("The import was cancelled; nothing was written."), "success")
    return redirect(url_for("installs.import_page"))


def _import_action(import_id: int, action: Any) -> bool:
    """Commit or cancel a waiting import; False (with the reason shown) when refused."""
    record = install_import.get(import_id)
    if not ImportActionForm().validate_on_submit():
        return False
    try:
        action(current_actor(), record)
    except ServiceError as error:
        flash_error(error)
        return False
    db.session.commit()
    return True


def report_args(values: Any) -> dict[str, Any]:
    raw = values.get("as_of")
    try:
        as_of = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationFailed(_l("Give the date as YYYY-MM-DD."), code="bad_date") from None
    return {
        "group_by": values.get("group_by", "carrier"),
        "as_of": as_of,
        "filters": {
            "carrier": values.get("carrier", type=db_int),
            "tone": values.get("tone", type=db_int),
        },
        "months": values.get("months", 12, type=int),
    }


@bp.route("/report")
@roles(*READERS)
def report() -> Any:
    args = report_args(request.args)
    result = install_reports.report(
        current_user,
        args["group_by"],
        as_of=args["as_of"],
        filters=args["filters"],
        months=args["months"],
    )
    if result.group_by == "month":
        chart = charts.line([(row["label"], row["installs"]) for row in result.rows])
    else:
        bars = [(row["label"], {"installs": row["installs"]}) for row in result.rows[:30]]
        chart = charts.stacked_bars(bars, ["installs"], {"installs": _("Active installs")})
    query = {k: v for k, v in request.args.items() if k != "format"}
    return render_template(
        "ringback/report.html",
        result=result,
        chart=chart,
        groups=install_reports.GROUPS,
        group_labels=GROUP_LABELS,
        carriers=carriers.all_carriers(),
        args=args,
        export_url=lambda fmt: url_for(
            "api_installs.install_report", **{**query, "group_by": result.group_by, "format": fmt}
        ),
    )


@bp.route("/targets", methods=["GET", "POST"])
@roles(Role.ADMIN)
def targets() -> Any:
    form = TargetForm()
    form.unit.choices = unit_choices(current_user, "")
    status = 200
    if form.validate_on_submit():
        try:
            area = _unit(form.unit.data)
            assert area is not None
            install_reports.set_target(current_actor(), area, form.target.data)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("The target of %(unit)s is saved.", unit=area.name), "success")
            return redirect(url_for("installs.targets"))
    elif request.method == "POST":
        status = 422
    progress = install_reports.report(current_user, "target")
    return render_template(
        "ringback/targets.html", form=form, progress=progress, unit_tree=unit_tree(form.unit.data)
    ), status

"""Browsing the area tree; admins import it from CSV and edit a hamlet's languages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from .. import languages
from ..access import authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role
from ..services.areas import areas, picker
from ..services.areas.area_import import REQUIRED_COLUMNS, AreaImportError, import_areas
from ..services.areas.area_levels import Levels
from ..services.errors import ServiceError
from .forms import as_choices, db_int, flash_error

bp = Blueprint("areas", __name__, url_prefix="/areas")

TEMPLATE_CSV = (
    ",".join(REQUIRED_COLUMNS)
    + "\nprovince,94,Tỉnh Mẫu,,\n"
    + "commune,94001,Xã Mẫu,94,\n"
    + "hamlet,,Ấp Mẫu,94001,khmer;kinh\n"
)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class LanguagesForm(FlaskForm):
    pass


def languages_form(current: list[str]) -> LanguagesForm:
    """One ordered select per registered language; blanks drop out."""
    choices = [("", _("(none)"))] + [
        (lang.code, str(lang.label)) for lang in languages.all_languages()
    ]

    class Form(LanguagesForm):
        pass

    for index in range(len(languages.codes())):
        default = current[index] if index < len(current) else ""
        setattr(
            Form,
            f"language_{index}",
            SelectField(
                _l("Language %(n)d", n=index + 1), choices=as_choices(choices), default=default
            ),
        )
    return Form()


@bp.route("/")
@authenticated
def index() -> Any:
    area_id = request.args.get("area_id", type=db_int)
    if area_id is not None:  # the picker's choice: open that area
        return redirect(url_for("areas.show", area_id=areas.get_visible(current_user, area_id).id))
    text = request.args.get("q", "").strip()
    if text:
        found, total = areas.search(current_user, text=text, limit=100)
        return render_template(
            "areas/search.html",
            results=found,
            total=total,
            q=text,
            paths={a.id: areas.ancestors(a) for a in found},
        )
    roots = areas.roots_for(current_user)
    return render_template(
        "areas/list.html",
        area=None,
        trail=[],
        children=roots,
        child_counts=areas.descendant_counts([a.id for a in roots]),
        levels=Levels.from_config(),
        area_tree=picker.tree(current_user),
    )


@bp.route("/<int:area_id>")
@authenticated
def show(area_id: int) -> Any:
    area = areas.get_visible(current_user, area_id)
    children = area.children
    return render_template(
        "areas/list.html",
        area=area,
        trail=[a for a in areas.ancestors(area) if areas.can_see(current_user, a)],
        children=children,
        child_counts=areas.descendant_counts([a.id for a in children]),
        levels=Levels.from_config(),
    )


@bp.route("/<int:area_id>/languages", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_languages(area_id: int) -> Any:
    area = areas.get_visible(current_user, area_id)
    form = languages_form(area.languages)
    if form.validate_on_submit():
        chosen = [getattr(form, f"language_{i}").data for i in range(len(languages.codes()))]
        try:
            areas.set_languages(current_actor(), area, chosen)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(_("The languages of %(name)s have been saved.", name=area.name), "success")
            return redirect(url_for("areas.show", area_id=area.parent_id or area.id))
    fields = [getattr(form, f"language_{i}") for i in range(len(languages.codes()))]
    return render_template("areas/languages.html", area=area, form=form, fields=fields)


@bp.route("/import", methods=["GET", "POST"])
@roles(Role.ADMIN)
def import_page() -> Any:
    form = ImportForm()
    errors = []
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["AREA_IMPORT_MAX_BYTES"]
        data = upload.stream.read(limit + 1)
        try:
            report = import_areas(
                current_actor(), data, filename=upload.filename or "", max_bytes=limit
            )
        except AreaImportError as error:
            db.session.rollback()
            errors = error.errors
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Import finished."), "success")
    status = 422 if errors else 200
    return render_template(
        "areas/import.html",
        form=form,
        errors=errors,
        report=report,
        columns=REQUIRED_COLUMNS,
        levels=Levels.from_config(),
    ), status


@bp.route("/import/template.csv")
@roles(Role.ADMIN)
def import_template() -> Response:
    return Response(
        "\ufeff" + TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=areas-template.csv"},
    )

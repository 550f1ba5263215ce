"""Admin pages: users, their roles, area scopes and API tokens; the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import ApiToken, AuditEvent, Role
from ..services.accounts import accounts
from ..services.areas import area_refs, picker
from ..services.errors import NotFound, ServiceError
from .account import TokenForm, render_tokens
from .forms import as_choices, db_int, flash_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.EDITOR: _l("Editor"),
    Role.APPROVER: _l("Approver"),
    Role.OPERATOR: _l("Operator"),
    Role.VIEWER: _l("Viewer"),
}


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    roles = CheckboxList(
        _l("Roles"), choices=as_choices((str(r), lbl) for r, lbl in ROLE_LABELS.items())
    )
    area_codes = StringField(
        _l("Or area codes, comma separated"),
        validators=[Optional(), Length(max=2000)],
    )
    review_languages = CheckboxList(
        _l("Approvers: languages they review (none ticked: all)"),
        choices=as_choices((lang.code, lang.label) for lang in languages.all_languages()),
    )
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)


def chosen_areas(form: UserForm) -> list[Any]:
    """The areas ticked in the picker (ids) and any codes typed in the plain field."""
    refs = area_refs.parse_form_refs(request.form.getlist("area_ids"), form.area_codes.data or "")
    return area_refs.without_covered(area_refs.resolve(refs))


def _picker(user: Any) -> picker.Tree:
    if request.method == "POST":
        chosen = [i for i in request.form.getlist("area_ids", type=db_int) if i]
    else:
        chosen = [a.id for a in user.scope_areas] if user is not None else []
    return picker.tree(current_user, chosen)


@bp.route("/users")
@roles(Role.ADMIN)
def users() -> Any:
    return render_template("admin/users.html", users=accounts.list_users(), role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user() -> Any:
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_actor(),
                form.username.data,
                form.password.data or "",
                form.roles.data or [],
                display_name=form.display_name.data or "",
                areas=chosen_areas(form),
                review_languages=form.review_languages.data or [],
            )
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None, area_tree=_picker(None))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int) -> Any:
    user = accounts.get_user(user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = sorted(str(r) for r in user.roles)
        form.review_languages.data = user.approval_languages
    form.username.data = user.username
    if form.validate_on_submit():
        try:
            accounts.update_user(
                current_actor(),
                user,
                display_name=form.display_name.data or "",
                roles=form.roles.data or [],
                areas=chosen_areas(form),
                active=bool(form.active.data),
                review_languages=form.review_languages.data or [],
            )
            if form.password.data:
                accounts.set_password(current_actor(), user, form.password.data)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, area_tree=_picker(user))


@bp.route("/users/<int:user_id>/tokens", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_tokens(user_id: int) -> Any:
    user = accounts.get_user(user_id)
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, plaintext = accounts.create_token(current_actor(), user, form.name.data)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            return render_tokens(user, new_token=plaintext, manage_endpoint="admin.user_tokens")
    return render_tokens(user, form=form, manage_endpoint="admin.user_tokens")


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles(Role.ADMIN)
def revoke_token(token_id: int) -> Any:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_l("No such token."))
    accounts.revoke_token(current_actor(), token)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("admin.user_tokens", user_id=token.user_id))


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_log() -> Any:
    page = request.args.get("page", 1, type=db_int)
    action = request.args.get("action", "").strip()
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    events = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template("admin/audit.html", events=events, action=action)

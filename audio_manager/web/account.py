"""A user's own account: password and personal API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..access import authenticated
from ..auth import begin_session, current_actor
from ..extensions import db
from ..models import ApiToken
from ..services.accounts import accounts
from ..services.errors import NotFound, ServiceError
from .forms import flash_error

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name (device or script)"), validators=[DataRequired(), Length(max=120)]
    )


class RevokeForm(FlaskForm):
    pass


@bp.route("/password", methods=["GET", "POST"])
@authenticated
def password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(
                current_actor(), current_user, form.new.data, current=form.current.data
            )
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            # Every session ended, this one too: it goes on under a new key.
            begin_session(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("account/password.html", form=form)


def render_tokens(
    user: Any,
    *,
    new_token: str | None = None,
    form: TokenForm | None = None,
    manage_endpoint: str = "account.tokens",
) -> Any:
    return render_template(
        "account/tokens.html",
        owner=user,
        tokens=user.tokens,
        form=form or TokenForm(),
        revoke_form=RevokeForm(),
        new_token=new_token,
        manage_endpoint=manage_endpoint,
    )


@bp.route("/tokens", methods=["GET", "POST"])
@authenticated
def tokens() -> Any:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, plaintext = accounts.create_token(current_actor(), current_user, form.name.data)
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            return render_tokens(current_user, new_token=plaintext)
    return render_tokens(current_user, form=form)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@authenticated
def revoke_token(token_id: int) -> Any:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound(_l("No such token."))
    accounts.revoke_token(current_actor(), token)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("account.tokens"))

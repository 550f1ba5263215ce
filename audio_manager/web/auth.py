"""Log in, log out, and the language switch."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..access import public
from ..auth import begin_session, current_actor, end_session
from ..extensions import db
from ..services import audit
from ..services.accounts import accounts
from .forms import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("home.index")))
    if form.validate_on_submit():
        result = accounts.authenticate(
            form.username.data or "",
            form.password.data or "",
            request.remote_addr,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
        )
        db.session.commit()
        if result.user is not None:
            session.clear()
            session.permanent = True
            begin_session(result.user)
            return redirect(safe_next(form.next.data, url_for("home.index")))
        messages = {
            "invalid": _("Wrong username or password."),
            "disabled": _("This account is disabled. Ask an administrator."),
            "throttled": _(
                "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
            ),
        }
        flash(messages[result.error or "invalid"], "error")
        status = 429 if result.error == "throttled" else 401 if result.error else 200
        return render_template("auth/login.html", form=form), status
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Any:
    if current_user.is_authenticated:
        audit.record(
            current_actor(),
            "auth.logout",
            object_type="user",
            object_id=current_user.id,
            object_label=current_user.username,
        )
        db.session.commit()
    end_session()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Any:
    choice = request.form.get("lang", "")
    if choice in current_app.config["LANGUAGES"]:
        session["lang"] = choice
        if current_user.is_authenticated:
            current_user.locale = choice
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))

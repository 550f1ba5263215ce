"""Wiring Flask-Login to sessions and bearer tokens, CSRF for cookie-authenticated requests."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf

from .extensions import csrf, db, login_manager
from .models import User
from .models.base import MAX_ID
from .services.accounts import accounts, sessions, token_auth
from .services.context import Actor

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
SESSION_KEY = "sid"  # the login session's key in the signed cookie
# Endpoints that never act on a cookie's user (they check a token of their own), so a forged
# cross-site request gains nothing: no CSRF token is asked of them.
CSRF_EXEMPT = {"cap.inbox"}


def bearer_value() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.user_loader
def load_session_user(user_id: str) -> User | None:
    if bearer_value() is not None:
        return None  # a request carrying a token is judged by the token alone
    raw_id, _, session_token = user_id.partition(":")
    if not raw_id.isdigit() or int(raw_id) > MAX_ID:
        return None
    user = accounts.request_user(int(raw_id), session.get(SESSION_KEY))
    if user is None or not user.active or user.session_token != session_token:
        return None
    return user


@login_manager.request_loader
def load_token_user(_request: Any) -> User | None:
    value = bearer_value()
    if value is None:
        return None
    token, error = token_auth.verify_token(value)
    if token is None:
        g.token_error = error
        return None
    g.api_token = token
    return token.user


def begin_session(user: User) -> None:
    """Sign ``user`` in on this browser with a new server-side session; commits."""
    key = sessions.start(user, current_app.config["SESSION_HOURS"])
    db.session.commit()
    session[SESSION_KEY] = key
    login_user(user)


def end_session() -> None:
    """Log this browser out: its server-side session ends; commits."""
    sessions.end(session.get(SESSION_KEY))
    db.session.commit()


def csrf_guard() -> None:
    """Unsafe requests authenticated by cookie must carry a CSRF token; token requests need none."""
    if request.method in SAFE_METHODS or bearer_value() is not None:
        return
    if request.endpoint in CSRF_EXEMPT:
        return
    if request.routing_exception is not None:
        return  # no such page, or not this method: 404/405 say so
    csrf.protect()


def current_actor() -> Actor:
    from flask_login import current_user

    # The user itself, not the proxy: services read it many times (a batch of plays per event).
    user = current_user._get_current_object() if current_user.is_authenticated else None
    via = "api" if g.get("api_token") is not None or request.path.startswith("/api/") else "web"
    return Actor(user=user, ip=request.remote_addr, via=via)  # type: ignore[arg-type]


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = generate_csrf

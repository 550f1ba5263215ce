"""Who may use each view: every endpoint declares it, and anything undeclared is denied.

Declare with ``@public``, ``@authenticated`` or ``@roles(Role.ADMIN, ...)`` directly under the
route decorator. ``enforce_access`` runs before every request; ``undeclared_endpoints`` lets a
test prove that every rule in ``app.url_map`` carries a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from .models import Role

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints that extensions register and we cannot decorate at definition time.
EXTENSION_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json"}


@dataclass(frozen=True)
class Access:
    kind: str  # "public" | "authenticated" | "roles"
    roles: frozenset[str] = frozenset()

    def allows(self, user: Any) -> bool:
        if self.kind == "public":
            return True
        if not user.is_authenticated:
            return False
        return self.kind == "authenticated" or user.has_role(*self.roles)


def _declare(view: F, access: Access) -> F:
    view._access = access  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Anyone, logged in or not."""
    return _declare(view, Access("public"))


def authenticated(view: F) -> F:
    """Any logged-in user, whatever the role."""
    return _declare(view, Access("authenticated"))


def roles(*names: Role | str) -> Callable[[F], F]:
    """Logged-in users holding at least one of these roles."""
    wanted = frozenset(str(name) for name in names)
    unknown = wanted - {str(role) for role in Role}
    if unknown or not wanted:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        return _declare(view, Access("roles", wanted))

    return decorate


def access_for(view: Callable[..., Any] | None, method: str | None = None) -> Access | None:
    """The declaration of a view function, a class-based view, or one of its methods."""
    if view is None:
        return None
    declared = getattr(view, "_access", None)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, (method or "get").lower(), None)
        declared = getattr(handler, "_access", None) or getattr(view_class, "_access", declared)
    return declared


def undeclared_endpoints(app: Flask) -> list[str]:
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXTENSION_PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions.get(rule.endpoint)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if access_for(view, method) is None:
                missing.append(f"{rule.endpoint} {method} {rule.rule}")
    return missing


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, **extra: Any) -> Any:
    payload: dict[str, Any] = {"code": code, "message": message}
    payload.update(extra)
    response = jsonify({"error": payload})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="audio_manager"'
    return response


def enforce_access() -> Any:
    """``before_request`` hook: default deny."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 follow their own path
    if endpoint in EXTENSION_PUBLIC_ENDPOINTS:
        return None
    access = access_for(current_app.view_functions.get(endpoint), request.method)
    if access is None:
        current_app.logger.error("endpoint %s declares no access rule; denied", endpoint)
        raise Forbidden()
    if access.allows(current_user):
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            token_error = g.get("token_error")
            if token_error:
                return api_error(
                    401, token_error, _("The API token is unknown, revoked or expired.")
                )
            return api_error(401, "unauthenticated", _("Log in or send an API token."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise Forbidden()


def allowed(endpoint: str, user: Any = None, method: str = "GET") -> bool:
    """Whether ``user`` may open ``endpoint``; templates use it to build navigation."""
    access = access_for(current_app.view_functions.get(endpoint), method)
    return access is not None and access.allows(user if user is not None else current_user)

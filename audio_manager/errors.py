"""One place that turns errors into responses: JSON under /api/, a page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .access import api_error, is_api_request
from .extensions import db
from .production.errors import ProductionError
from .services.audio.production_messages import RAW_DETAILS, message_for, safe_details
from .services.errors import ServiceError

logger = logging.getLogger("audio_manager.errors")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to do this."),
        404: _("The page or object was not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def handle_http_exception(error: HTTPException) -> Any:
    status = error.code or 500
    if status >= 500:
        # The failure may have left the transaction unusable; the answer must not need it.
        db.session.rollback()
    code = getattr(error, "code_name", None)
    message = (error.description if code else None) or _messages().get(status) or error.name
    if is_api_request():
        data = getattr(error, "data", None) or {}
        extra: dict[str, Any] = {}
        if "messages" in data:  # webargs validation errors
            extra["details"] = data["messages"]
            message = _("Some parameters are invalid.")
            status = 422
        if "message" in data:
            message = data["message"]
        response = api_error(status, code or HTTP_CODES.get(status, "error"), message, **extra)
    else:
        response = render_template("error.html", status=status, message=message), status
    return _with_allow(response, error)


def _with_allow(response: Any, error: HTTPException) -> Any:
    """A 405 names the methods that are allowed (RFC 9110)."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response = make_response(response)
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_csrf_error(error: CSRFError) -> Any:
    message = _("The form has expired or lacks its security token. Reload the page and try again.")
    if is_api_request():
        return api_error(400, "csrf_failed", message)
    flash(message, "error")
    return render_template("error.html", status=400, message=message), 400


def handle_service_error(error: ServiceError) -> Any:
    if is_api_request():
        extra = {"details": error.details} if error.details is not None else {}
        return api_error(error.status, error.code, str(error.message), **extra)
    return render_template(
        "error.html", status=error.status, message=str(error.message)
    ), error.status


def handle_production_error(error: ProductionError) -> Any:
    message = message_for(error)
    if set(error.details) & RAW_DETAILS:
        logger.warning("upload refused (%s): %r", error.code, error.details)
    if is_api_request():
        details = safe_details(error.details)
        extra = {"details": details} if details else {}
        return api_error(error.status, error.code, message, **extra)
    return render_template("error.html", status=error.status, message=message), error.status


def handle_database_unavailable(error: DBAPIError) -> Any:
    """The database cannot be reached: a poll of an unchanged playlist is still answered 304
    from what this process holds; anything else gets 503 (try again), not a 500."""
    db.session.rollback()
    unreachable = isinstance(error, OperationalError | InterfaceError)
    if not unreachable and not error.connection_invalidated:
        raise error
    logger.warning("database unavailable: %s", type(error.orig).__name__)
    from .api.outage import poll_answer

    answer = poll_answer()
    if answer is not None:
        return answer
    try:  # the locale may depend on the user, whom the database would tell
        message = _("The service is briefly unavailable. Try again in a moment.")
    except Exception:
        message = "Dịch vụ tạm thời gián đoạn. Vui lòng thử lại sau ít phút."
    if is_api_request():
        response = api_error(503, "database_unavailable", message)
    else:  # a page without the menus: they would ask the database
        response = make_response(message, 503)
        response.mimetype = "text/plain"
    response.headers["Retry-After"] = "30"
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    app.register_error_handler(ProductionError, handle_production_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)

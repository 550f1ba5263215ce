"""JSON API v1 under /api/v1, described by OpenAPI 3 at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask
from flask_smorest import Api


class ErrorBody(ma.Schema):
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    message = ma.fields.String(metadata={"description": "Human-readable message"})
    details = ma.fields.Raw(metadata={"description": "Per-field or per-line details"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody)


class ApiV1(Api):
    """flask-smorest with our error format; the app-wide handler in errors.py answers errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        return None


api = ApiV1()


def init_api(app: Flask) -> None:
    from . import (
        areas,
        cap,
        docs,
        installs,
        me,
        messages,
        production,
        reports,
        ringback,
        schedules,
        speech,
        stations,
    )
    from .openapi import ErrorsPlugin, register_error_response

    api.init_app(
        app,
        spec_kwargs={
            "extra_plugins": [ErrorsPlugin(app)],
            "info": {
                "description": "Messages, audio, schedules, playlists, reports and ringback "
                "tones. Authenticate with `Authorization: Bearer <token>` (tokens are created "
                "on the account page or with `flask --app audio_manager tokens create`). "
                'Errors are `{"error": {"code": ..., "message": ...}}`.'
            },
        },
    )
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "API token"}
    )
    register_error_response(api.spec, ErrorSchema)
    api.spec.options["security"] = [{"bearer": []}]
    for module in (
        me, areas, messages, production, speech, schedules, stations, reports, ringback, installs,
        cap,
    ):  # fmt: skip
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    app.register_blueprint(docs.bp)


def page_args(args: dict[str, Any]) -> tuple[int, int]:
    limit = min(max(int(args.get("limit", 100)), 1), 1000)
    offset = max(int(args.get("offset", 0)), 0)
    return limit, offset

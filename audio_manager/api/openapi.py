"""What the OpenAPI says beyond the schemas: every operation's ``operationId`` (its view's name),
every error it may answer (all with the one error body), and the media types of downloads.

A fuzzer checks the service against this document (tests/test_api_fuzz.py), so it must be
true: an answer with an undocumented status or content type fails the build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from apispec import BasePlugin
from flask import Flask

from ..access import access_for

F = TypeVar("F", bound=Callable[..., Any])

ERROR_RESPONSE = "Error"
ERROR_DESCRIPTIONS = {
    400: "Malformed request: bad JSON, NUL bytes or invalid Unicode in text, nesting too deep",
    401: "No valid API token (or session)",
    403: "The caller's roles or areas do not allow this",
    404: "No such object, or not one the caller may see",
    409: "The object changed meanwhile (send the revision you read) or is in the wrong state",
    405: "Method not allowed (an empty path value names another resource)",
    413: "The request body is too large",
    415: "Unsupported upload type",
    422: "Invalid parameters or body; `details` names the fields or lines",
    502: "The speech engine answered with an error",
    503: "A speech engine or the storage cannot be reached",
    504: "A speech engine did not answer in time",
}
WRITES = {"post", "put", "patch", "delete"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUDIO = ("audio/mpeg", "audio/wav", "audio/mp4", "audio/ogg")
BINARY = {"type": "string", "format": "binary"}


def errors(*codes: int) -> Callable[[F], F]:
    """Declare error statuses a view answers beyond those every operation of its kind has."""

    def decorate(view: F) -> F:
        view._api_errors = (*getattr(view, "_api_errors", ()), *codes)  # type: ignore[attr-defined]
        return view

    return decorate


def content(*media_types: str, description: str, schema: Any = None) -> dict[str, Any]:
    """``@blp.doc(**content(...))``: a 200 answered in any of these media types."""
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {
                    media: {"schema": schema if media == "application/json" and schema else BINARY}
                    if media != "application/json"
                    else {"schema": schema or {"type": "object"}}
                    for media in media_types
                },
            }
        }
    }


def downloaded(*media_types: str, description: str, ranges: bool = False) -> dict[str, Any]:
    """A file download: 200 in these media types, 304 when unchanged, and with ``ranges`` a
    206 for a byte range and 416 for one past the end; 302 to object storage when files live
    there."""
    doc = content(*media_types, description=description)
    responses = doc["responses"]
    responses["304"] = {"description": "Not modified (If-None-Match, If-Modified-Since)"}
    responses["302"] = {"description": "Redirect to a signed object-storage URL"}
    if ranges:
        responses["206"] = {
            "description": "The requested byte range",
            "content": {media: {"schema": BINARY} for media in media_types},
        }
        responses["416"] = {"description": "The range lies past the end of the file"}
    return doc


class ErrorsPlugin(BasePlugin):
    """Completes every operation of the app's API as flask-smorest registers it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.operation_ids: dict[str, str] = {}

    def operation_helper(self, path: Any = None, operations: Any = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions.get(rule.endpoint)
        name = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            self._operation_id(operation, name, f"{method.upper()} {path}")
            access = access_for(view, method)
            codes = {400, 404, 422}
            if access is None or access.kind != "public":
                codes |= {401, 403}
            if method in WRITES:
                codes |= {409, 413}
            if "{" in str(path):
                codes.add(405)  # an empty path value leaves the collection's URL
            codes |= set(getattr(view, "_api_errors", ()))
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)  # every error is listed instead
            for code in sorted(codes):
                responses.setdefault(str(code), ERROR_RESPONSE)

    def _operation_id(self, operation: dict[str, Any], name: str, where: str) -> None:
        taken = self.operation_ids.get(name)
        if taken is not None and taken != where:
            raise ValueError(f"operationId {name!r} is used twice: {taken} and {where}")
        self.operation_ids[name] = where
        operation.setdefault("operationId", name)


def register_error_response(spec: Any, schema: Any) -> None:
    descriptions = "; ".join(f"{code}: {text}" for code, text in ERROR_DESCRIPTIONS.items())
    spec.components.response(
        ERROR_RESPONSE,
        {
            "description": f'An error, as `{{"error": {{"code", "message"}}}}`. {descriptions}',
            "content": {"application/json": {"schema": schema}},
        },
    )

"""Form helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import flash
from wtforms.fields.choices import SelectChoice

from ..production.errors import ProductionError
from ..services.audio.production_messages import message_for
from ..services.errors import ServiceError


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def error_text(error: ServiceError | ProductionError) -> str:
    """The message for a refused action, in the user's language."""
    if isinstance(error, ProductionError):
        return message_for(error)
    return str(error.message)


def flash_error(error: ServiceError | ProductionError) -> None:
    flash(error_text(error), "error")


def as_choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]

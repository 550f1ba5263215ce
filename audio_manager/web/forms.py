"""Form helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from ..models.base import as_id
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


def db_int(value: str) -> int:
    """``request.args.get(name, type=db_int)``: a whole number a database column holds (1 to
    2**31 - 1); anything else gives the default, as a word would."""
    number = int(value)
    if as_id(number) is None:
        raise ValueError(value)
    return number


WAITING = _l(
    "Waiting for the render service: the work is recorded and starts as soon as the service "
    "is back."
)


def flash_queued(dispatched: bool, number: int) -> None:
    """After a version was made: its audio is being prepared, or waits for the render service."""
    if dispatched:
        flash(str(_l("Version %(n)d created; the audio is being prepared.", n=number)), "success")
    else:
        flash(_l("Version %(n)d created.", n=number) + " " + str(WAITING), "warning")

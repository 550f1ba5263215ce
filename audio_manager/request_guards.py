"""Input no database or codec can take, refused before any view runs.

* Ids in paths beyond what an integer column holds (2**31 - 1) match no route: 404.
* NUL bytes (PostgreSQL text cannot hold them) and lone surrogates (no UTF-8 for them) in the
  query, a form or a JSON body, and JSON nested deeper than any request needs: 400 with the
  usual error body, on pages and the API alike.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from .models.base import MAX_ID

MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """``<int:...>`` with the database's bounds: a larger number is no id, so no route."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class GuardedRequest(Request):
    """A JSON body nested so deep that the parser gives up is a bad request, not a crash."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadInput(_("The JSON body is nested too deeply.")) from None


class BadInput(BadRequest):
    """400 with a code the API error body carries."""

    code_name = "bad_input"


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored or encoded, or None."""
    if "\x00" in text:
        return _("NUL bytes are not accepted in text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("The text is not valid Unicode (a lone surrogate was sent).")
    return None


def check_json(value: Any) -> str | None:
    """Walk a parsed JSON value without recursion; the first problem found, or None."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return _("JSON nested deeper than %(n)d levels is not accepted.", n=MAX_JSON_DEPTH)
        if isinstance(item, str):
            problem = unstorable(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = unstorable(key)
                if problem:
                    return problem
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return None


def _json_body() -> Any:
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        return json.loads(data)
    except RecursionError:
        raise BadInput(_("The JSON body is nested too deeply.")) from None
    except ValueError:
        return None  # malformed: the view's own parser answers it


def check_input() -> None:
    """``before_request``: refuse what no view could store."""
    sources = [request.args] if request.method == "GET" else [request.args, request.form]
    for values in sources:
        for key, value in values.items(multi=True):
            problem = unstorable(key) or unstorable(value)
            if problem:
                raise BadInput(problem)
    if request.is_json:
        problem = check_json(_json_body())
        if problem:
            raise BadInput(problem)


def init_request_guards(app: Flask) -> None:
    """Before any blueprint registers its routes: ``int`` path values get the id bounds."""
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter

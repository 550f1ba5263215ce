"""A browsable API documentation page with Swagger UI served from our own static files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..access import public

bp = Blueprint("api_docs_page", __name__)


@bp.route("/api/v1/docs")
@public
def docs() -> Any:
    return render_template("api_docs.html")

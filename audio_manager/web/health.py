"""Liveness and readiness for load balancers and monitoring."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, current_app, jsonify

from ..access import public
from ..database import check_database

bp = Blueprint("health", __name__)


def check_storage() -> str:
    root = current_app.config["STORAGE_ROOT"]
    try:
        os.makedirs(root, exist_ok=True)
        return "ok" if os.access(root, os.W_OK) else "error: not writable"
    except OSError as exc:
        return f"error: {exc.strerror}"


@bp.route("/livez")
@public
def livez() -> Any:
    """The process answers (touches nothing else: no database, no storage)."""
    return jsonify(status="ok")


@bp.route("/healthz")
@public
def healthz() -> Any:
    checks = {"database": check_database(), "storage": check_storage()}
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    return jsonify(body), 200 if healthy else 503

"""Liveness and readiness for load balancers and monitoring.

``/livez`` and ``/healthz?shallow=1`` touch nothing; ``/healthz`` checks what the service needs
to do its work: the database, the configured storage (S3: a HEAD on the bucket) and, with the
RQ backend, the job queue (with the age of its oldest job). Each check has its status and
latency; any failing one makes the answer 503 and is named in ``failing``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from ..access import public
from ..database import check_database
from ..jobs import backend
from ..jobs.status import queue_check
from ..storage import StorageError

bp = Blueprint("health", __name__)


def check_storage() -> str:
    try:
        current_app.extensions["audio_manager.storage"].check()
    except StorageError as exc:
        return f"error: {exc.message}"
    except Exception as exc:  # reported, never raised
        return f"error: {type(exc).__name__}"
    return "ok"


def _timed(check: Callable[[], str]) -> dict[str, Any]:
    began = time.perf_counter()
    status = check()
    return {"status": status, "latency_ms": round((time.perf_counter() - began) * 1000, 1)}


@bp.route("/livez")
@public
def livez() -> Any:
    """The process answers (touches nothing else: no database, no storage)."""
    return jsonify(status="ok")


@bp.route("/healthz")
@public
def healthz() -> Any:
    if request.args.get("shallow") not in (None, "", "0", "false"):
        return jsonify(status="ok", shallow=True)
    checks: dict[str, dict[str, Any]] = {
        "database": _timed(check_database),
        "storage": _timed(check_storage),
    }
    if current_app.config["JOBS_BACKEND"] == "rq":
        checks["queue"] = queue_check(backend())
    failing = [name for name, check in checks.items() if check["status"] != "ok"]
    body = {
        "status": "error" if failing else "ok",
        **{name: check["status"] for name, check in checks.items()},
        "failing": failing,
        "checks": checks,
    }
    return jsonify(body), 503 if failing else 200

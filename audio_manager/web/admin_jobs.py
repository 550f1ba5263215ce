"""Công việc nền (/admin/jobs): queue depth, the oldest waiting job, workers alive, jobs running
with their heartbeats, and recent failures with a retry button."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..access import roles
from ..jobs import backend
from ..jobs.status import overview
from ..models import Role
from .production import RetryForm

bp = Blueprint("admin_jobs", __name__)


@bp.route("/admin/jobs")
@roles(Role.ADMIN)
def index() -> Any:
    return render_template("admin/jobs.html", view=overview(backend()), retry_form=RetryForm())

"""Trạm phát (Stations): the commune agents of the user's areas, and how to install one."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from ..access import public, roles
from ..models import Role
from ..services.broadcast import station_status
from ..station import __version__
from . import station_wheel

bp = Blueprint("stations", __name__)

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)


def install_commands() -> dict[str, str]:
    wheel = url_for("stations.wheel", filename=station_wheel.file_name(), _external=True)
    server = request.host_url.rstrip("/")
    return {
        "install": f"python -m pip install --upgrade {wheel}",
        "run": "python -m audio_manager.station run --dir tram-phat "
        f"--server {server} --token amt_...",
    }


@bp.route("/stations")
@roles(*READERS)
def index() -> Any:
    rows = station_status.overview(current_user)
    return render_template(
        "stations/index.html", rows=rows, commands=install_commands(), version=__version__
    )


@bp.route("/station/<filename>")
@public
def wheel(filename: str) -> Any:
    """The agent's wheel, for ``pip install URL`` on the station PC (no login: it is code)."""
    if filename != station_wheel.file_name():
        abort(404)
    data = station_wheel.build()
    response = Response(data, mimetype="application/zip")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)

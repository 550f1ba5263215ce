"""Every endpoint declares who may use it; anything else is denied."""

from __future__ import annotations

import pytest
from flask import Blueprint

from audio_manager.access import undeclared_endpoints


def test_every_endpoint_declares_its_access(app) -> None:
    assert undeclared_endpoints(app) == []


def test_an_undeclared_view_is_denied_and_detected(database_url) -> None:
    from audio_manager import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True})
    bp = Blueprint("forgotten", __name__)

    @bp.route("/forgotten")
    def forgotten() -> str:
        return "secret"

    app.register_blueprint(bp)
    assert undeclared_endpoints(app) == ["forgotten.forgotten GET /forgotten"]
    assert app.test_client().get("/forgotten").status_code == 403


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", 302),
        ("/areas/", 302),
        ("/admin/users", 302),
        ("/login", 200),
        ("/healthz", 200),
        ("/api/v1/openapi.json", 200),
        ("/api/v1/docs", 200),
    ],
)
def test_anonymous_access(client, path, expected) -> None:
    response = client.get(path)
    assert response.status_code == expected
    if expected == 302:
        assert "/login?next=" in response.headers["Location"]


def test_anonymous_api_gets_json_401(client) -> None:
    response = client.get("/api/v1/areas")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


ROLE_MATRIX = [
    # path, roles allowed (others get 403)
    ("/", {"admin", "editor", "approver", "operator", "viewer"}),
    ("/areas/", {"admin", "editor", "approver", "operator", "viewer"}),
    ("/areas/import", {"admin"}),
    ("/admin/users", {"admin"}),
    ("/admin/audit", {"admin"}),
    ("/account/tokens", {"admin", "editor", "approver", "operator", "viewer"}),
    ("/messages/", {"admin", "editor", "approver", "viewer"}),
    ("/messages/new", {"admin", "editor"}),
    ("/approvals", {"approver"}),
    ("/schedules/", {"admin", "editor", "approver", "viewer"}),
    ("/schedules/new", {"admin", "editor"}),
    ("/today", {"admin", "operator"}),
    ("/plays/import", {"admin", "operator"}),
    ("/stock-sounds", {"admin"}),
    ("/reports/", {"admin", "editor", "approver", "operator", "viewer"}),
]


@pytest.mark.parametrize(("path", "allowed"), ROLE_MATRIX)
def test_role_matrix(users, login_as, path, allowed) -> None:
    for role in ["admin", "editor", "approver", "operator", "viewer"]:
        status = login_as(role).get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)

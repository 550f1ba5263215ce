"""Admin user management on the page and the CLI."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, Role
from audio_manager.services.accounts import accounts

from .conftest import PASSWORD, make_user


def test_admin_creates_an_operator_scoped_to_a_commune(users, login_as) -> None:
    browser = login_as("admin")
    response = browser.submit(
        "/admin/users/new",
        {
            "username": "op2",
            "display_name": "Đài xã Bình",
            "roles": ["operator"],
            "area_codes": "94201",
            "password": "radio-password-1",
        },
        page="/admin/users/new",
    )
    assert response.status_code == 302
    user = accounts.find_user("op2")
    assert user.roles == {Role.OPERATOR} and [a.code for a in user.scope_areas] == ["94201"]
    assert login_as("op2", "radio-password-1").get("/").status_code == 200
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_label == "op2"
        )
    )
    assert event.actor_label == "admin" and event.detail["roles"] == ["operator"]


def test_user_form_errors_change_nothing(users, login_as) -> None:
    browser = login_as("admin")
    cases = [
        (
            {"username": "op2", "roles": ["operator"], "password": "radio-password-1"},
            "ít nhất một xã",
        ),
        (
            {
                "username": "op2",
                "roles": ["operator"],
                "area_codes": "nope",
                "password": "radio-password-1",
            },
            "nope",
        ),
        ({"username": "op2", "roles": ["editor"], "password": "short"}, "ít nhất 10 ký tự"),
        (
            {"username": "editor", "roles": ["editor"], "password": "radio-password-1"},
            "đã có người dùng",
        ),
        (
            {"username": "bad name!", "roles": ["editor"], "password": "radio-password-1"},
            "Tên đăng nhập",
        ),
        ({"username": "op2", "password": "radio-password-1"}, "ít nhất một vai trò"),
    ]
    for data, fragment in cases:
        html = browser.submit("/admin/users/new", data).get_data(as_text=True)
        assert fragment in html, (data, fragment)
    assert accounts.find_user("op2") is None
    assert len(accounts.list_users()) == 5


def test_admin_edits_roles_disables_and_resets_password(users, login_as) -> None:
    editor = users["editor"]
    browser = login_as("admin")
    response = browser.submit(
        f"/admin/users/{editor.id}",
        {
            "display_name": "Biên tập",
            "roles": ["editor", "approver"],
            "area_codes": "",
            "password": "",
            "active": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert editor.roles == {Role.EDITOR, Role.APPROVER}
    browser.submit(
        f"/admin/users/{editor.id}",
        {"display_name": "Biên tập", "roles": ["editor"], "password": "a-new-password-2"},
    )
    db.session.expire_all()
    assert not editor.active
    from .conftest import Browserish

    attempt = Browserish(browser.client.application.test_client())
    assert attempt.login("editor", "a-new-password-2").status_code == 401  # disabled
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.update")
    ).all()
    assert event[-1].detail["after"]["active"] is False


def test_admin_cannot_lock_themselves_out(users, login_as) -> None:
    admin = users["admin"]
    html = (
        login_as("admin")
        .submit(
            f"/admin/users/{admin.id}", {"display_name": "", "roles": ["editor"], "active": "y"}
        )
        .get_data(as_text=True)
    )
    assert "quyền quản trị của chính mình" in html
    db.session.expire_all()
    assert admin.roles == {Role.ADMIN}


def test_cli_creates_users(app, app_ctx, tree) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "radio1",
            "--role",
            "operator",
            "--area",
            "94101",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "radio1\toperator\tactive\t94101" in runner.invoke(args=["users", "list"]).output
    result = runner.invoke(
        args=["users", "create", "radio2", "--role", "operator", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert accounts.find_user("radio2") is None
    result = runner.invoke(
        args=["users", "create", "radio3", "--role", "editor", "--area", "zz", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "zz" in result.output
    result = runner.invoke(
        args=["users", "set-password", "radio1", "--password-stdin"],
        input="another-long-password\n",
    )
    assert result.exit_code == 0


def test_roles_can_be_combined_for_one_person_offices(app_ctx, login_as) -> None:
    make_user("solo", Role.EDITOR, Role.APPROVER)
    browser = login_as("solo")
    assert browser.get("/areas/").status_code == 200
    assert browser.get("/admin/users").status_code == 403

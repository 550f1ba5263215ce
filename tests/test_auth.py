"""Login, logout, throttling, CSRF, password change, session cookie settings."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, Role
from audio_manager.services.accounts import accounts
from audio_manager.services.context import Actor

from .conftest import PASSWORD, Browserish, make_user


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_and_logout(app_ctx, web) -> None:
    make_user("editor", Role.EDITOR)
    response = web.login("Editor")  # usernames are case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Xin chào" in web.get("/").get_data(as_text=True)
    response = web.submit("/logout", {}, page="/")
    assert response.status_code == 302
    assert web.get("/").status_code == 302
    assert audit_actions() == ["user.create", "auth.login", "auth.logout"]


def test_login_follows_only_local_next(app_ctx, web) -> None:
    make_user("editor", Role.EDITOR)
    response = web.submit(
        "/login?next=https://evil.example/",
        {"username": "editor", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_and_audited(app_ctx, web) -> None:
    make_user("editor", Role.EDITOR)
    response = web.login("editor", "wrong password!")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert audit_actions()[-1] == "auth.login_failed"
    assert web.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(app_ctx, web) -> None:
    response = web.login("nobody", "whatever123")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_disabled_account_cannot_log_in(app_ctx, web) -> None:
    user = make_user("editor", Role.EDITOR)
    user.active = False
    db.session.commit()
    response = web.login("editor")
    assert response.status_code == 401
    assert "bị khóa" in response.get_data(as_text=True)
    assert audit_actions()[-1] == "auth.login_disabled"


def test_five_failures_lock_the_account_from_that_address(app, app_ctx) -> None:
    make_user("editor", Role.EDITOR)
    web = Browserish(app.test_client())
    for _ in range(5):
        assert web.login("editor", "wrong password!").status_code == 401
    # Even the right password is refused now, without being checked.
    response = web.login("editor")
    assert response.status_code == 429
    assert "Thử sai quá nhiều lần" in response.get_data(as_text=True)
    assert audit_actions()[-1] == "auth.login_throttled"
    # Another address is not affected.
    other = Browserish(app.test_client())
    html = other.client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_data(
        as_text=True
    )
    from .conftest import csrf_from

    response = other.client.post(
        "/login",
        data={"username": "editor", "password": PASSWORD, "csrf_token": csrf_from(html)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302


def test_post_without_csrf_token_is_refused_and_changes_nothing(app_ctx, login_as) -> None:
    make_user("admin", Role.ADMIN)
    browser = login_as("admin")
    before = audit_actions()
    response = browser.client.post(
        "/admin/users/new",
        data={"username": "sneaky", "password": "x" * 12, "roles": "admin"},
    )
    assert response.status_code == 400
    assert "mã bảo mật" in response.get_data(as_text=True)
    assert accounts.find_user("sneaky") is None
    assert audit_actions() == before


def test_login_form_without_csrf_is_refused(app_ctx, client) -> None:
    make_user("editor", Role.EDITOR)
    response = client.post("/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(app_ctx, web) -> None:
    make_user("editor", Role.EDITOR)
    response = web.login("editor")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_checks_the_old_one_and_ends_other_sessions(app, app_ctx, login_as) -> None:
    make_user("editor", Role.EDITOR)
    first = login_as("editor")
    second = login_as("editor")
    response = first.submit(
        "/account/password",
        {"current": "not my password", "new": "a brand new pass", "confirm": "a brand new pass"},
    )
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    response = first.submit(
        "/account/password", {"current": PASSWORD, "new": "short", "confirm": "short"}
    )
    assert "ít nhất 10 ký tự" in response.get_data(as_text=True)
    response = first.submit(
        "/account/password",
        {"current": PASSWORD, "new": "a brand new pass", "confirm": "a brand new pass"},
    )
    assert response.status_code == 302
    assert first.get("/").status_code == 200  # this session stays
    assert second.get("/").status_code == 302  # the other one ended
    fresh = Browserish(app.test_client())
    assert fresh.login("editor", PASSWORD).status_code == 401
    assert fresh.login("editor", "a brand new pass").status_code == 302


def test_disabling_a_user_ends_their_session(app_ctx, login_as) -> None:
    make_user("admin", Role.ADMIN)
    editor = make_user("editor", Role.EDITOR)
    session = login_as("editor")
    accounts.update_user(
        Actor.system(), editor, display_name="", roles=["editor"], areas=[], active=False
    )
    db.session.commit()
    assert session.get("/").status_code == 302

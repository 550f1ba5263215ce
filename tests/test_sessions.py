"""Logging out, changing the password, changing roles or areas and disabling the account end
the session on the server: a cookie saved before opens nothing afterwards."""

from __future__ import annotations

from typing import Any

from audio_manager.extensions import db
from audio_manager.models import Area, LoginSession, Role
from audio_manager.services.accounts import accounts
from audio_manager.services.context import Actor

from .conftest import PASSWORD, Browserish

NEW_PASSWORD = "a much better passphrase"


def saved_cookie(browser: Browserish) -> str:
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app: Any, cookie: str, path: str = "/") -> Any:
    """A fresh browser that presents a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(path)


def save_user(name: str, roles: list[Role], areas: list[Area], active: bool = True) -> None:
    """What an admin's save of the user form does."""
    accounts.update_user(
        Actor.system("test"),
        accounts.find_user(name),
        display_name=name.title(),
        roles=roles,
        areas=areas,
        active=active,
    )
    db.session.commit()


def assert_login_page(response: Any) -> None:
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_cookie_saved_before_logout_opens_nothing(app, users, login_as) -> None:
    browser = login_as("editor")
    cookie = saved_cookie(browser)
    assert replay(app, cookie).status_code == 200  # the copy works while the session lives
    response = browser.submit("/logout", {}, page="/")
    assert_login_page(response)
    assert_login_page(replay(app, cookie))
    assert_login_page(replay(app, cookie, "/messages/"))
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0


def test_logging_out_ends_only_that_browsers_session(app, users, login_as) -> None:
    phone, office = login_as("editor"), login_as("editor")
    phone.submit("/logout", {}, page="/")
    assert office.get("/").status_code == 200


def test_a_password_change_ends_every_earlier_session(app, users, login_as) -> None:
    browser, other = login_as("editor"), login_as("editor")
    before = saved_cookie(browser)
    response = browser.submit(
        "/account/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert browser.get("/").status_code == 200, "the browser that changed it stays in"
    assert_login_page(replay(app, before))
    assert_login_page(other.get("/"))


def test_a_change_of_roles_or_areas_ends_the_users_sessions(app, users, login_as) -> None:
    viewer = login_as("viewer")
    cookie = saved_cookie(viewer)
    save_user("viewer", [Role.VIEWER, Role.EDITOR], [])
    assert_login_page(replay(app, cookie))
    assert_login_page(viewer.get("/"))
    assert login_as("viewer").get("/").status_code == 200
    operator = login_as("operator")
    other_commune = db.session.scalar(db.select(Area).where(Area.code == "94201"))
    save_user("operator", [Role.OPERATOR], [other_commune])
    assert_login_page(operator.get("/"))


def test_an_unchanged_save_keeps_the_session(app, users, login_as) -> None:
    viewer = login_as("viewer")
    save_user("viewer", [Role.VIEWER], [])  # a new display name, the same rights
    assert viewer.get("/").status_code == 200


def test_disabling_ends_the_users_sessions(app, users, login_as) -> None:
    viewer = login_as("viewer")
    cookie = saved_cookie(viewer)
    save_user("viewer", [Role.VIEWER], [], active=False)
    assert_login_page(replay(app, cookie))

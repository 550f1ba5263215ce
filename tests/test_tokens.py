"""API tokens: created once in the UI or CLI, stored hashed, revocable."""

from __future__ import annotations

import re

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import ApiToken, AuditEvent, Role

from .conftest import bearer, make_user


def test_token_created_on_the_page_is_shown_once_and_stored_hashed(
    app_ctx, login_as, client
) -> None:
    make_user("viewer", Role.VIEWER)
    browser = login_as("viewer")
    html = browser.submit("/account/tokens", {"name": "radio PC"}).get_data(as_text=True)
    plaintext = re.search(r'id="new-token">(amt_[^<]+)<', html).group(1)
    assert plaintext not in browser.get("/account/tokens").get_data(as_text=True)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash != plaintext and plaintext not in stored.token_hash
    assert stored.prefix == plaintext[:10]
    me = client.get("/api/v1/me", headers=bearer(plaintext))
    assert me.status_code == 200 and me.json["username"] == "viewer"


def test_revoked_and_unknown_tokens_are_refused(app_ctx, client, token_for, login_as) -> None:
    make_user("viewer", Role.VIEWER)
    token = token_for("viewer")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    token_id = db.session.scalar(sa.select(ApiToken.id))
    browser = login_as("viewer")
    assert (
        browser.submit(f"/account/tokens/{token_id}/revoke", {}, page="/account/tokens").status_code
        == 302
    )
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_revoked"
    response = client.get("/api/v1/me", headers=bearer("amt_" + "x" * 43))
    assert response.json["error"]["code"] == "invalid_token"
    response = client.get("/api/v1/me", headers=bearer("garbage"))
    assert response.json["error"]["code"] == "invalid_token"
    actions = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert "token.create" in actions and "token.revoke" in actions


def test_a_token_of_a_disabled_user_stops_working(app_ctx, client, token_for) -> None:
    user = make_user("viewer", Role.VIEWER)
    token = token_for("viewer")
    user.active = False
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "account_disabled"


def test_one_user_cannot_revoke_another_users_token(app_ctx, login_as, token_for) -> None:
    make_user("viewer", Role.VIEWER)
    make_user("editor", Role.EDITOR)
    token_for("viewer")
    token_id = db.session.scalar(sa.select(ApiToken.id))
    response = login_as("editor").submit(
        f"/account/tokens/{token_id}/revoke", {}, page="/account/tokens"
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is None


def test_admin_makes_a_device_token_for_an_operator(app_ctx, tree, login_as, client) -> None:
    make_user("admin", Role.ADMIN)
    operator = make_user("operator", Role.OPERATOR, areas=["94101"])
    html = (
        login_as("admin")
        .submit(f"/admin/users/{operator.id}/tokens", {"name": "loa xã An"})
        .get_data(as_text=True)
    )
    plaintext = re.search(r'id="new-token">(amt_[^<]+)<', html).group(1)
    me = client.get("/api/v1/me", headers=bearer(plaintext)).json
    assert me["username"] == "operator" and me["areas"] == ["94101"]
    assert [(a["code"], a["name"], a["level"]) for a in me["scope"]] == [
        ("94101", "Xã An", "commune")
    ] and isinstance(me["scope"][0]["id"], int)


def test_bearer_requests_need_no_csrf_but_cookie_requests_do(
    app_ctx, tree, client, token_for, login_as
) -> None:
    make_user("admin", Role.ADMIN)
    csv = b"level,code,name,parent_code,languages\ncommune,94102,X\xc3\xa3 M\xe1\xbb\x9bi,941,\n"
    token = token_for("admin")
    response = client.post(
        "/api/v1/areas/import",
        headers=bearer(token),
        data={"file": (__import__("io").BytesIO(csv), "a.csv")},
    )
    assert response.status_code == 200, response.json
    browser = login_as("admin")
    response = browser.client.post(
        "/api/v1/areas/import", data={"file": (__import__("io").BytesIO(csv), "a.csv")}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


def test_cli_creates_lists_and_revokes_tokens(app, app_ctx) -> None:
    make_user("operator", Role.VIEWER)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "operator", "radio"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip().splitlines()[-1]
    assert plaintext.startswith("amt_")
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "radio" in listing and plaintext not in listing
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert runner.invoke(args=["tokens", "create", "ghost", "x"]).exit_code != 0


def test_cached_tokens_follow_changes_made_anywhere(app, app_ctx, client, token_for) -> None:
    """Tokens are kept in a per-process cache; a change from another process (plain SQL on
    another connection) still takes effect on the very next request."""
    make_user("approver", Role.APPROVER)
    token = token_for("approver")
    assert client.get("/api/v1/me", headers=bearer(token)).json["roles"] == ["approver"]
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    user_id = db.session.scalar(sa.select(ApiToken.user_id))
    with other.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'viewer')"), {"u": user_id}
        )
    assert client.get("/api/v1/me", headers=bearer(token)).json["roles"] == ["approver", "viewer"]
    with other.begin() as conn:
        conn.execute(sa.text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP"))
    other.dispose()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and response.json["error"]["code"] == "token_revoked"


def test_using_a_token_touches_it_without_emptying_the_cache(app_ctx, client, token_for) -> None:
    from audio_manager.services import data_versions

    make_user("viewer", Role.VIEWER)
    token = token_for("viewer")
    db.session.rollback()
    before = data_versions.current(data_versions.ACCOUNTS)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.session.rollback()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None
    assert data_versions.current(data_versions.ACCOUNTS) == before


def test_a_login_leaves_cached_tokens_alone(app_ctx, login_as) -> None:
    from audio_manager.services import data_versions

    make_user("viewer", Role.VIEWER)
    db.session.rollback()
    before = data_versions.current(data_versions.ACCOUNTS)
    login_as("viewer")  # writes the user's last_login_at
    db.session.rollback()
    assert data_versions.current(data_versions.ACCOUNTS) == before

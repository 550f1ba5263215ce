"""Messages CRUD and workflow through the API, and who may do what."""

from __future__ import annotations

import pytest

from audio_manager.extensions import db
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor

from .conftest import bearer, make_user

ROLES = ["admin", "editor", "approver", "operator", "viewer"]


@pytest.fixture
def api(app_ctx, tree, client, token_for):
    stock.install_generated(Actor.system())
    db.session.commit()
    for role in ROLES:
        make_user(role, role, areas=["94101"] if role == "operator" else None)
    tokens = {role: bearer(token_for(role)) for role in ROLES}

    def call(role: str, method: str, url: str, **kw):
        return client.open(url, method=method, headers=tokens[role], **kw)

    return call


def speech(api, message_id: int, language: str = "kinh", text: str = "Xin chào bà con."):
    voice = {"kinh": "vi-vn-x-south", "hoa": "yue"}[language]
    response = api(
        "editor",
        "POST",
        f"/api/v1/messages/{message_id}/versions",
        json={"language": language, "text": text, "engine": "espeak", "voice": voice},
    )
    assert response.status_code == 202, response.json
    return response.json["version"]


def test_crud_and_the_whole_approval_path(api) -> None:
    message = api(
        "editor",
        "POST",
        "/api/v1/messages",
        json={"title": "BHYT hộ gia đình", "topic": "BHYT", "priority": "priority"},
    ).json
    kinh = speech(api, message["id"])
    hoa = speech(api, message["id"], "hoa", "家庭医疗保险让全家人生病时安心。")
    for version in (kinh, hoa):
        response = api(
            "editor",
            "POST",
            f"/api/v1/versions/{version['id']}/submit",
            json={"revision": version["revision"]},
        )
        assert response.status_code == 200 and response.json["status"] == "pending"
    response = api("approver", "POST", f"/api/v1/versions/{hoa['id']}/reject", json={})
    assert response.status_code == 422 and response.json["error"]["code"] == "reason_required"
    response = api(
        "approver",
        "POST",
        f"/api/v1/versions/{hoa['id']}/reject",
        json={"reason": "Thiếu số tổng đài"},
    )
    assert response.json["status"] == "rejected"
    fixed = speech(api, message["id"], "hoa", "家庭医疗保险让全家人安心。请拨打 1900 9068。")
    assert fixed["number"] == 2
    api("editor", "POST", f"/api/v1/versions/{fixed['id']}/submit", json={})
    for version in (kinh, fixed):
        response = api("approver", "POST", f"/api/v1/versions/{version['id']}/approve", json={})
        assert response.status_code == 200 and response.json["is_current"] is True
    detail = api("viewer", "GET", f"/api/v1/messages/{message['id']}").json
    assert detail["languages"]["hoa"]["current"]["number"] == 2
    assert detail["languages"]["kinh"]["current"]["status"] == "approved"
    assert [v["status"] for v in detail["versions"] if v["language"] == "hoa"] == [
        "rejected",
        "approved",
    ]
    trail = api("viewer", "GET", f"/api/v1/messages/{message['id']}/audit").json
    assert {"version.reject", "version.approve", "version.submit"} <= {e["action"] for e in trail}
    updated = api(
        "editor",
        "PATCH",
        f"/api/v1/messages/{message['id']}",
        json={"title": "BHYT 2027", "revision": detail["revision"]},
    )
    assert updated.status_code == 200 and updated.json["title"] == "BHYT 2027"
    stale = api(
        "editor",
        "PATCH",
        f"/api/v1/messages/{message['id']}",
        json={"title": "Again", "revision": detail["revision"]},
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale"
    retired = api(
        "approver", "DELETE", f"/api/v1/messages/{message['id']}", json={"reason": "Hết chiến dịch"}
    )
    assert retired.status_code == 200 and retired.json["retired_at"]
    listed = api("viewer", "GET", "/api/v1/messages?status=retired").json
    assert [m["id"] for m in listed["items"]] == [message["id"]]


def test_restore_and_edit_rules(api) -> None:
    message = api("editor", "POST", "/api/v1/messages", json={"title": "Bão"}).json
    draft = speech(api, message["id"])
    edited = api(
        "editor",
        "PATCH",
        f"/api/v1/versions/{draft['id']}",
        json={"text": "Bão đang đến.", "engine": "espeak"},
    )
    assert edited.status_code == 202 and edited.json["version"]["script_text"] == "Bão đang đến."
    assert edited.json["version"]["number"] == 1
    api("editor", "POST", f"/api/v1/versions/{draft['id']}/submit", json={})
    refused = api(
        "editor",
        "PATCH",
        f"/api/v1/versions/{draft['id']}",
        json={"text": "Sửa lén", "engine": "espeak"},
    )
    assert refused.status_code == 409 and refused.json["error"]["code"] == "immutable_version"
    copy = api("editor", "POST", f"/api/v1/versions/{draft['id']}/restore", json={})
    assert copy.status_code == 201 and copy.json["number"] == 2
    assert copy.json["status"] == "draft" and copy.json["restored_from_id"] == draft["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": ""}, "bad_title"),
        (
            {
                "title": "x",
                "valid_from": "2026-12-01T00:00:00+07:00",
                "valid_until": "2026-11-01T00:00:00+07:00",
            },
            "bad_validity",
        ),
        ({"title": "x", "priority": "urgent"}, "invalid"),
        ({"title": "x", "valid_from": "2026-12-01T00:00:00"}, "invalid"),
    ],
)
def test_bad_messages_are_refused(api, body, code) -> None:
    response = api("editor", "POST", "/api/v1/messages", json=body)
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert api("editor", "GET", "/api/v1/messages").json["total"] == 0


# action -> roles that may do it (everyone else gets 403)
MATRIX = {
    "list": {"admin", "editor", "approver", "operator", "viewer"},
    "create_message": {"admin", "editor"},
    "edit_message": {"admin", "editor"},
    "create_version": {"admin", "editor"},
    "submit": {"admin", "editor"},
    "approve": {"approver"},
    "reject": {"approver"},
    "retire_version": {"approver", "admin"},
    "restore": {"admin", "editor"},
    "retire_message": {"approver", "admin"},
}


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_role_by_action_matrix(api, action) -> None:
    message = api("editor", "POST", "/api/v1/messages", json={"title": "Ma trận"}).json
    mid = message["id"]
    version = speech(api, mid)
    if action in ("approve", "reject", "restore"):
        api("editor", "POST", f"/api/v1/versions/{version['id']}/submit", json={})
    if action == "retire_version":
        api("editor", "POST", f"/api/v1/versions/{version['id']}/submit", json={})
        api("approver", "POST", f"/api/v1/versions/{version['id']}/approve", json={})
    calls = {
        "list": ("GET", "/api/v1/messages", None),
        "create_message": ("POST", "/api/v1/messages", {"title": "Mới"}),
        "edit_message": ("PATCH", f"/api/v1/messages/{mid}", {"title": "Sửa", "revision": 1}),
        "create_version": (
            "POST",
            f"/api/v1/messages/{mid}/versions",
            {"language": "kinh", "text": "Xin chào.", "engine": "espeak"},
        ),
        "submit": ("POST", f"/api/v1/versions/{version['id']}/submit", {}),
        "approve": ("POST", f"/api/v1/versions/{version['id']}/approve", {}),
        "reject": ("POST", f"/api/v1/versions/{version['id']}/reject", {"reason": "không"}),
        "retire_version": ("POST", f"/api/v1/versions/{version['id']}/retire", {}),
        "restore": ("POST", f"/api/v1/versions/{version['id']}/restore", {}),
        "retire_message": ("DELETE", f"/api/v1/messages/{mid}", {"reason": "hết"}),
    }
    method, url, body = calls[action]
    for role in ROLES:
        if role in MATRIX[action]:
            continue
        response = api(role, method, url, json=body)
        assert response.status_code == 403, (role, action, response.json)
    allowed = sorted(MATRIX[action])[0]
    response = api(allowed, method, url, json=body)
    assert response.status_code < 300, (allowed, action, response.json)

"""Input a fuzzer sends: every kind gets a 4xx with the JSON error body on SQLite and
PostgreSQL alike, never a server error (the classes schemathesis found, one test each)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import bearer
from .workflow_helpers import new_message

BIG = 2**31  # one past what an integer column holds
HUGE = 99999999999


@pytest.fixture
def editor_token(users: Any, token_for: Any) -> str:
    return token_for("editor")


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] and error["message"]
    return error


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/versions/{BIG}",
        "/api/v1/versions/792894739166",
        f"/api/v1/schedules/{HUGE}",
        f"/api/v1/messages/{HUGE}/audit",
        f"/api/v1/renditions/{BIG}/file",
        f"/api/v1/areas/{HUGE}",
    ],
)
def test_ids_beyond_an_integer_column_are_not_found(client, editor_token, path) -> None:
    assert_json_error(client.get(path, headers=bearer(editor_token)), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/messages?page=4611686018427387905",
        "/api/v1/areas?offset=99999999999999999999",
        f"/api/v1/schedules?message={HUGE}",
        f"/api/v1/ringback/report?carrier={HUGE}",
    ],
)
def test_integers_beyond_the_database_in_queries_are_invalid(client, users, token_for, path):
    error = assert_json_error(client.get(path, headers=bearer(token_for("admin"))), 422)
    assert error["details"]


def test_revision_beyond_the_database_in_a_body_is_invalid(client, editor_token, users) -> None:
    message = new_message(users["editor"])
    response = client.patch(
        f"/api/v1/messages/{message.id}",
        json={"title": "x", "revision": 10**30},
        headers=bearer(editor_token),
    )
    assert assert_json_error(response, 422)["details"]["json"]["revision"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/messages?q=a%00b", None),
        ("get", "/api/v1/areas?q=%00", None),
        ("post", "/api/v1/messages", {"title": "a\u0000b"}),
        ("post", "/api/v1/messages", {"title": "ok", "topic": "\u0000"}),
    ],
)
def test_nul_bytes_are_refused(client, editor_token, method, path, body) -> None:
    response = getattr(client, method)(path, json=body, headers=bearer(editor_token))
    assert assert_json_error(response, 400)["code"] == "bad_input"


def test_nul_bytes_in_a_page_form_are_refused(login_as, users) -> None:
    web = login_as("editor")
    response = web.submit("/messages/new", {"title": "a\x00b", "priority": "normal"})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_lone_surrogate_is_refused(client, editor_token, users) -> None:
    message = new_message(users["editor"])
    body = '{"language": "kinh", "text": "Xin ch\\ud800o", "engine": "espeak"}'
    response = client.post(
        f"/api/v1/messages/{message.id}/versions",
        data=body,
        content_type="application/json",
        headers=bearer(editor_token),
    )
    assert assert_json_error(response, 400)["code"] == "bad_input"


@pytest.mark.parametrize("depth", [40, 5000])
def test_deeply_nested_json_is_refused(client, users, token_for, depth) -> None:
    body = '{"events": ' + "[" * depth + "]" * depth + "}"
    response = client.post(
        "/api/v1/plays",
        data=body,
        content_type="application/json",
        headers=bearer(token_for("operator")),
    )
    assert assert_json_error(response, 400)["code"] == "bad_input"


@pytest.mark.parametrize("areas", [5, True, 1.5, [0], [True], [None], "94101", {"code": "94101"}])
def test_schedule_areas_of_the_wrong_type_are_invalid(client, editor_token, users, areas):
    message = new_message(users["editor"])
    body = {
        "message_id": message.id,
        "areas": areas,
        "times": ["06:30"],
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
    }
    response = client.post("/api/v1/schedules", json=body, headers=bearer(editor_token))
    assert assert_json_error(response, 422)["details"]["json"]["areas"]


def test_a_malformed_json_body_is_a_client_error(client, editor_token) -> None:
    response = client.post(
        "/api/v1/messages",
        data='{"title": ',
        content_type="application/json",
        headers=bearer(editor_token),
    )
    assert response.status_code in (400, 422)
    assert response.json["error"]["code"]


def test_wrong_method_answers_405_with_allow(client, editor_token) -> None:
    response = client.delete("/api/v1/areas", headers=bearer(editor_token))
    assert_json_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    page = client.put("/login")
    assert page.status_code == 405
    assert "POST" in page.headers["Allow"]


def test_anonymous_api_writes_get_401_not_a_csrf_refusal(client, users) -> None:
    for method, path in [
        ("post", "/api/v1/messages"),
        ("post", "/api/v1/plays"),
        ("patch", "/api/v1/versions/1"),
        ("delete", "/api/v1/schedules/1"),
    ]:
        response = getattr(client, method)(path, json={})
        assert_json_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_server_error_on_the_api_is_json(app, client, editor_token, monkeypatch) -> None:
    from audio_manager.services.messages import messages

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(messages, "search", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/api/v1/messages", headers=bearer(editor_token))
    assert_json_error(response, 500)
    assert "boom" not in response.get_data(as_text=True)


def test_a_json_body_that_is_not_an_object_is_refused(client, editor_token) -> None:
    for body in ("[]", "5", '"x"', "null"):
        response = client.post(
            "/api/v1/messages",
            data=body,
            content_type="application/json",
            headers=bearer(editor_token),
        )
        assert response.status_code in (400, 422), (body, response.status_code)
        assert json.loads(response.data)["error"]["code"]


def test_a_plays_batch_rejects_only_its_out_of_range_events(client, users, token_for, tmp_path):
    from datetime import UTC, datetime

    from audio_manager.extensions import db
    from audio_manager.models import Area, VersionStatus
    from audio_manager.services.messages import versions

    from .audio_fixtures import speech_wav
    from .workflow_helpers import actor

    message = new_message(users["editor"])
    with speech_wav(tmp_path / "v.wav", 1.0).open("rb") as stream:
        version, _job = versions.create_from_upload(
            actor(users["editor"]), message, "kinh", stream, "v.wav"
        )
    version.status = VersionStatus.APPROVED
    hamlet = db.session.scalar(db.select(Area).where(Area.name == "Ấp An Một"))
    db.session.commit()
    at = datetime.now(UTC).isoformat()
    good = {"id": "ok", "hamlet_id": hamlet.id, "version_id": version.id, "played_at": at}
    events = [
        good,
        {**good, "id": "far-hamlet", "hamlet_id": HUGE},
        {**good, "id": "far-version", "version_id": 2**40},
        {**good, "id": "far-schedule", "schedule_id": 10**12},
        {**good, "id": "list-version", "version_id": [1]},
    ]
    response = client.post(
        "/api/v1/plays", json={"events": events}, headers=bearer(token_for("operator"))
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    results = {r["id"]: r for r in response.json["results"]}
    assert results["ok"]["status"] == "created"
    assert results["far-hamlet"]["code"] == "unknown_area"
    assert results["far-version"]["code"] == "unknown_version"
    assert results["far-schedule"]["code"] == "unknown_schedule"
    assert results["list-version"]["code"] == "unknown_version"
    assert response.json["counts"] == {"created": 1, "duplicate": 0, "rejected": 4}


def test_pages_with_huge_ids_in_the_query_are_not_a_server_error(users, login_as) -> None:
    web = login_as("admin")
    for path in (
        f"/messages/?page={HUGE * HUGE}",
        f"/messages/1/diff?a={HUGE}&b={HUGE}",
        f"/schedules/?message={HUGE}",
        f"/schedules/new?message={HUGE}",
        f"/admin/users?page={HUGE}",
        f"/ringback/report?carrier={HUGE}&tone={HUGE}",
        f"/ringback/releases?carrier={HUGE}",
        f"/ringback/releases/new?version_id={HUGE}",
    ):
        assert web.get(path).status_code in (200, 404, 422), path

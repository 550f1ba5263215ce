"""Readers limited to areas (operators, scoped viewers) see only the schedules that reach their
areas, on the API, the pages and the message audit; other ids answer 404."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from audio_manager import scheduling as sched
from audio_manager.models import Area, Role
from audio_manager.services.broadcast import schedules

from .conftest import bearer, load_tree, make_user
from .workflow_helpers import actor, new_message

TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Sóc Trăng,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,khmer;kinh
commune,94201,Xã Bình,94,
hamlet,B1,Ấp Bình Một,94201,kinh
province,95,Tỉnh Bạc Liêu,,
commune,95101,Xã Xa,95,
hamlet,X1,Ấp Xa Một,95101,kinh
"""


def area(code: str) -> Area:
    from audio_manager.services.areas import areas

    found = areas.by_code(code)
    assert found is not None
    return found


@pytest.fixture
def world(app_ctx: Any, token_for: Any) -> dict[str, Any]:
    load_tree(TREE)
    editor = make_user("editor", Role.EDITOR)
    make_user("operator", Role.OPERATOR, areas=["94101"])
    make_user("province_viewer", Role.VIEWER, areas=["94"])
    make_user("viewer", Role.VIEWER)
    message = new_message(editor, "Lịch tiêm chủng")
    rec = sched.Recurrence("daily", date(2026, 1, 1), date(2026, 1, 31), (time(6, 30),))

    def schedule(*codes: str) -> int:
        made = schedules.create(actor(editor), message, [area(c) for c in codes], rec)
        from audio_manager.extensions import db

        db.session.commit()
        return made.id

    ids = {"an": schedule("94101"), "far": schedule("95101"), "both": schedule("94", "95")}
    tokens = {name: token_for(name) for name in ("editor", "operator", "province_viewer", "viewer")}
    return {"ids": ids, "tokens": tokens, "message": message}


def listed(client: Any, token: str) -> dict[int, list[str]]:
    response = client.get("/api/v1/schedules", headers=bearer(token))
    assert response.status_code == 200
    return {s["id"]: s["areas"] for s in response.json}


def test_api_lists_only_schedules_reaching_the_readers_areas(client, world) -> None:
    ids, tokens = world["ids"], world["tokens"]
    for reader in ("operator", "province_viewer"):
        seen = listed(client, tokens[reader])
        assert set(seen) == {ids["an"], ids["both"]}, reader
        assert seen[ids["both"]] == ["94"], "the other province is not named"
    for reader in ("viewer", "editor"):
        seen = listed(client, tokens[reader])
        assert set(seen) == set(ids.values())
        assert sorted(seen[ids["both"]]) == ["94", "95"]


def test_api_answers_404_for_a_schedule_out_of_scope(client, world) -> None:
    ids, tokens = world["ids"], world["tokens"]
    for reader in ("operator", "province_viewer"):
        far = client.get(f"/api/v1/schedules/{ids['far']}", headers=bearer(tokens[reader]))
        assert far.status_code == 404
        assert far.json["error"]["code"] == "schedule_not_found"
        near = client.get(f"/api/v1/schedules/{ids['both']}", headers=bearer(tokens[reader]))
        assert near.status_code == 200
        assert near.json["areas"] == ["94"]
    whole = client.get(f"/api/v1/schedules/{ids['far']}", headers=bearer(tokens["viewer"]))
    assert whole.status_code == 200


def test_pages_show_only_schedules_reaching_the_readers_areas(login_as, world) -> None:
    ids = world["ids"]
    web = login_as("province_viewer")
    page = web.get("/schedules/").get_data(as_text=True)
    assert f"/schedules/{ids['an']}" in page and f"/schedules/{ids['both']}" in page
    assert f"/schedules/{ids['far']}" not in page
    assert "Tỉnh Bạc Liêu" not in page and "Xã Xa" not in page
    assert web.get(f"/schedules/{ids['far']}").status_code == 404
    shown = web.get(f"/schedules/{ids['both']}").get_data(as_text=True)
    assert "Tỉnh Sóc Trăng" in shown and "Tỉnh Bạc Liêu" not in shown
    everything = login_as("viewer").get("/schedules/").get_data(as_text=True)
    assert f"/schedules/{ids['far']}" in everything


def test_message_audit_hides_other_provinces_schedules(client, login_as, world) -> None:
    ids, tokens, message = world["ids"], world["tokens"], world["message"]
    far_id, other_province = ids["far"], area("95").id
    response = client.get(
        f"/api/v1/messages/{message.id}/audit", headers=bearer(tokens["operator"])
    )
    assert response.status_code == 200
    labels = [e["object_label"] for e in response.json]
    assert f"schedule {far_id}" not in labels
    assert f"schedule {ids['an']}" in labels and f"schedule {ids['both']}" in labels
    for event in response.json:
        assert other_province not in (event["detail"] or {}).get("areas", [])
    full = client.get(f"/api/v1/messages/{message.id}/audit", headers=bearer(tokens["viewer"]))
    assert f"schedule {far_id}" in [e["object_label"] for e in full.json]
    page = login_as("province_viewer").get(f"/messages/{message.id}").get_data(as_text=True)
    assert f"lịch phát {ids['an']}" in page and f"lịch phát {far_id}" not in page


def test_ringback_report_by_month_for_scoped_readers(app_ctx, client, login_as, tmp_path) -> None:
    from .ringback_helpers import ringback_world

    ringback_world(tmp_path)
    from audio_manager.services.accounts import accounts
    from audio_manager.services.context import Actor

    scoped = []
    for name in ("an_viewer", "staff"):
        _token, plain = accounts.create_token(Actor.system("test"), accounts.find_user(name), "t")
        scoped.append(plain)
    from audio_manager.extensions import db

    db.session.commit()
    response = client.get("/api/v1/ringback/report?group_by=month", headers=bearer(scoped[0]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.json["group_by"] == "month" and len(response.json["rows"]) == 12
    for fmt in ("csv", "xlsx"):
        export = client.get(
            f"/api/v1/ringback/report?group_by=month&format={fmt}", headers=bearer(scoped[0])
        )
        assert export.status_code == 200
    page = login_as("an_viewer").get("/ringback/report?group_by=month")
    assert page.status_code == 200

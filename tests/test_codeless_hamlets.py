"""A hamlet without an official code can be scheduled: through the API by id (areas by id or
by code, answered with both), and through the schedule form's area picker (it posts ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area, Schedule
from audio_manager.scheduling import LOCAL_TZ

from .conftest import bearer, load_tree
from .schedule_helpers import TREE, world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
CODELESS = TREE + "hamlet,,Ấp Hòa Tú,94101,khmer;kinh\n"


@pytest.fixture
def w(app_ctx, client, token_for, tmp_path):
    data = world(tmp_path)
    load_tree(CODELESS)
    data["hoa_tu"] = db.session.scalar(sa.select(Area).where(Area.name == "Ấp Hòa Tú"))
    assert data["hoa_tu"].code is None
    data["tokens"] = {n: bearer(token_for(n)) for n in ("editor", "operator")}
    return data


def body(w, areas, **over):
    return {
        "message_id": w["message"].id,
        "areas": areas,
        "times": ["06:30"],
        "start_date": (TODAY - timedelta(days=1)).isoformat(),
        "end_date": (TODAY + timedelta(days=10)).isoformat(),
        "recurrence": {"kind": "daily"},
        **over,
    }


def test_a_codeless_hamlet_is_scheduled_by_id_and_plays_there_alone(w, client) -> None:
    hamlet = w["hoa_tu"]
    created = client.post(
        "/api/v1/schedules", json=body(w, [hamlet.id]), headers=w["tokens"]["editor"]
    )
    assert created.status_code == 201, created.json
    assert created.json["areas"] == [hamlet.id]  # no code: its id, so it can be sent back
    assert created.json["targets"] == [
        {"id": hamlet.id, "code": None, "name": "Ấp Hòa Tú", "level": "hamlet"}
    ]
    playlist = client.get(
        f"/api/v1/playlists?area=94101&date={TODAY}", headers=w["tokens"]["operator"]
    )
    items = playlist.json["days"][0]["items"]
    assert {(i["language"], tuple(h["name"] for h in i["hamlets"])) for i in items} == {
        ("khmer", ("Ấp Hòa Tú",)),
        ("kinh", ("Ấp Hòa Tú",)),
    }
    # What the API answered goes back unchanged (PUT with the same areas).
    again = client.put(
        f"/api/v1/schedules/{created.json['id']}",
        json=body(w, created.json["areas"], times=["07:00"]),
        headers=w["tokens"]["editor"],
    )
    assert again.status_code == 200 and again.json["areas"] == [hamlet.id]


def test_ids_and_codes_mix_and_a_commune_covers_its_hamlets(w, client) -> None:
    hamlet = w["hoa_tu"]
    created = client.post(
        "/api/v1/schedules",
        json=body(w, [hamlet.id, "94201", "94101", "94101"]),
        headers=w["tokens"]["editor"],
    )
    assert created.status_code == 201, created.json
    # Ấp Hòa Tú lies in Xã An, named too: Xã An reaches it (and hamlets added later).
    assert sorted(map(str, created.json["areas"])) == ["94101", "94201"]
    assert {t["code"] for t in created.json["targets"]} == {"94101", "94201"}
    assert all(isinstance(t["id"], int) for t in created.json["targets"])


@pytest.mark.parametrize(
    ("areas", "named"),
    [([999_999], "#999999"), (["nope"], "nope"), ([1, "XX"], "XX")],
)
def test_unknown_areas_are_a_clear_422(w, client, areas, named) -> None:
    response = client.post("/api/v1/schedules", json=body(w, areas), headers=w["tokens"]["editor"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "unknown_area"
    assert named in response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count(Schedule.id))) == 0


@pytest.mark.parametrize("bad", [0, -3, 2**31, True, 1.5, "", "x" * 65, None, {"id": 1}])
def test_area_refs_of_the_wrong_shape_are_refused(w, client, bad) -> None:
    response = client.post("/api/v1/schedules", json=body(w, [bad]), headers=w["tokens"]["editor"])
    assert response.status_code == 422
    assert response.json["error"]["details"]["json"]["areas"]


def test_the_openapi_says_areas_are_ids_or_codes(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["Schedule"]["properties"]
    assert {v["type"] for v in schema["areas"]["items"]["oneOf"]} == {"integer", "string"}
    assert schema["targets"]["readOnly"] is True


def form(w, **over):
    data = {
        "message_id": str(w["message"].id),
        "times": ["06:30", "", ""],
        "kind": "daily",
        "interval": "1",
        "dates": ["", ""],
        "start_date": (TODAY - timedelta(days=1)).isoformat(),
        "end_date": (TODAY + timedelta(days=10)).isoformat(),
        "note": "",
        "action": "save",
    }
    data.update(over)
    return data


def test_the_form_schedules_a_codeless_hamlet_picked_in_the_tree(w, login_as) -> None:
    browser = login_as("editor")
    html = browser.get("/schedules/new").get_data(as_text=True)
    hamlet = w["hoa_tu"]
    # The picker lists it with its languages by name, and a folded key for the search.
    assert f'name="area_ids" value="{hamlet.id}"' in html
    assert 'data-key="ap hoa tu ' in html
    assert "Khmer, Kinh" in html
    response = browser.submit("/schedules/new", form(w, area_ids=[str(hamlet.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    schedule = db.session.scalar(sa.select(Schedule))
    assert [a.id for a in schedule.targets] == [hamlet.id]
    # Editing shows it chosen.
    html = browser.get(f"/schedules/{schedule.id}").get_data(as_text=True)
    assert f'value="{hamlet.id}" checked' in html


def test_the_form_keeps_a_commune_for_its_hamlets_and_still_takes_codes(w, login_as) -> None:
    browser = login_as("editor")
    commune = db.session.scalar(sa.select(Area).where(Area.code == "94101"))
    hamlet_ids = [str(a.id) for a in commune.children]
    response = browser.submit(
        "/schedules/new", form(w, area_ids=[str(commune.id), *hamlet_ids], areas="94201")
    )
    assert response.status_code == 302
    schedule = db.session.scalar(sa.select(Schedule))
    assert sorted(a.code for a in schedule.targets) == ["94101", "94201"]


def test_the_form_names_what_it_does_not_know(w, login_as) -> None:
    browser = login_as("editor")
    response = browser.submit("/schedules/new", form(w, area_ids=["999999"]))
    assert response.status_code == 422
    assert "Không có địa bàn: #999999" in response.get_data(as_text=True)
    response = browser.submit("/schedules/new", form(w))
    assert response.status_code == 422
    assert "Hãy chọn ít nhất một địa bàn" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Schedule.id))) == 0

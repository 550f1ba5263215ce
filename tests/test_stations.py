"""Stations on the server: heartbeats, the Stations page and API, their flags on the home
page, and plays confirmed by a station and by hand counting once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import PlayEvent, Role, Station
from audio_manager.scheduling import LOCAL_TZ
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import play_counts, schedules, station_status

from .conftest import bearer, load_tree, make_user
from .workflow_helpers import actor, approved_version, new_message

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
YESTERDAY = TODAY - timedelta(days=1)
TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,kinh
hamlet,A2,Ấp An Hai,94101,kinh
commune,94201,Xã Bình,94,
hamlet,B1,Ấp Bình Một,94201,kinh
"""


@pytest.fixture
def w(app, app_ctx, token_for, monkeypatch) -> dict[str, Any]:
    monkeypatch.setitem(app.config, "RENDER_PROFILES", ["loudspeaker"])
    load_tree(TREE)
    editor = make_user("editor", Role.EDITOR)
    approver = make_user("approver", Role.APPROVER)
    make_user("operator", Role.OPERATOR, areas=["94101"])
    make_user("other", Role.OPERATOR, areas=["94201"])
    make_user("tram-an", Role.OPERATOR, areas=["94101"])
    make_user("admin", Role.ADMIN)
    message = new_message(editor, "BHXH tự nguyện")
    version = approved_version(editor, approver, message, "kinh")
    rec = schedules.recurrence_from({
        "start_date": (TODAY - timedelta(days=3)).isoformat(),
        "end_date": (TODAY + timedelta(days=3)).isoformat(),
        "times": ["06:00", "17:00"], "kind": "daily",
    })  # fmt: skip
    schedule = schedules.create(actor(editor), message, [by_code("94101")], rec)
    db.session.commit()
    hamlets = [by_code("A1").id, by_code("A2").id]
    return {
        "version": version.id, "schedule": schedule.id, "hamlets": hamlets,
        "device": token_for("tram-an", "Trạm Xã An"), "operator": token_for("operator"),
        "other": token_for("other"), "admin": token_for("admin"),
    }  # fmt: skip


def beat(client: Any, token: str, **over: Any) -> Any:
    body = {
        "agent_version": "1.0.0",
        "clock": datetime.now(UTC).isoformat(),
        "last_sync_at": datetime.now(UTC).isoformat(),
        "playlist_validator": "94101:abc",
        "cache_free_bytes": 5_000_000,
        "now_playing": {"title": "BHXH", "language": "kinh"},
        "last_error": None,
        "waiting_confirmations": 2,
        **over,
    }
    return client.post("/api/v1/stations/heartbeat", json=body, headers=bearer(token))


def event(w: dict[str, Any], hamlet: int, hhmm: str, **over: Any) -> dict[str, Any]:
    at = datetime.combine(YESTERDAY, time.fromisoformat(hhmm), LOCAL_TZ)
    return {
        "id": f"st-x-{hhmm}-{hamlet}", "hamlet_id": hamlet, "played_at": at.isoformat(),
        "scheduled_at": at.isoformat(), "version_id": w["version"],
        "schedule_id": w["schedule"], "played": True, **over,
    }  # fmt: skip


def test_a_heartbeat_makes_the_station_and_the_list_shows_it_to_its_areas(w, client) -> None:
    first = beat(client, w["device"])
    assert first.status_code == 200, first.json
    assert first.json["station"]["name"] == "Trạm Xã An" and first.json["agent_version"]
    assert beat(client, w["device"], last_error="cache full").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Station.id))) == 1
    mine = client.get("/api/v1/stations", headers=bearer(w["operator"])).json
    assert [(s["name"], s["areas"], s["online"]) for s in mine] == [("Trạm Xã An", ["94101"], True)]
    assert mine[0]["last_error"] == "cache full" and mine[0]["cache_free_bytes"] == 5_000_000
    assert client.get("/api/v1/stations", headers=bearer(w["other"])).json == []
    assert len(client.get("/api/v1/stations", headers=bearer(w["admin"])).json) == 1
    bad = beat(client, w["device"], cache_free_bytes=-1)
    assert bad.status_code == 422 and bad.json["error"]["code"]
    wrong_clock = beat(client, w["device"], clock="yesterday")
    assert wrong_clock.status_code == 422 and wrong_clock.json["error"]["code"] == "bad_time"
    unknown = client.post("/api/v1/stations/heartbeat", json={}, headers=bearer("amt_unknown"))
    assert unknown.status_code == 401 and unknown.json["error"]["code"] == "invalid_token"


def test_station_plays_are_their_own_source_and_count_once_with_the_page(
    w, client, login_as
) -> None:
    assert beat(client, w["device"]).status_code == 200
    morning = [event(w, h, "06:00") for h in w["hamlets"]]
    sent = client.post("/api/v1/plays", json={"events": morning}, headers=bearer(w["device"]))
    assert [r["status"] for r in sent.json["results"]] == ["created", "created"]
    # The station missed the evening (the PC was off) ...
    evening = [
        event(w, h, "17:00", played=False, reason="Trạm phát không hoạt động") for h in w["hamlets"]
    ]
    client.post("/api/v1/plays", json={"events": evening}, headers=bearer(w["device"]))
    # ... the operator played both by hand and confirms the whole day on the Today page.
    browser = login_as("operator")
    page = f"/today?area=94101&date={YESTERDAY}"
    done = browser.submit(
        "/today/confirm",
        {"area": "94101", "date": YESTERDAY.isoformat(), "item": "all", "played": "1"},
        page=page,
    )
    assert done.status_code == 302
    rows = db.session.execute(
        sa.select(PlayEvent.source, PlayEvent.played, sa.func.count())
        .group_by(PlayEvent.source, PlayEvent.played)
        .order_by(PlayEvent.source)
    ).all()
    # Four broadcasts, four counts: the morning by the station, the evening by hand.
    assert [tuple(r) for r in rows] == [("page", True, 2), ("station", True, 2)]
    report = client.get(
        f"/api/v1/reports/broadcasts?period=day&date={YESTERDAY}&group_by=source",
        headers=bearer(w["admin"]),
    ).json
    assert {r["source"]: r["count"] for r in report["rows"]} == {"page": 2, "station": 2}
    assert {r["labels"]["source"] for r in report["rows"]} == {
        "Trang Hôm nay",
        "Trạm phát (tự động)",
    }
    compliance = client.get(
        f"/api/v1/reports/compliance?area=94101&period=day&date={YESTERDAY}",
        headers=bearer(w["admin"]),
    ).json
    assert (compliance["scheduled"], compliance["confirmed"]) == (4, 4)
    assert compliance["confirmed_by_station"] == 2
    assert sum(r["not_played"] for r in compliance["rows"]) == 0
    # A report without scheduled_at answers the schedule's nearest moment: 06:03 is 06:00's.
    late = {**event(w, w["hamlets"][0], "06:03"), "id": "csv-1"}
    del late["scheduled_at"]
    again = client.post("/api/v1/plays", json={"events": [late]}, headers=bearer(w["operator"]))
    assert [r["status"] for r in again.json["results"]] == ["duplicate"]
    # The roll-ups the reports read were kept right through the replacement.
    kept = rollups()
    play_counts.rebuild()
    assert rollups() == kept
    html = browser.get(page).get_data(as_text=True)
    assert html.count("do trạm phát xác nhận") == 1  # the morning item, the evening by hand


def rollups() -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for model, key in play_counts.ROLLUPS:
        columns = [getattr(model, c) for c in key]
        rows = db.session.execute(sa.select(*columns, model.plays, model.misses)).all()
        out[model.__tablename__] = sorted(tuple(r) for r in rows if r[-1] or r[-2])
    return out


def test_silent_stations_and_missing_plays_are_flagged_for_the_communes_officers(
    w, client, login_as
) -> None:
    assert beat(client, w["device"]).status_code == 200
    station = db.session.scalar(sa.select(Station))
    evening = datetime.combine(YESTERDAY, time(18, 0), LOCAL_TZ).astimezone(UTC)
    # Yesterday at 18:00: two broadcasts at 06:00 and two at 17:00 were due; one confirmed.
    client.post(
        "/api/v1/plays",
        json={"events": [event(w, w["hamlets"][0], "06:00")]},
        headers=bearer(w["device"]),
    )
    station.last_seen_at = evening - timedelta(hours=3)  # silent since 15:00
    status = station_status.status_of(station, evening, YESTERDAY)
    assert (status.scheduled, status.confirmed, status.played, status.missing) == (4, 1, 1, 3)
    assert status.online is False
    assert status.flags == ["mất liên lạc 3 giờ", "3 lượt phát theo lịch chưa được xác nhận"]
    # Today, with a heartbeat an hour old: offline, flagged on the officers' home page.
    station.last_seen_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    listed = client.get("/api/v1/stations", headers=bearer(w["operator"])).json
    assert listed[0]["online"] is False
    assert any("60 phút" in f or "60 minutes" in f for f in listed[0]["flags"])
    home = login_as("operator").get("/").get_data(as_text=True)
    assert "Trạm Xã An" in home and "Trạm phát cần anh/chị xử lý" in home
    assert "Trạm Xã An" not in login_as("other").get("/").get_data(as_text=True)
    page = login_as("operator").get("/stations")
    assert page.status_code == 200 and "Trạm Xã An" in page.get_data(as_text=True)
    beat(client, w["device"])
    assert client.get("/api/v1/stations", headers=bearer(w["operator"])).json[0]["online"]

"""Schedules, playlists and plays through the API: recurrences, scope, idempotency."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import PlayEvent, Schedule
from audio_manager.scheduling import LOCAL_TZ

from .conftest import bearer
from .schedule_helpers import world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()


@pytest.fixture
def w(app_ctx, client, token_for, tmp_path):
    data = world(tmp_path)
    tokens = {
        name: bearer(token_for(name)) for name in ("editor", "operator", "viewer", "approver")
    }

    def call(who: str, method: str, url: str, **kw):
        return client.open(
            url, method=method, headers={**tokens[who], **kw.pop("headers", {})}, **kw
        )

    data["call"] = call
    return data


def schedule_body(w, **over):
    body = {
        "message_id": w["message"].id,
        "areas": ["94101"],
        "times": ["06:30", "17:00"],
        "start_date": (TODAY - timedelta(days=1)).isoformat(),
        "end_date": (TODAY + timedelta(days=30)).isoformat(),
        "recurrence": {"kind": "daily"},
    }
    body.update(over)
    return body


def test_schedule_and_get_todays_playlist(w) -> None:
    call = w["call"]
    created = call("editor", "POST", "/api/v1/schedules", json=schedule_body(w))
    assert created.status_code == 201, created.json
    assert created.json["description"]["kind"] == "daily"
    response = call("operator", "GET", f"/api/v1/playlists?area=94101&date={TODAY}")
    assert response.status_code == 200
    items = response.json["days"][0]["items"]
    # Two times × (khmer for A1, kinh for A1+A2+A3, hoa for A3 which is missing).
    by_time: dict[str, list] = {}
    for item in items:
        by_time.setdefault(item["at"][11:16], []).append(item)
    assert sorted(by_time) == ["06:30", "17:00"]
    morning = {i["language"]: i for i in by_time["06:30"]}
    assert set(morning) == {"khmer", "kinh", "hoa"}
    assert morning["hoa"]["status"] == "missing"
    assert morning["kinh"]["version_id"] == w["kinh"].id  # the current version, not v1
    assert sorted(h["name"] for h in morning["kinh"]["hamlets"]) == [
        "Ấp An Ba",
        "Ấp An Hai",
        "Ấp An Một",
    ]
    assert [h["name"] for h in morning["khmer"]["hamlets"]] == ["Ấp An Một"]
    etag = response.headers["ETag"]
    again = call(
        "operator",
        "GET",
        f"/api/v1/playlists?area=94101&date={TODAY}",
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_playlist_downloads(w) -> None:
    call = w["call"]
    call("editor", "POST", "/api/v1/schedules", json=schedule_body(w))
    base = f"/api/v1/playlists?area=94101&date={TODAY}"
    m3u = call("operator", "GET", base + "&format=m3u8")
    assert m3u.status_code == 200 and m3u.data.startswith(b"#EXTM3U")
    ics = call("operator", "GET", base + "&format=ics").get_data(as_text=True)
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.count("BEGIN:VEVENT") == 6
    archive = zipfile.ZipFile(io.BytesIO(call("operator", "GET", base + "&format=zip").data))
    names = archive.namelist()
    assert {"playlist.m3u8", "manifest.json", "schedule.html"} <= set(names)
    audio = [n for n in names if n.endswith(".mp3")]
    assert len(audio) == 2  # kinh and khmer, each stored once though played twice
    playlist = archive.read("playlist.m3u8").decode()
    assert all(name in playlist for name in audio)


def test_operator_is_limited_to_their_communes(w) -> None:
    call = w["call"]
    assert call("operator", "GET", "/api/v1/playlists?area=94201").status_code == 404
    assert call("operator", "GET", "/api/v1/playlists?area=94").status_code == 404
    assert call("operator", "POST", "/api/v1/schedules", json=schedule_body(w)).status_code == 403


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"times": []}, "no_times"),
        ({"end_date": (TODAY - timedelta(days=5)).isoformat()}, "end_before_start"),
        ({"recurrence": {"kind": "weekly", "weekdays": []}}, "no_weekdays"),
        ({"recurrence": {"kind": "weekly", "weekdays": ["XX"]}}, "bad_weekday"),
        ({"recurrence": {"kind": "monthly_nth_weekday", "nth": 7, "weekdays": ["TU"]}}, "bad_nth"),
        ({"recurrence": {"kind": "daily", "interval": 0}}, "bad_interval"),
        ({"rrule": "FREQ=SECONDLY"}, "invalid_rrule"),
        ({"areas": ["nope"]}, "unknown_area"),
        ({"areas": []}, "no_areas"),
        ({"times": ["25:99"]}, "bad_time"),
    ],
)
def test_bad_schedules_are_refused(w, change, code) -> None:
    response = w["call"]("editor", "POST", "/api/v1/schedules", json=schedule_body(w, **change))
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    assert db.session.scalar(sa.select(sa.func.count(Schedule.id))) == 0


def test_scoped_editor_cannot_schedule_outside_their_areas(w, token_for, client) -> None:
    from audio_manager.models import Role

    from .conftest import make_user

    make_user("editor2", Role.EDITOR, areas=["94201"])
    response = client.post(
        "/api/v1/schedules", json=schedule_body(w), headers=bearer(token_for("editor2"))
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "area_out_of_scope"


def test_update_and_cancel(w) -> None:
    call = w["call"]
    schedule = call("editor", "POST", "/api/v1/schedules", json=schedule_body(w)).json
    weekly = schedule_body(w, recurrence={"kind": "weekly", "weekdays": ["MO", "TH"]}, revision=1)
    updated = call("editor", "PUT", f"/api/v1/schedules/{schedule['id']}", json=weekly)
    assert updated.status_code == 200 and updated.json["description"]["weekday_codes"] == [
        "MO",
        "TH",
    ]
    stale = call("editor", "PUT", f"/api/v1/schedules/{schedule['id']}", json=weekly)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale"
    cancelled = call(
        "editor", "DELETE", f"/api/v1/schedules/{schedule['id']}", json={"reason": "Đổi lịch"}
    )
    assert cancelled.status_code == 200 and cancelled.json["cancelled_at"]
    items = call("operator", "GET", f"/api/v1/playlists?area=94101&date={TODAY}").json
    assert items["days"][0]["items"] == []


def event(w, n: int, **over):
    base = {
        "id": f"dev-1-{n}",
        "hamlet_id": _hamlet("Ấp An Hai"),
        "played_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "version_id": w["kinh"].id,
        "played": True,
    }
    base.update(over)
    return base


def _hamlet(name: str) -> int:
    from audio_manager.models import Area

    return db.session.scalar(sa.select(Area.id).where(Area.name == name))


def test_play_batches_are_idempotent_and_reported_per_event(w) -> None:
    call = w["call"]
    schedule = call("editor", "POST", "/api/v1/schedules", json=schedule_body(w)).json
    future = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    batch = [
        event(w, 1, schedule_id=schedule["id"]),
        event(w, 2),  # ad hoc: no schedule
        event(w, 3, played=False, reason="Mất điện"),
        event(w, 4, played=False),
        event(w, 5, played_at=future),
        event(w, 6, hamlet_id=_hamlet("Ấp Bình Một")),
        event(w, 7, version_id=999999),
        event(w, 1),  # the same id twice in one batch
    ]
    first = call("operator", "POST", "/api/v1/plays", json={"events": batch})
    assert first.status_code == 200, first.json
    statuses = [(r["id"], r["status"], r.get("code")) for r in first.json["results"]]
    assert statuses == [
        ("dev-1-1", "created", None),
        ("dev-1-2", "created", None),
        ("dev-1-3", "created", None),
        ("dev-1-4", "rejected", "reason_required"),
        ("dev-1-5", "rejected", "in_future"),
        ("dev-1-6", "rejected", "out_of_scope"),
        ("dev-1-7", "rejected", "unknown_version"),
        ("dev-1-1", "duplicate", None),
    ]
    second = call("operator", "POST", "/api/v1/plays", json={"events": batch[:3]})
    assert [r["status"] for r in second.json["results"]] == ["duplicate"] * 3
    rows = db.session.scalars(sa.select(PlayEvent).order_by(PlayEvent.client_event_id)).all()
    assert [(r.client_event_id, r.unscheduled, r.played) for r in rows] == [
        ("dev-1-1", False, True),
        ("dev-1-2", True, True),
        ("dev-1-3", True, False),
    ]
    assert call("viewer", "POST", "/api/v1/plays", json={"events": batch}).status_code == 403
    too_many = call(
        "operator", "POST", "/api/v1/plays", json={"events": [event(w, n) for n in range(1001)]}
    )
    assert too_many.status_code == 422 and too_many.json["error"]["code"] == "batch_too_large"


def test_csv_import_is_all_or_nothing(w) -> None:
    call = w["call"]
    hamlet, version = _hamlet("Ấp An Hai"), w["kinh"].id
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    good = f"id,hamlet_id,played_at,version_id,played,reason\nc1,{hamlet},{now},{version},1,\n"
    bad = good + f"c2,{hamlet},{now},{version},0,\n"
    response = call(
        "operator",
        "POST",
        "/api/v1/plays/import",
        data={"file": (io.BytesIO(bad.encode()), "plays.csv")},
    )
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["line"] == 3
    assert db.session.scalar(sa.select(sa.func.count(PlayEvent.id))) == 0
    response = call(
        "operator",
        "POST",
        "/api/v1/plays/import",
        data={"file": (io.BytesIO(good.encode()), "plays.csv")},
    )
    assert response.status_code == 200 and response.json["counts"]["created"] == 1
    response = call(
        "operator",
        "POST",
        "/api/v1/plays/import",
        data={"file": (io.BytesIO(b"garbage\x00\xff"), "plays.csv")},
    )
    assert response.status_code == 422


def test_expired_message_is_never_in_the_playlist(w) -> None:
    call = w["call"]
    call("editor", "POST", "/api/v1/schedules", json=schedule_body(w))
    message = w["message"]
    message.valid_until = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    items = call("operator", "GET", f"/api/v1/playlists?area=94101&date={TODAY}").json
    assert items["days"][0]["items"] == []
    assert date.fromisoformat(items["days"][0]["date"]) == TODAY

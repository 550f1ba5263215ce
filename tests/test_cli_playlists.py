from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area, PlayEvent
from audio_manager.scheduling import LOCAL_TZ, Recurrence
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import schedules

from .schedule_helpers import world
from .workflow_helpers import actor


def test_cli_prints_playlists_and_imports_plays(app, app_ctx, tmp_path) -> None:
    w = world(tmp_path)
    today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    rec = Recurrence("daily", today - timedelta(days=2), today + timedelta(days=2), (time(6, 30),))
    schedule = schedules.create(actor(w["editor"]), w["message"], [by_code("94101")], rec)
    db.session.commit()
    runner = app.test_cli_runner()
    yesterday = (today - timedelta(days=1)).isoformat()
    result = runner.invoke(args=["playlists", "show", "94101", "--date", yesterday])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["days"][0]["items"]
    assert {i["language"] for i in items} == {"kinh", "khmer", "hoa"}
    m3u = runner.invoke(
        args=["playlists", "show", "94101", "--date", yesterday, "--format", "m3u8"]
    ).output
    assert m3u.startswith("#EXTM3U") and "MISSING" in m3u
    hamlet = db.session.scalar(sa.select(Area.id).where(Area.name == "Ấp An Hai"))
    other = db.session.scalar(sa.select(Area.id).where(Area.name == "Ấp An Một"))
    csv_path = tmp_path / "plays.csv"
    csv_path.write_text(
        "id,hamlet_id,played_at,version_id,played,reason,schedule_id\n"
        f"x1,{hamlet},{yesterday}T06:30:00+07:00,{w['kinh'].id},1,,{schedule.id}\n"
        f"x2,{other},{yesterday}T06:30:00+07:00,{w['kinh'].id},0,,{schedule.id}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["playlists", "import-plays", str(csv_path), "--as", "operator"])
    assert result.exit_code != 0 and "plays.csv:3:" in result.output
    assert db.session.scalar(sa.select(sa.func.count(PlayEvent.id))) == 0
    csv_path.write_text(csv_path.read_text().replace(",0,,", ",0,Mất điện,"), encoding="utf-8")
    result = runner.invoke(args=["playlists", "import-plays", str(csv_path), "--as", "operator"])
    assert result.exit_code == 0 and "2 created" in result.output
    events = db.session.scalars(sa.select(PlayEvent).order_by(PlayEvent.client_event_id)).all()
    assert [(e.played, e.unscheduled, e.source) for e in events] == [
        (True, False, "import"),
        (False, False, "import"),
    ]
    # The same broadcast again, from another line: one broadcast, one count.
    csv_path.write_text(
        "id,hamlet_id,played_at,version_id,played,reason,schedule_id\n"
        f"x3,{hamlet},{yesterday}T06:31:00+07:00,{w['kinh'].id},1,,{schedule.id}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["playlists", "import-plays", str(csv_path), "--as", "operator"])
    assert result.exit_code == 0 and "0 created, 1 duplicates" in result.output


def test_cli_rebuilds_the_play_counts(app, app_ctx, tmp_path) -> None:
    from audio_manager.models import HamletPlayCount
    from audio_manager.services.broadcast import plays

    w = world(tmp_path)
    hamlet = db.session.scalar(sa.select(Area.id).where(Area.name == "Ấp An Hai"))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    event = {"id": "r1", "hamlet_id": hamlet, "played_at": now, "version_id": w["kinh"].id}
    plays.record(actor(w["operator"]), [event], source="device")
    db.session.commit()
    db.session.execute(sa.delete(HamletPlayCount))  # as if events had been loaded with COPY
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["playlists", "rebuild-counts"])
    assert result.exit_code == 0, result.output
    assert "hamlet_play_counts: 1 rows" in result.output
    assert db.session.scalar(sa.select(HamletPlayCount.plays)) == 1

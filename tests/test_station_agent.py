"""The station agent end to end: a real server in a subprocess, the agent in a subprocess on a
simulated clock, null or WAV output.

Simulated days are days that have passed (yesterday and before), never days to come: the
server refuses plays "in the future" and that rule must hold for stations too, while a
playlist is asked for by its date, so a past day plays exactly as it did. Each test simulates
a day of its own, so the plays of one never answer the schedule of another.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import PlayEvent, Role
from audio_manager.production import synthetic
from audio_manager.production.pcm import RATE, write_wav
from audio_manager.scheduling import LOCAL_TZ
from audio_manager.services.accounts import accounts
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import schedules
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions, workflow

from .conftest import bearer, load_tree, make_user, wipe_tables
from .station_helpers import Proxy, Server, read_wav, start_agent, station

TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
commune,94101,Xã An,94,
hamlet,A1,Ấp An Một,94101,khmer;kinh
hamlet,A2,Ấp An Hai,94101,kinh
hamlet,A3,Ấp An Ba,94101,hoa;kinh
"""
TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
POLL = 60.0  # seconds of simulated time between polls (the agent's default is 20)
# A tone per message and language: the WAV tells them apart by their pitch.
TONES = {
    ("normal", "kinh"): 440.0,
    ("normal", "hoa"): 660.0,
    ("normal", "khmer"): 880.0,
    ("priority", "kinh"): 550.0,
    ("emergency", "kinh"): 330.0,
    ("emergency", "hoa"): 990.0,
    ("emergency", "khmer"): 1210.0,
}


@pytest.fixture(autouse=True)
def clean_tables() -> Iterator[None]:
    """The module shares one world (and server); it is wiped at the module's end."""
    yield


def system() -> Actor:
    return Actor.system("test")


def tone_version(editor: Any, message: Any, language: str, freq: float, folder: Path) -> Any:
    from audio_manager.jobs import enqueue_render

    path = write_wav(folder / f"{freq:.0f}.wav", synthetic.tone(freq, 2.0, RATE, 0.3), RATE)
    with path.open("rb") as stream:
        version, job = versions.create_from_upload(
            Actor(editor), message, language, stream, path.name
        )
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(version)
    workflow.transition(Actor(editor), version, "submit")
    db.session.commit()
    return version


def approve(approver: Any, version: Any) -> None:
    workflow.transition(Actor(approver), version, "approve")
    db.session.commit()


@pytest.fixture(scope="module")
def world(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("station-world")
    profiles = app.config["RENDER_PROFILES"]
    app.config["RENDER_PROFILES"] = ["loudspeaker"]
    with app.app_context():
        load_tree(TREE)
        editor = make_user("editor", Role.EDITOR)
        approver = make_user("approver", Role.APPROVER)
        make_user("admin", Role.ADMIN)
        make_user("viewer", Role.VIEWER)
        make_user("tram-an", Role.OPERATOR, areas=["94101"])  # the commune's device account
        commune = by_code("94101")
        made: dict[str, Any] = {}
        for priority, title in (
            ("normal", "Tin thường"),
            ("priority", "Tin ưu tiên"),
            ("emergency", "Khẩn cấp"),
        ):
            message = messages.create(Actor(editor), title, priority=priority)
            db.session.commit()
            made[priority] = message
            for (kind, language), freq in TONES.items():
                if kind == priority:
                    version = tone_version(editor, message, language, freq, folder)
                    made[(kind, language)] = version.id
                    if kind != "emergency":  # the emergency is approved mid-day, by a test
                        approve(approver, version)
        rec = {"start_date": (TODAY - timedelta(days=12)).isoformat(),
               "end_date": (TODAY + timedelta(days=2)).isoformat(), "kind": "daily"}  # fmt: skip
        for key, times in (
            ("normal", ["06:00", "06:30", "07:00", "12:00", "17:00"]),
            ("priority", ["06:00"]),
            ("emergency", ["12:00"]),
        ):
            schedules.create(
                Actor(editor),
                made[key],
                [commune],
                schedules.recurrence_from({**rec, "times": times}),
            )
        db.session.commit()
        ids = {"approver": approver.id, "emergency_versions": [
            made[("emergency", lang)] for lang in ("kinh", "hoa", "khmer")
        ]}  # fmt: skip
    app.config["RENDER_PROFILES"] = profiles
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIO_MANAGER_")}
    env.update(
        AUDIO_MANAGER_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        AUDIO_MANAGER_STORAGE_ROOT=str(app.config["STORAGE_ROOT"]),
        AUDIO_MANAGER_INSTANCE_PATH=str(folder),
        AUDIO_MANAGER_SECRET_KEY="test-secret",
        AUDIO_MANAGER_JOBS="inline",
        AUDIO_MANAGER_DEMO_DATA="0",
    )
    server = Server(env, folder / "server.log")
    server.start()
    try:
        yield {"app": app, "server": server, "folder": folder, "tones": made, **ids}
    finally:
        server.stop()
        wipe_tables(app)


def new_token(world: dict[str, Any], name: str) -> str:
    with world["app"].app_context():
        user = accounts.find_user("tram-an")
        _token, plaintext = accounts.create_token(system(), user, name)
        db.session.commit()
        return plaintext


def setup_station(
    world: dict[str, Any], name: str, server_url: str | None = None, late_minutes: int = 10
) -> Path:
    folder = world["folder"] / name
    token = new_token(world, name)
    done = station("setup", "--server", server_url or world["server"].url, "--token", token,
                   "--dir", str(folder), "--poll-seconds", str(POLL),
                   "--late-minutes", str(late_minutes))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "communes 94101" in done.stdout
    return folder


def local(day: date, hhmm: str) -> str:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).isoformat()


def playlist(world: dict[str, Any], day: date) -> list[dict[str, Any]]:
    with world["app"].app_context():
        token = new_token(world, f"reader-{day}")
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", world["server"].port)
    conn.request("GET", f"/api/v1/playlists?area=94101&date={day}", headers=bearer(token))
    return json.loads(conn.getresponse().read())["days"][0]["items"]


def station_plays(world: dict[str, Any], day: date) -> list[Any]:
    with world["app"].app_context():
        rows = db.session.execute(
            sa.select(PlayEvent.client_event_id, PlayEvent.schedule_id, PlayEvent.area_id,
                      PlayEvent.language,
                      PlayEvent.played, PlayEvent.source, PlayEvent.occurrence_at)
            .where(PlayEvent.played_on == day)
        ).all()  # fmt: skip
        db.session.remove()
        return rows


def seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def tone_of(freq: float) -> tuple[str, str]:
    best = min(TONES.items(), key=lambda kv: abs(kv[1] - freq))
    assert abs(best[1] - freq) < 0.03 * best[1], f"{freq:.0f} Hz is no known tone"
    return best[0]


def seen_of(folder: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(folder / "station.sqlite3") as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT * FROM seen")}


def report(world: dict[str, Any], day: date, group_by: str) -> dict[str, Any]:
    import http.client

    token = new_token(world, f"viewer-{group_by}-{time.monotonic()}")
    conn = http.client.HTTPConnection("127.0.0.1", world["server"].port)
    conn.request(
        "GET",
        f"/api/v1/reports/broadcasts?period=day&date={day}&group_by={group_by}",
        headers=bearer(token),
    )
    return json.loads(conn.getresponse().read())


def test_a_day_in_three_languages_with_an_emergency_approved_mid_day(world, tmp_path) -> None:
    day = TODAY - timedelta(days=1)
    folder = setup_station(world, "day")
    before = playlist(world, day)
    normal_noon = [i for i in before if i["at"][11:16] == "12:00" and i["priority"] == "normal"]
    assert [i["status"] for i in before if i["priority"] == "emergency"] == ["missing"] * 3
    wav = tmp_path / "day.wav"
    run = start_agent(
        "run", "--dir", str(folder), "--output", f"wav:{wav}",
        "--simulate", local(day, "05:55"), local(day, "17:05"),
    )  # fmt: skip
    # Mid-day: the noon block has played its last language; the emergency is approved now.
    run.wait_for(f"{day} 12:00", timeout=90)
    run.wait_for(f"normal {normal_noon[-1]['language']} «", timeout=30)
    with world["app"].app_context():
        from audio_manager.models import User, Version

        approver = db.session.get(User, world["approver"])
        for version_id in world["emergency_versions"]:  # in one transaction: one change
            workflow.transition(Actor(approver), db.session.get(Version, version_id), "approve")
        db.session.commit()
        db.session.remove()
    assert run.finish() == 0, run.text
    items = playlist(world, day)
    emergency = [i for i in items if i["priority"] == "emergency"]
    assert [i["status"] for i in emergency] == ["ok"] * 3
    bursts = read_wav(wav)
    heard = [(tone_of(b.frequency()), b) for b in bursts]
    # The blocks in playing order: 06:00 (priority first, then the normal message in the
    # hamlets' language order), noon, the emergency, 17:00.
    ok = [i for i in items if i["status"] == "ok" and i["priority"] != "emergency"]
    until_noon = [i for i in ok if i["at"][11:16] <= "12:00"]
    expected = [*until_noon, *emergency, *ok[len(until_noon) :]]
    first = ok[0]
    assert (first["priority"], first["language"]) == ("priority", "kinh")
    assert [kind for kind, _b in heard] == [(i["priority"], i["language"]) for i in expected]
    # Each at its time (±1 s of simulated time): a block starts on the minute, every next
    # language one second after the one before ends; every play heard to the end.
    seen = seen_of(folder)
    first_emergency = next(k for k in seen if f"-s{emergency[0]['schedule_id']}-" in k
                           and k.endswith(f"{emergency[0]['language']}-94101"))  # fmt: skip
    first_seen, prev_poll = seen[first_emergency]
    previous_end = None
    for (kind, burst), item in zip(heard, expected, strict=True):
        start = seconds(burst.at)
        if item["priority"] == "emergency" and item is emergency[0]:
            due = seconds(first_seen)
        else:
            due = seconds(item["at"])
            if previous_end is not None and previous_end + 1.0 > due:
                due = previous_end + 1.0
        assert abs(start - due) <= 1.0, (kind, burst.label, item["at"], run.text)
        assert abs(burst.seconds - item["duration_s"]) < 0.5, (kind, burst.seconds)
        previous_end = start + item["duration_s"]
    # The emergency started within one poll of its approval: the poll before the one that
    # first saw it approved is at most one (jittered) interval earlier.
    assert prev_poll is not None
    assert 0 < seconds(first_seen) - seconds(prev_poll) <= POLL * 1.2 + 0.5
    assert seconds(first_seen) > seconds(local(day, "12:00"))
    # The broadcast report counts exactly the plays: one per item and hamlet, all automatic.
    played = sum(len(i["hamlets"]) for i in expected)
    sources = report(world, day, "source")
    assert sources["total"] == played
    assert [(r["source"], r["count"]) for r in sources["rows"]] == [("station", played)]
    rows = station_plays(world, day)
    assert len(rows) == played and all(r.played and r.source == "station" for r in rows)
    assert len({(r.schedule_id, r.area_id, r.language, r.occurrence_at) for r in rows}) == played


def expected_plays(world: dict[str, Any], day: date, first: str, last: str) -> int:
    """Hamlet broadcasts of the day's playable items from ``first`` to ``last`` (HH:MM)."""
    items = playlist(world, day)
    return sum(
        len(i["hamlets"]) for i in items if i["status"] == "ok" and first <= i["at"][11:16] <= last
    )


def outbox(folder: Path) -> dict[str, int]:
    with sqlite3.connect(folder / "station.sqlite3") as conn:
        rows = conn.execute("SELECT COALESCE(status, 'waiting'), COUNT(*) FROM outbox GROUP BY 1")
        return dict(rows.fetchall())


def test_an_hour_without_the_server_plays_from_the_cache_and_confirms_once(world) -> None:
    day = TODAY - timedelta(days=2)
    folder = setup_station(world, "outage", late_minutes=30)  # slack for a loaded machine
    server = world["server"]
    run = start_agent(
        "run", "--dir", str(folder), "--output", "null", "--speed", "200",
        "--simulate", local(day, "06:25"), local(day, "07:50"),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not heard_from(world, "outage"):  # its first sync and heartbeat are done
        assert time.monotonic() < deadline and run.proc.poll() is None, run.text
        time.sleep(0.05)
    server.stop()
    restart = threading.Thread(target=server.start)  # it takes a while to be back
    try:
        run.wait_for(f"{day} 06:3", timeout=60)  # the 06:30 broadcast, from the cache
        run.wait_for(f"{day} 07:0", timeout=60)  # and 07:00's
        time.sleep(15 * 60 / 200)  # to about 07:15 on the agent's clock
        restart.start()
        assert run.finish(timeout=180) == 0, run.text
    finally:
        if not restart.is_alive() and server.proc is None:
            restart = threading.Thread(target=server.start)
            restart.start()
        restart.join()
    lost = run.wait_for("error server unreachable")
    back = run.wait_for("server reachable, no error")
    outage = seconds(back[:19].replace(" ", "T") + "+07:00") - seconds(
        lost[:19].replace(" ", "T") + "+07:00"
    )
    assert outage >= 45 * 60, run.text
    assert " miss " not in run.text
    rows = [r for r in station_plays(world, day) if r.source == "station"]
    assert len(rows) == expected_plays(world, day, "06:30", "07:00")
    assert len({r.client_event_id for r in rows}) == len(rows)
    assert outbox(folder) == {"created": len(rows)}


def heard_from(world: dict[str, Any], name: str) -> bool:
    with world["app"].app_context():
        from audio_manager.models import Station

        found = db.session.scalar(sa.select(Station.id).where(Station.name == name))
        db.session.remove()
        return found is not None


def test_kill_9_between_playing_and_sending_loses_and_doubles_nothing(world) -> None:
    day = TODAY - timedelta(days=3)
    proxy = Proxy(world["server"].port).start()
    try:
        folder = setup_station(world, "kill", proxy.url)
        # The server records each batch but its answers are lost on the way back: the agent
        # keeps its plays waiting and sends them again.
        proxy.drop_answers = lambda method, path: method == "POST" and path == "/api/v1/plays"
        args = ("run", "--dir", str(folder), "--output", "null",
                "--simulate", local(day, "05:58"), local(day, "07:05"))  # fmt: skip
        first = start_agent(*args)
        first.wait_for(f"{day} 06:30:00 play", timeout=90)
        deadline = time.monotonic() + 30
        while not any(s.method == "POST" and s.path == "/api/v1/plays" for s in proxy.seen):
            assert time.monotonic() < deadline, first.text
            time.sleep(0.05)
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=30)
        waiting = outbox(folder).get("waiting", 0)
        assert waiting > 0
        proxy.drop_answers = None
        second = start_agent(*args)
        assert second.finish() == 0, second.text
    finally:
        proxy.stop()
    started = [line for run in (first, second) for line in run.lines if " play " in line]
    items = [i for i in playlist(world, day) if i["status"] == "ok" and i["at"][11:16] <= "07:00"]
    # Nothing heard twice: the second run plays only what the first had not finished (at
    # most the one the kill cut short).
    assert len(items) <= len(started) <= len(items) + 1
    rows = [r for r in station_plays(world, day) if r.source == "station"]
    assert len(rows) == expected_plays(world, day, "06:00", "07:00")
    assert len({r.client_event_id for r in rows}) == len(rows)
    counts = outbox(folder)
    assert "waiting" not in counts and "rejected" not in counts
    assert counts["created"] + counts["duplicate"] == len(rows)
    assert counts["duplicate"] > 0  # some were resent after their answer was lost


def test_a_flipped_byte_is_fetched_again_and_never_played(world, tmp_path) -> None:
    day = TODAY - timedelta(days=4)
    proxy = Proxy(world["server"].port).start()
    try:
        folder = setup_station(world, "flip", proxy.url)
        assert station("sync", "--dir", str(folder)).returncode == 0
        normal_kinh = next(
            i for i in playlist(world, day)
            if i["priority"] == "normal" and i["language"] == "kinh"
        )  # fmt: skip
        cached = folder / "cache" / f"{normal_kinh['sha256']}.mp3"
        data = bytearray(cached.read_bytes())
        data[len(data) // 2] ^= 0xFF
        cached.write_bytes(bytes(data))
        downloads = f"/api/v1/renditions/{normal_kinh['rendition_id']}/file"
        before = sum(1 for s in proxy.seen if s.path == downloads)
        wav = tmp_path / "flip.wav"
        run = start_agent(
            "run", "--dir", str(folder), "--output", f"wav:{wav}",
            "--simulate", local(day, "05:58"), local(day, "06:35"),
        )  # fmt: skip
        assert run.finish() == 0, run.text
    finally:
        proxy.stop()
    assert sum(1 for s in proxy.seen if s.path == downloads) == before + 1
    assert f"downloaded kinh «{normal_kinh['title']}»" in run.text
    bursts = [b for b in read_wav(wav) if tone_of(b.frequency()) == ("normal", "kinh")]
    assert [b.at[11:16] for b in bursts] == ["06:00", "06:30"]
    # What played at 06:00 is what the server has, sample for sample, like the 06:30 play.
    assert np.array_equal(bursts[0].samples, bursts[1].samples)
    assert cached.read_bytes() != bytes(data)


def test_a_cut_download_resumes_where_it_stopped(world) -> None:
    proxy = Proxy(world["server"].port).start()
    try:
        folder = setup_station(world, "cut", proxy.url)
        proxy.cut_after["/api/v1/renditions/"] = 20_000
        first = station("sync", "--dir", str(folder))
        assert first.returncode == 2, first.stdout
        assert "download cut at 20000" in first.stdout
        parts = list((folder / "cache").glob("*.part"))
        assert [p.stat().st_size for p in parts] == [20_000]
        second = station("sync", "--dir", str(folder))
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        proxy.stop()
    sha = parts[0].name.split(".")[0]
    gets = [s for s in proxy.seen if s.path.startswith("/api/v1/renditions/")]
    cut = next(s for s in gets if s.sent == 20_000)
    resumed = [s for s in gets if s.path == cut.path and s is not cut]
    assert [(s.range, s.status) for s in resumed] == [("bytes=20000-", 206)]
    size = (folder / "cache" / f"{sha}.mp3").stat().st_size
    assert cut.sent + resumed[0].sent == size  # not restarted: every byte crossed once
    status = station("status", "--dir", str(folder)).stdout
    assert "NOT CACHED" not in status


def test_a_revoked_token_stops_fetching_and_says_why(world) -> None:
    day = TODAY - timedelta(days=5)
    proxy = Proxy(world["server"].port).start()
    try:
        folder = setup_station(world, "revoked", proxy.url)
        # A few simulated minutes before the day's first item: the day's playlist and audio.
        early = station("run", "--dir", str(folder), "--output", "null",
                        "--simulate", local(day, "05:50"), local(day, "05:52"))  # fmt: skip
        assert early.returncode == 0, early.stdout
        with world["app"].app_context():
            from audio_manager.models import ApiToken

            token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "revoked"))
            accounts.revoke_token(system(), token)
            db.session.commit()
            db.session.remove()
        seen = len(proxy.seen)
        run = start_agent(
            "run", "--dir", str(folder), "--output", "null",
            "--simulate", local(day, "05:58"), local(day, "06:40"),
        )  # fmt: skip
        assert run.finish() == 3, run.text
    finally:
        proxy.stop()
    asked = proxy.seen[seen:]
    assert [(s.status) for s in asked] == [401]  # one refusal, then nothing more
    assert "STOPPED FETCHING: the station's token was revoked (token_revoked)" in run.text
    assert f"{day} 06:30:00 play" in run.text  # the cache keeps playing
    assert outbox(folder).get("waiting", 0) > 0  # and keeps its confirmations
    status = station("status", "--dir", str(folder)).stdout
    assert "token was revoked" in status and "Ask an administrator for a new token" in status

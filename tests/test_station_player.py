"""The station agent's player in process, against a fake server: order, gaps, an emergency
that interrupts, late items reported as missed. (The real server: test_station_agent.py.)"""

from __future__ import annotations

import hashlib
import io
import json
import wave
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from audio_manager.station import api, settings
from audio_manager.station.agent import Agent
from audio_manager.station.clock import JumpClock
from audio_manager.station.output import WavOutput
from audio_manager.station.timeutil import LOCAL_TZ

from .station_helpers import read_wav

DAY = datetime(2026, 11, 20, tzinfo=LOCAL_TZ)


def at(hhmm: str, second: int = 0) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return DAY.replace(hour=hour, minute=minute, second=second)


def tone(freq: float, seconds: float) -> bytes:
    t = np.arange(int(seconds * 44100)) / 44100
    samples = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


class FakeServer(api.Client):
    """Answers like the server: one commune, playlists that may change at a moment."""

    def __init__(self, clock: JumpClock) -> None:
        super().__init__("http://fake", "amt_fake")
        self.clock = clock
        self.files: dict[str, bytes] = {}
        self.items: list[tuple[datetime | None, dict[str, Any]]] = []  # (visible from, item)
        self.sent: list[dict[str, Any]] = []
        self.next_id = 1

    def add(self, when: datetime, priority: str, language: str, freq: float, seconds: float,
            *, visible_from: datetime | None = None) -> dict[str, Any]:  # fmt: skip
        data = tone(freq, seconds)
        sha = hashlib.sha256(data).hexdigest()
        self.files[sha] = data
        item = {
            "at": when.isoformat(), "schedule_id": self.next_id, "message_id": self.next_id,
            "title": f"{priority} {language}", "priority": priority, "language": language,
            "hamlets": [{"id": 7, "name": "Ấp"}], "version_id": self.next_id,
            "rendition_id": self.next_id, "sha256": sha, "size": len(data),
            "duration_s": seconds, "status": "ok", "play_now": priority == "emergency",
        }  # fmt: skip
        self.next_id += 1
        self.items.append((visible_from, item))
        return item

    def me(self) -> dict[str, Any]:
        return {"areas": ["94101"], "roles": ["operator"]}

    def playlist(self, area: str, first_day: Any, days: int, etag: str | None) -> api.Playlist:
        now = self.clock.now()
        items = [i for shown, i in self.items if shown is None or shown <= now]
        body = {"days": [{"date": str(first_day), "items": items}]}
        tag = hashlib.sha256(json.dumps(body).encode()).hexdigest()[:16]
        return api.Playlist(tag, None if tag == etag else body)

    def media_url(self, item: dict[str, Any]) -> str:
        return item["sha256"]

    def download(self, url: str, offset: int, redirects: int = 3) -> api.Download:
        data = self.files[url]
        return api.Download(io.BytesIO(data[offset:]), offset, len(data))

    def send_plays(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.sent += events
        return [{"id": e["id"], "status": "created"} for e in events]

    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {}


def run_agent(
    tmp_path: Path,
    start: datetime,
    end: datetime,
    setup: Any,
    responsible_from: datetime | None = None,
) -> tuple[Agent, FakeServer, Path]:
    settings.save(tmp_path, settings.Settings(server="http://fake", token="amt_fake_token",
                                              areas=["94101"], poll_seconds=20))  # fmt: skip
    clock = JumpClock(start)
    fake = FakeServer(clock)
    setup(fake)
    wav = tmp_path / "out.wav"
    lines: list[str] = []
    agent = Agent(tmp_path, settings.load(tmp_path), clock, WavOutput(wav), until=end,
                  responsible_from=responsible_from or start, echo=lines.append)  # fmt: skip
    agent.syncer.client = fake
    assert agent.run() == 0, "\n".join(lines)
    return agent, fake, wav


def starts(wav: Path) -> list[tuple[str, str, float]]:
    """(label without time, local start HH:MM:SS.s, seconds heard) of each play."""
    found = []
    for burst in read_wav(wav):
        when = datetime.fromisoformat(burst.at).astimezone(LOCAL_TZ)
        found.append((burst.label.split(" ", 1)[1], when.strftime("%H:%M:%S.%f")[:10],
                      round(burst.seconds, 1)))  # fmt: skip
    return found


def test_priority_first_then_languages_back_to_back(tmp_path) -> None:
    def setup(fake: FakeServer) -> None:
        fake.add(at("06:00"), "normal", "kinh", 440, 2.0)
        fake.add(at("06:00"), "normal", "khmer", 880, 2.0)
        fake.add(at("06:00"), "priority", "kinh", 550, 2.0)

    _agent, fake, wav = run_agent(tmp_path, at("05:59"), at("06:05"), setup)
    assert starts(wav) == [
        ("kinh priority kinh", "06:00:00.0", 2.0),
        ("kinh normal kinh", "06:00:03.0", 2.0),
        ("khmer normal khmer", "06:00:06.0", 2.0),
    ]
    assert [e["played"] for e in fake.sent] == [True, True, True]


def test_an_emergency_interrupts_and_the_cut_item_plays_again(tmp_path) -> None:
    def setup(fake: FakeServer) -> None:
        fake.add(at("10:00"), "normal", "kinh", 440, 60.0)
        fake.add(at("10:00"), "emergency", "kinh", 330, 3.0, visible_from=at("10:00", 10))

    _agent, fake, wav = run_agent(tmp_path, at("09:59"), at("10:05"), setup)
    plays = starts(wav)
    assert [p[0] for p in plays] == ["kinh normal kinh", "kinh emergency kinh", "kinh normal kinh"]
    cut_at = datetime.strptime(plays[1][1], "%H:%M:%S.%f")
    # Seen at the first poll after it appeared (polls every 20 s ± 20 %), and played at once.
    assert timedelta(seconds=10) <= cut_at - datetime(1900, 1, 1, 10, 0) <= timedelta(seconds=35)
    assert plays[0][2] < 35 and plays[2][2] == 60.0  # cut, then heard whole
    assert sorted((e["version_id"], e["played"]) for e in fake.sent) == [(1, True), (2, True)]


def test_items_missed_while_off_are_reported_and_late_ones_within_limit_play(tmp_path) -> None:
    def setup(fake: FakeServer) -> None:
        fake.add(at("06:00"), "normal", "kinh", 440, 2.0)  # 60 min before the start: missed
        fake.add(at("06:55"), "normal", "hoa", 660, 2.0)  # 5 min before: still played

    _agent, fake, wav = run_agent(tmp_path, at("07:00"), at("07:05"), setup,
                                  responsible_from=at("05:00"))  # fmt: skip
    assert [p[:2] for p in starts(wav)] == [("hoa normal hoa", "07:00:00.0")]
    missed = [e for e in fake.sent if not e["played"]]
    assert [(e["version_id"], e["played_at"][11:16]) for e in missed] == [(1, "06:00")]
    assert "không hoạt động" in missed[0]["reason"]  # the station was off at the time


def test_the_cache_keeps_within_its_limit_and_drops_what_no_playlist_needs(tmp_path) -> None:
    from audio_manager.station.sync import Syncer

    settings.save(tmp_path, settings.Settings(server="http://fake", token="amt_fake_token",
                                              areas=["94101"], cache_mb=0.3))  # fmt: skip
    clock = JumpClock(at("05:00"))
    fake = FakeServer(clock)
    first = fake.add(at("06:00"), "normal", "kinh", 440, 1.5)  # ~130 KB each
    second = fake.add(at("07:00"), "normal", "hoa", 660, 1.5)
    third = fake.add(at("08:00"), "normal", "khmer", 880, 1.5)
    stale = tmp_path / "cache" / f"{'0' * 64}.mp3"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left from an old playlist")
    lines: list[str] = []
    syncer = Syncer(tmp_path, settings.load(tmp_path), clock, lambda k, t: lines.append(t))
    syncer.client = fake
    syncer.cycle()
    cached = {p.name.split(".")[0] for p in (tmp_path / "cache").iterdir()}
    # The soonest first, as many as fit; the third waits; nothing no playlist needs.
    assert cached == {first["sha256"], second["sha256"]}
    assert any("cache limit reached" in line and "khmer" in line for line in lines)
    syncer.close()
    assert third["sha256"] not in cached and not stale.exists()


def test_the_next_language_starts_even_when_recording_the_last_took_longer_than_the_gap(
    tmp_path, monkeypatch
) -> None:
    """Under load, writing a play down may outlast the 1 s gap: the next item still starts."""
    import time as real_time

    from audio_manager.station.clock import ScaledClock
    from audio_manager.station.output import NullOutput
    from audio_manager.station.store import Store

    slow = Store.record

    def record(self: Store, *args: Any, **kwargs: Any) -> bool:
        real_time.sleep(0.3)  # 3 s of the clock below
        return slow(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record", record)
    settings.save(tmp_path, settings.Settings(server="http://fake", token="amt_fake_token",
                                              areas=["94101"]))  # fmt: skip
    clock = ScaledClock(at("05:59", 58), 10.0)
    fake = FakeServer(clock)  # type: ignore[arg-type]
    for language, freq in (("kinh", 440), ("hoa", 660), ("khmer", 880)):
        fake.add(at("06:00"), "normal", language, freq, 1.0)
    lines: list[str] = []
    agent = Agent(tmp_path, settings.load(tmp_path), clock, NullOutput(), until=at("06:00", 40),
                  responsible_from=at("05:59"), echo=lines.append)  # fmt: skip
    agent.syncer.client = fake
    assert agent.run() == 0, "\n".join(lines)
    assert [e["version_id"] for e in fake.sent] == [1, 2, 3], "\n".join(lines)

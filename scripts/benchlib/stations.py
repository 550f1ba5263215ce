"""The station bench's world and load: a province of communes with one device token each, a
morning broadcast and an emergency waiting for approval (built through the services), real
station agents in threads on one simulated clock, the 304 poll flood baseline, and the count of
the confirmations the server kept."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LANGUAGES = {"kinh": 440.0, "khmer": 880.0, "hoa": 660.0}
EMERGENCY = {"kinh": 330.0, "khmer": 1210.0, "hoa": 990.0}


# --- the world ---------------------------------------------------------------------------------


def build_world(app: Any, stations: int, day: Any, folder: Path) -> dict[str, Any]:
    """Areas, device accounts and tokens, messages and schedules, through the services."""
    import functools

    from werkzeug.security import generate_password_hash

    from audio_manager.extensions import db
    from audio_manager.jobs import enqueue_render
    from audio_manager.models import Role
    from audio_manager.production import synthetic
    from audio_manager.production.pcm import RATE, write_wav
    from audio_manager.services.accounts import accounts
    from audio_manager.services.areas.area_import import import_areas
    from audio_manager.services.areas.areas import by_code
    from audio_manager.services.broadcast import schedules
    from audio_manager.services.context import Actor
    from audio_manager.services.messages import messages, versions, workflow

    accounts.generate_password_hash = functools.partial(  # speed for setup only
        generate_password_hash, method="pbkdf2:sha256:1000"
    )
    lines = ["level,code,name,parent_code,languages", "province,94,Tỉnh Thử,,"]
    for n in range(stations):
        code = f"9{n:04d}"
        lines.append(f"commune,{code},Xã {n},94,")
        lines += [f"hamlet,,Ấp {n}-1,{code},kinh", f"hamlet,,Ấp {n}-2,{code},khmer;kinh",
                  f"hamlet,,Ấp {n}-3,{code},hoa;kinh"]  # fmt: skip
    system = Actor.system("bench")
    import_areas(system, "\n".join(lines).encode(), max_bytes=50_000_000)
    db.session.commit()
    editor = accounts.create_user(system, "editor", "bench-password-1", ["editor"])
    approver = accounts.create_user(system, "approver", "bench-password-1", ["approver"])
    db.session.commit()
    tokens = []
    for n in range(stations):
        code = f"9{n:04d}"
        user = accounts.create_user(system, f"tram-{code}", "bench-password-1",
                                    [str(Role.OPERATOR)], areas=[by_code(code)])  # fmt: skip
        _token, plain = accounts.create_token(system, user, f"Trạm {code}")
        tokens.append((code, plain))
    db.session.commit()
    actor = Actor(editor)

    def version(message: Any, language: str, freq: float, approve: bool) -> int:
        path = write_wav(folder / f"{freq:.0f}.wav", synthetic.tone(freq, 2.0, RATE, 0.3), RATE)
        with path.open("rb") as stream:
            made, job = versions.create_from_upload(actor, message, language, stream, path.name)
        db.session.commit()
        enqueue_render(job.id)
        db.session.refresh(made)
        workflow.transition(actor, made, "submit")
        if approve:
            workflow.transition(Actor(approver), made, "approve")
        db.session.commit()
        return made.id

    normal = messages.create(actor, "BHXH tự nguyện")
    emergency = messages.create(actor, "Cảnh báo bão", priority="emergency")
    db.session.commit()
    for language, freq in LANGUAGES.items():
        version(normal, language, freq, True)
    pending = [version(emergency, lang, freq, False) for lang, freq in EMERGENCY.items()]
    rec = {"start_date": (day - timedelta(days=1)).isoformat(),
           "end_date": (day + timedelta(days=1)).isoformat(), "kind": "daily"}  # fmt: skip
    province = by_code("94")
    for message, times in ((normal, ["06:00"]), (emergency, ["06:00"])):
        schedules.create(
            actor, message, [province], schedules.recurrence_from({**rec, "times": times})
        )
    db.session.commit()
    return {"tokens": tokens, "pending": pending, "approver": approver.id,
            "emergency_schedule": emergency.id}  # fmt: skip


def approve_emergency(app: Any, world: dict[str, Any]) -> None:
    from audio_manager.extensions import db
    from audio_manager.models import User, Version
    from audio_manager.services.context import Actor
    from audio_manager.services.messages import workflow

    with app.app_context():
        actor = Actor(db.session.get(User, world["approver"]))
        for version_id in world["pending"]:
            workflow.transition(actor, db.session.get(Version, version_id), "approve")
        db.session.commit()
        db.session.remove()


# --- the stations (in child processes) ---------------------------------------------------------


def poll_flood(server: str, tokens: list[str], seconds: float, queue: Any) -> None:
    """Baseline: 304 polls in a closed loop from a few threads."""
    from audio_manager.station.api import Client

    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def loop(token_code: tuple[str, str]) -> None:
        code, token = token_code
        client = Client(server, token)
        day = datetime.now(UTC).date()
        etag = client.playlist(code, day, 2, None).etag
        mine = []
        while time.monotonic() < stop:
            began = time.perf_counter()
            client.playlist(code, day, 2, etag)
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(latencies)


def run_stations(args: dict[str, Any], stations: list[tuple[str, str]], queue: Any) -> None:
    """Run agents in threads on a shared simulated clock; report what each did."""
    from audio_manager.station import agent as agent_module
    from audio_manager.station import api, settings, store, sync
    from audio_manager.station.clock import ScaledClock
    from audio_manager.station.output import NullOutput
    from audio_manager.station.timeutil import parse

    calls: list[tuple[str, float, float, int]] = []  # (kind, finished monotonic, seconds, n)
    lock = threading.Lock()

    class CountingClient(api.Client):
        def playlist(self, *a: Any, **k: Any) -> api.Playlist:
            began = time.perf_counter()
            answer = super().playlist(*a, **k)
            with lock:
                calls.append(("poll", time.monotonic(), time.perf_counter() - began, 1))
            return answer

        def send_plays(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
            began = time.perf_counter()
            answer = super().send_plays(events)
            with lock:
                calls.append(("send", time.monotonic(), time.perf_counter() - began,
                              len(events)))  # fmt: skip
            return answer

    sync.Client = CountingClient  # type: ignore[misc]
    start, end = parse(args["from"]), parse(args["to"])
    results: list[dict[str, Any]] = []

    def one(code: str, token: str) -> None:
        try:
            measure(code, token)
        except Exception as exc:  # reported with the results
            with lock:
                results.append({"code": code, "exit": -1, "outbox": {}, "played": 0,
                                "missed": 0, "emergency_first": None,
                                "errors": [repr(exc)]})  # fmt: skip

    def measure(code: str, token: str) -> None:
        folder = Path(args["work"]) / f"st-{code}"
        mine = settings.Settings(
            server=args["server"], token=token, areas=[code], installed_at=args["from"]
        )
        settings.save(folder, mine)
        clock = ScaledClock(start, args["speed"], origin=args["origin"])
        lines: list[str] = []
        runner = agent_module.Agent(
            folder,
            mine,
            clock,
            NullOutput(),
            until=end,
            responsible_from=start,
            echo=lines.append,
        )
        code_out = runner.run()
        local = store.Store(folder)
        done = local.db.execute("SELECT key, outcome, at FROM done").fetchall()
        counts = local.outbox_counts()
        local.close()
        marker = f"-s{args['emergency_schedule']}-"
        emergency = [at for key, outcome, at in done if marker in key and outcome == "played"]
        with lock:
            results.append({
                "code": code, "exit": code_out, "outbox": counts,
                "played": sum(1 for _k, o, _a in done if o == "played"),
                "missed": sum(1 for _k, o, _a in done if o != "played"),
                "emergency_first": min(emergency) if emergency else None,
                "errors": [line for line in lines if " error " in line][:3],
                "last": lines[-6:],
            })  # fmt: skip

    threads = [threading.Thread(target=one, args=s, daemon=True) for s in stations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put({"results": results, "calls": calls})


def count_rows(database: str, day: Any) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(database)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT COUNT(*), COUNT(DISTINCT CAST(reported_by_id AS TEXT) || ':' || "
                "client_event_id), "
                "COUNT(DISTINCT CAST(schedule_id AS TEXT) || ':' || CAST(area_id AS TEXT) || ':' "
                "|| language || ':' || CAST(occurrence_at AS TEXT)) FROM play_events "
                "WHERE played_on = :day AND source = 'station'"
            ),
            {"day": day},
        ).one()
    engine.dispose()
    return {"rows": row[0], "ids": row[1], "moments": row[2]}

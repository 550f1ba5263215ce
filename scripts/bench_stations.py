#!/usr/bin/env python3
"""Benchmark: N station agents against one server through a simulated broadcast morning.

Builds a province of N communes (three hamlets each: Kinh, Khmer+Kinh, Hoa+Kinh), one device
account and token per commune, a trilingual message scheduled at 06:00 and an emergency
scheduled at 06:00 but still waiting for approval; serves the app with gunicorn (2 workers,
gthread); then runs N real agents (audio_manager.station.agent.Agent, null output, threads in a
few processes), all on one simulated clock running SPEED times real time (default 1: the load
of N real stations), from 05:58 to 06:04 of yesterday (a past day: the server takes no plays
from the future). The 06:00 broadcast plays everywhere at once and every station confirms it;
the emergency is approved at 06:01 on that clock. Printed, measured in the same run:

  (0) baseline: playlist polls with If-None-Match (304) as fast as the same processes can send
      them, closed loop: the server's capacity for the cheapest request a station makes
  (a) polls/s sustained by the agents from 05:59 on (each polls every 20 s ± 20 % of its clock,
      so SPEED x N / 20 a second: SPEED 3 is the load of 3 x N real stations), their latency,
      and their share of the baseline
  (b) from approving the emergency to its first play at every station, in the stations' own
      (simulated) seconds: median, p99, max (target: p99 <= 30 s, i.e. within one poll plus
      the download), and how many never played it
  (c) confirmations: events per second while the stations send them, POST latency, and the
      check that every play is counted once (server rows = plays recorded by the agents,
      client ids and scheduled broadcasts distinct, nothing waiting or refused)

    .venv/bin/python scripts/bench_stations.py [--stations 500] [--speed 1] [--processes 4]
                                               [--db postgresql|sqlite] [--quick] [--keep]

--quick: 40 stations at speed 3. The machine's load average is printed before and after, with
the CPU the server and the agents used, since other work on a shared machine moves every
figure. Load goes only to 127.0.0.1, bounded in time; servers, files and the PostgreSQL database
(am_bench_stations_<pid>) are removed at the end. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
LANGUAGES = {"kinh": 440.0, "khmer": 880.0, "hoa": 660.0}
EMERGENCY = {"kinh": 330.0, "khmer": 1210.0, "hoa": 990.0}


def log(text: str) -> None:
    print(text, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


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


# --- the server ----------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], logfile: Path) -> None:
        self.port = free_port()
        self._log = logfile.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "16",
             "--keep-alive", "30", "-b", f"{HOST}:{self.port}", "audio_manager:create_app()"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {logfile}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu(self) -> float:
        total = cpu_seconds(self.proc.pid)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                ppid = next(li for li in status.splitlines() if li.startswith("PPid:"))
                if int(ppid.split()[1]) == self.proc.pid:
                    total += cpu_seconds(int(entry.name))
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--speed", type=float, default=None, help="default 1 (--quick: 3)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if args.quick:
        args.stations = min(args.stations, 40)
    args.speed = args.speed or (3.0 if args.quick else 1.0)
    work = Path(tempfile.mkdtemp(prefix="bench-stations-"))
    pg_name = f"am_bench_stations_{os.getpid()}"
    database = (f"{PG_URL}/{pg_name}" if args.db == "postgresql"
                else f"sqlite:///{work / 'bench.sqlite3'}")  # fmt: skip
    server = None
    log(f"bench_stations: {args.stations} stations, speed {args.speed}, {args.db}, "
        f"{os.cpu_count()} CPUs, load average {loadavg()}")  # fmt: skip
    try:
        if args.db == "postgresql":
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", "") + "/postgres",
                                 autocommit=True) as conn:  # fmt: skip
                conn.execute(f'CREATE DATABASE "{pg_name}"')
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIO_MANAGER_")}
        env.update(
            AUDIO_MANAGER_DATABASE_URL=database,
            AUDIO_MANAGER_STORAGE_ROOT=str(work / "audio"),
            AUDIO_MANAGER_INSTANCE_PATH=str(work),
            AUDIO_MANAGER_SECRET_KEY="bench",
            AUDIO_MANAGER_JOBS="inline",
            AUDIO_MANAGER_DEMO_DATA="0",
            AUDIO_MANAGER_RENDER_PROFILES="loudspeaker",
        )
        os.environ.update(env)
        from flask_migrate import upgrade

        from audio_manager import create_app

        app = create_app()
        day = (datetime.now(UTC) + timedelta(hours=7)).date() - timedelta(days=1)
        began = time.monotonic()
        with app.app_context():
            upgrade()
            world = build_world(app, args.stations, day, work)
        log(f"  world built in {time.monotonic() - began:.0f} s: {args.stations} communes, "
            f"{3 * args.stations} hamlets, tokens, 6 versions rendered")  # fmt: skip
        server = Server(env, work / "gunicorn.log")
        log(f"  gunicorn -w 2 -k gthread --threads 16 on port {server.port}")
        context = multiprocessing.get_context("spawn")
        tokens = world["tokens"]
        groups = [tokens[i :: args.processes] for i in range(args.processes)]

        # (0) baseline
        queue = context.Queue()
        flood = [context.Process(target=poll_flood, args=(server.url, g[:8], 8.0, queue))
                 for g in groups]  # fmt: skip
        for process in flood:
            process.start()
        latencies = [x for _ in flood for x in queue.get()]
        for process in flood:
            process.join()
        baseline = len(latencies) / 8.0
        log(
            f"(0) baseline 304 polls, closed loop, {8 * len(groups)} clients: {baseline:.0f}/s, "
            f"p50 {pct(latencies, 0.5) * 1000:.1f} ms, p99 {pct(latencies, 0.99) * 1000:.1f} ms"
        )

        # the morning
        start = datetime.combine(day, datetime.min.time()).replace(hour=5, minute=58)
        start = start.replace(tzinfo=UTC) - timedelta(hours=7)
        end, measured_from = start + timedelta(minutes=6), start + timedelta(minutes=1)
        approve_at = start + timedelta(minutes=3)
        origin = time.monotonic() + 3.0
        shared = {"server": server.url, "work": str(work), "speed": args.speed,
                  "origin": origin, "from": start.isoformat(), "to": end.isoformat(),
                  "emergency_schedule": world["emergency_schedule"]}  # fmt: skip
        server_cpu = server.cpu()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu = before.ru_utime + before.ru_stime
        load_before = loadavg()
        processes = [context.Process(target=run_stations, args=(shared, g, queue))
                     for g in groups]  # fmt: skip
        for process in processes:
            process.start()

        def real(at: datetime) -> float:
            return origin + (at - start).total_seconds() / args.speed

        time.sleep(max(0.0, real(approve_at) - time.monotonic()))
        approve_emergency(app, world)
        approved_real = time.monotonic()
        approved_sim = start + timedelta(seconds=(approved_real - origin) * args.speed)
        outputs = [queue.get(timeout=3600) for _ in processes]
        for process in processes:
            process.join()
        load_after = loadavg()
        server_cpu = server.cpu() - server_cpu
        agents_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        agents_cpu_s = agents_cpu.ru_utime + agents_cpu.ru_stime - children_cpu
        results = [r for o in outputs for r in o["results"]]
        calls = [c for o in outputs for c in o["calls"]]
        window = real(end) - real(measured_from)
        polls = [c for c in calls if c[0] == "poll" and real(measured_from) <= c[1] <= real(end)]
        log(f"(a) polls sustained from 05:59 to 06:04 on the stations' clock: "
            f"{len(polls) / window:.0f}/s (expected {args.stations * args.speed / 20:.0f}/s), "
            f"p50 {pct([c[2] for c in polls], .5) * 1000:.1f} ms, "
            f"p99 {pct([c[2] for c in polls], .99) * 1000:.1f} ms; "
            f"{len(polls) / window / baseline:.0%} of the baseline")  # fmt: skip
        delays = []
        for r in results:
            if r["emergency_first"]:
                first = datetime.fromisoformat(r["emergency_first"])
                delays.append((first - approved_sim).total_seconds())
        never = sum(1 for r in results if not r["emergency_first"])
        local_approval = (approved_sim + timedelta(hours=7)).strftime("%H:%M:%S")
        log(f"(b) emergency approved at {local_approval} on the stations' clock; first play: "
            f"median {pct(delays, .5):.1f} s, "
            f"p99 {pct(delays, .99):.1f} s, max {max(delays) if delays else float('nan'):.1f} s "
            f"(station seconds; /{args.speed:g} in real seconds); never played: {never} "
            f"(target p99 <= 30 s, none missing)")  # fmt: skip
        sends = [c for c in calls if c[0] == "send"]
        events = sum(c[3] for c in sends)
        by_second: dict[int, int] = {}
        for c in sends:
            by_second[int(c[1])] = by_second.get(int(c[1]), 0) + c[3]
        busy = [v for v in by_second.values()]
        rows = count_rows(database, day)
        delivered = sum(r["outbox"].get("created", 0) + r["outbox"].get("duplicate", 0)
                        for r in results)  # fmt: skip
        waiting = sum(r["outbox"].get("waiting", 0) for r in results)
        refused = sum(r["outbox"].get("rejected", 0) for r in results)
        log(f"(c) confirmations: {events} events in {len(sends)} POSTs, "
            f"{statistics.mean(busy) if busy else 0:.0f}/s over the seconds with sends, "
            f"peak {max(busy) if busy else 0}/s; POST p50 "
            f"{pct([c[2] for c in sends], .5) * 1000:.0f} ms, p99 "
            f"{pct([c[2] for c in sends], .99) * 1000:.0f} ms")  # fmt: skip
        recorded = sum(r["played"] + r["missed"] for r in results)
        missed = sum(r["missed"] for r in results)
        log(
            f"    counted once: server rows {rows['rows']}, distinct client ids {rows['ids']}, "
            f"distinct broadcasts {rows['moments']}; plays recorded by the agents {recorded} "
            f"({missed} missed); delivered {delivered}, waiting {waiting}, refused {refused}"
        )
        most = max((r["played"] + r["missed"] for r in results), default=0)
        short = [r for r in results if r["played"] + r["missed"] < most]
        log(
            f"    stations that had not played every item by 06:04: {len(short)}"
            + (f", e.g. {short[0]['code']}: " + " | ".join(short[0]["last"]) if short else "")
        )
        failed = [r for r in results if r["exit"] != 0 or r["errors"]]
        log(
            f"    agents exiting non-zero or reporting errors: {len(failed)}"
            + (f" e.g. {failed[0]}" if failed else "")
        )
        log(f"    CPU: server {server_cpu:.0f} s, the {args.stations} agents {agents_cpu_s:.0f} s, "
            f"over {real(end) - origin:.0f} s of wall time; "
            f"load average before {load_before}, after {load_after} (2 cores, shared with "
            f"other work)")  # fmt: skip
        return 0
    finally:
        if server is not None:
            server.stop()
        if args.db == "postgresql":
            import contextlib

            import psycopg

            with (
                contextlib.suppress(Exception),
                psycopg.connect(
                    PG_URL.replace("+psycopg", "") + "/postgres", autocommit=True
                ) as conn,
            ):
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work folder kept: {work}")


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


if __name__ == "__main__":
    sys.exit(main())

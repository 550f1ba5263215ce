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
figure. Load goes only to 127.0.0.1, bounded in time; servers, files and the PostgreSQL
database (am_bench_stations_<pid>_<random>, created by the run) are removed at the end.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import pg
from benchlib.common import CLEANUP, ROOT, handle_signals, load_average, log, pct
from benchlib.server import Server
from benchlib.stations import (
    approve_emergency,
    build_world,
    count_rows,
    poll_flood,
    run_stations,
)

sys.path.insert(0, str(ROOT))
GUNICORN = ["-k", "gthread", "--threads", "16", "--keep-alive", "30"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--speed", type=float, default=None, help="default 1 (--quick: 3)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--pg-url", default=pg.DEFAULT_SERVER, help="PostgreSQL server")
    args = parser.parse_args()
    if args.quick:
        args.stations = min(args.stations, 40)
    args.speed = args.speed or (3.0 if args.quick else 1.0)
    handle_signals()
    work = Path(tempfile.mkdtemp(prefix="bench-stations-"))
    if args.keep:
        CLEANUP.push("work folder", lambda: log(f"work folder kept: {work}"))
    else:
        CLEANUP.push("work folder", lambda: shutil.rmtree(work, ignore_errors=True))
    log(f"bench_stations: {args.stations} stations, speed {args.speed}, {args.db}, "
        f"load average {load_average()}")  # fmt: skip
    try:
        if args.db == "postgresql":
            name = pg.unique_name("am_bench_stations")
            database = pg.sqlalchemy_url(pg.create(args.pg_url, name))
        else:
            database = f"sqlite:///{work / 'bench.sqlite3'}"
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
        server = Server(env, work / "gunicorn.log", extra=GUNICORN)
        CLEANUP.push("server", server.stop)
        log(f"  gunicorn -w 2 {' '.join(GUNICORN)} on port {server.port}")
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
        load_before = load_average()
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
        load_after = load_average()
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
        CLEANUP.run_all()


if __name__ == "__main__":
    sys.exit(main())

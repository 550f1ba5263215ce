"""In-process diagnosis of requests with Flask's test client: SQL statements per request, the
slowest statements with their plans, and cProfile."""

from __future__ import annotations

import contextlib
import io
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from .common import ROOT, fmt_s, log
from .loading import Database
from .national import Dataset


def diagnose(database: Database, dataset: Dataset, env: dict[str, str], profile: bool) -> None:
    """SQL statements per request (and with --profile a cProfile of the playlist and the plays
    POST), in this process with Flask's test client."""
    import cProfile
    import pstats

    from sqlalchemy import event

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from audio_manager import create_app
    from audio_manager.extensions import db

    app = create_app()
    auth = {"Authorization": f"Bearer {dataset.token}"}
    playlist = f"/api/v1/playlists?area={dataset.commune_code}&date={dataset.day.isoformat()}"
    statements: list[str] = []
    timed: list[tuple[float, str, Any]] = []  # (seconds, statement, DB-API parameters)

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, context: Any, many: Any):
        statements.append(statement)
        if context is not None:
            context._bench_started = time.perf_counter()

    def after(_conn: Any, _cursor: Any, statement: str, params: Any, context: Any, many: Any):
        started = getattr(context, "_bench_started", None)
        if started is not None and not many:
            timed.append((time.perf_counter() - started, statement, params))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    client = app.test_client()
    etag = client.get(playlist, headers=auth).headers.get("ETag", "")
    rng = random.Random(7)

    def plays_body(tag: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        events = []
        for n in range(1000):
            hamlet, version, _m, _l, schedule = rng.choice(dataset.play_choices)
            events.append(
                {
                    "id": f"diag-{tag}-{n}",
                    "hamlet_id": hamlet,
                    "played_at": (now - timedelta(minutes=rng.randint(1, 1000))).isoformat(),
                    "version_id": version,
                    "schedule_id": schedule,
                }
            )
        return {"events": events}

    cached, plays = {**auth, "If-None-Match": etag}, "/api/v1/plays"
    checks = [
        ("GET /healthz", lambda: client.get("/healthz")),
        ("GET playlist JSON", lambda: client.get(playlist, headers=auth)),
        ("GET playlist 304", lambda: client.get(playlist, headers=cached)),
        ("POST /plays x1000", lambda: client.post(plays, json=plays_body("q"), headers=auth)),
    ]
    log("    SQL statements per request (in-process, Flask test client):")
    for label, call in checks:
        statements.clear()
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
        kinds = Counter(s.split()[0].upper() for s in statements)
        log(
            f"      {label:<20} status {response.status_code}  {len(statements):>4} statements "
            f"({', '.join(f'{k} {v}' for k, v in kinds.most_common())})  {elapsed:.1f} ms"
        )
    if not profile:
        return
    timed.clear()
    for _ in range(5):
        client.get(playlist, headers=auth)
    total: dict[str, float] = {}
    sample: dict[str, Any] = {}
    for seconds, statement, params in timed:
        total[statement] = total.get(statement, 0.0) + seconds / 5
        sample.setdefault(statement, params)
    log("    slowest SQL of the playlist request (ms per request, all executions of the text):")
    slowest = sorted(total.items(), key=lambda pair: -pair[1])[:5]
    for statement, seconds in slowest:
        flat = " ".join(statement.split())
        log(f"      {seconds * 1000:6.2f} ms  {flat[:400]}")
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            explain = "EXPLAIN QUERY PLAN " if database.kind == "sqlite" else "EXPLAIN ANALYZE "
            for statement, _seconds in slowest[:3]:
                cursor.execute(explain + statement, sample[statement])
                log(f"      {explain.strip()} of: {' '.join(statement.split())[:120]}")
                for plan_row in cursor.fetchall():
                    log("        " + " | ".join(str(v) for v in plan_row)[:150])
        finally:
            raw.close()
    for label, call, repeat in (
        ("playlist JSON", lambda: client.get(playlist, headers=auth), 30),
        ("playlist 304", lambda: client.get(playlist, headers={**auth, "If-None-Match": etag}), 30),
        ("POST /plays x1000", None, 5),
    ):
        profiler = cProfile.Profile()
        for n in range(repeat):
            if call is None:
                body = plays_body(f"p{n}")
                profiler.enable()
                client.post("/api/v1/plays", json=body, headers=auth)
                profiler.disable()
            else:
                profiler.enable()
                call()
                profiler.disable()
        for order, restriction, title in (
            ("cumulative", ("audio_manager/", 18), "cumulative, the app's functions"),
            ("tottime", (14,), "own time, everything"),
        ):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*restriction)
            log(f"    cProfile, {label}, {repeat} requests ({title}):")
            for line in out.getvalue().splitlines():
                if ("(" in line and ":" in line) or "ncalls" in line:
                    log("      " + line.replace(str(ROOT) + "/", "").rstrip()[:150])


class StatementLog:
    """Wall time of every statement the app sends, from SQLAlchemy's cursor events."""

    def __init__(self) -> None:
        self.on = False
        self.rows: list[tuple[str, Any, float]] = []

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                self.rows.append(
                    (statement, parameters, time.perf_counter() - conn.info["bench_t0"])
                )

    @contextlib.contextmanager
    def capture(self) -> Any:
        self.rows = []
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def where_time_goes(runs: list[tuple[float, list]], service_median: float) -> list:
    """Print the database time of timed service runs (``StatementLog`` rows per run) and the
    slowest distinct statements (their total per run, median); return them, slowest first."""
    per_stmt: dict[str, list[float]] = defaultdict(list)
    per_count: dict[str, int] = {}
    db_total, n_stmts = [], []
    for _elapsed, rows in runs:
        db_total.append(sum(t for _s, _p, t in rows))
        n_stmts.append(len(rows))
        sums: Counter = Counter()
        counts: Counter = Counter()
        for stmt, _p, t in rows:
            key = " ".join(stmt.split())
            sums[key] += t
            counts[key] += 1
        for key, t in sums.items():
            per_stmt[key].append(t)
            per_count[key] = counts[key]
    log(
        f"    service DB time: median {fmt_s(statistics.median(db_total))} in "
        f"{statistics.median(n_stmts):.0f} statements; Python/ORM: "
        f"{fmt_s(service_median - statistics.median(db_total))}"
    )
    slow = sorted(per_stmt.items(), key=lambda kv: -statistics.median(kv[1]))
    for stmt, ts in slow[:4]:
        times_n = f"{per_count[stmt]}x " if per_count[stmt] > 1 else ""
        log(
            f"      {fmt_s(statistics.median(ts))}  {times_n}{stmt[:140]}"
            f"{'…' if len(stmt) > 140 else ''}"
        )
    return slow


def explain_slowest(url: str, key: str, rows: list, ref_sql: list[tuple[str, Any]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of a run's slowest statements (``StatementLog`` rows) and of
    the hand-written reference queries, on PostgreSQL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        by_time = sorted(rows, key=lambda x: -x[2])
        picked = [x for x in by_time if x[2] >= 0.1 * by_time[0][2]][:3]
        for stmt, params, t in picked:
            log(f"\n--- ({key}) service statement, {t * 1000:.1f} ms in the run")
            log("    " + " ".join(stmt.split())[:400])
            for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params):
                log("    " + line)
        for sql, params in ref_sql:
            log(f"\n--- ({key}) hand-written: {sql[:120]}…")
            for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params):
                log("    " + line)

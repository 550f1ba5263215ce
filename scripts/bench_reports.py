#!/usr/bin/env python3
"""Benchmark the reports (issue 6) on a year of a large province, on PostgreSQL.

Builds, with COPY, into its own database (``am_bench_reports_<pid>_<random>``, created and
dropped by the run; the schema comes from the migrations):

  1 province › 10 districts › 150 communes › 1,200 hamlets (materialised paths; Kinh, Hoa and
  Khmer mixed per hamlet), 100 messages with an approved version in each language, ~200
  schedules (daily / every other day / weekdays / weekly rules, 1-4 local times, dates inside
  the year) targeting districts or communes, one operator per commune, and N play events
  (default 10,000,000) drawn from the schedules' own occurrences over the year (plus ~3 %
  unscheduled ones), ~4 % of them not played with a reason, with the roll-up columns and the
  local day (Asia/Ho_Chi_Minh, UTC+7) filled as ``services/broadcast/plays.py`` fills them.

then rolls the events up into the app's daily roll-ups (``play_counts.rebuild``, as
``flask playlists rebuild-counts`` does after a bulk load; the app keeps them at every insert),
and times, each several times (min and median), against a hand-written SQL query over the
events that gives the same numbers, run on the same database in the same run (and checks the
numbers match); the same numbers by hand from the roll-ups are timed and printed too:

  (a) ``reporting.broadcasts(viewer, year, ["district", "language", "month"])``
  (b) ``reporting.broadcasts(viewer, one month, ["commune"])``
  (c) ``compliance.compliance(viewer, province, one month)``: the confirmed / not-played
      counts and the missed list are SQL on both sides; the scheduled counts are expanded
      from the recurrences in Python on both sides (the reference with its own independent
      expansion), and that Python part is timed and printed separately.

Targets (issue 6): each report <= 1.5x its hand-written query, and under 1 s.

    .venv/bin/python scripts/bench_reports.py [--quick] [--events N] [--repeat R] [--month M]
                                              [--keep] [--reuse NAME] [--explain]

--keep leaves the database (its name is printed) for a later ``--reuse NAME`` run, which
measures it as it is (no build, never dropped; handy to try an index or a query change).
EXPLAIN ANALYZE of the slow statements is printed whenever a target is missed (always with
--explain). Figures only: nothing is asserted. The database is dropped at the end (also on
errors or Ctrl+C) unless --keep; a database the run did not create is never dropped. The
dataset and the references live in scripts/benchlib/ (province*).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import UTC, date
from pathlib import Path
from typing import Any

import psycopg
from benchlib import pg
from benchlib.common import CLEANUP, ROOT, command_line, fmt_s, handle_signals, log, timed
from benchlib.diagnose import StatementLog, explain_slowest, where_time_goes
from benchlib.province import (
    YEAR,
    describe,
)
from benchlib.province_events import build
from benchlib.province_refs import (
    REF_COMMUNE_SQL,
    REF_COMPLIANCE_SQL,
    REF_MISSED_SQL,
    REF_YEAR_SQL,
    ROLLUP_COMMUNE_SQL,
    ROLLUP_COMPLIANCE_SQL,
    ROLLUP_YEAR_SQL,
    ref_broadcasts_commune,
    ref_broadcasts_year,
    ref_compliance_sql,
    ref_scheduled,
)  # fmt: skip
from benchlib.report import closing

sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0
say = log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="play events to generate (default 10,000,000; 200,000 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="200k events, 3 repeats")
    parser.add_argument(
        "--repeat", type=int, default=None, help="measured runs (default 7; 3 quick)"
    )
    parser.add_argument("--month", type=int, default=3, help=f"month of {YEAR} for (b) and (c)")
    parser.add_argument(
        "--pg", default=pg.DEFAULT_SERVER, help="server URL without the database name"
    )
    parser.add_argument("--workers", type=int, default=2, help="event generator processes")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--reuse",
        metavar="NAME",
        help="measure a database kept by an earlier --keep run as it is (no build, not dropped)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of every slow statement, not only on a miss",
    )
    args = parser.parse_args()
    events = args.events if args.events is not None else (200_000 if args.quick else 10_000_000)
    repeat = args.repeat if args.repeat is not None else (3 if args.quick else 7)
    name = args.reuse or pg.unique_name("am_bench_reports")
    try:
        pg.check_name(name)
    except ValueError as exc:
        parser.error(str(exc))
    handle_signals()
    url = pg.pg_url(args.pg, name)
    instance = Path(f"/tmp/am-bench-r-{os.getpid()}")
    instance.mkdir(parents=True, exist_ok=True)
    CLEANUP.push("instance folder", lambda: shutil.rmtree(instance, ignore_errors=True))
    os.environ.update(
        AUDIO_MANAGER_DATABASE_URL=pg.sqlalchemy_url(url),
        AUDIO_MANAGER_INSTANCE_PATH=str(instance),
        AUDIO_MANAGER_SECRET_KEY="bench-reports",
    )
    say(f"bench_reports: {events:,} play events, {repeat} measured runs each (+1 warm-up)")
    say(f"  command: {command_line()}")
    try:
        t_build = time.perf_counter()
        if not args.reuse:
            pg.create(args.pg, name, keep=args.keep)
            if args.keep:
                say(f"  database {name} is kept at the end ({url}); measure it again with "
                    f"--reuse {name}")  # fmt: skip
            CLEANUP.push("app engine", _dispose_engine)
        return run(args, url, events, repeat, t_build)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        CLEANUP.run_all()


_APP = None


def _dispose_engine() -> None:
    """Close the app's connections so the database can be dropped."""
    from audio_manager.extensions import db

    if _APP is not None:
        with _APP.app_context():
            db.session.remove()
            db.engine.dispose()


def run(args: argparse.Namespace, url: str, events: int, repeat: int, t_build: float) -> int:
    global _APP
    from audio_manager import create_app
    from audio_manager.extensions import db
    from audio_manager.models import Area, User
    from audio_manager.services.reports.compliance import compliance
    from audio_manager.services.reports.reporting import Period, broadcasts

    app = _APP = create_app()
    if args.reuse:
        build_seconds = None
        with psycopg.connect(url, autocommit=True) as conn:
            viewer_id = conn.execute(
                "SELECT id FROM users WHERE username = 'bench-viewer'"
            ).fetchone()[0]
            province_id = conn.execute(
                "SELECT id FROM areas WHERE level = 'province' ORDER BY id LIMIT 1"
            ).fetchone()[0]
        say(f"\nreusing database {args.reuse} as it is (no build)")
    else:
        from benchlib.province import UNSCHEDULED_SHARE

        viewer_id, province_id, (phases, w) = build(app, url, args.seed, events, args.workers)
        build_seconds = time.perf_counter() - t_build
        say("")
        say(
            f"generated: {len(w.schedules)} schedules ({sum(1 for s in w.schedules if s[6])} "
            f"cancelled) giving {w.scheduled_total:,} scheduled hamlet-language plays in {YEAR}; "
            f"events sampled from them at {w.q:.1%}, plus {UNSCHEDULED_SHARE:.0%} unscheduled"
        )
        say(f"build: {build_seconds:.1f} s in all")
        for phase, seconds in phases.items():
            say(f"  {phase:<45} {seconds:7.1f} s")
    n_events = describe(url)

    month_first = date(YEAR, args.month, 1)
    month = Period.of("month", month_first)
    year = Period.of("year", date(YEAR, 1, 1))
    statements = StatementLog()
    results = []
    ref_conn = psycopg.connect(url, autocommit=True)
    cur = ref_conn.cursor()
    with app.app_context():
        statements.attach(db.engine)

        def service(call: Any) -> tuple[Any, list[tuple[float, list]]]:
            """A timed service call with a new session per run, as a request would have."""
            runs: list[tuple[float, list]] = []

            def go() -> Any:
                db.session.remove()
                user, province = db.session.get(User, viewer_id), db.session.get(Area, province_id)
                with statements.capture():
                    t0 = time.perf_counter()
                    result = call(user, province)
                    elapsed = time.perf_counter() - t0
                runs.append((elapsed, list(statements.rows)))
                return result

            return go, runs

        # (a) district x language x month, the whole year
        go, runs = service(lambda u, p: broadcasts(u, year, ["district", "language", "month"]))
        (_s, r_times, u_times), (report, ref, ref_u) = timed(
            [
                go,
                lambda: ref_broadcasts_year(cur, year.first, year.last),
                lambda: ref_broadcasts_year(cur, year.first, year.last, ROLLUP_YEAR_SQL),
            ],
            repeat,
        )
        got = {(r["district"], r["language"], r["month"]): r["count"] for r in report.rows}
        results.append(
            dict(
                key="a",
                name=f"district x language x month, {YEAR}",
                service=[elapsed for elapsed, _rows in runs[1:]],
                ref=r_times,
                rollup=u_times,
                match=got == ref == ref_u
                and report.total == sum(ref.values())
                and not report.truncated,
                detail=f"{len(got)} rows, total {report.total:,}",
                runs=runs[1:],
                ref_sql=[(REF_YEAR_SQL, (year.first, year.last))],
            )
        )

        # (b) by commune, one month
        go, runs = service(lambda u, p: broadcasts(u, month, ["commune"]))
        (_s, r_times, u_times), (report, ref, ref_u) = timed(
            [
                go,
                lambda: ref_broadcasts_commune(cur, month.first, month.last),
                lambda: ref_broadcasts_commune(cur, month.first, month.last, ROLLUP_COMMUNE_SQL),
            ],
            repeat,
        )
        got = {r["commune"]: r["count"] for r in report.rows}
        results.append(
            dict(
                key="b",
                name=f"by commune, {month_first:%Y-%m}",
                service=[elapsed for elapsed, _rows in runs[1:]],
                ref=r_times,
                rollup=u_times,
                match=got == ref == ref_u and report.total == sum(ref.values()),
                detail=f"{len(got)} rows, total {report.total:,}",
                runs=runs[1:],
                ref_sql=[(REF_COMMUNE_SQL, (month.first, month.last))],
            )
        )

        # (c) compliance, the province, one month
        path = f"/{province_id}/"
        go, runs = service(lambda u, p: compliance(u, p, month))
        (_s, q_times, p_times, uq_times), (report, (counts, missed), scheduled, (counts_u, _m)) = (
            timed(
                [
                    go,
                    lambda: ref_compliance_sql(cur, province_id, month.first, month.last),
                    lambda: ref_scheduled(cur, path, month.first, month.last),
                    lambda: ref_compliance_sql(
                        cur, province_id, month.first, month.last, ROLLUP_COMPLIANCE_SQL
                    ),
                ],
                repeat,
            )
        )
        got = {
            (r.area_id, r.language): (r.scheduled, r.confirmed, r.not_played) for r in report.rows
        }
        keys = set(scheduled) | set(counts)
        want = {k: (scheduled.get(k, 0), *counts.get(k, (0, 0))) for k in keys}
        got_missed = sorted(m["at"].astimezone(UTC).replace(tzinfo=None) for m in report.missed)
        mismatch = ""
        if got != want:
            bad = [k for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)]
            mismatch = "; ".join(f"{k}: service {got.get(k)} ref {want.get(k)}" for k in bad[:5])
        results.append(
            dict(
                key="c",
                name=f"compliance, province, {month_first:%Y-%m}",
                service=[elapsed for elapsed, _rows in runs[1:]],
                ref=[a + b for a, b in zip(q_times, p_times, strict=True)],  # same rounds
                rollup=[a + b for a, b in zip(uq_times, p_times, strict=True)],
                ref_sql_only=q_times,
                ref_python=p_times,
                match=got == want and got_missed == sorted(missed) and counts_u == counts,
                detail=(
                    f"{len(got)} rows, scheduled {report.scheduled:,}, confirmed "
                    f"{report.confirmed:,} ({report.percent}%), missed list {len(report.missed)}"
                    + (f"; MISMATCH {mismatch}" if mismatch else "")
                ),
                runs=runs[1:],
                ref_sql=[
                    (REF_COMPLIANCE_SQL, (month.first, month.last, province_id)),
                    (REF_MISSED_SQL, (month.first, month.last, province_id)),
                ],
            )
        )
        db.session.remove()
    ref_conn.close()
    figures(results, repeat)
    if args.explain or not all(r["ok_ratio"] and r["ok_time"] for r in results):
        explain(url, results, args.explain)
    summary(results, n_events, build_seconds)
    return 0


def figures(results: list[dict[str, Any]], repeat: int) -> None:
    """Each report against its references, and where the service's time goes."""
    say("")
    say(
        "each report: service call (fresh session, labels included) vs the hand-written SQL, "
        f"run in turn, {repeat} rounds after 1 warm-up round; min / median"
    )
    for r in results:
        s_med, r_med = statistics.median(r["service"]), statistics.median(r["ref"])
        r["ratio"] = s_med / r_med if r_med else float("inf")
        r["ok_ratio"] = r["ratio"] <= TARGET_RATIO
        r["ok_time"] = s_med < TARGET_SECONDS
        say("")
        say(
            f"({r['key']}) {r['name']}: numbers "
            f"{'match' if r['match'] else 'DIFFER'} ({r['detail']})"
        )
        say(f"    service      min {fmt_s(min(r['service']))}  median {fmt_s(s_med)}")
        if "ref_python" in r:
            say(
                f"    hand SQL     min {fmt_s(min(r['ref_sql_only']))}  median "
                f"{fmt_s(statistics.median(r['ref_sql_only']))}  (GROUP BY + missed list)"
            )
            say(
                f"    + scheduled  min {fmt_s(min(r['ref_python']))}  median "
                f"{fmt_s(statistics.median(r['ref_python']))}  (Python: load schedules and "
                f"hamlets, expand recurrences; timed separately)"
            )
        say(f"    reference    min {fmt_s(min(r['ref']))}  median {fmt_s(r_med)}")
        u_med = statistics.median(r["rollup"])
        r["rollup_ratio"] = s_med / u_med if u_med else float("inf")
        say(
            f"    same by hand on the roll-up: min {fmt_s(min(r['rollup']))}  median "
            f"{fmt_s(u_med)}  (service / it: {r['rollup_ratio']:.2f}x)"
        )
        say(
            f"    ratio {r['ratio']:.2f}x (target <= {TARGET_RATIO}x: "
            f"{'yes' if r['ok_ratio'] else 'NO'}), under {TARGET_SECONDS:.0f} s: "
            f"{'yes' if r['ok_time'] else 'NO'}"
        )
        r["slow"] = where_time_goes(r["runs"], s_med)


def explain(url: str, results: list[dict[str, Any]], always: bool) -> None:
    say("")
    say(
        "EXPLAIN (ANALYZE, BUFFERS) of the service's slowest statements and the hand-written "
        "ones" + ("" if always else " (a target was missed)")
    )
    for r in results:
        if always or not (r["ok_ratio"] and r["ok_time"]):
            explain_slowest(url, r["key"], r["runs"][-1][1], r["ref_sql"])


def summary(results: list[dict[str, Any]], n_events: int, build_seconds: float | None) -> None:
    say("")
    say("summary (medians)")
    head = (
        f"  {'report':<40} {'service':>11} {'hand SQL':>11} {'ratio':>7}  "
        f"{'<=1.5x':<6} {'<1 s':<5} numbers  {'roll-up SQL':>11} {'ratio':>7}"
    )
    say(head)
    say("  " + "-" * (len(head) - 2))
    for r in results:
        say(
            f"  ({r['key']}) {r['name']:<36} {fmt_s(statistics.median(r['service']))} "
            f"{fmt_s(statistics.median(r['ref']))} {r['ratio']:6.2f}x  "
            f"{'yes' if r['ok_ratio'] else 'NO':<6} {'yes' if r['ok_time'] else 'NO':<5} "
            f"{'match' if r['match'] else 'DIFFER':<7}  {fmt_s(statistics.median(r['rollup']))} "
            f"{r['rollup_ratio']:6.2f}x"
        )
    say(
        f"  targets: <= {TARGET_RATIO}x the hand-written query and < {TARGET_SECONDS:.0f} s; "
        "(c)'s reference = SQL + the Python expansion of the scheduled counts"
    )
    say(
        "  hand SQL counts the events; roll-up SQL is the same numbers by hand from the "
        "daily roll-ups the service reads"
    )
    built = f"build {build_seconds:.1f} s" if build_seconds is not None else "database reused"
    closing(f"  data: {n_events:,} play events; {built}")


if __name__ == "__main__":
    sys.exit(main())

"""The national poll mix: every commune in turn, each with its own operator's token and its own
ETag, as devices across the country poll; and the server-side CPU each request costs.

``add_commune_operators`` gives every commune an operator with a token (rows for ``loading``).
``mix_worker`` runs in spawned processes (standard library only): it sends its share of the
requests in order, once (``passes``) or round and round until its time is up, and keeps each
answer's status, latency and ETag.
"""

from __future__ import annotations

import hashlib
import http.client
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import HOST, naive_utc, pct
from .load import exchange, run_parallel
from .national import Dataset
from .server import backends_of, family, processes

FIRST_USER = 1000


def token_of(dataset: Dataset, commune_id: int) -> str:
    return "amt_bench_c" + hashlib.sha256(f"{dataset.token}-{commune_id}".encode()).hexdigest()[:28]


def add_commune_operators(dataset: Dataset) -> None:
    """An operator scoped to each commune, with its own API token."""
    now_db = naive_utc(datetime.now(UTC))
    t = dataset.tables
    for n, (commune_id, code, _province) in enumerate(dataset.communes):
        uid = FIRST_USER + n
        token = token_of(dataset, commune_id)
        user = (uid, f"op_{code}", f"Xã {code}", "!", True, "vi", f"s{uid}", now_db)
        t["users"].rows.append(user)
        t["user_roles"].rows.append((uid, "operator"))
        t["user_areas"].rows.append((uid, commune_id))
        digest = hashlib.sha256(token.encode()).hexdigest()
        t["api_tokens"].rows.append((uid, uid, f"c{code}", token[:10], digest, now_db))


def requests_for(
    dataset: Dataset, path_of: Any, etags: dict[int, str] | None = None
) -> list[tuple[int, str, dict[str, str]]]:
    """(commune, path, headers) for every commune in turn; ``path_of(code)`` gives the path."""
    out = []
    for commune_id, code, _province in dataset.communes:
        headers = {"Authorization": f"Bearer {token_of(dataset, commune_id)}"}
        if etags is not None and commune_id in etags:
            headers["If-None-Match"] = etags[commune_id]
        out.append((commune_id, path_of(code), headers))
    return out


def mix_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Send ``requests`` in order on one connection (reopened when the server closes it):
    ``passes`` times, or until ``end`` when passes is 0; bounded by ``max_requests`` too.
    Latencies count for requests started after ``measure``."""
    conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=60)
    while time.time() < spec["start"]:
        time.sleep(0.005)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    etags: dict[int, str] = {}
    by_commune: dict[int, int] = {}
    errors = sent = 0
    ended = spec["start"]
    requests, passes = spec["requests"], spec["passes"]
    index = 0
    while sent < spec["max_requests"] and requests:
        if passes and index >= passes * len(requests):
            break
        began = time.time()
        if began >= spec["end"]:
            break
        commune, path, headers = requests[index % len(requests)]
        index += 1
        answer = exchange(conn, "GET", path, headers)
        if answer is None:
            errors += 1
            continue
        response = answer[0]
        sent += 1
        if began >= spec["measure"]:
            latencies.append(time.time() - began)
            statuses[response.status] += 1
        by_commune[commune] = response.status
        ended = time.time()
        etag = response.getheader("ETag")
        if etag:
            etags[commune] = etag
    conn.close()
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "etags": etags,
        "by_commune": by_commune,
        "errors": errors,
        "sent": sent,
        "ended": ended,
    }


def run_mix(
    port: int,
    requests: list[tuple[int, str, dict[str, str]]],
    clients: int,
    *,
    passes: int = 0,
    warmup: float = 0.0,
    seconds: float = 600.0,
    cpu: Any = None,
) -> dict[str, Any]:
    """The requests shared out among ``clients`` processes (interleaved, so the country is
    covered in order): requests/s, p50/p99, statuses, ETags and last status per commune, and
    with ``cpu`` (a ``ServerCpu``) the server-side CPU seconds per request."""
    start = time.time() + 1.5  # let the spawned processes start
    specs = [
        {
            "host": HOST,
            "port": port,
            "requests": requests[n::clients],
            "passes": passes,
            "start": start,
            "measure": start + warmup,
            "end": start + warmup + seconds,
            "max_requests": 5_000_000,
        }
        for n in range(clients)
    ]
    before = cpu.seconds() if cpu is not None else 0.0
    results = run_parallel(mix_worker, specs)
    used = (cpu.seconds() - before) if cpu is not None else float("nan")
    elapsed = max(1e-9, min(time.time(), start + warmup + seconds) - (start + warmup))
    latencies = [x for r in results for x in r["latencies"]]
    statuses: Counter[int] = Counter()
    etags: dict[int, str] = {}
    by_commune: dict[int, int] = {}
    for r in results:
        statuses.update({int(k): v for k, v in r["statuses"].items()})
        etags.update({int(k): v for k, v in r["etags"].items()})
        by_commune.update({int(k): v for k, v in r["by_commune"].items()})
    if passes:  # the pass ends when the last client is done, not when the time is up
        elapsed = max(1e-9, max(r["ended"] for r in results) - (start + warmup))
    sent = sum(r["sent"] for r in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(latencies, 0.50) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "count": len(latencies),
        "statuses": dict(statuses),
        "errors": sum(r["errors"] for r in results),
        "etags": etags,
        "by_commune": by_commune,
        "cpu_per_request_ms": used / sent * 1000 if sent else float("nan"),
    }


class ServerCpu:
    """CPU seconds used so far by a server's process tree and by the PostgreSQL backends of one
    database (what a dedicated machine would spend on the requests)."""

    def __init__(self, server_pid: int, dbname: str | None) -> None:
        self.server_pid, self.dbname = server_pid, dbname

    def seconds(self) -> float:
        snapshot, titles = processes()
        ours = family({self.server_pid}, snapshot) | backends_of(self.dbname, titles)
        return sum(snapshot[pid][1] for pid in ours if pid in snapshot)


def edit_one_province(database: Any, dataset: Dataset) -> tuple[int, str]:
    """Change one schedule whose every target lies in one province (what an editor does):
    returns (province id, what was done)."""
    from .loading import execute

    for _commune, _code, province in dataset.communes[len(dataset.communes) // 2 :]:
        rows = execute(
            database,
            "SELECT t.schedule_id FROM schedule_targets t JOIN areas a ON a.id = t.area_id "
            "GROUP BY t.schedule_id HAVING SUM(CASE WHEN a.path LIKE ? THEN 0 ELSE 1 END) = 0 "
            "ORDER BY t.schedule_id LIMIT 1",
            (f"/{province}/%",),
        )
        if rows:
            schedule = rows[0][0]
            execute(database, "UPDATE schedules SET note = note || '.' WHERE id = ?", (schedule,))
            return province, f"schedule {schedule} (all its targets in province {province})"
    raise RuntimeError("no schedule lies in one province")


def after_edit(dataset: Dataset, by_commune: dict[int, int], province: int) -> dict[str, float]:
    """Shares of 304 inside and outside the edited province."""
    inside = [by_commune.get(c) for c, _code, p in dataset.communes if p == province]
    outside = [by_commune.get(c) for c, _code, p in dataset.communes if p != province]
    return {
        "others_304": sum(s == 304 for s in outside) / max(1, len(outside)),
        "edited_200": sum(s == 200 for s in inside) / max(1, len(inside)),
        "edited_communes": len(inside),
        "other_communes": len(outside),
    }


def national_phase(
    env: dict[str, str],
    work: Path,
    database: Any,
    dataset: Dataset,
    clients: int,
    rounds: int,
    warmup: float,
    again: float,
    seconds: float,
) -> dict[str, Any]:
    """On a fresh gunicorn (cold workers): a cold pass over every commune, then in rounds the
    baselines (/livez: no database; /healthz; /api/v1/me with every commune's token) and the
    national mix of 304s (each commune its ETag) and of 200s (no ETag), then an edit in one
    province and one more pass with the ETags held before it."""
    from .common import CLEANUP, log
    from .load import measure_rounds, ratio
    from .server import Server

    day = dataset.day.isoformat()
    playlist = f"/api/v1/playlists?area={{}}&date={day}".format
    server = Server(env, work / f"gunicorn-national-{database.kind}.log")
    CLEANUP.push("server", server.stop)
    try:
        cpu = ServerCpu(server.proc.pid, database.pg_dbname)
        log(f"  national mix: {len(dataset.communes):,} communes, each its operator's token")
        cold = run_mix(server.port, requests_for(dataset, playlist), clients, passes=1, cpu=cpu)
        etags = cold["etags"]
        log(
            f"    cold pass (fresh workers, no ETag): {cold['rps']:8.1f} req/s   p50 "
            f"{cold['p50_ms']:7.1f} ms   p99 {cold['p99_ms']:7.1f} ms   statuses "
            f"{cold['statuses']}   server CPU {cold['cpu_per_request_ms']:.2f} ms/request"
        )
        cached = requests_for(dataset, playlist, etags)
        fresh = requests_for(dataset, playlist)
        me = requests_for(dataset, lambda _code: "/api/v1/me")
        plain = [(0, "/livez", {}), (0, "/healthz", {})]

        def mix(requests: list[Any]) -> Any:
            return lambda w, d: run_mix(
                server.port, requests, clients, warmup=w, seconds=d, cpu=cpu
            )

        runners = [
            ("livez", "/livez (no database)", mix(plain[:1])),
            ("healthz", "/healthz", mix(plain[1:])),
            ("me", "/api/v1/me, every token", mix(me)),
            ("mix304", "national mix, 304", mix(cached)),
            ("mix200", "national mix, 200", mix(fresh)),
        ]
        medians, per = measure_rounds(runners, rounds, warmup, again, seconds)
        province, what = edit_one_province(database, dataset)
        after = run_mix(server.port, cached, clients, passes=1, cpu=cpu)
        shares = after_edit(dataset, after["by_commune"], province)
        log(
            f"    after an edit ({what}): {shares['others_304']:.1%} of the "
            f"{shares['other_communes']:,} other communes still 304, "
            f"{shares['edited_200']:.1%} of the province's {shares['edited_communes']} "
            f"communes 200; statuses {after['statuses']}"
        )
    finally:
        CLEANUP.pop("server")
    return {
        **medians,
        "cold": {k: cold[k] for k in ("rps", "p50_ms", "p99_ms", "cpu_per_request_ms")},
        "cold_statuses": cold["statuses"],
        "ratio_304_me": ratio(per, "mix304", "me"),
        "ratio_200_me": ratio(per, "mix200", "me"),
        "ratio_me_livez": ratio(per, "me", "livez"),
        "after_edit": shares,
    }

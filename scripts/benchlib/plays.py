"""Play-event ingest: the API load client (batches of events with fresh ids) and the raw
executemany baseline of the same rows."""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from .common import HOST, LOCAL_TZ, log, naive_utc, pct
from .load import exchange, run_parallel
from .loading import Database, sqlite_value, table_columns
from .national import Dataset

PLAY_VALUES = {
    "client_event_id", "reported_by_id", "area_id", "commune_id", "district_id", "province_id",
    "played_at",
    "played_on", "message_id", "version_id", "language", "schedule_id", "played", "reason",
    "unscheduled", "source", "reported_at",
}  # fmt: skip


def station_batch(
    rng: random.Random, choices: list[Any], today: Any, size: int, prefix: str
) -> list[dict[str, Any]]:
    """What one commune's station sends: its confirmations of ``size`` broadcasts, day after
    day back from yesterday, each (hamlet, schedule, language) once a day, as a station that
    was offline a while catches up. Every event is a different broadcast (no duplicates)."""
    events: list[dict[str, Any]] = []
    day = 0
    while len(events) < size and day < 330:
        day += 1
        local_day = today - timedelta(days=day)
        for hamlet, version, _message, _language, schedule in choices:
            if len(events) >= size:
                break
            moment = datetime.combine(local_day, datetime.min.time(), LOCAL_TZ) + timedelta(
                seconds=rng.uniform(5 * 3600, 21 * 3600)
            )
            event: dict[str, Any] = {
                "id": f"{prefix}-{len(events)}",
                "hamlet_id": hamlet,
                "played_at": moment.isoformat(),
                "version_id": version,
                "played": True,
            }
            if schedule is not None:
                event["schedule_id"] = schedule
            if len(events) % 20 == 19:
                event["played"], event["reason"] = False, "Mất điện"
            events.append(event)
    return events


def ingest_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """POST batches until ``end``, each from the next commune's station (its own token, its
    own hamlets and schedules); count what the API created."""
    rng = random.Random(spec["seed"])
    conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=120)
    stations, batch_size, prefix = spec["stations"], spec["batch"], spec["prefix"]
    today = datetime.now(LOCAL_TZ).date()
    while time.time() < spec["start"]:
        time.sleep(0.005)
    latencies: list[float] = []
    totals: Counter[str] = Counter()
    rejections: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    errors = batches = 0
    while batches < spec["max_batches"] and batches < len(stations):
        token, choices = stations[batches]
        events = station_batch(rng, choices, today, batch_size, f"{prefix}-{batches}")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"events": events})
        began = time.time()
        if began >= spec["end"]:
            break
        answer = exchange(conn, "POST", "/api/v1/plays", headers, body)
        if answer is None:
            errors += 1
            batches += 1
            continue
        response, data = answer
        ended = time.time()
        batches += 1
        if not (began >= spec["measure"] and ended <= spec["end"]):
            continue
        statuses[response.status] += 1
        latencies.append(ended - began)
        if response.status == 200:
            result = json.loads(data)
            totals.update(result["counts"])
            for item in result["results"]:
                if item["status"] == "rejected":
                    rejections[item.get("code") or "?"] += 1
    conn.close()
    return {
        "latencies": latencies,
        "totals": dict(totals),
        "rejections": dict(rejections),
        "statuses": dict(statuses),
        "errors": errors,
    }


def raw_insert_rate(
    database: Database,
    dataset: Dataset,
    count: int,
    seed: int,
    connections: int = 1,
    copy: bool = False,
) -> float:
    """events/s of a plain executemany INSERT (or COPY) of the same rows the API stores, 1,000
    per transaction, over ``connections`` connections in parallel (the columns are read from
    the table, so a changed schema is followed)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    now_db = naive_utc(now)
    columns = [c for c in table_columns(database, "play_events") if c != "id"]
    unknown = [c for c in columns if c not in PLAY_VALUES]
    if unknown:
        log(f"      (raw insert: no value known for play_events.{', '.join(unknown)}: NULL)")
    rows = []
    for n in range(count):
        hamlet, version, message, language, schedule = rng.choice(dataset.play_choices)
        played = n % 20 != 19
        at = now - timedelta(seconds=rng.uniform(60, 86_000))
        values = {
            "client_event_id": f"raw-{seed}-{n}",
            "reported_by_id": dataset.operator_id,
            "area_id": hamlet,
            "commune_id": dataset.commune_id,
            "district_id": None,  # no districts since the 2025 reform
            "province_id": dataset.province_id,
            "played_at": naive_utc(at),
            "played_on": at.astimezone(LOCAL_TZ).date(),
            "message_id": message,
            "version_id": version,
            "language": language,
            "schedule_id": schedule,
            "played": played,
            "reason": None if played else "Mất điện",
            "unscheduled": schedule is None,
            "source": "device",
            "reported_at": now_db,
        }
        rows.append(tuple(values.get(c) for c in columns))
    parts = [
        {
            "kind": database.kind,
            "sqlite_path": str(database.sqlite_path or ""),
            "pg_dsn": database.pg_dsn,
            "columns": columns,
            "rows": rows[n::connections],
            "copy": copy,
            "start": time.time() + 1.5,
        }
        for n in range(connections)
    ]
    ended = run_parallel(raw_part, parts)
    return count / (max(ended) - parts[0]["start"])


def raw_part(spec: dict[str, Any]) -> float:
    """One connection's share of the raw baseline: executemany (or COPY) 1,000 rows a
    transaction, from a common start; returns when it ended."""
    columns, rows = spec["columns"], spec["rows"]
    names = ", ".join(columns)
    while time.time() < spec["start"]:
        time.sleep(0.002)
    if spec["kind"] == "sqlite":
        conn = sqlite3.connect(spec["sqlite_path"], timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        sql = f"INSERT INTO play_events ({names}) VALUES ({', '.join('?' for _ in columns)})"
        for first in range(0, len(rows), 1000):
            conn.executemany(
                sql, [[sqlite_value(v) for v in r] for r in rows[first : first + 1000]]
            )
            conn.commit()
        conn.close()
        return time.time()
    import psycopg

    sql = f"INSERT INTO play_events ({names}) VALUES ({', '.join('%s' for _ in columns)})"
    with psycopg.connect(spec["pg_dsn"]) as conn:
        for first in range(0, len(rows), 1000):
            with conn.cursor() as cur:
                if spec["copy"]:
                    with cur.copy(f"COPY play_events ({names}) FROM STDIN") as copy:
                        for row in rows[first : first + 1000]:
                            copy.write_row(row)
                else:
                    cur.executemany(sql, rows[first : first + 1000])
            conn.commit()
    return time.time()


def ingest(
    port: int,
    auth: dict[str, str],
    database: Database,
    dataset: Dataset,
    clients: int,
    warmup: float,
    seconds: float,
    target: float,
) -> dict[str, Any]:
    """POST /api/v1/plays from ``clients`` processes (1,000 events a batch) for ``seconds``,
    then a raw executemany of as many rows: events/s of both and their ratio."""
    # (d) play-event ingest through the API, then raw executemany of as many rows.
    from .national_mix import token_of

    start = time.time() + 1.5
    stations = [
        (token_of(dataset, commune_id), dataset.station_choices[commune_id])
        for commune_id, _code, _province in dataset.communes
        if len(dataset.station_choices.get(commune_id, ())) >= 20
    ]
    random.Random(11).shuffle(stations)
    specs = [
        {
            "host": HOST,
            "port": port,
            "stations": stations[n::clients],
            "batch": 1000,
            "prefix": f"{database.kind}-{n}-{int(start)}",
            "seed": n,
            "start": start,
            "measure": start + warmup,
            "end": start + warmup + seconds,
            "max_batches": 10_000,
        }
        for n in range(clients)
    ]
    runs = run_parallel(ingest_worker, specs)
    totals: Counter[str] = Counter()
    rejections: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for run in runs:
        totals.update(run["totals"])
        rejections.update(run["rejections"])
        statuses.update({int(k): v for k, v in run["statuses"].items()})
    batch_latency = [x for run in runs for x in run["latencies"]]
    api_rate = totals["created"] / seconds
    raw_count = max(5000, min(int(totals["created"]) or 5000, 200_000))
    raw_rate = raw_insert_rate(database, dataset, raw_count, int(start), clients)
    copy_rate = (
        raw_insert_rate(database, dataset, raw_count, int(start) + 1, clients, copy=True)
        if database.kind == "postgresql"
        else float("nan")
    )
    figures = {
        "api_events_s": api_rate,
        "raw_events_s": raw_rate,
        "copy_events_s": copy_rate,
        "ratio": api_rate / raw_rate,
        "batches": len(batch_latency),
        "p50_ms": pct(batch_latency, 0.5) * 1000,
        "p99_ms": pct(batch_latency, 0.99) * 1000,
    }
    log(
        f"  (d) POST /api/v1/plays, {clients} clients x 1,000 events a batch, each batch a "
        f"commune's station (its token, hamlets and schedules; every event a different "
        f"broadcast), "
        f"{seconds:.0f} s: {api_rate:,.0f} events/s  ({len(batch_latency)} batches, "
        f"p50 {pct(batch_latency, 0.5) * 1000:.0f} ms, p99 "
        f"{pct(batch_latency, 0.99) * 1000:.0f} ms; {dict(totals)}; HTTP {dict(statuses)})"
    )
    if rejections:
        log(f"      rejected: {dict(rejections)}")
    log(
        f"      raw executemany of {raw_count:,} rows over {clients} connections (as many as "
        f"the API has clients), 1,000 a transaction: {raw_rate:,.0f} events/s; ratio "
        f"{api_rate / raw_rate:.3f} (target >= {target}); COPY the same way: "
        f"{copy_rate:,.0f} events/s"
    )
    return figures

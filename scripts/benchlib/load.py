"""Load clients: spawned processes with http.client, only towards 127.0.0.1, each bounded in
time and count; measured in rounds against baselines of the same run."""

from __future__ import annotations

import concurrent.futures as futures
import http.client
import multiprocessing
import time
from collections import Counter
from typing import Any

from .common import HOST, pct


def exchange(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> tuple[http.client.HTTPResponse, bytes] | None:
    """One request on a kept connection (closed when the server says so); None on a network
    error (the connection is closed, to be reopened by the next request)."""
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.will_close:
            conn.close()
        return response, data
    except (OSError, http.client.HTTPException):
        conn.close()
        time.sleep(0.01)
        return None


def load_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Send one request after another on one connection (reopened when the server closes it)
    until ``end``; keep the latencies of requests started after ``measure`` that ended before
    ``end``. Bounded by ``end`` and ``max_requests``."""
    conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=60)
    while time.time() < spec["start"]:
        time.sleep(0.005)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = sent = 0
    while sent < spec["max_requests"]:
        began = time.time()
        if began >= spec["end"]:
            break
        answer = exchange(conn, spec["method"], spec["path"], spec["headers"], spec.get("body"))
        if answer is None:
            errors += 1
            continue
        response = answer[0]
        ended = time.time()
        sent += 1
        if began >= spec["measure"] and ended <= spec["end"]:
            latencies.append(ended - began)
            statuses[response.status] += 1
    conn.close()
    return {"latencies": latencies, "statuses": dict(statuses), "errors": errors}


def run_parallel(worker: Any, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(len(specs), mp_context=context) as pool:
        return list(pool.map(worker, specs))


def measure(
    port: int,
    path: str,
    headers: dict[str, str],
    clients: int,
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    start = time.time() + 1.5  # let the spawned processes start
    spec = {
        "host": HOST,
        "port": port,
        "method": "GET",
        "path": path,
        "headers": headers,
        "start": start,
        "measure": start + warmup,
        "end": start + warmup + duration,
        "max_requests": 2_000_000,
    }
    results = run_parallel(load_worker, [spec] * clients)
    latencies = [x for r in results for x in r["latencies"]]
    statuses: Counter[int] = Counter()
    for r in results:
        statuses.update({int(k): v for k, v in r["statuses"].items()})
    return {
        "rps": len(latencies) / duration,
        "p50_ms": pct(latencies, 0.50) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "count": len(latencies),
        "statuses": dict(statuses),
        "errors": sum(r["errors"] for r in results),
    }


def http_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def stream_zip(port: int, path: str, headers: dict[str, str]) -> dict[str, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    received, tail = 0, b""
    started = time.perf_counter()
    error = None
    status = 0
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        status = response.status
        while chunk := response.read(1 << 20):
            received += len(chunk)
            tail = (tail + chunk)[-65_558:]
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    return {
        "status": status,
        "bytes": received,
        "seconds": seconds,
        "complete": b"PK\x05\x06" in tail,  # the end of central directory record arrived
        "error": error,
    }


def measure_rounds(
    runners: list[tuple[str, str, Any]], rounds: int, warmup: float, again: float, seconds: float
) -> tuple[dict[str, dict[str, float]], dict[str, list[dict[str, Any]]]]:
    """Measure every ``(key, label, run(warmup, seconds) -> figures)`` in turn, ``rounds``
    times (the first after ``warmup`` seconds, the others after ``again``): a virtual machine's
    speed drifts over a minute, which would otherwise weigh on whichever figure came last.
    Returns the medians per key and every round's figures (for ``ratio``)."""
    import statistics

    from .common import log

    per: dict[str, list[dict[str, Any]]] = {key: [] for key, _label, _run in runners}
    for number in range(rounds):
        for key, label, run in runners:
            figures = run(warmup if number == 0 else again, seconds)
            per[key].append(figures)
            extra = f"   errors {figures['errors']}" if figures.get("errors") else ""
            cpu = figures.get("cpu_per_request_ms")
            if cpu is not None:
                extra += f"   server CPU {cpu:.2f} ms/request"
            log(
                f"    {number + 1}: {label:<24} {figures['rps']:8.1f} req/s   p50 "
                f"{figures['p50_ms']:7.1f} ms   p99 {figures['p99_ms']:7.1f} ms   statuses "
                f"{figures['statuses']}{extra}"
            )
    medians = {
        key: {
            name: statistics.median(r[name] for r in runs)
            for name in ("rps", "p50_ms", "p99_ms", "cpu_per_request_ms")
            if all(name in r for r in runs)
        }
        for key, runs in per.items()
    }
    return medians, per


def ratio(per: dict[str, list[dict[str, Any]]], key: str, base: str) -> float:
    """The median of the rounds' own ratios of requests/s."""
    import statistics

    return statistics.median(
        r["rps"] / (b["rps"] or float("nan")) for r, b in zip(per[key], per[base], strict=True)
    )

"""Big downloads from a fresh server while the workers' peak memory is watched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import CLEANUP, MB, log
from .load import http_get, stream_zip
from .national import Dataset, zip_auth
from .server import Server, proc_kb, reset_peak


def zip_memory(
    env: dict[str, str],
    work: Path,
    kind: str,
    dataset: Dataset,
    playlist: str,
    auth: dict[str, str],
) -> dict[str, Any]:
    """Stream the ZIP commune's bundle (~1 GB) from a fresh gunicorn and read the workers'
    peak RSS (VmHWM) during the download; ``playlist`` warms both workers first."""
    day = dataset.day.isoformat()
    server = Server(env, work / f"gunicorn-{kind}.log")
    CLEANUP.push("server", server.stop)
    try:
        zip_json = f"/api/v1/playlists?area={dataset.zip_commune_code}&date={day}"
        status, _, body = http_get(server.port, zip_json, zip_auth(dataset))
        expected = 0
        if status == 200:
            items = json.loads(body)["days"][0]["items"]
            sizes_by_sha = {i["sha256"]: i["size"] for i in items if i["status"] == "ok"}
            expected = sum(sizes_by_sha.values())
            log(
                f"  (e) ZIP playlist {dataset.zip_commune_code}: {len(items)} items, "
                f"{len(sizes_by_sha)} distinct files, {expected / MB:,.1f} MB of audio"
            )
        else:
            log(f"  (e) playlist JSON for the ZIP commune answered {status}: {body[:200]!r}")
        for _ in range(6):  # warm both workers
            http_get(server.port, playlist, auth)
            http_get(server.port, "/healthz", {})
        workers = server.workers()
        before = {pid: proc_kb(pid, "VmRSS") for pid in workers}
        reset = all(reset_peak(pid) for pid in workers)
        zip_path = f"{zip_json}&format=zip"
        download = stream_zip(server.port, zip_path, zip_auth(dataset))
        after_workers = server.workers()
        peaks = {pid: proc_kb(pid, "VmHWM") for pid in after_workers}
        peak_kb = max((v for v in peaks.values() if v), default=0)
        growth_kb = max(
            ((peaks.get(pid) or 0) - (before.get(pid) or 0) for pid in workers), default=0
        )
        figures = {
            **download,
            "expected_audio": expected,
            "peak_mb": peak_kb / 1024,
            "growth_mb": growth_kb / 1024,
            "rss_before_mb": {pid: (v or 0) / 1024 for pid, v in before.items()},
            "peak_by_worker_mb": {pid: (v or 0) / 1024 for pid, v in peaks.items()},
            "hwm_reset": reset,
            "workers_changed": sorted(workers) != sorted(after_workers),
        }
        rate = download["bytes"] / MB / max(download["seconds"], 1e-9)
        log(
            f"      HTTP {download['status']}, {download['bytes']:,} bytes in "
            f"{download['seconds']:.1f} s ({rate:,.0f} MB/s), complete ZIP: "
            f"{download['complete']}"
            + (f", error {download['error']}" if download["error"] else "")
        )
        log(
            "      worker RSS before (MB): "
            + ", ".join(f"{pid}: {v:.1f}" for pid, v in figures["rss_before_mb"].items())
            + "; peak VmHWM during the download (MB): "
            + ", ".join(f"{pid}: {v:.1f}" for pid, v in figures["peak_by_worker_mb"].items())
            + ("" if reset else " (VmHWM could not be reset: includes start-up)")
            + (" (a worker was replaced meanwhile!)" if figures["workers_changed"] else "")
        )
    finally:
        CLEANUP.pop("server")

    return figures

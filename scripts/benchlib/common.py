"""Paths, logging, percentiles and the cleanup stack every bench uses."""

from __future__ import annotations

import os
import platform
import shlex
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MB = 1024 * 1024


class Cleanup:
    """Everything the run started or created, undone in reverse order whatever happens."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, Any]] = []

    def push(self, label: str, action: Any) -> None:
        self._actions.append((label, action))

    def pop(self, label: str) -> None:
        for index in range(len(self._actions) - 1, -1, -1):
            if self._actions[index][0] == label:
                _, action = self._actions.pop(index)
                action()
                return

    def run_all(self) -> None:
        while self._actions:
            label, action = self._actions.pop()
            try:
                action()
            except Exception as exc:  # keep cleaning up
                print(f"  cleanup of {label} failed: {exc}", file=sys.stderr)


CLEANUP = Cleanup()


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def handle_signals() -> None:
    """SIGTERM and SIGINT raise KeyboardInterrupt (even when started in the background), so
    the cleanup stack runs."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def log(text: str = "") -> None:
    print(text, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms" if seconds < 10 else f"{seconds:8.1f} s "


def command_line() -> str:
    return shlex.join(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} CPUs)"


def machine_line(extra: str = "") -> str:
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}{extra}; "
        f"load average {load_average()}"
    )


def timed(
    fns: list[Callable[[], Any]], repeat: int, warmup: int = 1
) -> tuple[list[list[float]], list[Any]]:
    """Run the functions in turn (one round = each once), ``warmup`` rounds then ``repeat``
    measured ones, so that a passing load on the machine hits all of them alike. The times of
    the measured runs of each, and each one's last result."""
    results: list[Any] = [None] * len(fns)
    times: list[list[float]] = [[] for _ in fns]
    for round_ in range(warmup + repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            if round_ >= warmup:
                times[i].append(time.perf_counter() - t0)
    return times, results

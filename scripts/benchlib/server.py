"""gunicorn serving the app on a free port, its workers' memory, and the CPU that other work on
the machine used meanwhile (figures taken on a busy machine scatter)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

from .common import HOST, ROOT, VENV_BIN, free_port


class Server:
    """gunicorn -w 2 serving create_app() on a free local port."""

    def __init__(self, env: dict[str, str], logfile: Path, extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.command = [
            str(VENV_BIN / "gunicorn"),
            *("-w", "2", "-b", f"{HOST}:{self.port}", *(extra or [])),
            "audio_manager:create_app()",
        ]
        self._log = logfile.open("ab")
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see its log")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.workers()) >= 2:
                    conn.close()
                    return
                conn.close()
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu(self) -> float:
        """CPU seconds used so far by gunicorn and its workers."""
        snapshot, _titles = processes()
        return sum(snapshot[pid][1] for pid in family({self.proc.pid}, snapshot) if pid in snapshot)

    def workers(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                status = (entry / "status").read_text()
                ppid = next(line for line in status.splitlines() if line.startswith("PPid:"))
                if int(ppid.split()[1]) == self.proc.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this run started
                self.proc.wait(timeout=5)
        self._log.close()


def proc_kb(pid: int, field_name: str) -> int | None:
    with contextlib.suppress(OSError, StopIteration, ValueError):
        status = Path(f"/proc/{pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith(field_name + ":"))
        return int(line.split()[1])
    return None


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class ForeignCpu:
    """Samples, once a second in a thread, the CPU used by processes that are not this run's
    (this process and its descendants, and the PostgreSQL backends of the bench database): the
    other work on the machine that lowers and scatters the figures."""

    def __init__(self, dbname: str | None) -> None:
        import threading

        self._dbname = dbname
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._busy = 0.0
        self._elapsed = 0.0

    def _snapshot(self) -> dict[int, tuple[int, float]]:
        snapshot, self._titles = processes()
        return snapshot

    def _ours(self, snapshot: dict[int, tuple[int, float]]) -> set[int]:
        return family({os.getpid()}, snapshot) | backends_of(self._dbname, self._titles)

    def _run(self) -> None:
        before, started = self._snapshot(), time.monotonic()
        while not self._stop.wait(1.0):
            after, now = self._snapshot(), time.monotonic()
            ours = self._ours(after) | self._ours(before)
            self._busy += sum(
                max(0.0, cpu - before[pid][1])
                for pid, (_ppid, cpu) in after.items()
                if pid in before and pid not in ours
            )
            self._elapsed += now - started
            before, started = after, now

    def __enter__(self) -> ForeignCpu:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def cores(self) -> float:
        return self._busy / self._elapsed if self._elapsed else float("nan")


TICK = os.sysconf("SC_CLK_TCK")


def processes() -> tuple[dict[int, tuple[int, float]], dict[int, str]]:
    """Every process: pid -> (parent pid, CPU seconds used), and the titles of PostgreSQL's."""
    found: dict[int, tuple[int, float]] = {}
    titles: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = (entry / "stat").read_text()
            fields = raw[raw.rindex(")") + 2 :].split()
            found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
            if "postgres" in raw[: raw.rindex(")")]:
                titles[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
    return found, titles


def family(roots: set[int], snapshot: dict[int, tuple[int, float]]) -> set[int]:
    """The processes and all their descendants."""
    ours = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _cpu) in snapshot.items():
            if ppid in ours and pid not in ours:
                ours.add(pid)
                grew = True
    return ours


def backends_of(dbname: str | None, titles: dict[int, str]) -> set[int]:
    """PostgreSQL's backends for one database, and their parallel workers."""
    if not dbname:
        return set()
    backends = {pid for pid, title in titles.items() if f" {dbname} " in title + " "}
    for pid, title in titles.items():
        if "parallel worker for PID" in title:
            with contextlib.suppress(ValueError):
                if int(title.split("PID")[1].split()[0]) in backends:
                    backends.add(pid)
    return backends

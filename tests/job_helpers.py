"""Real processes for the crash tests: a redis-server of the test's own (stopped and started
by it, never the shared one), `flask jobs worker` and thread-backend server processes on the
test's database and storage, and a long upload to render."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audio_manager.extensions import db
from audio_manager.models import JobStatus, RenderJob
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions

from .audio_fixtures import speech_wav

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server on a free port, without persistence: a restart loses what it held."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: self.ping(), 20, "redis-server did not start")

    def ping(self) -> bool:
        from redis import Redis

        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None


def wait_for(check: Callable[[], Any], timeout: float, message: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(message)


def process_env(app: Any, tmp: Path, **settings: Any) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AUDIO_MANAGER_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        AUDIO_MANAGER_STORAGE_ROOT=str(app.config["STORAGE_ROOT"]),
        AUDIO_MANAGER_SECRET_KEY="test-secret",
        AUDIO_MANAGER_DEMO_DATA="false",
        TMPDIR=str(tmp),
        PYTHONUNBUFFERED="1",
    )
    env.update({f"AUDIO_MANAGER_{k}": str(v) for k, v in settings.items()})
    return env


def start_worker(app: Any, tmp: Path, log: Path, **settings: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "audio_manager", "jobs", "worker"],
        cwd=ROOT, env=process_env(app, tmp, JOBS="rq", **settings),
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def start_thread_server(app: Any, tmp: Path, log: Path, **settings: Any) -> subprocess.Popen[bytes]:
    """A process that builds the app as a server does (the thread backend starts with it)."""
    code = "from audio_manager import create_app; create_app(); import time; time.sleep(3600)"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT,
        env=process_env(app, tmp, JOBS="thread", **settings),
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """SIGTERM, as a supervisor does; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return -9
    return process.returncode


def long_upload(folder: Path, seconds: float = 180.0) -> tuple[int, int]:
    """A version from a long recording, committed with its queued job: (version id, job id)."""
    actor = Actor.system()
    message = messages.create(actor, "Thông báo dài")
    wav = speech_wav(folder / "long.wav", seconds)
    with wav.open("rb") as stream:
        version, job = versions.create_from_upload(actor, message, "kinh", stream, "long.wav")
    db.session.commit()
    return version.id, job.id


def job_state(job_id: int) -> RenderJob:
    db.session.rollback()
    db.session.expire_all()
    job = db.session.get(RenderJob, job_id)
    assert job is not None
    return job


def running_pid(job_id: int) -> int | None:
    job = job_state(job_id)
    if job.status != JobStatus.RUNNING or not job.worker:
        return None
    return int(job.worker.rpartition(":")[2])


def workdirs(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("am-job-*"))

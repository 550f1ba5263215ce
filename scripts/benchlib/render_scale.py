"""Render throughput with 1, 2 and 4 RQ workers (one process each) against one server: a
redis-server of the run's own on a free port, one database (SQLite in the temporary folder, or
a PostgreSQL database the run creates and drops, as a scaled deployment has) and local storage
in a temporary folder. Each round records its messages (30 s of speech each) and puts their jobs on
the queue while the workers are suspended, then resumes them: the round lasts from the first
job started to the last one finished (the database's own timestamps), so worker start-up and
polling are not counted. The CPU other work on the machine used meanwhile is printed beside.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import CLEANUP, ROOT, free_port, load_average, log
from .server import ForeignCpu


def _env(work: Path, redis_url: str, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AUDIO_MANAGER_DATABASE_URL=database_url,
        AUDIO_MANAGER_STORAGE_ROOT=str(work / "audio"),
        AUDIO_MANAGER_INSTANCE_PATH=str(work / "instance"),
        AUDIO_MANAGER_JOBS="rq",
        AUDIO_MANAGER_REDIS_URL=redis_url,
        AUDIO_MANAGER_RQ_QUEUE="bench-render",
        AUDIO_MANAGER_DEMO_DATA="false",
        AUDIO_MANAGER_JOB_MAINTENANCE_SECONDS="1",
        TMPDIR=str(work / "tmp"),
    )
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "audio_manager", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


def _redis(work: Path) -> str:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(work)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    CLEANUP.push("redis-server", lambda: (server.kill(), server.wait()))
    from redis import Redis

    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            if Redis.from_url(url).ping():
                return url
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def _worker(env: dict[str, str], logfile: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "flask", "--app", "audio_manager", "jobs", "worker"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT)


def _record(app: Any, count: int, seconds: float, seed: int) -> list[int]:
    """Versions from uploads of ``count`` speech-like recordings; their job ids."""
    from audio_manager.extensions import db
    from audio_manager.production.pcm import RATE, write_wav
    from audio_manager.production.synthetic import speech_like
    from audio_manager.services.context import Actor
    from audio_manager.services.messages import messages, versions

    ids = []
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    with app.app_context():
        actor = Actor.system("bench")
        for i in range(count):
            samples = speech_like(seconds, RATE, seed=seed + i)
            wav = write_wav(folder / f"bench-{seed}-{i}.wav", samples, RATE)
            message = messages.create(actor, f"Bench {seed + i}")
            with wav.open("rb") as stream:
                _version, job = versions.create_from_upload(actor, message, "kinh", stream, "b.wav")
            db.session.commit()
            ids.append(job.id)
            wav.unlink()
    return ids


def _finished(app: Any, ids: list[int]) -> tuple[int, float | None, float]:
    """(jobs finished, seconds from first start to last finish, render CPU unknown=0)."""
    from audio_manager.extensions import db
    from audio_manager.models import RenderJob

    with app.app_context():
        rows = db.session.execute(
            db.select(RenderJob.status, RenderJob.started_at, RenderJob.finished_at).where(
                RenderJob.id.in_(ids)
            )
        ).all()
        db.session.remove()
    done = [r for r in rows if r.status in ("done", "failed")]
    if len(done) < len(ids) or not done:
        return len(done), None, 0.0
    first = min(r.started_at for r in done)
    last = max(r.finished_at for r in done)
    failed = sum(r.status == "failed" for r in done)
    return len(done), (last - first).total_seconds(), float(failed)


def run(
    counts: list[int], messages: int, seconds: float, work: Path, database_url: str = ""
) -> dict[int, float]:
    """Messages per minute for each number of workers (printed as a table, and returned).
    Without ``database_url``, an SQLite file in ``work``."""
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(work / "tmp")
    redis_url = _redis(work)
    database_url = database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    env = _env(work, redis_url, database_url)
    _flask(env, "db", "upgrade")
    _flask(env, "audio", "stock")
    for key, value in env.items():
        if key.startswith("AUDIO_MANAGER_"):
            os.environ[key] = value
    from redis import Redis
    from rq import Worker
    from rq.suspension import resume, suspend

    from audio_manager import create_app
    from audio_manager.jobs import outbox
    from audio_manager.jobs.backends import RQBackend

    app = create_app()
    redis = Redis.from_url(redis_url)
    log(f"\nworkers against one server (redis-server of this run, {kind}, local storage); "
        f"{messages} messages of {seconds:g} s per round")  # fmt: skip
    log(f"{'workers':>7} {'messages':>9} {'seconds':>8} {'msg/min':>8} {'failed':>7} "
        f"{'other work (cores)':>19}")  # fmt: skip
    rates: dict[int, float] = {}
    for round_, count in enumerate(counts):
        suspend(redis)
        logfile = (work / f"workers-{count}.log").open("ab")
        workers = [_worker(env, logfile) for _ in range(count)]
        label = f"workers-{count}"
        CLEANUP.push(label, lambda ws=workers: [w.kill() for w in ws if w.poll() is None])
        deadline = time.monotonic() + 120
        while len(Worker.all(connection=redis)) < count and time.monotonic() < deadline:
            time.sleep(0.3)
        ids = _record(app, messages, seconds, seed=1000 * (round_ + 1))
        with app.app_context():
            outbox.drain(RQBackend(app))
        with ForeignCpu(None) as foreign:
            resume(redis)
            deadline = time.monotonic() + 60 * 30
            while time.monotonic() < deadline:
                done, span, failed = _finished(app, ids)
                if span is not None:
                    break
                time.sleep(0.5)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=120)
        CLEANUP.pop(label)
        if span is None:
            log(f"{count:>7} {done:>9} {'timeout':>8}")
            continue
        rates[count] = messages / span * 60
        log(f"{count:>7} {messages:>9} {span:>8.1f} {rates[count]:>8.1f} {int(failed):>7} "
            f"{foreign.cores:>19.2f}")  # fmt: skip
    if 1 in rates and 2 in rates:
        log(f"2 workers vs 1: {rates[2] / rates[1]:.2f}x (target >= 1.7 when nothing else runs "
            f"on this {os.cpu_count()}-core machine)")  # fmt: skip
    log(f"load average: {load_average()}")
    return rates

"""Crashes and outages with real processes: kill -9 of an RQ work-horse and of a thread-backend
server in the middle of a long render, and Redis (its own instance) stopped while versions are
submitted and while a worker holds a job. Nothing accepted is lost, nothing is rendered twice,
no render folder is left, and the workers outlive the outage."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs.backends import RQBackend
from audio_manager.models import JobStatus, Rendition
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages

from .conftest import bearer
from .job_helpers import (
    RedisServer,
    job_state,
    long_upload,
    running_pid,
    start_thread_server,
    start_worker,
    stop,
    wait_for,
    workdirs,
)

PROFILES = 5  # loudspeaker, ringback, telephony, preview, waveform


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The processes' TMPDIR: where their render folders go."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def renditions_of(version_id: int) -> list[str]:
    return list(
        db.session.scalars(sa.select(Rendition.profile).where(Rendition.version_id == version_id))
    )


def diagnose(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def test_kill_9_of_an_rq_work_horse_mid_render(app_ctx, redis_server, scratch, tmp_path) -> None:
    stock.install_generated(Actor.system())
    db.session.commit()
    version_id, job_id = long_upload(tmp_path)
    log = tmp_path / "workers.log"
    settings = {
        "REDIS_URL": redis_server.url,
        "RQ_QUEUE": f"am-crash-{uuid.uuid4().hex[:8]}",
        "JOB_LEASE_SECONDS": 6,
        "JOB_HEARTBEAT_SECONDS": 1,
        "JOB_MAINTENANCE_SECONDS": 1,
    }
    workers = [start_worker(app_ctx, scratch, log, **settings) for _ in range(2)]
    try:
        horse = wait_for(lambda: running_pid(job_id), 180, "no worker took the job")
        wait_for(lambda: workdirs(scratch), 60, "the render made no folder")
        os.kill(horse, signal.SIGKILL)  # what an out-of-memory kill does

        done = wait_for(
            lambda: job_state(job_id).status in (JobStatus.DONE, JobStatus.FAILED),
            300,
            "the job was not taken back\n" + diagnose(log),
        )
        assert done
        job = job_state(job_id)
        assert job.status == JobStatus.DONE, (job.error_code, job.error, diagnose(log))
        assert job.attempts == 2
        assert int(job.worker.rpartition(":")[2]) != horse
        profiles = renditions_of(version_id)
        assert sorted(profiles) == sorted(set(profiles)) and len(profiles) == PROFILES
        wait_for(lambda: not workdirs(scratch), 30, f"left behind: {workdirs(scratch)}")
        assert all(worker.poll() is None for worker in workers)  # both workers still serve
    finally:
        codes = [stop(worker) for worker in workers]
    assert codes == [0, 0], diagnose(log)  # they stop when told, cleanly


def test_kill_9_of_a_thread_backend_server_mid_render(app_ctx, scratch, tmp_path) -> None:
    """The restarted process picks the job up at once: its lease is far from over, but the
    process that held it is gone."""
    stock.install_generated(Actor.system())
    db.session.commit()
    version_id, job_id = long_upload(tmp_path)
    log = tmp_path / "server.log"
    settings = {"JOB_LEASE_SECONDS": 3600, "JOB_HEARTBEAT_SECONDS": 1, "JOB_MAINTENANCE_SECONDS": 1}
    first = start_thread_server(app_ctx, scratch, log, **settings)
    try:
        pid = wait_for(lambda: running_pid(job_id), 180, "the thread did not start the job")
        assert pid == first.pid
        wait_for(lambda: workdirs(scratch), 60, "the render made no folder")
        first.kill()
        first.wait()
    finally:
        stop(first)
    assert job_state(job_id).status == JobStatus.RUNNING  # what the crash leaves
    second = start_thread_server(app_ctx, scratch, log, **settings)
    try:
        wait_for(
            lambda: job_state(job_id).status in (JobStatus.DONE, JobStatus.FAILED),
            300,
            "the restarted process did not finish the job\n" + diagnose(log),
        )
        job = job_state(job_id)
        assert job.status == JobStatus.DONE, (job.error_code, diagnose(log))
        assert job.attempts == 2
        assert len(renditions_of(version_id)) == PROFILES
        assert not workdirs(scratch)
    finally:
        stop(second)


def test_redis_stopped_and_started_loses_nothing(
    app, app_ctx, users, token_for, redis_server, scratch, tmp_path, monkeypatch
) -> None:
    from redis import Redis
    from rq import Worker

    queue = f"am-outage-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue)
    monkeypatch.setitem(app.extensions, "audio_manager.jobs", RQBackend(app))
    stock.install_generated(Actor.system())
    message = messages.create(Actor.system(), "Thông báo")
    db.session.commit()
    message_id = message.id
    log = tmp_path / "workers.log"
    settings = {
        "REDIS_URL": redis_server.url,
        "RQ_QUEUE": queue,
        "JOB_LEASE_SECONDS": 20,
        "JOB_HEARTBEAT_SECONDS": 1,
        "JOB_MAINTENANCE_SECONDS": 1,
        "JOB_REQUEUE_SECONDS": 5,
    }
    workers = [start_worker(app_ctx, scratch, log, **settings) for _ in range(2)]
    client = app.test_client()
    headers = bearer(token_for("editor"))
    try:
        _held_version, held = long_upload(tmp_path, seconds=120)
        assert RQBackend(app).push("render", held) is None  # on the queue
        wait_for(lambda: running_pid(held), 180, "no worker took the job\n" + diagnose(log))

        redis_server.stop()  # while a worker holds a job
        accepted = []
        for n in range(3):
            answer = client.post(
                f"/api/v1/messages/{message_id}/versions",
                headers=headers,
                json={"language": "kinh", "text": f"Thông báo số {n + 1}.", "engine": "espeak"},
            )
            assert answer.status_code == 202, answer.get_data(as_text=True)[:300]
            assert answer.json["job"]["waiting_for_service"] is True
            accepted.append(answer.json["job"]["id"])
        redis_server.start()

        for job_id in [held, *accepted]:
            wait_for(
                lambda job_id=job_id: job_state(job_id).status == JobStatus.DONE,
                300,
                f"job {job_id} was lost: {job_state(job_id).status}\n" + diagnose(log),
            )
        assert all(worker.poll() is None for worker in workers), diagnose(log)
        # Both workers are alive and listed by the restarted Redis again: each once, no ghost
        # of the RQ worker whose loop the outage ended.
        redis = Redis.from_url(redis_server.url)
        alive = sorted(worker.pid for worker in workers)
        wait_for(
            lambda: sorted(w.pid for w in Worker.all(connection=redis)) == alive,
            120,
            "the workers are not listed once each\n" + diagnose(log),
        )
    finally:
        codes = [stop(worker) for worker in workers]
    assert codes == [0, 0], diagnose(log)


def test_a_worker_waits_for_redis_and_stops_only_when_told(app_ctx, scratch, tmp_path) -> None:
    """No Redis at all: the worker stays up, trying again; SIGTERM ends it cleanly."""
    log = tmp_path / "worker.log"
    worker = start_worker(
        app_ctx, scratch, log, REDIS_URL="redis://127.0.0.1:9/0", JOB_MAINTENANCE_SECONDS=1
    )
    try:
        wait_for(lambda: "Redis is away" in diagnose(log), 120, "no retry\n" + diagnose(log))
        wait_for(lambda: diagnose(log).count("connecting again") >= 2, 60, diagnose(log))
        assert worker.poll() is None  # still there, trying again
    finally:
        code = stop(worker)
    assert code == 0, diagnose(log)

"""Leases, heartbeats, attempts and the outbox, in one process: a job whose worker is lost goes
back to the queue (then fails with a clear reason and is retryable), a worker that lost its lease
records nothing, dead processes' render folders are swept, and a queue that is away keeps the
work instead of answering 500."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs import leases, tasks
from audio_manager.jobs.backends import RQBackend, ThreadBackend
from audio_manager.models import JobStatus, OutboxEntry, RenderJob, Rendition
from audio_manager.models.base import utcnow
from audio_manager.services.audio import rendering, stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions

from .conftest import bearer

CLOSED_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens


@pytest.fixture
def queued_job(app_ctx: Any) -> int:
    return make_queued_job()


def make_queued_job() -> int:
    actor = Actor.system()
    stock.install_generated(actor)
    message = messages.create(actor, "Thông báo")
    _version, job = versions.create_from_speech(
        actor, message, "kinh", "Xin chào bà con.", engine="espeak"
    )
    db.session.commit()
    return job.id


def job_row(job_id: int) -> RenderJob:
    db.session.expire_all()
    job = db.session.get(RenderJob, job_id)
    assert job is not None
    return job


def outbox_of(job_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OutboxEntry.id)).where(OutboxEntry.target_id == job_id)
    )


def lose_worker(job_id: int) -> None:
    """What a kill -9 leaves: the job running, its lease soon over, nobody renewing it."""
    assert tasks.claim(job_id) is not None
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == job_id)
        .values(lease_until=utcnow() - timedelta(seconds=1), worker="elsewhere:1")
    )
    db.session.commit()


def test_a_new_job_is_recorded_with_its_outbox_entry(queued_job) -> None:
    assert job_row(queued_job).status == JobStatus.QUEUED
    assert outbox_of(queued_job) == 1


def test_a_lost_job_is_queued_again_then_fails_with_a_reason(app, queued_job) -> None:
    limit = app.config["JOB_MAX_ATTEMPTS"]
    for attempt in range(1, limit + 1):
        db.session.execute(sa.delete(OutboxEntry))
        lose_worker(queued_job)
        requeued, failed = leases.reap()
        job = job_row(queued_job)
        assert job.attempts == attempt
        if attempt < limit:
            assert (requeued, failed) == (1, 0)
            assert job.status == JobStatus.QUEUED and job.lease_until is None
            assert outbox_of(queued_job) == 1  # it will be put on the queue again
        else:
            assert (requeued, failed) == (0, 1)
            assert job.status == JobStatus.FAILED and job.error_code == "worker_lost"


def test_a_job_failed_for_good_is_retryable_from_the_api(app, queued_job, users, token_for) -> None:
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == queued_job)
        .values(status=JobStatus.FAILED, attempts=3, error_code="worker_lost")
    )
    db.session.commit()
    client = app.test_client()
    answer = client.post(f"/api/v1/jobs/{queued_job}/retry", headers=bearer(token_for("editor")))
    assert answer.status_code == 202, answer.json
    job = job_row(queued_job)
    assert job.status == JobStatus.DONE and job.attempts == 4  # counted on; rendered
    assert job.max_attempts == 3 + app.config["JOB_MAX_ATTEMPTS"]  # a fresh budget
    assert db.session.scalar(sa.select(sa.func.count(Rendition.id))) == 5


def test_a_job_failed_for_good_is_retryable_from_the_cli(app, queued_job) -> None:
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == queued_job)
        .values(status=JobStatus.FAILED, attempts=3, error_code="worker_lost")
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "retry", str(queued_job)])
    assert result.exit_code == 0, result.output
    assert job_row(queued_job).status == JobStatus.DONE


def test_the_page_names_the_lost_worker_and_offers_retry(app, queued_job, users, login_as) -> None:
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == queued_job)
        .values(status=JobStatus.FAILED, attempts=3, error_code="worker_lost")
    )
    db.session.commit()
    version_id = job_row(queued_job).version_id
    page = login_as("editor").get(f"/versions/{version_id}").get_data(as_text=True)
    assert "không hoàn tất" in page.lower()  # Vietnamese: the render stopped without finishing
    assert f"/jobs/{queued_job}/retry" in page


def test_a_worker_whose_job_was_taken_over_records_nothing(app, queued_job, monkeypatch) -> None:
    def taken_over_meanwhile(version: Any) -> list[Any]:
        with db.engine.begin() as other:  # another worker reaped it and took attempt 2
            other.execute(sa.update(RenderJob).where(RenderJob.id == queued_job).values(attempts=2))
        return []

    monkeypatch.setattr(rendering, "render_version", taken_over_meanwhile)
    tasks.run_render_job(queued_job)
    job = job_row(queued_job)
    assert job.status == JobStatus.RUNNING and job.attempts == 2  # attempt 2's, untouched


def test_the_heartbeat_renews_the_lease(app, queued_job, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_SECONDS", 0.2)
    seen: list[Any] = []

    def slow(version: Any) -> list[Any]:
        first = job_row(queued_job).lease_until
        db.session.rollback()
        time.sleep(1.5)
        with db.engine.connect() as other:
            later = other.execute(
                sa.select(RenderJob.lease_until).where(RenderJob.id == queued_job)
            ).scalar()
        seen.extend([first, later])
        return []

    monkeypatch.setattr(rendering, "render_version", slow)
    tasks.run_render_job(queued_job)
    assert seen[1] > seen[0]
    assert job_row(queued_job).status == JobStatus.DONE


def test_a_job_held_by_a_dead_process_here_is_taken_back_at_once(app, queued_job) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip
    assert tasks.claim(queued_job) is not None
    db.session.execute(
        sa.update(RenderJob)
        .where(RenderJob.id == queued_job)
        .values(worker=f"{leases.HOST}:{dead}")  # its lease is still running
    )
    db.session.commit()
    assert leases.reap() == (1, 0)
    assert job_row(queued_job).status == JobStatus.QUEUED


def test_render_folders_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip
    import os

    mine = tmp_path / f"am-job-{os.getpid()}-abc"
    theirs = tmp_path / f"am-job-{dead}-def"
    for folder in (mine, theirs):
        (folder / "out").mkdir(parents=True)
        (folder / "out" / "big.wav").write_bytes(b"x" * 1000)
    assert leases.sweep_workdirs(str(tmp_path)) == 1
    assert mine.exists() and not theirs.exists()


def test_a_render_removes_its_folder_when_it_fails(app, queued_job, tmp_path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(rendering, "_source_wav", lambda *a: (_ for _ in ()).throw(OSError()))
    tasks.run_render_job(queued_job)
    assert job_row(queued_job).status == JobStatus.FAILED
    assert not list(tmp_path.glob("am-job-*"))


def test_the_thread_backend_picks_up_abandoned_jobs_when_it_starts(app, queued_job) -> None:
    lose_worker(queued_job)
    backend = ThreadBackend(app)
    backend.start()  # as a server process does when it starts
    assert backend.join(timeout=120)
    backend.stop()
    job = job_row(queued_job)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2


def test_redis_away_keeps_the_work_and_says_so(app, users, token_for, monkeypatch) -> None:
    """The version is accepted (202), its job waits in the outbox, and a drain once the queue is
    back puts it there."""
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_REDIS)
    monkeypatch.setitem(app.extensions, "audio_manager.jobs", RQBackend(app))
    stock.install_generated(Actor.system())
    message = messages.create(Actor.system(), "Thông báo")
    db.session.commit()
    headers = bearer(token_for("editor"))
    client = app.test_client()
    answer = client.post(
        f"/api/v1/messages/{message.id}/versions",
        headers=headers,
        json={"language": "kinh", "text": "Xin chào bà con.", "engine": "espeak"},
    )
    assert answer.status_code == 202, answer.json
    job_id = answer.json["job"]["id"]
    assert answer.json["job"]["status"] == "queued"
    assert answer.json["job"]["waiting_for_service"] is True
    assert outbox_of(job_id) == 1
    assert client.get(f"/api/v1/jobs/{job_id}", headers=headers).json["waiting_for_service"]
    # the editor's page says so too
    version_id = answer.json["version"]["id"]
    page = login_page(app, f"/versions/{version_id}")
    assert "đang chờ dịch vụ dựng âm thanh" in page.lower()

    calls: list[tuple[str, int]] = []
    back = RQBackend(app)
    back.external = True
    monkeypatch.setattr(back, "push", lambda task, job: calls.append((task, job)))
    monkeypatch.setattr(back, "is_waiting", lambda task, job: True)
    figures = back.maintain()
    assert calls == [("render", job_id)] and figures["dispatched"] == 1
    assert outbox_of(job_id) == 0


def login_page(app: Any, path: str) -> str:
    from .conftest import Browserish

    browser = Browserish(app.test_client())
    browser.login("editor")
    return browser.get(path).get_data(as_text=True)

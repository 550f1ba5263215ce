"""The thread and rq backends each run a real render; a job is claimed once."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs.backends import RQBackend, ThreadBackend
from audio_manager.jobs.outbox import dispatch
from audio_manager.jobs.tasks import claim, run_render_job
from audio_manager.models import JobStatus, RenderJob, Rendition
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def queued_job(app_ctx) -> int:
    actor = Actor.system()
    stock.install_generated(actor)
    message = messages.create(actor, "Thông báo")
    _version, job = versions.create_from_speech(
        actor, message, "kinh", "Xin chào bà con.", engine="espeak"
    )
    db.session.commit()
    return job.id


def finished(job_id: int) -> RenderJob:
    db.session.expire_all()
    return db.session.get(RenderJob, job_id)


def test_thread_backend_renders_in_the_background(app, queued_job) -> None:
    backend = ThreadBackend(app)
    assert dispatch(backend, "render", queued_job) is True
    assert backend.join(timeout=120)
    backend.stop()
    job = finished(queued_job)
    assert job.status == JobStatus.DONE, job.error
    assert db.session.scalar(sa.select(sa.func.count(Rendition.id))) == 5


def test_thread_backend_picks_up_jobs_left_queued(app, queued_job) -> None:
    backend = ThreadBackend(app)
    backend._ensure_started()  # as after a restart: nothing enqueued in this process yet
    assert backend.join(timeout=120)
    backend.stop()
    assert finished(queued_job).status == JobStatus.DONE


def test_rq_backend_renders_through_real_redis(app, queued_job) -> None:
    from redis import Redis
    from rq import SimpleWorker

    queue_name = f"am-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=queue_name)
    backend = RQBackend(app)
    assert dispatch(backend, "render", queued_job) is True
    redis = Redis.from_url(REDIS_URL)
    assert backend.queue().count == 1
    assert finished(queued_job).status == JobStatus.QUEUED
    SimpleWorker([backend.queue()], connection=redis).work(burst=True)
    job = finished(queued_job)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 1
    backend.queue().delete(delete_jobs=True)


def test_a_job_is_claimed_once(queued_job) -> None:
    assert claim(queued_job) == 1  # the first attempt
    assert claim(queued_job) is None
    run_render_job(queued_job)  # already running elsewhere: skipped
    assert finished(queued_job).status == JobStatus.RUNNING

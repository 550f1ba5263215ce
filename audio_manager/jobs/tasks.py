"""Task entry points. They call the same service functions the views call."""

from __future__ import annotations

import logging

from flask import Flask, has_app_context

from ..extensions import db
from ..models import JobStatus, RenderJob
from ..models.base import utcnow

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def queued_job_ids() -> list[int]:
    return list(
        db.session.scalars(
            db.select(RenderJob.id)
            .where(RenderJob.status == JobStatus.QUEUED)
            .order_by(RenderJob.id)
        )
    )


def claim(job_id: int) -> bool:
    """Move a queued job to running in one UPDATE: of two workers, exactly one wins."""
    result = db.session.execute(
        db.update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=RenderJob.attempts + 1,
            started_at=utcnow(),
            error=None,
            error_code=None,
        )
    )
    db.session.commit()
    return result.rowcount == 1


def run_render_job(job_id: int) -> None:
    from ..services import rendering

    if not claim(job_id):
        log.info("render job %s is not queued; skipped", job_id)
        return
    job = db.session.get(RenderJob, job_id)
    assert job is not None
    try:
        rendering.render_version(job.version)
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(RenderJob, job_id)
        assert job is not None
        code, message = rendering.describe_failure(exc)
        if code == "internal_error":
            log.exception("render job %s failed", job_id)
        job.status, job.error_code, job.error = JobStatus.FAILED, code, message
    else:
        job.status = JobStatus.DONE
    job.finished_at = utcnow()
    db.session.commit()


def rq_render_job(job_id: int) -> None:
    """RQ entry point: runs in a worker process with its own app."""
    if has_app_context():
        run_render_job(job_id)
        return
    global _worker_app
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run_render_job(job_id)

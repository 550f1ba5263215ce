"""Task entry points. They call the same service functions the views call."""

from __future__ import annotations

import logging

from flask import Flask, has_app_context

from ..extensions import db
from ..models import ImportStatus, InstallImport, JobStatus, RenderJob
from ..models.base import utcnow
from . import leases, progress
from .leases import claim

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


__all__ = ["claim", "queued_jobs", "rq_run", "run"]


def queued_job_ids() -> list[int]:
    return list(
        db.session.scalars(
            db.select(RenderJob.id)
            .where(RenderJob.status == JobStatus.QUEUED)
            .order_by(RenderJob.id)
        )
    )


def queued_jobs() -> list[tuple[str, int]]:
    """Every job left queued (e.g. by a previous run of the process), as (task, id)."""
    imports = db.session.scalars(
        db.select(InstallImport.id)
        .where(InstallImport.status == ImportStatus.QUEUED)
        .order_by(InstallImport.id)
    )
    return [("render", i) for i in queued_job_ids()] + [("install_import", i) for i in imports]


def run_render_job(job_id: int) -> None:
    """Claim the job with a lease, render while a heartbeat renews it, then record the outcome,
    fenced by the attempt: a worker whose job was taken over records nothing. A job makes a
    version's audio (kind "audio") or its social videos (kind "social"); when the audio is made
    and the message opted in to social videos, their job is queued next."""
    from ..services.audio import rendering, social

    attempt = claim(job_id)
    if attempt is None:
        log.info("render job %s is not queued; skipped", job_id)
        return
    job = db.session.get(RenderJob, job_id)
    assert job is not None
    values: dict[str, object]
    follow: RenderJob | None = None
    try:
        with leases.heartbeat(job_id, attempt) as lost:
            if job.kind == "social":
                rendering.render_social(job.version)
            else:
                rendering.render_version(job.version)
                follow = social.follow_up(job.version)
            if lost.is_set():
                raise LeaseLost()
            values = {"status": JobStatus.DONE}
    except LeaseLost:
        db.session.rollback()
        log.warning("render job %s attempt %s was taken over; its result dropped", job_id, attempt)
        return
    except Exception as exc:
        db.session.rollback()
        code, message = rendering.describe_failure(exc)
        if code == "internal_error":
            log.exception("render job %s failed", job_id)
        values = {"status": JobStatus.FAILED, "error_code": code, "error": message}
    values.update(finished_at=utcnow(), lease_until=None)
    result = db.session.execute(
        db.update(RenderJob).where(leases.held(job_id, attempt)).values(**values)  # type: ignore[arg-type]
    )
    if result.rowcount != 1:  # the lease ran out and another worker has the job now
        db.session.rollback()
        log.warning("render job %s attempt %s lost its lease; result dropped", job_id, attempt)
        return
    db.session.commit()
    if follow is not None:
        from . import enqueue_render

        enqueue_render(follow.id)


class LeaseLost(Exception):
    """The job was given to another worker while this one rendered."""


def claim_import(import_id: int) -> int | None:
    """Move a queued import to running, naming this process; the attempt taken, or None."""
    result = db.session.execute(
        db.update(InstallImport)
        .where(InstallImport.id == import_id, InstallImport.status == ImportStatus.QUEUED)
        .values(
            status=ImportStatus.RUNNING,
            attempts=InstallImport.attempts + 1,
            started_at=utcnow(),
            processed_rows=0,
            worker=leases.worker_id(),
            lease_until=leases.import_lease(),
        )
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(db.select(InstallImport.attempts).where(InstallImport.id == import_id))


def run_install_import(import_id: int) -> None:
    """Write an import's rows in one transaction; a failure leaves no install behind. Its
    outcome is written only while this process still holds the attempt (not reaped)."""
    from ..services.errors import ServiceError
    from ..services.ringback import install_import

    attempt = claim_import(import_id)
    if attempt is None:
        log.info("install import %s is not queued; skipped", import_id)
        return
    me = leases.worker_id()
    record = db.session.get(InstallImport, import_id)
    assert record is not None
    try:
        install_import.run(record, progress.reporter(import_id))
        if not _still_held(import_id, attempt, me):
            db.session.rollback()
            log.warning("install import %s attempt %s was taken over; dropped", import_id, attempt)
            return
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        record = db.session.get(InstallImport, import_id)
        assert record is not None
        if isinstance(exc, ServiceError):
            record.error_code, record.error = exc.code, str(exc.message)
        else:  # only the type: a database error's text would carry the statement's values
            log.error("install import %s failed: %s", import_id, type(exc).__name__)
            record.error_code, record.error = "internal_error", type(exc).__name__
        record.status = ImportStatus.FAILED
        record.finished_at = utcnow()
        db.session.flush()
        if not _still_held(import_id, attempt, me):
            db.session.rollback()
            return
        db.session.commit()
    finally:
        progress.forget(import_id)


def _still_held(import_id: int, attempt: int, me: str) -> bool:
    """Within the import's transaction: release the lease, fenced by the attempt and this
    process (a reaper that queued the import again set ``worker`` to None)."""
    result = db.session.execute(
        db.update(InstallImport)
        .where(
            InstallImport.id == import_id,
            InstallImport.attempts == attempt,
            InstallImport.worker == me,
        )
        .values(worker=None, lease_until=None)
    )
    return result.rowcount == 1


TASKS = {"render": run_render_job, "install_import": run_install_import}


def run(task: str, job_id: int) -> None:
    TASKS[task](job_id)


def rq_run(task: str, job_id: int) -> None:
    """RQ entry point: runs in a worker process with its own app."""
    if has_app_context():
        run(task, job_id)
        return
    global _worker_app
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run(task, job_id)


def rq_render_job(job_id: int) -> None:
    """Entry point of render jobs queued before ``rq_run`` existed."""
    rq_run("render", job_id)

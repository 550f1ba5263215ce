"""Leases on running render jobs: claim with a lease, renew it by heartbeat, reap lost ones.

A worker that claims a job takes attempt number ``attempts`` and a lease; a thread renews the
lease while the render runs. Every write about the job's outcome is fenced by that attempt
number, so a worker that lost its lease (it was presumed dead and another took the job) cannot
overwrite the new attempt's result. A running job whose lease ran out, or whose worker on this
machine is no longer alive, goes back to the queue, up to ``JOB_MAX_ATTEMPTS`` starts; then it
fails with ``worker_lost``, retryable like any failed job.

Install imports are reaped the same way (``reap_imports``): an import writes in one
transaction, so one whose worker died left nothing behind and is simply queued again.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from ..extensions import db
from ..models import ImportStatus, InstallImport, JobStatus, RenderJob, record_outbox
from ..models.base import utcnow
from ..services.audio.rendering import WORKDIR_PREFIX  # am-job-<pid>-…

log = logging.getLogger(__name__)
HOST = socket.gethostname()[:80]


def worker_id() -> str:
    return f"{HOST}:{os.getpid()}"


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


def claim(job_id: int) -> int | None:
    """Move a queued job to running with a lease, in one UPDATE: of two workers exactly one
    wins. Returns the attempt number taken (the fence of every later write), or None."""
    now = utcnow()
    result = db.session.execute(
        db.update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=RenderJob.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            lease_until=now + _lease(),
            worker=worker_id(),
            error=None,
            error_code=None,
        )
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(db.select(RenderJob.attempts).where(RenderJob.id == job_id))


def held(job_id: int, attempt: int) -> object:
    """The WHERE clause of a write only the holder of ``attempt`` may make."""
    return db.and_(
        RenderJob.id == job_id,
        RenderJob.status == JobStatus.RUNNING,
        RenderJob.attempts == attempt,
    )


@contextmanager
def heartbeat(job_id: int, attempt: int) -> Iterator[threading.Event]:
    """Renew the job's lease every ``JOB_HEARTBEAT_SECONDS`` while the block runs, on a
    connection of its own. The event yielded is set if the lease was lost (taken over)."""
    engine = db.engine
    every = current_app.config["JOB_HEARTBEAT_SECONDS"]
    lease = _lease()
    stop, lost = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            now = utcnow()
            try:
                with engine.begin() as connection:
                    result = connection.execute(
                        db.update(RenderJob)
                        .where(held(job_id, attempt))  # type: ignore[arg-type]
                        .values(heartbeat_at=now, lease_until=now + lease)
                    )
                if result.rowcount == 0:
                    log.warning("render job %s attempt %s lost its lease", job_id, attempt)
                    lost.set()
                    return
            except Exception as exc:  # the database may be away for a moment: try again
                log.warning("render job %s: heartbeat failed: %s", job_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=5)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(worker: str | None) -> bool:
    """The worker ran on this machine and its process is gone (a restart after kill -9)."""
    host, _sep, pid = (worker or "").rpartition(":")
    return host == HOST and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))


def reap() -> tuple[int, int]:
    """Queue again every running job whose worker is lost; fail those out of attempts.
    Returns (requeued, failed). Each move is one fenced UPDATE, safe to run anywhere at once."""
    rows = db.session.execute(
        db.select(
            RenderJob.id,
            RenderJob.attempts,
            RenderJob.lease_until,
            RenderJob.worker,
            RenderJob.max_attempts,
        ).where(RenderJob.status == JobStatus.RUNNING)
    ).all()
    return _take_back(
        rows,
        model=RenderJob,
        statuses=(JobStatus.QUEUED, JobStatus.FAILED),
        fence=lambda job_id, attempts, _worker: held(job_id, attempts),
        task="render",
        label="render job",
        what="render",
        lease_required=True,
        queued={"dispatched_at": None},
    )


def reap_imports() -> tuple[int, int]:
    """Queue again every running install import whose worker is lost (its lease ran out, or its
    process on this machine is gone); fail those out of attempts. Returns (requeued, failed)."""
    rows = db.session.execute(
        db.select(
            InstallImport.id,
            InstallImport.attempts,
            InstallImport.lease_until,
            InstallImport.worker,
            db.null(),  # no budget of its own: JOB_MAX_ATTEMPTS
        ).where(InstallImport.status == ImportStatus.RUNNING)
    ).all()
    return _take_back(
        rows,
        model=InstallImport,
        statuses=(ImportStatus.QUEUED, ImportStatus.FAILED),
        fence=import_held,
        task="install_import",
        label="install import",
        what="import",
        lease_required=False,  # SQLite: no lease, the process's liveness judges
        queued={},
    )


def _take_back(
    rows: Sequence[Any],
    *,
    model: Any,
    statuses: tuple[str, str],
    fence: Callable[[int, int, str | None], object],
    task: str,
    label: str,
    what: str,
    lease_required: bool,
    queued: dict[str, object],
) -> tuple[int, int]:
    """Each (id, attempts, lease_until, worker, budget) whose worker is lost goes back to the
    queue (recorded in the outbox) or, out of attempts, fails with ``worker_lost``."""
    now = utcnow()
    limit = current_app.config["JOB_MAX_ATTEMPTS"]
    queued_status, failed_status = statuses
    requeued = failed = 0
    for target_id, attempts, lease_until, worker, budget in rows:
        expired = lease_until < now if lease_until is not None else lease_required
        if not expired and not _dead_here(worker):
            continue
        values: dict[str, object] = {"lease_until": None, "worker": None}
        if attempts >= (budget or limit):
            values.update(
                status=failed_status,
                error_code="worker_lost",
                error=f"The {what} stopped {attempts} times without finishing (worker lost).",
                finished_at=now,
            )
        else:
            values.update(status=queued_status, queued_at=now, **queued)
        result = db.session.execute(
            db.update(model).where(fence(target_id, attempts, worker)).values(**values)  # type: ignore[arg-type]
        )
        if result.rowcount != 1:
            continue
        if values["status"] == queued_status:
            record_outbox(task, target_id)
            requeued += 1
            log.warning("%s %s lost its worker (%s); queued again", label, target_id, worker)
        else:
            failed += 1
            log.error("%s %s lost its worker %s times; failed", label, target_id, attempts)
    db.session.commit()
    return requeued, failed


def import_held(import_id: int, attempt: int, worker: str | None) -> object:
    """The WHERE clause of a write only the holder of an import's attempt may make."""
    return db.and_(
        InstallImport.id == import_id,
        InstallImport.status == ImportStatus.RUNNING,
        InstallImport.attempts == attempt,
        InstallImport.worker == worker if worker is not None else InstallImport.worker.is_(None),
    )


def import_lease() -> object:
    """``lease_until`` for an import now: on PostgreSQL, where each batch renews it beside the
    import's transaction; None on SQLite (one writer: liveness of the process judges)."""
    if db.engine.dialect.name == "sqlite":
        return None
    return utcnow() + _lease()


def stuck_queued() -> list[int]:
    """Queued render jobs sent to the queue more than ``JOB_REQUEUE_SECONDS`` ago (or never,
    e.g. from before the outbox) that have no outbox entry waiting."""
    from ..models import OutboxEntry

    before = utcnow() - timedelta(seconds=current_app.config["JOB_REQUEUE_SECONDS"])
    waiting = db.select(OutboxEntry.target_id).where(OutboxEntry.task == "render")
    return list(
        db.session.scalars(
            db.select(RenderJob.id).where(
                RenderJob.status == JobStatus.QUEUED,
                db.func.coalesce(RenderJob.dispatched_at, RenderJob.queued_at) < before,
                RenderJob.id.not_in(waiting),
            )
        )
    )


def sweep_workdirs(root: str | None = None, *, older_than: float = 24 * 3600) -> int:
    """Remove the render folders of processes no longer alive (and any unnamed one older than a
    day). Returns how many were removed."""
    base = Path(root or tempfile.gettempdir())
    removed = 0
    try:
        entries = list(base.glob(WORKDIR_PREFIX + "*"))
    except OSError:
        return 0
    for path in entries:
        owner = path.name[len(WORKDIR_PREFIX) :].split("-", 1)[0]
        if owner.isdigit():
            gone = int(owner) != os.getpid() and not _pid_alive(int(owner))
        else:
            try:
                gone = time.time() - path.stat().st_mtime > older_than
            except OSError:
                continue
        if gone and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed += not path.exists()
    if removed:
        log.info("removed %d render folder(s) left by processes that died", removed)
    return removed

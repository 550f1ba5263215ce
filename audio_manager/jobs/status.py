"""What the job system looks like now: for /healthz (the queue) and /admin/jobs (everything)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import current_app

from ..extensions import db
from ..models import JobStatus, OutboxEntry, RenderJob
from ..models.base import utcnow
from .backends import JobBackend, RQBackend


def _age(moment: datetime | None) -> float | None:
    return None if moment is None else round((utcnow() - moment).total_seconds(), 1)


def queue_check(backend: JobBackend) -> dict[str, Any]:
    """The RQ queue: reachable, its depth and the age of its oldest job. Never raises."""
    if not isinstance(backend, RQBackend):
        return {"status": "ok", "backend": backend.name}
    from rq import Queue
    from rq.job import Job

    began = time.perf_counter()
    try:
        connection = backend.connection()
        connection.ping()
        queue = Queue(backend.queue_name, connection=connection)
        depth = queue.count
        head = queue.get_job_ids(0, 1)
        oldest = None
        if head:
            job = Job.fetch(head[0], connection=connection)
            if job.enqueued_at is not None:
                moment = job.enqueued_at
                if moment.tzinfo is None:
                    from datetime import UTC

                    moment = moment.replace(tzinfo=UTC)
                oldest = _age(moment)
        status = "ok"
    except Exception as exc:
        return {
            "status": f"error: {type(exc).__name__}",
            "latency_ms": round((time.perf_counter() - began) * 1000, 1),
        }
    return {
        "status": status,
        "latency_ms": round((time.perf_counter() - began) * 1000, 1),
        "depth": depth,
        "oldest_job_seconds": oldest,
    }


def workers(backend: JobBackend) -> list[dict[str, Any]]:
    """The RQ workers Redis knows (alive: heartbeat within their TTL)."""
    if not isinstance(backend, RQBackend):
        return []
    from rq import Worker

    found = []
    for worker in Worker.all(connection=backend.connection()):
        found.append(
            {
                "name": worker.name,
                "hostname": worker.hostname,
                "pid": worker.pid,
                "state": str(worker.get_state()),
                "last_heartbeat_seconds": _age(worker.last_heartbeat),
                "current_job": worker.get_current_job_id(),
            }
        )
    return found


def overview(backend: JobBackend, failures: int = 20) -> dict[str, Any]:
    """The database's view (always) and the queue's (when it answers)."""
    counts = dict(
        db.session.execute(
            db.select(RenderJob.status, db.func.count(RenderJob.id)).group_by(RenderJob.status)
        ).all()
    )
    oldest = db.session.scalar(
        db.select(RenderJob)
        .where(RenderJob.status == JobStatus.QUEUED)
        .order_by(RenderJob.queued_at, RenderJob.id)
        .limit(1)
    )
    running = list(
        db.session.scalars(
            db.select(RenderJob)
            .where(RenderJob.status == JobStatus.RUNNING)
            .order_by(RenderJob.started_at)
        )
    )
    failed = list(
        db.session.scalars(
            db.select(RenderJob)
            .where(RenderJob.status == JobStatus.FAILED)
            .order_by(RenderJob.finished_at.desc(), RenderJob.id.desc())
            .limit(failures)
        )
    )
    outbox = db.session.execute(
        db.select(db.func.count(OutboxEntry.id), db.func.min(OutboxEntry.created_at))
    ).one()
    try:
        alive = workers(backend)
        workers_error = None
    except Exception as exc:
        alive, workers_error = [], type(exc).__name__
    return {
        "backend": backend.name,
        "counts": {status.value: counts.get(status.value, 0) for status in JobStatus},
        "oldest_queued": oldest,
        "oldest_queued_seconds": _age(oldest.queued_at) if oldest else None,
        "running": running,
        "failed": failed,
        "outbox": outbox[0],
        "outbox_oldest_seconds": _age(outbox[1]),
        "queue": queue_check(backend),
        "workers": alive,
        "workers_error": workers_error,
        "lease_seconds": current_app.config["JOB_LEASE_SECONDS"],
        "age": _age,
    }

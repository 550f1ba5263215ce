"""Moving recorded work from the outbox table onto the queue.

An entry is deleted in the same transaction that puts it on the queue: when the queue cannot
be reached the transaction rolls back and the entry waits for the next drain (the workers'
maintenance loop, or the next request that queues work). A commit that fails after the queue
took the entry only means the job may be delivered twice, and a job is claimed once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..extensions import db
from ..models import InstallImport, OutboxEntry, RenderJob, record_outbox
from ..models.base import utcnow

if TYPE_CHECKING:
    from .backends import JobBackend

log = logging.getLogger(__name__)


def dispatch(backend: JobBackend, task: str, target_id: int) -> bool:
    """Put this job's outbox entries on the queue. True when it is on the queue (or someone
    else already put it there); False when the queue is away (the entry stays)."""
    selection = (OutboxEntry.task == task, OutboxEntry.target_id == target_id)
    deleted = db.session.execute(db.delete(OutboxEntry).where(*selection)).rowcount
    # Nothing deleted: a drain took it meanwhile, or the row was made without an entry.
    if not deleted and not _still_queued(task, target_id):
        db.session.rollback()
        return True
    if task == "render":
        db.session.execute(
            db.update(RenderJob).where(RenderJob.id == target_id).values(dispatched_at=utcnow())
        )
    if not backend.external:  # in this process: cannot fail, runs after the commit
        db.session.commit()
        backend.push(task, target_id)
        return True
    try:
        backend.push(task, target_id)
    except Exception as exc:  # the queue is away: keep the entry, note why
        db.session.rollback()
        reason = f"{type(exc).__name__}: {exc}"[:200]
        log.warning("%s job %s waits for the queue: %s", task, target_id, reason)
        if not deleted:  # recorded now, so the workers' drain sends it when the queue is back
            record_outbox(task, target_id)
            db.session.flush()
        db.session.execute(
            db.update(OutboxEntry)
            .where(*selection)
            .values(tries=OutboxEntry.tries + 1, last_error=reason)
        )
        db.session.commit()
        return False
    db.session.commit()
    return True


def _still_queued(task: str, target_id: int) -> bool:
    model: Any = RenderJob if task == "render" else InstallImport
    status = db.session.scalar(db.select(model.status).where(model.id == target_id))
    return status == "queued"


def drain(backend: JobBackend, limit: int = 200) -> tuple[int, int]:
    """Dispatch the oldest entries; stop at the first the queue refuses.
    Returns (dispatched, still waiting)."""
    entries = db.session.execute(
        db.select(OutboxEntry.task, OutboxEntry.target_id).order_by(OutboxEntry.id).limit(limit)
    ).all()
    db.session.rollback()
    done = 0
    for task, target_id in dict.fromkeys(tuple(row) for row in entries):
        if not dispatch(backend, task, target_id):
            break
        done += 1
    return done, pending_count() if entries else 0


def pending_count() -> int:
    return db.session.scalar(db.select(db.func.count(OutboxEntry.id))) or 0


def waiting(task: str, target_id: int) -> bool:
    """The work is recorded but not yet on the queue (the queue was away)."""
    return bool(
        db.session.scalar(
            db.select(db.func.count(OutboxEntry.id)).where(
                OutboxEntry.task == task, OutboxEntry.target_id == target_id
            )
        )
    )

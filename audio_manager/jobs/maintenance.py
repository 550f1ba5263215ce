"""One round of upkeep, run by every worker (and the thread backend) every few seconds.

Each step is safe to run in many processes at once and never raises: a database or queue that
is away makes the step wait for the next round.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..extensions import db
from ..models import RenderJob, record_outbox
from ..models.base import utcnow
from . import leases, outbox

if TYPE_CHECKING:
    from .backends import JobBackend

log = logging.getLogger(__name__)


def requeue_stuck(backend: JobBackend) -> int:
    """Record again the queued jobs the queue no longer holds (a worker took them and died
    before starting, or Redis lost them)."""
    count = 0
    for job_id in leases.stuck_queued():
        if backend.is_waiting("render", job_id):
            db.session.execute(
                db.update(RenderJob).where(RenderJob.id == job_id).values(dispatched_at=utcnow())
            )
            continue
        record_outbox("render", job_id)
        count += 1
        log.warning("render job %s was queued but not on the queue; sent again", job_id)
    db.session.commit()
    return count


def cycle(backend: JobBackend) -> dict[str, int]:
    figures: dict[str, int] = {}
    steps = (
        ("swept", lambda: leases.sweep_workdirs()),
        ("reaped", lambda: sum(leases.reap())),
        ("reaped_imports", lambda: sum(leases.reap_imports())),
        ("resent", lambda: requeue_stuck(backend) if backend.external else 0),
        ("dispatched", lambda: outbox.drain(backend)[0]),
    )
    for name, step in steps:
        try:
            figures[name] = step()
        except Exception as exc:
            db.session.rollback()
            log.warning("jobs maintenance: %s failed: %s", name, type(exc).__name__)
            figures[name] = -1
    return figures

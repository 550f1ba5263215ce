"""Settings of background work at scale: leases, retries, the outbox, and S3 downloads."""

from __future__ import annotations

from .base import Setting, parse_bool


def jobs_settings() -> tuple[Setting, ...]:
    return (
        Setting(
            "JOB_LEASE_SECONDS", "JOB_LEASE_SECONDS", float, lambda: 60.0,
            "A running render job whose worker sent no heartbeat for this long is taken as "
            "lost (the process died) and queued again, in seconds.",
        ),
        Setting(
            "JOB_HEARTBEAT_SECONDS", "JOB_HEARTBEAT_SECONDS", float, lambda: 10.0,
            "How often a worker renews the lease of the job it runs, in seconds.",
        ),
        Setting(
            "JOB_MAX_ATTEMPTS", "JOB_MAX_ATTEMPTS", int, lambda: 3,
            "Times a render job is started before a lost worker fails it for good.",
        ),
        Setting(
            "JOB_REQUEUE_SECONDS", "JOB_REQUEUE_SECONDS", float, lambda: 120.0,
            "A job still queued this long after it was sent to the queue, and no longer in it "
            "(a worker took it and died), is sent again, in seconds.",
        ),
        Setting(
            "JOB_MAINTENANCE_SECONDS", "JOB_MAINTENANCE_SECONDS", float, lambda: 5.0,
            "How often workers (and the thread backend) queue recorded work, re-queue lost "
            "jobs and sweep temporary folders, in seconds.",
        ),
        Setting(
            "S3_PROXY_DOWNLOADS", "S3_PROXY_DOWNLOADS", parse_bool, lambda: False,
            "Stream audio downloads through the app instead of redirecting (302) to presigned "
            "S3 URLs, for devices that cannot reach the S3 endpoint.",
        ),
    )  # fmt: skip

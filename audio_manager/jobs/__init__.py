"""Background work: jobs run inline (tests), in a thread (embedded default) or on RQ.

Views and services commit the job's row, then call ``enqueue_render(job_id)`` or
``enqueue_install_import(import_id)``; every backend ends in ``tasks.run(task, id)``, whose
task claims its row atomically, so a job delivered twice runs once.
"""

from __future__ import annotations

from flask import Flask, current_app

from .backends import InlineBackend, JobBackend, RQBackend, ThreadBackend

BACKENDS = {"inline": InlineBackend, "thread": ThreadBackend, "rq": RQBackend}


def init_jobs(app: Flask) -> None:
    name = app.config["JOBS_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"AUDIO_MANAGER_JOBS_BACKEND must be one of {sorted(BACKENDS)}")
    app.extensions["audio_manager.jobs"] = BACKENDS[name](app)


def backend() -> JobBackend:
    return current_app.extensions["audio_manager.jobs"]


def enqueue_render(job_id: int) -> None:
    backend().enqueue(job_id)


def enqueue_install_import(import_id: int) -> None:
    backend().enqueue(import_id, task="install_import")

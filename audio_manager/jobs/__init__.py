"""Background work: jobs run inline (tests), in a thread (embedded default) or on RQ.

Services record a job's row and its outbox entry in one transaction; after the commit, views
call ``enqueue_render(job_id)`` or ``enqueue_install_import(import_id)``, which put the entry on
the queue, or leave it for the workers' next drain when the queue is away (they answer False:
"waiting for the render service"). Every backend ends in ``tasks.run(task, id)``, whose task
claims its row atomically with a lease, so a job delivered twice runs once, and a job whose
worker died goes back to the queue (``leases``).
"""

from __future__ import annotations

import click
from flask import Flask, current_app

from . import outbox
from .backends import InlineBackend, JobBackend, RQBackend, ThreadBackend

BACKENDS = {"inline": InlineBackend, "thread": ThreadBackend, "rq": RQBackend}


def init_jobs(app: Flask) -> None:
    name = app.config["JOBS_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"AUDIO_MANAGER_JOBS_BACKEND must be one of {sorted(BACKENDS)}")
    chosen = BACKENDS[name](app)
    app.extensions["audio_manager.jobs"] = chosen
    if name != "thread":
        return
    # A server process (gunicorn, waitress) starts the thread with the app; a `flask` command
    # (migrations, imports) does not, and `flask run` starts it at the first request.
    if click.get_current_context(silent=True) is None and not app.testing:
        chosen.start()

    @app.before_request
    def start_jobs_thread() -> None:
        if not chosen.running:
            chosen.start()


def backend() -> JobBackend:
    return current_app.extensions["audio_manager.jobs"]


def enqueue_render(job_id: int) -> bool:
    """Queue a committed render job; False: the queue is away and the job waits for it."""
    return outbox.dispatch(backend(), "render", job_id)


def enqueue_install_import(import_id: int) -> bool:
    return outbox.dispatch(backend(), "install_import", import_id)


def waiting_for_queue(job_id: int) -> bool:
    """The render job is recorded but the queue has not taken it yet."""
    return outbox.waiting("render", job_id)

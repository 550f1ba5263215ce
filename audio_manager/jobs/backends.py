"""Queue backends. Each hands a task name and a row id to ``tasks.run``."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Protocol

from flask import Flask

from . import tasks

log = logging.getLogger(__name__)


class JobBackend(Protocol):
    name: str

    def enqueue(self, job_id: int, task: str = "render") -> None: ...


class InlineBackend:
    """Runs the job at once, in the caller's app context (tests, scripts)."""

    name = "inline"

    def __init__(self, app: Flask) -> None:
        self.app = app

    def enqueue(self, job_id: int, task: str = "render") -> None:
        tasks.run(task, job_id)


class ThreadBackend:
    """One background thread per process: the embedded default, nothing to install.

    Jobs left queued by a previous run are picked up when the thread starts.
    """

    name = "thread"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._queue: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._work, name="render-jobs", daemon=True)
            self._thread.start()
            with self.app.app_context():
                for item in tasks.queued_jobs():
                    self._queue.put(item)

    def enqueue(self, job_id: int, task: str = "render") -> None:
        self._ensure_started()
        self._queue.put((task, job_id))

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                with self.app.app_context():
                    tasks.run(*item)
            except Exception:  # the task records failures; this guards the thread itself
                log.exception("%s job %s crashed the worker loop", *item)
            finally:
                self._queue.task_done()

    def join(self, timeout: float = 60.0) -> bool:
        """Wait until every queued job ran (tests)."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)


class RQBackend:
    """Redis + RQ: workers on as many machines as needed (``flask jobs worker``)."""

    name = "rq"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.redis_url = app.config["REDIS_URL"]
        self.queue_name = app.config["RQ_QUEUE"]
        self._queue: Any = None

    def queue(self) -> Any:
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            self._queue = Queue(self.queue_name, connection=Redis.from_url(self.redis_url))
        return self._queue

    def enqueue(self, job_id: int, task: str = "render") -> None:
        self.queue().enqueue(
            "audio_manager.jobs.tasks.rq_run",
            task,
            job_id,
            job_timeout=self.app.config["RENDER_TIMEOUT_SECONDS"],
        )

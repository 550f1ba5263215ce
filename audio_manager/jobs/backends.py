"""Queue backends. Each hands a task name and a row id to ``tasks.run``.

``push`` puts one piece of work on the queue (the outbox calls it); ``maintain`` is one round of
upkeep: sweep dead processes' render folders, queue again the jobs whose worker was lost, put
recorded work on the queue, and send again what the queue lost.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Protocol

from flask import Flask

from . import maintenance, tasks

log = logging.getLogger(__name__)


class JobBackend(Protocol):
    name: str
    external: bool  # the queue lives outside this process and may be away

    def push(self, task: str, job_id: int) -> None: ...

    def start(self) -> None: ...

    def maintain(self) -> dict[str, int]: ...

    def is_waiting(self, task: str, job_id: int) -> bool: ...


class InlineBackend:
    """Runs the job at once, in the caller's app context (tests, scripts)."""

    name = "inline"
    external = False

    def __init__(self, app: Flask) -> None:
        self.app = app

    def push(self, task: str, job_id: int) -> None:
        tasks.run(task, job_id)

    def start(self) -> None:
        return None

    def maintain(self) -> dict[str, int]:
        return maintenance.cycle(self)

    def is_waiting(self, task: str, job_id: int) -> bool:
        return False


class ThreadBackend:
    """One background thread per process: the embedded default, nothing to install.

    It starts with the app (a server process) or at the first request, and picks up at once the
    jobs left queued by a previous run and those a dead process held; then every
    ``JOB_MAINTENANCE_SECONDS`` while idle.
    """

    name = "thread"
    external = False

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._queue: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: set[tuple[str, int]] = set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread and pick up waiting work now (never raises: a database that is
        not there yet is tried again by the thread)."""
        with self._lock:
            if self.running:
                return
            self._thread = threading.Thread(target=self._work, name="render-jobs", daemon=True)
            self._thread.start()
        try:
            with self.app.app_context():
                self.maintain()
        except Exception as exc:
            log.warning("jobs: first pick-up failed (%s); the thread tries again", exc)

    _ensure_started = start  # the name tests and older callers use

    def push(self, task: str, job_id: int) -> None:
        if not self.running:
            self.start()
        with self._lock:
            if (task, job_id) in self._pending:
                return
            self._pending.add((task, job_id))
        self._queue.put((task, job_id))

    def is_waiting(self, task: str, job_id: int) -> bool:
        with self._lock:
            return (task, job_id) in self._pending

    def maintain(self) -> dict[str, int]:
        figures = maintenance.cycle(self)
        picked = 0
        try:
            for task, job_id in tasks.queued_jobs():
                if not self.is_waiting(task, job_id):
                    self.push(task, job_id)
                    picked += 1
        except Exception as exc:  # the database is away: the next round tries again
            log.warning("jobs: pick-up failed: %s", type(exc).__name__)
            picked = -1
        figures["picked_up"] = picked
        return figures

    def _work(self) -> None:
        every = self.app.config["JOB_MAINTENANCE_SECONDS"]
        while True:
            try:
                item = self._queue.get(timeout=every)
            except queue.Empty:
                try:
                    with self.app.app_context():
                        self.maintain()
                except Exception:
                    log.exception("jobs: maintenance failed")
                continue
            if item is None:
                return
            try:
                with self.app.app_context():
                    tasks.run(*item)
            except Exception:  # the task records failures; this guards the thread itself
                log.exception("%s job %s crashed the worker loop", *item)
            finally:
                with self._lock:
                    self._pending.discard(item)
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
    external = True

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.redis_url = app.config["REDIS_URL"]
        self.queue_name = app.config["RQ_QUEUE"]
        self._queue: Any = None

    def connection(self) -> Any:
        from redis import Redis

        # Short timeouts: a Redis that is away must not hold a request for long.
        return Redis.from_url(self.redis_url, socket_connect_timeout=3, socket_timeout=10)

    def queue(self) -> Any:
        if self._queue is None:
            from rq import Queue

            self._queue = Queue(self.queue_name, connection=self.connection())
        return self._queue

    @staticmethod
    def rq_id(task: str, job_id: int) -> str:
        return f"am-{task}-{job_id}"

    def push(self, task: str, job_id: int) -> None:
        self.queue().enqueue(
            "audio_manager.jobs.tasks.rq_run",
            task,
            job_id,
            job_id=self.rq_id(task, job_id),
            job_timeout=self.app.config["RENDER_TIMEOUT_SECONDS"],
        )

    def start(self) -> None:
        return None  # the workers run the queue and its upkeep

    def maintain(self) -> dict[str, int]:
        return maintenance.cycle(self)

    def is_waiting(self, task: str, job_id: int) -> bool:
        q = self.queue()
        return q.connection.lpos(q.key, self.rq_id(task, job_id)) is not None

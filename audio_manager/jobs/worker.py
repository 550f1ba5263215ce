"""``flask jobs worker``: an RQ worker that outlives Redis restarts and keeps the jobs healthy.

RQ's own loop ends on a Redis error it does not retry (a timeout, a connection lost while a
job's result is written); this loop then connects again with a growing pause (1 s to 30 s) and
goes on. It ends only when told (SIGTERM, SIGINT: after the job it is running) or, with
``--burst``, when the queue is empty. Beside it a maintenance thread runs the upkeep of
``maintenance.cycle`` every ``JOB_MAINTENANCE_SECONDS``: recorded work onto the queue, lost jobs
back onto it, dead processes' render folders removed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

from flask import Flask

from ..extensions import db
from . import leases
from .backends import RQBackend

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0


class Supervisor:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.backend = RQBackend(app)
        self.stopping = threading.Event()
        self.restarts = 0
        self.current_worker: Any = None
        # Workers whose loop ended (Redis went away): Redis must stop listing them once it is
        # back, or /admin/jobs counts ghosts beside the worker that replaced them.
        self.retired: list[Any] = []
        self.lock = threading.Lock()

    def _maintain_forever(self) -> None:
        every = self.app.config["JOB_MAINTENANCE_SECONDS"]
        while not self.stopping.wait(every):
            try:
                with self.app.app_context():
                    self.backend.maintain()
                    db.session.remove()
                self._register_again()
            except Exception as exc:  # Redis or the database away: the next round tries again
                log.warning("jobs worker: upkeep failed: %s", type(exc).__name__)

    def _register_again(self) -> None:
        """A Redis restarted without its data forgot this worker: list it again, so monitors
        (and /admin/jobs) see it alive."""
        from rq import worker_registration

        with self.lock:  # never beside the main loop retiring this worker
            worker = self.current_worker
            if worker is None or self.stopping.is_set():
                return
            if getattr(worker, "_shutdown_requested_date", None) is not None:
                return  # RQ is saying goodbye to Redis for it
            connection = worker.connection
            if connection.sismember(worker_registration.REDIS_WORKER_KEYS, worker.key):
                return
            log.info("jobs worker: Redis forgot this worker; registering it again")
            with connection.pipeline() as pipeline:
                pipeline.hset(worker.key, mapping=worker.serialize())
                worker_registration.register(worker, pipeline)
                pipeline.expire(worker.key, worker.worker_ttl + 60)
                pipeline.execute()

    def _retire(self, worker: Any) -> None:
        """This RQ worker's loop has ended: no longer re-registered, and unlisted from Redis
        now or, when Redis is away, as soon as it is back (``_unlist_retired``)."""
        with self.lock:
            if self.current_worker is worker:
                self.current_worker = None
        if worker is not None:
            self.retired.append(worker)
            self._unlist_retired()

    def _unlist_retired(self) -> None:
        from redis.exceptions import RedisError

        while self.retired:
            try:
                self.retired[0].register_death()
            except RedisError:
                return  # still away: the next connection tries again
            self.retired.pop(0)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        log.info("jobs worker: signal %s, stopping", signum)
        self.stopping.set()

    def _work_once(self, burst: bool) -> bool:
        """One RQ worker's life. True when it ended as asked (signal, or burst done)."""
        from redis.exceptions import ConnectionError, TimeoutError
        from rq import Queue, Worker
        from rq.exceptions import StopRequested

        worker = None
        try:
            connection = self.backend.connection()
            connection.ping()
            self._unlist_retired()
            queue = Queue(self.backend.queue_name, connection=connection)
            worker = Worker([queue], connection=connection)
            with self.lock:
                self.current_worker = worker
            worker.work(burst=burst, logging_level="INFO")
            ended_well = True
        except StopRequested:
            self._retire(worker)
            return True
        except (ConnectionError, TimeoutError, OSError) as exc:
            log.warning("jobs worker: Redis is away (%s)", type(exc).__name__)
            ended_well = False
        finally:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        self._retire(worker)
        # Told to stop (RQ saw the signal; its goodbye to Redis may have failed), or done.
        told = worker is not None and getattr(worker, "_shutdown_requested_date", None) is not None
        return told or (burst and ended_well)

    def preload(self) -> None:
        """Import the audio stack and calibrate the encoders once, here: each job runs in a
        work-horse forked from this process, which then starts with them instead of paying
        for them on every job."""
        from ..production import bulletin, decode, render  # noqa: F401
        from ..production.encoding import encoder_gain_db
        from ..services.audio.assets import profiles
        from ..services.audio.rendering import profile_names

        with self.app.app_context():
            available = profiles()
            for name in profile_names():
                if name in available and available[name].kind != "waveform":
                    encoder_gain_db(available[name])

    def run(self, burst: bool = False) -> int:
        """Work until told to stop; returns how many times it had to reconnect."""
        try:
            self.preload()
        except Exception as exc:  # an optimisation only: the jobs still run without it
            log.warning("jobs worker: preload failed: %s", exc)
        engine = db.engine
        # A forked work-horse must not share the parent's database connections.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        leases.sweep_workdirs()
        with self.app.app_context():
            self.backend.maintain()
            db.session.remove()
        if not burst:
            threading.Thread(target=self._maintain_forever, name="jobs-upkeep", daemon=True).start()
        pause = 1.0
        while not self.stopping.is_set():
            began = time.monotonic()
            if self._work_once(burst):
                break
            if time.monotonic() - began > 60:  # it had worked for a while: start small again
                pause = 1.0
            if self.stopping.is_set():
                break
            self.restarts += 1
            log.warning("jobs worker: connecting again in %.0f s", pause)
            self.stopping.wait(pause)
            pause = min(pause * 2, MAX_PAUSE)
        self.stopping.set()
        return self.restarts

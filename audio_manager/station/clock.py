"""The agent's clocks: the real one, a simulated one running N times faster, and a simulated
one that jumps from one event to the next (a day in seconds). The loop only ever asks "what
time is it" and "wake me at T, or earlier if something happens"."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from .timeutil import utc_now


class Clock:
    jumps = False  # True: nothing happens between the moments the loop asks for
    simulated = False

    def now(self) -> datetime:
        return utc_now()

    def wait(self, until: datetime, wake: threading.Event) -> None:
        """Return at ``until`` or as soon as ``wake`` is set."""
        seconds = (until - self.now()).total_seconds()
        if seconds > 0:
            wake.wait(min(seconds, 3600.0))

    def sleep_real(self, seconds: float) -> None:
        time.sleep(seconds)


class ScaledClock(Clock):
    """Simulated time from ``start``, ``speed`` times faster than real time."""

    simulated = True

    def __init__(self, start: datetime, speed: float, origin: float | None = None) -> None:
        """``origin``: the monotonic time at which the clock reads ``start`` (default: now);
        clocks given the same origin agree, even across processes."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start, self.speed = start, speed
        self._origin = time.monotonic() if origin is None else origin

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    def wait(self, until: datetime, wake: threading.Event) -> None:
        seconds = (until - self.now()).total_seconds() / self.speed
        if seconds > 0:
            wake.wait(min(seconds, 3600.0))


class JumpClock(Clock):
    """Simulated time that stands still while the agent works and jumps to the next moment it
    waits for: every item, poll and heartbeat happens at its exact simulated time."""

    jumps = True
    simulated = True

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def wait(self, until: datetime, wake: threading.Event) -> None:
        if until > self._now:
            self._now = until

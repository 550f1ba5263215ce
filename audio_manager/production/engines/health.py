"""What this process last saw of each engine: reachable, or the error it gave, and when.

Filled by every synthesis and probe; the engines list shows it. Per process and in memory: a
fresh process knows nothing until it has tried (``reachable`` is then None).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Health:
    reachable: bool
    error: str | None
    checked_at: float


_LOCK = threading.Lock()
_SEEN: dict[str, Health] = {}


def record(engine: str, error: str | None = None) -> None:
    """An engine answered (``error`` None) or failed with the error code given."""
    unreachable = error in ("engine_unavailable", "tts_timeout", "engine_not_configured")
    with _LOCK:
        _SEEN[engine] = Health(not unreachable, error, time.time())


def seen(engine: str) -> Health | None:
    with _LOCK:
        return _SEEN.get(engine)


def forget() -> None:
    with _LOCK:
        _SEEN.clear()

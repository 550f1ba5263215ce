"""One sync cycle: playlists (validator polls), audio (resumed, verified, within the cache
limit), confirmations (batches) and the heartbeat. Network trouble ends the cycle's network
work until the next one; a refused token ends all of it for good, and says why."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__, plan
from .api import ApiError, Client, Refused, Unreachable
from .cache import Cache, CacheError
from .clock import Clock
from .settings import Settings
from .store import Store
from .timeutil import iso, local_day, utc_now

BATCH = 1000
AREAS_EVERY = timedelta(minutes=10)
# Cheap work is done at every poll; what writes to disk or reads the whole cache only when
# something changed, and at least this often (a poll that changes nothing writes nothing).
CHECK_EVERY = timedelta(minutes=10)

Log = Callable[[str, str], None]  # (kind, message)


class Syncer:
    """Owns its own database connection: it may run in a thread of its own."""

    def __init__(self, folder: Path, settings: Settings, clock: Clock, log: Log) -> None:
        self.settings, self.clock, self.log = settings, clock, log
        self.store = Store(folder)
        self.client = Client(settings.server, settings.token)
        self.cache = Cache(folder, self.store, settings.cache_bytes)
        self.refused: str | None = None
        self.heartbeats = True
        self._areas_at: datetime | None = None
        self._next_heartbeat: datetime | None = None
        self._last_real_heartbeat = 0.0
        self.min_real_heartbeat_s = 1.0 if clock.simulated else 0.0
        self.transferred = 0
        self.files_wanted = True  # the player misses a file, or the plan changed
        self._files_at: datetime | None = None
        self._polled: dict[str, str] = {}  # area -> last good poll (kept in memory)
        self._remembered_at: datetime | None = None
        self._error: str | None = (self.store.get("last_error") or {}).get("message")

    @property
    def areas(self) -> list[str]:
        return list(self.store.get("areas") or self.settings.areas)

    def close(self) -> None:
        self.client.close()
        self.store.close()

    # --- the cycle ---------------------------------------------------------------------------

    def cycle(self, *, heartbeat: bool = True) -> bool:
        """Returns True when the playlists changed."""
        if self.refused:
            return False
        now = self.clock.now()
        changed = False
        try:
            self._refresh_areas(now)
            changed = self._poll(now)
            if (
                changed
                or self.files_wanted
                or self._files_at is None
                or (now - self._files_at >= CHECK_EVERY)
            ):
                self.files_wanted = False
                self._files_at = now
                self._files(now)
            self.send()
            self._remember(now, changed)
            if heartbeat:
                self._heartbeat(now)
        except Refused as exc:
            self.refuse(exc)
        except Unreachable as exc:
            self.error(f"server unreachable: {exc}")
            self._files(now, offline=True)
        except ApiError as exc:
            self.error(str(exc))
        return changed

    def error(self, message: str) -> None:
        """Kept (with the time it began) and said once, until another error or the next
        good poll."""
        if message == self._error:
            return
        self._error = message
        self.store.put("last_error", {"at": iso(self.clock.now()), "message": message})
        self.log("error", message)

    def clear_error(self) -> None:
        if self._error is not None:
            self._error = None
            self.store.put("last_error", None)
            self.log("info", "server reachable, no error")

    def _remember(self, now: datetime, changed: bool) -> None:
        """Write the last good polls and sync time down now and then (status, restarts)."""
        if not changed and self._remembered_at and now - self._remembered_at < CHECK_EVERY:
            return
        self._remembered_at = now
        with self.store.transaction():
            for area, at in self._polled.items():
                self.store.set_last_poll(area, at)
            self.store.put("last_sync_at", iso(now))

    def last_sync(self) -> str | None:
        return iso(self._remembered_at) if self._remembered_at else self.store.get("last_sync_at")

    def refuse(self, exc: Refused) -> None:
        self.refused = exc.code or "refused"
        why = {
            "token_revoked": "the station's token was revoked",
            "token_expired": "the station's token has expired",
            "invalid_token": "the server does not know the station's token",
            "account_disabled": "the station's account is disabled",
        }.get(exc.code, str(exc))
        message = (
            f"STOPPED FETCHING: {why} ({exc.code}). Nothing more is fetched or sent; plays go "
            "on from the cache and are kept. Ask an administrator for a new token, then run "
            "setup again with it."
        )
        self.store.put("refused", {"code": exc.code, "message": message, "at": iso(utc_now())})
        self.error(message)

    # --- steps -------------------------------------------------------------------------------

    def _refresh_areas(self, now: datetime) -> None:
        if self._areas_at is not None and now - self._areas_at < AREAS_EVERY:
            return
        me = self.client.me()
        self._areas_at = now
        areas = [str(a) for a in me.get("areas", [])]
        if areas != self.areas:
            self.store.put("areas", areas)
            self.store.forget_playlists(areas)
            self.log("info", f"communes: {', '.join(areas) or 'none'}")
        if not areas:
            self.error("the station's account has no commune: ask an administrator")

    def _poll(self, now: datetime) -> bool:
        today = local_day(now)
        changed = False
        for area in self.areas:
            stored = self.store.playlist(area)
            etag = stored.etag if stored and stored.first_day == today.isoformat() else None
            answer = self.client.playlist(area, today, self.settings.days, etag)
            previous = self._polled.get(area) or self.store.last_poll(area)
            self._polled[area] = iso(now)
            if answer.body is None:
                continue
            items, missing = plan.items_of(area, answer.body)
            with self.store.transaction():
                self.store.mark_seen([i.key for i in items], iso(now), previous)
                self.store.save_playlist(
                    area, today.isoformat(), answer.etag, answer.body, iso(now)
                )
                self.store.set_last_poll(area, iso(now))
            changed = True
            note = f", {len(missing)} without approved audio" if missing else ""
            self.log("sync", f"playlist {area} {today}: {len(items)} playable items{note}")
        self.clear_error()
        return changed

    def current_plan(self) -> plan.Plan:
        stored = self.store.playlists()
        return plan.build([(p.area, p.body) for p in stored], self.store.seen())

    def _files(self, now: datetime, *, offline: bool = False) -> None:
        late = timedelta(minutes=self.settings.late_minutes)
        needed = self.current_plan().needed_files(now - late)
        removed = self.cache.prune(needed)
        if removed:
            self.log("cache", f"removed {removed} file(s) no playlist needs")
        budget = self.cache.limit
        for sha, (_first, item) in sorted(needed.items(), key=lambda kv: kv[1][0]):
            budget -= item.size
            if budget < 0:
                self.error(f"cache limit reached: {item.label()} at {item.at} not downloaded")
                continue
            if self.cache.ready(sha) or offline:
                continue
            try:
                got = self.cache.fetch(
                    self.client, self.client.media_url(dict(item.raw)), sha, item.size
                )
            except CacheError as exc:
                self.error(str(exc))
                continue
            self.transferred += got
            self.log("cache", f"downloaded {item.label()} ({got} bytes)")

    def send(self) -> int:
        """Send every confirmation waiting, in batches; returns how many were answered."""
        answered = 0
        while not self.refused:
            events = self.store.waiting(BATCH)
            if not events:
                break
            results = self.client.send_plays(events)
            self.store.mark_sent(results, iso(utc_now()))
            answered += len(results)
            rejected = [r for r in results if r.get("status") == "rejected"]
            for result in rejected[:5]:
                self.log(
                    "error",
                    f"confirmation {result.get('id')} refused: "
                    f"{result.get('code')} {result.get('reason')}",
                )
            created = sum(1 for r in results if r.get("status") == "created")
            self.log(
                "send",
                f"{len(results)} confirmation(s) sent: {created} new, "
                f"{len(results) - created - len(rejected)} already known, "
                f"{len(rejected)} refused",
            )
        return answered

    def _heartbeat(self, now: datetime) -> None:
        if not self.heartbeats:
            return
        due = self._next_heartbeat is None or now >= self._next_heartbeat
        real_ok = time.monotonic() - self._last_real_heartbeat >= self.min_real_heartbeat_s
        if not (due and real_ok):
            return
        self.heartbeat(now)

    def heartbeat(self, now: datetime) -> None:
        state = self.cache.state()
        counts = self.store.outbox_counts()
        etags = {p.area: p.etag for p in self.store.playlists()}
        last_error = self.store.get("last_error")
        payload: dict[str, Any] = {
            "agent_version": __version__,
            "platform": f"{platform.system()} {platform.release()} / Python "
            f"{platform.python_version()}",
            "clock": iso(now),
            "simulated": self.clock.simulated,
            "last_sync_at": self.last_sync(),
            "playlist_validator": ",".join(f"{a}:{e}" for a, e in sorted(etags.items()))[:400],
            "cache_free_bytes": max(
                0, min(state.limit_bytes - state.used_bytes, state.disk_free_bytes)
            ),
            "cache_used_bytes": state.used_bytes,
            "cache_files": state.files,
            "now_playing": self.store.get("now_playing"),
            "last_error": (last_error or {}).get("message"),
            "waiting_confirmations": counts.get("waiting", 0),
        }
        try:
            self.client.heartbeat(payload)
        except ApiError as exc:
            if isinstance(exc, Refused | Unreachable):
                raise
            self.heartbeats = False  # a server without stations: say it once
            self.log("error", f"heartbeat not accepted ({exc}); not sent again this run")
            return
        self._next_heartbeat = now + timedelta(seconds=self.settings.heartbeat_seconds)
        self._last_real_heartbeat = time.monotonic()

"""The long-running agent: plays every item at its time, reports it, and keeps syncing.

One loop plays; the sync cycle runs beside it in a thread of its own (a slow or dead link
never delays a play), or, on the jumping simulated clock, at its exact moments in the same
loop. An item is recorded (with its confirmations) when it has been heard to the end; an
emergency cuts what is playing, which is then played again after it if still in time.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import plan
from .api import ApiError, Refused
from .cache import Cache
from .clock import Clock
from .output import Output, OutputError, decode
from .settings import Settings
from .store import Store
from .sync import Syncer
from .timeutil import LOCAL_TZ, iso, local_day, parse, short, utc_now

GAP = timedelta(seconds=1.0)  # silence between two plays
FINAL_SEND_S = 60.0  # at the end of a simulated run, how long to keep trying to send

REASONS = {
    "agent_off": "Trạm phát không hoạt động vào giờ phát (máy tắt hoặc mất điện)",
    "no_audio": "Trạm phát chưa có tệp âm thanh đã kiểm tra (không tải được)",
    "bad_audio": "Tệp âm thanh không giải mã được",
    "output": "Lỗi thiết bị phát âm thanh",
    "late": "Quá giờ phát (các mục trước phát kéo dài)",
}


@dataclass
class Playing:
    item: plan.Item
    started: datetime
    ends: datetime


class Agent:
    def __init__(
        self,
        folder: Path,
        settings: Settings,
        clock: Clock,
        output: Output,
        *,
        until: datetime | None = None,
        responsible_from: datetime | None = None,
        echo: Callable[[str], None] = print,
    ) -> None:
        self.folder, self.settings, self.clock, self.output = folder, settings, clock, output
        self.until, self.echo = until, echo
        self.store = Store(folder)
        self.cache = Cache(folder, self.store, settings.cache_bytes)
        self.syncer = Syncer(folder, settings, clock, self._sync_log)
        self.started_at = clock.now()
        installed = parse(settings.installed_at) if settings.installed_at else self.started_at
        self.responsible_from = responsible_from or installed
        self.late = timedelta(minutes=settings.late_minutes)
        self.plan = plan.Plan([], {})
        self.done: dict[str, str] = {}
        self.current: Playing | None = None
        self.rest_until = self.started_at
        self.waiting_audio: dict[str, str] = {}  # item key -> why it cannot start yet
        self.wake, self.sync_wake, self.stopping = (threading.Event() for _ in range(3))
        self._dirty = threading.Event()
        self._thread: threading.Thread | None = None

    # --- logging -----------------------------------------------------------------------------

    def say(self, kind: str, message: str, store: Store | None = None) -> None:
        at = self.clock.now()
        self.echo(f"{short(at)} {kind:5} {message}")
        (store or self.store).log(iso(at), kind, message)

    def _sync_log(self, kind: str, message: str) -> None:
        self.say(kind, message, self.syncer.store)

    # --- the loop ----------------------------------------------------------------------------

    def run(self) -> int:
        mode = "simulated" if self.clock.simulated else "real"
        self.say(
            "start",
            f"agent on {self.output.name}, {mode} clock, communes "
            f"{', '.join(self.syncer.areas) or '?'}",
        )
        self.store.put("refused", None)
        problem = self.output.probe()
        if problem:
            self.say("error", f"sound output: {problem} (items due meanwhile are reported as "
                              "not played)")  # fmt: skip
            self.store.put("last_error", {"at": iso(self.clock.now()), "message": problem})
        if self.clock.jumps:
            next_poll = self._sync_now(first=True)
        else:  # the sync runs beside the player from the start: a slow link delays no play
            self._reload()
            next_poll = self.clock.now()
            self._thread = threading.Thread(target=self._sync_loop, name="sync", daemon=True)
            self._thread.start()
        try:
            while not self.stopping.is_set():
                now = self.clock.now()
                if self.until is not None and now >= self.until:
                    break
                if self.clock.jumps and now >= next_poll:
                    next_poll = self._sync_now()
                if self._dirty.is_set():
                    self._reload()
                self._step(self.clock.now())
                wake_at = self._next_wake(self.clock.now(), next_poll)
                self.clock.wait(wake_at, self.wake)
                self.wake.clear()
        except KeyboardInterrupt:
            self.say("stop", "interrupted")
        return self._finish()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.sync_wake.set()

    def _sync_now(self, *, first: bool = False) -> datetime:
        if self.syncer.cycle() or first:
            self._reload()
        return self.clock.now() + self._interval()

    def _interval(self) -> timedelta:
        return timedelta(seconds=self.settings.poll_seconds * random.uniform(0.8, 1.2))

    def _sync_loop(self) -> None:
        first = True
        while not self.stopping.is_set():
            if not first:
                self.clock.wait(self.clock.now() + self._interval(), self.sync_wake)
                self.sync_wake.clear()
            if self.stopping.is_set():
                break
            try:
                changed = self.syncer.cycle()
            except Exception as exc:  # keep syncing whatever one cycle met
                self.syncer.error(f"sync failed: {exc!r}")
                changed = True
            if changed or first or self.waiting_audio:
                self._dirty.set()
                self.wake.set()
            first = False

    def _reload(self) -> None:
        self._dirty.clear()
        stored = self.store.playlists()
        self.plan = plan.build([(p.area, p.body) for p in stored], self.store.seen())
        self.done = self.store.done()

    # --- playing -----------------------------------------------------------------------------

    def _step(self, now: datetime) -> None:
        if self.current is not None and now >= self.current.ends:
            self._finished(self.current)
        busy = {self.current.item.key} if self.current else set()
        due = []
        for item, due_at in self.plan.due(now, {*self.done, *busy}):
            if due_at < self.responsible_from:
                continue  # before this station was set up (or the simulation began)
            if now - due_at > self.late:
                self._missed(item, due_at)
            else:
                due.append(item)
        emergency = any(i.emergency and self.cache.ready(i.sha256) for i in due)
        if self.current and not self.current.item.emergency and emergency:
            self._interrupt(now)
        if self.current is None and now >= self.rest_until:
            for item in due:
                if self._start(item, now):
                    break

    def _start(self, item: plan.Item, now: datetime) -> bool:
        data = self.cache.read_verified(item.sha256)
        if data is None:
            if item.key not in self.waiting_audio:
                self.say("wait", f"{item.label()}: audio not in the cache (yet); fetching")
            self.waiting_audio[item.key] = "no_audio"
            self.syncer.files_wanted = True
            self.sync_wake.set()
            return False
        try:
            pcm = decode(data)
            self.output.start(pcm, now, f"{item.language} {item.title}")
        except OutputError as exc:
            self.say("error", f"{item.label()}: {exc}")
            self.store.put("last_error", {"at": iso(now), "message": str(exc)})
            self._record(item, item.at, "missed", "output" if "sound" in str(exc) else "bad_audio")
            return False
        self.waiting_audio.pop(item.key, None)
        seconds = timedelta(seconds=pcm.seconds)
        self.current = Playing(item, now, now + seconds)
        self.store.put(
            "now_playing",
            {
                "title": item.title,
                "language": item.language,
                "version_id": item.version_id,
                "priority": item.priority,
                "started_at": iso(now),
                "area": item.area,
            },
        )
        late = (now - item.at).total_seconds()
        note = f" ({late:.0f} s after its time)" if late >= 30 else ""
        self.say(
            "play",
            f"{item.priority} {item.label()} → {len(item.hamlet_ids)} hamlet(s), "
            f"{pcm.seconds:.1f} s{note}",
        )
        return True

    def _finished(self, playing: Playing) -> None:
        self.output.stop(playing.ends)
        self.current = None
        self.rest_until = playing.ends + GAP
        self.store.put("now_playing", None)
        self._record(playing.item, playing.started, "played", None)

    def _interrupt(self, now: datetime) -> None:
        assert self.current is not None
        heard = self.output.stop(now)
        self.say(
            "cut",
            f"{self.current.item.label()} interrupted by an emergency after "
            f"{heard:.1f} s; it plays again after it if still in time",
        )
        self.current = None
        self.rest_until = now
        self.store.put("now_playing", None)

    def _missed(self, item: plan.Item, due_at: datetime) -> None:
        if due_at < self.started_at:
            reason = "agent_off"
        else:
            reason = self.waiting_audio.pop(item.key, "late")
        self._record(item, item.at, "missed", reason)

    def _record(self, item: plan.Item, at: datetime, outcome: str, reason: str | None) -> None:
        text = REASONS.get(reason or "", reason)
        last_error = (self.store.get("last_error") or {}).get("message")
        if reason == "no_audio" and last_error:
            text = f"{text}: {last_error}"[:500]
        events = [
            {
                "id": self._client_id(item, hamlet),
                "hamlet_id": hamlet,
                "played_at": iso(at),
                "scheduled_at": iso(item.at),
                "version_id": item.version_id,
                "schedule_id": item.schedule_id,
                "played": outcome == "played",
                **({"reason": text} if outcome != "played" else {}),
            }
            for hamlet in item.hamlet_ids
        ]
        if self.store.record(item.key, outcome, iso(at), text, events, iso(utc_now())):
            self.done[item.key] = outcome
            if outcome != "played":
                self.say("miss", f"{item.label()} at {short(item.at)} not played: {text}")

    def _client_id(self, item: plan.Item, hamlet: int) -> str:
        local = item.at.astimezone(LOCAL_TZ)
        return (
            f"st-{self.settings.uid}-{local_day(item.at).isoformat()}-{item.schedule_id}-"
            f"{item.language}-{local.strftime('%H%M%S')}-{hamlet}"
        )[:100]

    def _next_wake(self, now: datetime, next_poll: datetime) -> datetime:
        moments: list[datetime] = [now + timedelta(minutes=5)]
        if self.clock.jumps:
            moments.append(next_poll)
        if self.until is not None:
            moments.append(self.until)
        if self.current is not None:
            moments.append(self.current.ends)
        else:
            done = {*self.done}
            waiting = self.plan.due(now, done)
            if waiting:
                # The gap after a play may already be over (recording it took a while): the
                # next item then starts at once, if its audio is there to start it.
                if any(self.cache.ready(item.sha256) for item, _at in waiting):
                    moments.append(max(self.rest_until, now))
                moments += [at + self.late + timedelta(seconds=1) for _i, at in waiting]
            upcoming = self.plan.next_time(now, done)
            if upcoming is not None:
                moments.append(upcoming)
        return max(now, min(moments))

    # --- the end -----------------------------------------------------------------------------

    def _finish(self) -> int:
        end = self.until if self.until is not None else self.clock.now()
        if self.current is not None:
            self.output.stop(min(end, self.current.ends))
            self.say("stop", f"{self.current.item.label()} cut by the end of the run")
            self.current = None
        self.output.close()
        self.stopping.set()
        self.sync_wake.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
        return self._flush()

    def _flush(self) -> int:
        """Send what is waiting (a simulated run keeps trying for a while); the exit status."""
        deadline = time.monotonic() + (FINAL_SEND_S if self.clock.simulated else 5.0)
        while not self.syncer.refused and self.store.outbox_counts().get("waiting", 0):
            try:
                self.syncer.send()
                self.syncer.clear_error()
            except Refused as exc:
                self.syncer.refuse(exc)
            except (ApiError, OSError) as exc:
                self.syncer.error(f"could not send: {exc}")
                if time.monotonic() > deadline:
                    break
                time.sleep(1.0)
        if self.syncer.heartbeats and not self.syncer.refused:
            with contextlib.suppress(ApiError, OSError):  # the last word: playing nothing now
                self.syncer.heartbeat(self.clock.now())
        counts = self.store.outbox_counts()
        waiting, rejected = counts.get("waiting", 0), counts.get("rejected", 0)
        delivered = counts.get("created", 0) + counts.get("duplicate", 0)
        self.say(
            "end",
            f"confirmations: {delivered} delivered, {waiting} waiting, "
            f"{rejected} refused by the server",
        )
        self.syncer.close()
        self.store.close()
        if self.syncer.refused:
            return 3
        return 0 if waiting == 0 and rejected == 0 else 2

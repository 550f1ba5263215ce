"""``status``: what is cached and verified, the next items, confirmations waiting."""

from __future__ import annotations

from pathlib import Path

from . import plan
from .cache import Cache
from .settings import load
from .store import Store
from .timeutil import short, utc_now

NEXT = 10


def report(folder: Path) -> str:
    settings = load(folder)
    store = Store(folder)
    try:
        cache = Cache(folder, store, settings.cache_bytes)
        now = utc_now()
        current = plan.build([(p.area, p.body) for p in store.playlists()], store.seen())
        done = store.done()
        needed = current.needed_files(now)
        ready = {sha for sha in needed if cache.ready(sha)}
        state = cache.state()
        counts = store.outbox_counts()
        lines = [
            f"Station folder {folder} — server {settings.server}",
            f"Communes: {', '.join(store.get('areas') or settings.areas) or 'none'}",
            f"Last sync: {store.get('last_sync_at') or 'never'}",
        ]
        refused = store.get("refused")
        if refused:
            lines.append(refused["message"])
        error = store.get("last_error")
        if error:
            lines.append(f"Last error ({error['at']}): {error['message']}")
        for stored in store.playlists():
            lines.append(
                f"Playlist {stored.area} from {stored.first_day}: validator "
                f"{stored.etag or '-'}, fetched {stored.fetched_at}"
            )
        lines.append(
            f"Cache: {state.files} file(s), {state.used_bytes / 1e6:.1f} MB of "
            f"{state.limit_bytes / 1e6:.0f} MB, disk free {state.disk_free_bytes / 1e9:.1f} GB; "
            f"{len(ready)} of {len(needed)} file(s) still to play are verified"
        )
        lines.append("Next items:")
        upcoming = current.upcoming(now, done, NEXT)
        for item in upcoming:
            mark = "ready" if item.sha256 in ready else "NOT CACHED"
            lines.append(
                f"  {short(item.at)}  {item.priority:9} {item.label():40} "
                f"{len(item.hamlet_ids)} hamlet(s)  {mark}"
            )
        if not upcoming:
            lines.append("  (none)")
        waiting = counts.get("waiting", 0)
        lines.append(
            f"Confirmations: {waiting} waiting, {counts.get('created', 0)} recorded by the "
            f"server, {counts.get('duplicate', 0)} already known there, "
            f"{counts.get('rejected', 0)} refused"
        )
        for client_id, code, message in store.rejected(5):
            lines.append(f"  refused {client_id}: {code} {message}")
        return "\n".join(lines)
    finally:
        store.close()

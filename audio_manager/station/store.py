"""The station's memory, one SQLite file in DIR: playlists as fetched, what was played or
missed, the confirmations waiting to be sent, the cache's verified files and a short log.

Every play is written here (synchronous, in one transaction with its confirmations) before
anything is sent, so a crash, ``kill -9`` or a power cut loses nothing and sends nothing twice:
each confirmation carries its own client id and the server answers "duplicate" to a resend.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "station.sqlite3"
LOG_KEEP = 2000

SCHEMA = """
CREATE TABLE IF NOT EXISTS playlists (
    area TEXT PRIMARY KEY, first_day TEXT NOT NULL, etag TEXT, body TEXT NOT NULL,
    fetched_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS polls (area TEXT PRIMARY KEY, last_ok_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL, prev_poll_at TEXT);
CREATE TABLE IF NOT EXISTS done (
    key TEXT PRIMARY KEY, outcome TEXT NOT NULL, at TEXT NOT NULL, reason TEXT,
    recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    client_id TEXT PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL,
    created_at TEXT NOT NULL, sent_at TEXT, status TEXT, code TEXT, message TEXT);
CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (sent_at, created_at);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    verified_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
"""


@dataclass
class StoredPlaylist:
    area: str
    first_day: str
    etag: str | None
    body: dict[str, Any]
    fetched_at: str


class Store:
    """One connection, for one thread at a time (open one per thread that works at once)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self.db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a power cut keeps every recorded play
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.db.in_transaction:  # already inside one: part of it
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- state and log -----------------------------------------------------------------------

    def get(self, name: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return default if row is None or row[0] is None else json.loads(row[0])

    def put(self, name: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO state (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value, ensure_ascii=False)),
        )

    def log(self, at: str, kind: str, message: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO log (at, kind, message) VALUES (?, ?, ?)", (at, kind, message))
            db.execute("DELETE FROM log WHERE id <= (SELECT MAX(id) FROM log) - ?", (LOG_KEEP,))

    def recent_log(self, limit: int = 20) -> list[tuple[str, str, str]]:
        rows = self.db.execute(
            "SELECT at, kind, message FROM log ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [tuple(r) for r in reversed(rows)]

    # --- playlists ---------------------------------------------------------------------------

    def playlists(self) -> list[StoredPlaylist]:
        rows = self.db.execute(
            "SELECT area, first_day, etag, body, fetched_at FROM playlists ORDER BY area"
        ).fetchall()
        return [StoredPlaylist(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def playlist(self, area: str) -> StoredPlaylist | None:
        return next((p for p in self.playlists() if p.area == area), None)

    def save_playlist(
        self, area: str, first_day: str, etag: str | None, body: dict[str, Any], at: str
    ) -> None:
        self.db.execute(
            "INSERT INTO playlists (area, first_day, etag, body, fetched_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (area) DO UPDATE SET first_day = "
            "excluded.first_day, etag = excluded.etag, body = excluded.body, "
            "fetched_at = excluded.fetched_at",
            (area, first_day, etag, json.dumps(body, ensure_ascii=False), at),
        )

    def forget_playlists(self, keep: Iterable[str]) -> None:
        kept = list(keep)
        marks = ",".join("?" for _ in kept) or "''"
        self.db.execute(f"DELETE FROM playlists WHERE area NOT IN ({marks})", kept)

    def last_poll(self, area: str) -> str | None:
        row = self.db.execute("SELECT last_ok_at FROM polls WHERE area = ?", (area,)).fetchone()
        return row[0] if row else None

    def set_last_poll(self, area: str, at: str) -> None:
        self.db.execute(
            "INSERT INTO polls (area, last_ok_at) VALUES (?, ?) "
            "ON CONFLICT (area) DO UPDATE SET last_ok_at = excluded.last_ok_at",
            (area, at),
        )

    def mark_seen(self, keys: Iterable[str], at: str, prev_poll: str | None) -> None:
        self.db.executemany(
            "INSERT INTO seen (key, first_seen_at, prev_poll_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            [(key, at, prev_poll) for key in keys],
        )

    def seen(self) -> dict[str, tuple[str, str | None]]:
        rows = self.db.execute("SELECT key, first_seen_at, prev_poll_at FROM seen").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    # --- plays and confirmations -------------------------------------------------------------

    def done(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, outcome FROM done").fetchall())

    def record(
        self,
        key: str,
        outcome: str,
        at: str,
        reason: str | None,
        events: list[dict[str, Any]],
        now: str,
    ) -> bool:
        """A play (or a miss) and its confirmations, at once. False when already recorded."""
        with self.transaction() as db:
            inserted = db.execute(
                "INSERT INTO done (key, outcome, at, reason, recorded_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (key, outcome, at, reason, now),
            ).rowcount
            if not inserted:
                return False
            db.executemany(
                "INSERT INTO outbox (client_id, key, event, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO NOTHING",
                [(e["id"], key, json.dumps(e, ensure_ascii=False), now) for e in events],
            )
        return True

    def waiting(self, limit: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT event FROM outbox WHERE sent_at IS NULL ORDER BY created_at, client_id LIMIT ?",
            (limit,),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def mark_sent(self, results: list[dict[str, Any]], at: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET sent_at = ?, status = ?, code = ?, message = ? "
                "WHERE client_id = ? AND sent_at IS NULL",
                [
                    (at, r.get("status"), r.get("code"), r.get("reason"), str(r.get("id")))
                    for r in results
                ],
            )

    def outbox_counts(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT COALESCE(status, 'waiting'), COUNT(*) FROM outbox GROUP BY 1"
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def rejected(self, limit: int = 10) -> list[tuple[str, str, str]]:
        rows = self.db.execute(
            "SELECT client_id, code, message FROM outbox WHERE status = 'rejected' "
            "ORDER BY created_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [tuple(r) for r in rows]

    # --- cache -------------------------------------------------------------------------------

    def verified(self) -> dict[str, tuple[int, int]]:
        rows = self.db.execute("SELECT sha256, size, mtime_ns FROM files").fetchall()
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def set_verified(self, sha256: str, size: int, mtime_ns: int, at: str) -> None:
        self.db.execute(
            "INSERT INTO files (sha256, size, mtime_ns, verified_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, verified_at = excluded.verified_at",
            (sha256, size, mtime_ns, at),
        )

    def forget_file(self, sha256: str) -> None:
        self.db.execute("DELETE FROM files WHERE sha256 = ?", (sha256,))

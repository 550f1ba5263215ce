"""Reading the version numbers the database keeps for derived data (see models.DataVersion).

The versions are read once per transaction (one small query serves the token cache and the
playlist cache of a request). A transaction that has written may hold changes that are not
committed, so caches must not keep what it reads: ``wrote`` tells.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, event, text

from ..extensions import db

PLAYLISTS = "playlists"
ACCOUNTS = "accounts"

_QUERY = text("SELECT name, version FROM data_versions")
_VERSIONS = "audio_manager.data_versions"
_WROTE = "audio_manager.wrote"


def current(name: str) -> int:
    """The version now; it changes with every committed change to the data behind ``name``."""
    info = db.session.info
    versions = info.get(_VERSIONS)
    if versions is None:
        rows = db.session.connection().execute(_QUERY)  # Core: no ORM work for two rows
        versions = info[_VERSIONS] = {row.name: row.version for row in rows}
    return versions.get(name, 0)


def wrote() -> bool:
    """Whether the session's transaction has written anything (flushed or executed)."""
    return bool(db.session.info.get(_WROTE))


def _flushed(session: Any, _context: Any) -> None:
    session.info[_WROTE] = True


def _executed(state: Any) -> None:
    statement = state.statement
    plain_sql_write = isinstance(statement, TextClause) and not _is_select(statement.text)
    if state.is_insert or state.is_update or state.is_delete or plain_sql_write:
        state.session.info[_WROTE] = True


def _is_select(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _ended(session: Any, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_VERSIONS, None)
        session.info.pop(_WROTE, None)


def track_sessions() -> None:
    """Listen to the app's sessions (called once, by create_app)."""
    if not event.contains(db.session, "after_flush", _flushed):
        event.listen(db.session, "after_flush", _flushed)
        event.listen(db.session, "do_orm_execute", _executed)
        event.listen(db.session, "after_transaction_end", _ended)

"""Server-side login sessions: the cookie carries a random key, the database its SHA-256.

Logging out deletes the session; a password change, a change of roles or areas, and disabling
the account delete every session of the user. A copied cookie then opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import ColumnElement, exists

from ...extensions import db
from ...models import LoginSession, User
from ...models.base import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, hours: float) -> str:
    """A new session for ``user``; returns the key to keep in the cookie. The caller commits."""
    now = utcnow()
    db.session.execute(  # this user's expired sessions go when a new one starts
        db.delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at <= now
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=_hash(key),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return key


def live(key: str | None) -> ColumnElement[bool]:
    """A filter on ``User``: the session with this key is theirs and has not ended."""
    if not key:
        return db.false()
    return exists().where(
        LoginSession.user_id == User.id,
        LoginSession.key_hash == _hash(key),
        LoginSession.expires_at > utcnow(),
    )


def end(key: str | None) -> None:
    """End one session (logging out). The caller commits."""
    if key:
        db.session.execute(db.delete(LoginSession).where(LoginSession.key_hash == _hash(key)))


def end_all(user: User) -> None:
    """End every session of a user. The caller commits."""
    db.session.execute(db.delete(LoginSession).where(LoginSession.user_id == user.id))

"""Verifying bearer tokens, with the token and its user kept in a per-process cache.

Devices poll (playlists every few minutes, from thousands of communes), so a token request
should not load its user, roles and scope every time. The cache is keyed by the token's hash
and the database's ``accounts`` data version, which triggers move on with any change to users,
roles, scopes, tokens or areas (migration 0005): revoking a token or disabling a user takes
effect on the next request, in every process. Cached objects are detached copies, loaded on
the request's own connection (so in the snapshot its version was read in) by a session of
their own; each request gets them merged into its session without SQL. ``last_used_at`` is
written at most once every TOUCH_EVERY per token (judged from the value read from the
database, so a token new to a worker costs no write when another worker touched it lately): a
national poll storm then costs a few commits a second, not one per token and worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session, joinedload

from ...extensions import db
from ...lru import SizedLRU
from ...models import ApiToken
from ...models.base import utcnow
from .. import data_versions
from .accounts import REQUEST_USER, TOKEN_PREFIX, hash_token

TOUCH_EVERY = timedelta(minutes=15)
CACHE_ENTRIES = 4096

_QUERY = (
    db.select(ApiToken)
    .where(ApiToken.token_hash == db.bindparam("digest"))
    .options(joinedload(ApiToken.user).options(*REQUEST_USER))
)


@dataclass
class CachedToken:
    token: ApiToken  # detached, with its user, roles and scope loaded; never modified
    touched: datetime | None  # last_used_at as this process last wrote or read it


def cache() -> SizedLRU[CachedToken]:
    return current_app.extensions["audio_manager.token_cache"]


def verify_token(plaintext: str) -> tuple[ApiToken | None, str | None]:
    """The live token for a bearer value, or an error code (invalid_token, token_revoked...)."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None, "invalid_token"
    key = (hash_token(plaintext), data_versions.current(data_versions.ACCOUNTS))
    cached = cache().get(key)
    if cached is None:
        cached = _load(key[0])
        if cached is None:
            return None, "invalid_token"  # unknown tokens are not kept
        if not data_versions.wrote():  # what a writing transaction reads may never be committed
            cache().put(key, cached, 1)
    found = cached.token
    if found.revoked_at is not None:
        return None, "token_revoked"
    now = utcnow()
    if found.expires_at is not None and found.expires_at <= now:
        return None, "token_expired"
    if not found.user.active:
        return None, "account_disabled"
    token = db.session.merge(found, load=False)
    # Touch last_used_at at most every TOUCH_EVERY (that column alone does not move the version).
    if cached.touched is None or now - cached.touched > TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
        cached.touched = now
    return token, None


def _load(digest: str) -> CachedToken | None:
    with Session(bind=db.session.connection()) as session:
        token = session.scalars(_QUERY, {"digest": digest}).unique().one_or_none()
        if token is None:
            return None
        session.expunge_all()
    return CachedToken(token, token.last_used_at)

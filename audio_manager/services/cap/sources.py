"""Upstream CAP sources an admin registers: a URL polled with ETag / If-Modified-Since, or a
"push" source that POSTs alerts with its own token (shown once, kept as SHA-256)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import CapInbound, CapSource, CapSourceKind
from ...models.base import as_id
from .. import audit
from ..context import Actor
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "cap_"
MAX_NAME = 120
MAX_URL = 1000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get(source_id: int) -> CapSource:
    source = db.session.get(CapSource, source_id) if as_id(source_id) else None
    if source is None:
        raise NotFound(_l("No such CAP source."), code="cap_source_not_found")
    return source


def all_sources() -> list[CapSource]:
    return list(db.session.scalars(db.select(CapSource).order_by(CapSource.name)))


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise ValidationFailed(
            _l("Give the source's address, starting with http:// or https://."), code="bad_url"
        )
    return url


def create(actor: Actor, name: str, kind: str, url: str = "") -> tuple[CapSource, str | None]:
    """A new source; a push source's token is returned once (None for polled sources)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(_l("A name of 1-120 characters is required."), code="bad_name")
    if kind not in (CapSourceKind.URL, CapSourceKind.PUSH):
        raise ValidationFailed(_l("Choose how the source sends alerts."), code="bad_kind")
    if db.session.scalar(db.select(CapSource.id).where(CapSource.name == name)) is not None:
        raise Conflict(_l("A source with this name exists already."), code="duplicate_name")
    token = None
    source = CapSource(name=name, kind=kind, active=True)
    if kind == CapSourceKind.URL:
        source.url = check_url(url)
    else:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        source.push_token_hash = _hash(token)
    db.session.add(source)
    db.session.flush()
    audit.record(
        actor,
        "cap.source.create",
        object_type="cap_source",
        object_id=source.id,
        object_label=name,
        detail={"kind": kind, "url": source.url},
    )
    return source, token


def set_active(actor: Actor, source: CapSource, active: bool) -> CapSource:
    source.active = active
    audit.record(
        actor,
        "cap.source.activate" if active else "cap.source.pause",
        object_type="cap_source",
        object_id=source.id,
        object_label=source.name,
    )
    return source


def verify_push(source_id: int, token: str | None) -> CapSource:
    """The push source this token belongs to; refused alike for a wrong id or token."""
    source = db.session.get(CapSource, source_id) if as_id(source_id) else None
    if (
        source is None
        or not token
        or source.push_token_hash is None
        or not hmac.compare_digest(source.push_token_hash, _hash(token))
    ):
        raise PermissionDenied(_l("Unknown source or wrong token."), code="bad_source_token")
    if not source.active:
        raise Conflict(_l("This source is paused."), code="source_paused")
    return source


def log(source_id: int | None = None, limit: int = 200) -> list[CapInbound]:
    query = db.select(CapInbound).order_by(CapInbound.received_at.desc(), CapInbound.id.desc())
    if source_id is not None:
        query = query.where(CapInbound.source_id == source_id)
    return list(db.session.scalars(query.limit(limit)))


def for_message(message_id: int) -> list[CapInbound]:
    return list(
        db.session.scalars(
            db.select(CapInbound)
            .where(CapInbound.message_id == message_id)
            .order_by(CapInbound.received_at, CapInbound.id)
        )
    )


def suggested_scripts(message_id: int) -> dict[str, str]:
    """The latest upstream text per language, to start the message's scripts from."""
    texts: dict[str, str] = {}
    for row in for_message(message_id):
        if row.result in ("new", "update"):
            texts.update(row.texts or {})
    return texts


def area_names(area_ids: list[int]) -> str:
    from ...models import Area

    if not area_ids:
        return ""
    rows = db.session.scalars(db.select(Area.name).where(Area.id.in_(area_ids)).order_by(Area.path))
    return ", ".join(rows)

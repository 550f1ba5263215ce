"""CAP 1.2 for the outside: the Atom feed of current alerts (``/cap/feed.atom``), each alert at
its own URL, and the inbox where a push source POSTs its alerts with its own token.

The feed and alerts are readable by anyone only when an admin made them public; otherwise a
login or an API token (``Authorization: Bearer amt_…``) is needed, and the answer is private.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import api_error, public
from ..auth import bearer_value
from ..capxml import atom
from ..capxml.document import cap_time
from ..extensions import db
from ..models.base import utcnow
from ..scheduling.recurrence import LOCAL_TZ
from ..services.cap import ingest, publishing, settings, sources
from ..services.context import Actor
from ..services.errors import ServiceError

bp = Blueprint("cap", __name__, url_prefix="/cap")

CAP_MIME = "application/cap+xml; charset=utf-8"
ATOM_MIME = "application/atom+xml; charset=utf-8"


def base_url() -> str:
    return current_app.config["CAP_BASE_URL"] or request.url_root


def _reader_refused() -> Any:
    """None when the caller may read the feed; the 401 to send otherwise."""
    if settings.current().feed_public or current_user.is_authenticated:
        return None
    if g.get("token_error"):
        return api_error(401, g.token_error, _("The API token is unknown, revoked or expired."))
    return api_error(401, "unauthenticated", _("Log in or send an API token."))


def _xml(body: bytes, mimetype: str) -> Any:
    response = Response(body, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    public_feed = settings.current().feed_public
    response.headers["Cache-Control"] = "public, max-age=60" if public_feed else "private, no-cache"
    return response.make_conditional(request)


def _publish() -> None:
    publishing.sync(base_url())
    db.session.commit()


@bp.route("/feed.atom")
@public
def feed() -> Any:
    refused = _reader_refused()
    if refused is not None:
        return refused
    _publish()
    items = publishing.feed_items()
    entries = [
        atom.Entry(
            id=url_for("cap.alert", identifier=item.alert.identifier, _external=True),
            title=f"{item.alert.msg_type}: {item.title}",
            updated=item.alert.sent,
            link=url_for("cap.alert", identifier=item.alert.identifier, _external=True),
            summary=item.title,
        )
        for item in items
    ]
    updated = items[0].alert.sent if items else cap_time(utcnow(), LOCAL_TZ)
    body = atom.build(
        url_for("cap.feed", _external=True),
        settings.current().sender_name or "audio_manager CAP",
        url_for("cap.feed", _external=True),
        updated,
        entries,
    )
    return _xml(body, ATOM_MIME)


@bp.route("/alerts/<identifier>.xml")
@public
def alert(identifier: str) -> Any:
    refused = _reader_refused()
    if refused is not None:
        return refused
    _publish()
    try:
        found = publishing.by_identifier(identifier)
    except ServiceError as error:
        return api_error(error.status, error.code, str(error.message))
    return _xml(found.xml.encode("utf-8"), CAP_MIME)


@bp.route("/inbox/<int:source_id>", methods=["POST"])
@public
def inbox(source_id: int) -> Any:
    """A push source's alert (or Atom feed), sent with ``Authorization: Bearer cap_…``."""
    try:
        source = sources.verify_push(source_id, bearer_value())
    except ServiceError as error:
        return api_error(error.status, error.code, str(error.message))
    limit = current_app.config["CAP_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return api_error(413, "too_large", _("The document is too large."))
    data = request.stream.read(limit + 1)
    actor = Actor(user=None, ip=request.remote_addr, via="cap")
    rows = ingest.receive(actor, source, data)
    db.session.commit()
    body = {
        "results": [
            {"id": r.id, "result": r.result, "message_id": r.message_id, "detail": r.detail}
            for r in rows
        ]
    }
    refused = rows and all(r.result == "refused" for r in rows)
    return body, 422 if refused else 200

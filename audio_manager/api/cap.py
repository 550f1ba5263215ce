"""CAP 1.2: the alerts this office published, and (admins) upstream sources, alert files sent
in by hand and the ingest log. The alerts themselves are XML at ``/cap/alerts/<id>.xml`` and
listed by the Atom feed ``/cap/feed.atom``; polling runs from ``flask cap poll``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..access import authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role
from ..services.cap import ingest, publishing, sources
from ..services.errors import ValidationFailed
from .fields import Id

blp = Blueprint("api_cap", __name__, description="CAP 1.2 alerts out and in")


class PublishedAlertSchema(ma.Schema):
    identifier = ma.fields.String()
    sender = ma.fields.String()
    sent = ma.fields.String(metadata={"description": "As written in the alert"})
    msg_type = ma.fields.String(metadata={"description": "Alert, Update or Cancel"})
    message_id = ma.fields.Integer()
    url = ma.fields.Function(
        lambda a: url_for("cap.alert", identifier=a.identifier, _external=True)
    )


class PublishedListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PublishedAlertSchema))


class SourceSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "url (polled) or push"})
    url = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    last_polled_at = ma.fields.DateTime(allow_none=True)
    last_result = ma.fields.String(allow_none=True)
    inbox = ma.fields.Function(
        lambda s: url_for("cap.inbox", source_id=s.id, _external=True) if s.kind == "push" else None
    )


class SourceListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SourceSchema))


class NewSourceSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["url", "push"]))
    url = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class CreatedSourceSchema(ma.Schema):
    source = ma.fields.Nested(SourceSchema)
    push_token = ma.fields.String(
        allow_none=True, metadata={"description": "A push source's token, shown only this once"}
    )


class InboundSchema(ma.Schema):
    id = ma.fields.Integer()
    source_id = ma.fields.Integer()
    received_at = ma.fields.DateTime()
    result = ma.fields.String(
        metadata={
            "description": "new, update, cancel, duplicate, no_area, ignored, refused or error"
        }
    )
    detail = ma.fields.String()
    identifier = ma.fields.String(allow_none=True)
    sender = ma.fields.String(allow_none=True)
    sent = ma.fields.String(allow_none=True)
    msg_type = ma.fields.String(allow_none=True)
    headline = ma.fields.String(allow_none=True)
    message_id = ma.fields.Integer(allow_none=True)
    area_ids = ma.fields.List(ma.fields.Integer())


class InboundListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InboundSchema))


class InboundQuerySchema(ma.Schema):
    source = Id(metadata={"description": "Only this source"})
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(1, 1000))


class AlertUpload(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@blp.route("/cap/alerts")
@authenticated
@blp.response(200, PublishedListSchema)
def list_cap_alerts() -> Any:
    """The alerts published, the latest of each message first (what the Atom feed lists)."""
    publishing.sync(current_app.config["CAP_BASE_URL"] or request.url_root)
    db.session.commit()
    return {"items": [item.alert for item in publishing.feed_items()]}


@blp.route("/cap/sources")
@roles(Role.ADMIN)
@blp.response(200, SourceListSchema)
def list_cap_sources() -> Any:
    """Upstream CAP sources."""
    return {"items": sources.all_sources()}


@blp.route("/cap/sources", methods=["POST"])
@roles(Role.ADMIN)
@blp.arguments(NewSourceSchema())
@blp.response(201, CreatedSourceSchema)
def create_cap_source(args: dict[str, Any]) -> Any:
    """Register a source: polled (`kind` url, with its `url`) or push (its token is in the
    answer, once; it POSTs alerts to its `inbox` with `Authorization: Bearer <token>`)."""
    source, token = sources.create(current_actor(), args["name"], args["kind"], args["url"])
    db.session.commit()
    return {"source": source, "push_token": token}


@blp.route("/cap/sources/<int:source_id>/alerts", methods=["POST"])
@roles(Role.ADMIN)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": AlertUpload}}})
@blp.response(200, InboundListSchema)
def upload_cap_alert(source_id: int) -> Any:
    """Take in a CAP file (multipart field `file`: an alert or an Atom feed of alerts) as if
    the source sent it. Each document gets a row of the ingest log with its result; a refused
    one (too large, not XML, a DTD, not CAP) changes nothing else."""
    source = sources.get(source_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(_('Send the file as the multipart field "file".'), code="no_file")
    data = upload.stream.read(current_app.config["CAP_MAX_BYTES"] + 1)
    rows = ingest.receive(current_actor(), source, data)
    db.session.commit()
    return {"items": rows}


@blp.route("/cap/inbound")
@roles(Role.ADMIN)
@blp.arguments(InboundQuerySchema(), location="query")
@blp.response(200, InboundListSchema)
def list_cap_inbound(args: dict[str, Any]) -> Any:
    """The ingest log: every document received, newest first, and what became of it."""
    return {"items": sources.log(args.get("source"), args["limit"])}

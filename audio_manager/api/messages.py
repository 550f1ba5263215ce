"""Messages CRUD and the approval workflow on versions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role
from ..services.broadcast import schedule_scope
from ..services.messages import messages, versions, workflow
from .fields import Count, Revision
from .schemas import MessageSchema, VersionSchema

blp = Blueprint("api_messages", __name__, description="Messages and the approval workflow")

EDITORS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)


class LanguageSummary(ma.Schema):
    latest = ma.fields.Nested(VersionSchema(only=("id", "number", "status")), allow_none=True)
    current = ma.fields.Nested(VersionSchema(only=("id", "number", "status")), allow_none=True)


class MessageDetail(MessageSchema):
    revision = ma.fields.Integer(dump_only=True)
    retired_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    expired = ma.fields.Function(lambda m: m.is_expired(_now()), dump_only=True)
    languages = ma.fields.Method("dump_languages", dump_only=True)
    versions = ma.fields.Method("dump_versions", dump_only=True)

    def dump_languages(self, message: Any) -> dict[str, Any]:
        out = {}
        for variant in message.variants:
            latest = variant.versions[-1] if variant.versions else None
            out[variant.language] = LanguageSummary().dump(
                {"latest": latest, "current": variant.current_version}
            )
        return out

    def dump_versions(self, message: Any) -> list[Any]:
        schema = VersionSchema(exclude=("renditions", "source"))
        return [schema.dump(v) for variant in message.variants for v in variant.versions]


def _now() -> Any:
    from ..models.base import utcnow

    return utcnow()


class MessageSummary(MessageDetail):
    class Meta:
        exclude = ("versions",)


class MessageList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSummary))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()


class MessageQuery(ma.Schema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(
            ["draft", "pending", "approved", "rejected", "retired", "expired"]
        )
    )
    language = ma.fields.String()
    topic = ma.fields.String()
    priority = ma.fields.String(validate=ma.validate.OneOf(["normal", "priority", "emergency"]))
    waiting = ma.fields.Boolean(metadata={"description": "Only what waits for me"})
    q = ma.fields.String(metadata={"description": "Search titles, topics and scripts"})
    page = Count(1, load_default=1)
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(1, 200))


class MessageUpdate(MessageSchema):
    revision = Revision(required=True, metadata={"description": "The revision you are editing"})


class Decision(ma.Schema):
    revision = Revision(
        load_default=None, metadata={"description": "The version revision you looked at"}
    )
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=2000))


class RetireBody(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class AuditSchema(ma.Schema):
    created_at = ma.fields.DateTime()
    actor = ma.fields.String(attribute="actor_label")
    action = ma.fields.String()
    object_label = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    detail = ma.fields.Raw(allow_none=True)


@blp.route("/messages")
@roles(*READERS)
@blp.arguments(MessageQuery(), location="query")
@blp.response(200, MessageList)
def list_messages(args: dict[str, Any]) -> Any:
    """Messages, newest first, with each language's latest and current version."""
    filters = messages.Filters(
        status=args.get("status"),
        language=args.get("language"),
        topic=args.get("topic"),
        priority=args.get("priority"),
        text=args.get("q"),
        waiting_for=current_user._get_current_object() if args.get("waiting") else None,
    )
    page = messages.search(filters, page=args["page"], per_page=args["per_page"])
    return {"items": page.items, "total": page.total, "page": page.page, "pages": page.pages}


@blp.route("/messages", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(MessageSchema())
@blp.response(201, MessageDetail)
def create_message(data: dict[str, Any]) -> Any:
    """Create a message (title, topic, priority, validity window)."""
    message = messages.create(
        current_actor(),
        data["title"],
        topic=data["topic"],
        priority=data["priority"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )
    db.session.commit()
    return message


@blp.route("/messages/<int:message_id>")
@roles(*READERS)
@blp.response(200, MessageDetail)
def get_message(message_id: int) -> Any:
    """A message with its languages and every version."""
    return messages.get(message_id)


@blp.route("/messages/<int:message_id>", methods=["PATCH"])
@roles(*EDITORS)
@blp.arguments(MessageUpdate())
@blp.response(200, MessageDetail)
def update_message(data: dict[str, Any], message_id: int) -> Any:
    """Edit a message; send the `revision` you read (409 `stale` if it changed meanwhile)."""
    message = messages.update(
        current_actor(),
        messages.get(message_id),
        seen_revision=data["revision"],
        title=data["title"],
        topic=data["topic"],
        priority=data["priority"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )
    db.session.commit()
    return message


@blp.route("/messages/<int:message_id>", methods=["DELETE"])
@roles(Role.APPROVER, Role.ADMIN)
@blp.arguments(RetireBody())
@blp.response(200, MessageDetail)
def retire_message(data: dict[str, Any], message_id: int) -> Any:
    """Retire a whole message (kept in history, never played again)."""
    message = messages.retire(current_actor(), messages.get(message_id), reason=data["reason"])
    db.session.commit()
    return message


@blp.route("/messages/<int:message_id>/audit")
@roles(*READERS)
@blp.response(200, AuditSchema(many=True))
def message_audit(message_id: int) -> Any:
    """Who did what to this message and its versions, newest first."""
    messages.get(message_id)
    return schedule_scope.message_audit(current_user, message_id)


def _move(name: str, version_id: int, data: dict[str, Any]) -> Any:
    version = workflow.transition(
        current_actor(),
        versions.get(version_id),
        name,
        seen_revision=data.get("revision"),
        reason=data.get("reason"),
    )
    db.session.commit()
    return version


@blp.route("/versions/<int:version_id>/submit", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(Decision())
@blp.response(200, VersionSchema)
def submit_version(data: dict[str, Any], version_id: int) -> Any:
    """Submit a draft for approval."""
    return _move("submit", version_id, data)


@blp.route("/versions/<int:version_id>/approve", methods=["POST"])
@roles(Role.APPROVER)
@blp.arguments(Decision())
@blp.response(200, VersionSchema)
def approve_version(data: dict[str, Any], version_id: int) -> Any:
    """Approve a pending version: it becomes the current one of its language."""
    return _move("approve", version_id, data)


@blp.route("/versions/<int:version_id>/reject", methods=["POST"])
@roles(Role.APPROVER)
@blp.arguments(Decision())
@blp.response(200, VersionSchema)
def reject_version(data: dict[str, Any], version_id: int) -> Any:
    """Reject a pending version; `reason` is required."""
    return _move("reject", version_id, data)


@blp.route("/versions/<int:version_id>/retire", methods=["POST"])
@roles(Role.APPROVER, Role.ADMIN)
@blp.arguments(Decision())
@blp.response(200, VersionSchema)
def retire_version(data: dict[str, Any], version_id: int) -> Any:
    """Retire an approved version (it stops playing)."""
    return _move("retire", version_id, data)


@blp.route("/versions/<int:version_id>/restore", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(Decision())
@blp.response(201, VersionSchema)
def restore_version(data: dict[str, Any], version_id: int) -> Any:
    """Make a new draft that copies an old version."""
    copy = workflow.restore(current_actor(), versions.get(version_id), reason=data.get("reason"))
    db.session.commit()
    return copy

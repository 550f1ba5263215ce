"""Messages: one idea to communicate, in several languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Message, Priority, Role, User, Variant, Version, VersionStatus
from ...models.base import MAX_ID, as_id, utcnow
from .. import audit
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed

MAX_TITLE = 200


def get(message_id: int) -> Message:
    message = db.session.get(Message, message_id) if as_id(message_id) else None
    if message is None:
        raise NotFound(_l("No such message."), code="message_not_found")
    return message


def create(
    actor: Actor,
    title: str,
    *,
    topic: str = "",
    priority: str = Priority.NORMAL,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Message:
    title = _check_fields(title, priority, valid_from, valid_until)
    message = Message(
        title=title,
        topic=topic.strip()[:120],
        priority=priority,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by_id=actor.user.id if actor.user else None,
    )
    db.session.add(message)
    db.session.flush()
    audit.record(
        actor, "message.create", object_type="message", object_id=message.id, object_label=title
    )
    return message


def variant_for(message: Message, language: str) -> Variant:
    variant = message.variant(language)
    if variant is None:
        variant = Variant(message=message, language=language)
        db.session.add(variant)
    return variant


def _check_fields(
    title: str, priority: str, valid_from: datetime | None, valid_until: datetime | None
) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(_l("A title of 1-200 characters is required."), code="bad_title")
    if priority not in {p.value for p in Priority}:
        raise ValidationFailed(_l("Unknown priority."), code="bad_priority")
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValidationFailed(
            _l("The end of the validity window must come after its start."), code="bad_validity"
        )
    return title


def update(
    actor: Actor,
    message: Message,
    *,
    seen_revision: int | None,
    title: str,
    topic: str,
    priority: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> Message:
    """Edit the message's own fields; refused when the form was built from an older revision."""
    title = _check_fields(title, priority, valid_from, valid_until)
    if message.retired_at is not None:
        raise Conflict(_l("A retired message cannot be edited."), code="message_retired")
    before = _snapshot(message)
    result = db.session.execute(
        db.update(Message)
        .where(
            Message.id == message.id,
            Message.revision == (seen_revision if seen_revision is not None else message.revision),
        )
        .values(
            title=title,
            topic=topic.strip()[:120],
            priority=priority,
            valid_from=valid_from,
            valid_until=valid_until,
            revision=Message.revision + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _l("Someone changed this message meanwhile. Reload the page and check."), code="stale"
        )
    db.session.refresh(message)
    audit.record(
        actor,
        "message.update",
        object_type="message",
        object_id=message.id,
        object_label=message.title,
        detail={"before": before, "after": _snapshot(message)},
    )
    return message


def _snapshot(message: Message) -> dict[str, object]:
    return {
        "title": message.title,
        "topic": message.topic,
        "priority": message.priority,
        "valid_from": message.valid_from.isoformat() if message.valid_from else None,
        "valid_until": message.valid_until.isoformat() if message.valid_until else None,
    }


def retire(actor: Actor, message: Message, *, reason: str | None) -> Message:
    """Stop a whole message: it is never offered for playing again. History stays."""
    if message.retired_at is not None:
        raise Conflict(_l("This message is already retired."), code="message_retired")
    reason = (reason or "").strip() or None
    if reason is None:
        raise ValidationFailed(_l("Say why the message is retired."), code="reason_required")
    message.retired_at = utcnow()
    message.revision += 1
    audit.record(
        actor,
        "message.retire",
        object_type="message",
        object_id=message.id,
        object_label=message.title,
        reason=reason,
    )
    return message


@dataclass
class LanguageState:
    language: str
    latest: Version | None
    current: Version | None


@dataclass
class MessageRow:
    message: Message
    languages: dict[str, LanguageState]


@dataclass
class Filters:
    status: str | None = None  # a version status, or "expired" / "retired"
    language: str | None = None
    topic: str | None = None
    priority: str | None = None
    waiting_for: User | None = None
    text: str | None = None


def _latest_versions() -> Any:
    latest = (
        db.select(Version.variant_id, db.func.max(Version.number).label("number"))
        .group_by(Version.variant_id)
        .subquery()
    )
    return db.select(Version.id).join(
        latest, (Version.variant_id == latest.c.variant_id) & (Version.number == latest.c.number)
    )


def _waiting_for(user: User) -> Any:
    """Messages with something for this user to do: reviews for approvers, fixes for editors."""
    conditions = []
    if user.has_role(Role.APPROVER):
        pending = (
            db.select(Variant.message_id)
            .join(Version, Version.variant_id == Variant.id)
            .where(Version.status == VersionStatus.PENDING)
        )
        if not current_app.config["ALLOW_SELF_APPROVAL"]:
            pending = pending.where(
                (Version.created_by_id != user.id) | Version.created_by_id.is_(None)
            )
        if user.approval_languages:
            pending = pending.where(Variant.language.in_([*user.approval_languages, "multi"]))
        conditions.append(Message.id.in_(pending))
    if user.has_role(Role.EDITOR):
        rejected = (
            db.select(Variant.message_id)
            .join(Version, Version.variant_id == Variant.id)
            .where(
                Version.status == VersionStatus.REJECTED,
                Version.created_by_id == user.id,
                Version.id.in_(_latest_versions()),
            )
        )
        conditions.append(Message.id.in_(rejected))
    return db.or_(*conditions) if conditions else db.false()


def search(filters: Filters, *, page: int = 1, per_page: int = 25) -> Any:
    """A page of messages, newest first, with each language's latest and current version."""
    query = db.select(Message)
    now = utcnow()
    if filters.status == "retired":
        query = query.where(Message.retired_at.is_not(None))
    elif filters.status == "expired":
        query = query.where(
            Message.valid_until.is_not(None),
            Message.valid_until <= now,
            Message.retired_at.is_(None),
        )
    elif filters.status:
        with_status = (
            db.select(Variant.message_id)
            .join(Version, Version.variant_id == Variant.id)
            .where(Version.status == filters.status, Version.id.in_(_latest_versions()))
        )
        query = query.where(Message.id.in_(with_status))
    if filters.language:
        query = query.where(
            Message.id.in_(
                db.select(Variant.message_id).where(Variant.language == filters.language)
            )
        )
    if filters.topic:
        query = query.where(Message.topic == filters.topic)
    if filters.priority:
        query = query.where(Message.priority == filters.priority)
    if filters.waiting_for is not None:
        query = query.where(_waiting_for(filters.waiting_for))
    if filters.text:
        like = f"%{filters.text.strip()}%"
        in_scripts = (
            db.select(Variant.message_id)
            .join(Version, Version.variant_id == Variant.id)
            .where(Version.script_text.ilike(like))
        )
        query = query.where(
            db.or_(Message.title.ilike(like), Message.topic.ilike(like), Message.id.in_(in_scripts))
        )
    page = min(max(page, 1), MAX_ID // max(per_page, 1))  # an offset the database can hold
    pagination = db.paginate(
        query.order_by(Message.id.desc()), page=page, per_page=per_page, error_out=False
    )
    pagination.rows = _rows(pagination.items)
    return pagination


def _rows(items: list[Message]) -> list[MessageRow]:
    ids = [m.id for m in items]
    latest_ids = (
        set(
            db.session.scalars(
                _latest_versions()
                .join(Variant, Variant.id == Version.variant_id)
                .where(Variant.message_id.in_(ids))
            )
        )
        if ids
        else set()
    )
    latest = (
        {
            v.variant_id: v
            for v in db.session.scalars(db.select(Version).where(Version.id.in_(latest_ids)))
        }
        if latest_ids
        else {}
    )
    rows = []
    for message in items:
        states = {}
        for variant in message.variants:
            states[variant.language] = LanguageState(
                variant.language, latest.get(variant.id), variant.current_version
            )
        rows.append(MessageRow(message, states))
    return rows


def topics() -> list[str]:
    return list(
        db.session.scalars(
            db.select(Message.topic).where(Message.topic != "").distinct().order_by(Message.topic)
        )
    )

"""Messages: one idea to communicate, in several languages."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Message, Priority, Variant
from . import audit
from .context import Actor
from .errors import NotFound, ValidationFailed

MAX_TITLE = 200


def get(message_id: int) -> Message:
    message = db.session.get(Message, message_id)
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
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(_l("A title of 1-200 characters is required."), code="bad_title")
    if priority not in {p.value for p in Priority}:
        raise ValidationFailed(_l("Unknown priority."), code="bad_priority")
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValidationFailed(
            _l("The end of the validity window must come after its start."), code="bad_validity"
        )
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

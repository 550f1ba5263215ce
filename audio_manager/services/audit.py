"""Recording audit events. The caller's transaction commits them with the change they describe."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent
from .context import Actor


def record(
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    object_label: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.user.id if actor.user is not None else None,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        object_label=object_label,
        ip=actor.ip,
        reason=reason,
        detail=detail,
    )
    db.session.add(event)
    return event


def for_object(object_type: str, object_id: Any, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )

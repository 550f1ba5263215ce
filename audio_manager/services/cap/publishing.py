"""Publishing: every approved message of a published priority, valid now, has a CAP alert.

``sync`` compares each such message with its last alert: none (or a Cancel) → ``Alert``; what
it says changed (a new approved version, areas, title, validity…) → ``Update`` referencing the
alerts before it; no longer published (retired, expired, every version retired, priority
lowered) → ``Cancel``. Alerts are stored as published, so an identifier always answers the
same document. The feed and the alert pages call it first, so an approval or an expiry shows
at the next read; ``flask cap publish`` does it from cron. Two processes publishing at once
cannot both add an alert for one message: ``(message_id, seq)`` is unique and the loser skips.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...capxml import document, schema
from ...extensions import db
from ...models import CapAlert, Message, Variant, Version, VersionStatus
from ...models.base import utcnow
from ...scheduling.recurrence import LOCAL_TZ
from ...storage.base import StorageError
from ..errors import NotFound
from . import alert_content
from .settings import CapConfig, current

CANCEL_LISTED = timedelta(hours=24)  # a Cancel stays in the feed this long


class InvalidAlert(RuntimeError):
    """An alert this server made failed the CAP 1.2 schema: a bug, never published."""


def _published_now(message: Message, config: CapConfig, now: datetime) -> bool:
    return (
        message.priority in config.published_priorities()
        and message.is_playable_at(now)
        and bool(alert_content.current_voices(message))
    )


def _candidates(config: CapConfig, now: datetime) -> list[Message]:
    """Messages that may need an Alert or Update, and those whose last alert is live."""
    approved = (
        db.select(Message.id)
        .join(Variant, Variant.message_id == Message.id)
        .join(Version, Version.id == Variant.current_version_id)
        .where(
            Message.priority.in_(config.published_priorities()),
            Message.retired_at.is_(None),
            Version.status == VersionStatus.APPROVED,
        )
    )
    latest = (
        db.select(CapAlert.message_id, db.func.max(CapAlert.seq).label("seq"))
        .group_by(CapAlert.message_id)
        .subquery()
    )
    live = (
        db.select(CapAlert.message_id)
        .join(latest, (latest.c.message_id == CapAlert.message_id) & (latest.c.seq == CapAlert.seq))
        .where(CapAlert.msg_type != "Cancel")
    )
    ids = set(db.session.scalars(approved)) | set(db.session.scalars(live))
    if not ids:
        return []
    return list(db.session.scalars(db.select(Message).where(Message.id.in_(ids))))


def last_alert(message_id: int) -> CapAlert | None:
    return db.session.scalar(
        db.select(CapAlert).where(CapAlert.message_id == message_id).order_by(CapAlert.seq.desc())
    )


def _chain(message_id: int) -> list[CapAlert]:
    """The alerts since the last Cancel: what an Update or a Cancel refers to."""
    alerts = list(
        db.session.scalars(
            db.select(CapAlert).where(CapAlert.message_id == message_id).order_by(CapAlert.seq)
        )
    )
    start = max((i + 1 for i, a in enumerate(alerts) if a.msg_type == "Cancel"), default=0)
    return alerts[start:]


def _key(state: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _sent_at(message: Message, previous: CapAlert | None, now: datetime, cancel: bool) -> datetime:
    """When the change happened (an approval, a retirement, the end of validity), never later
    than now and always after the alert it follows."""
    if cancel:
        moments = [m for m in (message.retired_at, message.valid_until) if m and m <= now]
        when = min(moments) if moments else now
    else:
        decided = [v.version.decided_at for v in alert_content.current_voices(message)]
        moments = [m for m in (*decided, message.valid_from) if m is not None]
        when = max(moments) if moments else now
    when = min(when, now).replace(microsecond=0)
    if previous is not None and when <= previous.sent_at:
        when = previous.sent_at.replace(microsecond=0) + timedelta(seconds=1)
    return when


def _publish(
    message: Message, config: CapConfig, base_url: str, now: datetime, kind: str, key: str
) -> CapAlert:
    previous = last_alert(message.id)
    chain = _chain(message.id) if kind != "Alert" else []
    seq = (previous.seq if previous else 0) + 1
    sent_at = _sent_at(message, previous, now, kind == "Cancel")
    alert = document.Alert(
        identifier=f"{config.identifier_prefix}-{message.id}-{seq}",
        sender=config.sender,
        sent=document.cap_time(sent_at, LOCAL_TZ),
        msg_type=kind,
        note="" if kind != "Cancel" else _cancel_note(message, now),
        references=tuple(document.Reference(a.sender, a.identifier, a.sent) for a in chain),
        infos=tuple(alert_content.infos(message, config, base_url, now))
        if kind != "Cancel"
        else (),
    )
    xml = document.build(alert)
    problems = schema.errors(xml)
    if problems:
        raise InvalidAlert("; ".join(problems[:5]))
    row = CapAlert(
        message_id=message.id,
        seq=seq,
        identifier=alert.identifier,
        sender=alert.sender,
        sent=alert.sent,
        sent_at=sent_at,
        msg_type=kind,
        state_key=key,
        xml=xml.decode("utf-8"),
    )
    db.session.add(row)
    return row


def _cancel_note(message: Message, now: datetime) -> str:
    if message.retired_at is not None:
        return "retired"
    if message.is_expired(now):
        return "expired"
    return "withdrawn"


def sync(base_url: str, now: datetime | None = None) -> list[CapAlert]:
    """Publish what changed since the last call; the caller commits. Returns the new alerts."""
    now = now or utcnow()
    config = current()
    made = []
    for message in _candidates(config, now):
        previous = last_alert(message.id)
        live = previous is not None and previous.msg_type != "Cancel"
        if _published_now(message, config, now):
            key = _key(alert_content.state_of(message, config))
            if live and previous is not None and previous.state_key == key:
                continue
            kind = "Update" if live else "Alert"
        elif live:
            kind, key = "Cancel", "cancel"
        else:
            continue
        try:
            with db.session.begin_nested():
                made.append(_publish(message, config, base_url, now, kind, key))
        except IntegrityError:
            continue  # another process published this change first
        except (InvalidAlert, StorageError) as error:
            # One message's audio unreadable (or a bug) never keeps the others from the feed;
            # it is tried again at the next read.
            current_app.logger.error(
                "CAP alert for message %s not published: %s", message.id, error
            )
    return made


@dataclass(frozen=True)
class FeedItem:
    alert: CapAlert
    title: str


def feed_items(now: datetime | None = None) -> list[FeedItem]:
    """The latest alert of every message, newest first; a Cancel only for a day."""
    now = now or utcnow()
    latest = (
        db.select(CapAlert.message_id, db.func.max(CapAlert.seq).label("seq"))
        .group_by(CapAlert.message_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(CapAlert, Message.title)
        .join(latest, (latest.c.message_id == CapAlert.message_id) & (latest.c.seq == CapAlert.seq))
        .join(Message, Message.id == CapAlert.message_id)
        .order_by(CapAlert.sent_at.desc(), CapAlert.id.desc())
    ).all()
    return [
        FeedItem(alert, title)
        for alert, title in rows
        if alert.msg_type != "Cancel" or alert.sent_at >= now - CANCEL_LISTED
    ]


def by_identifier(identifier: str) -> CapAlert:
    alert = db.session.scalar(db.select(CapAlert).where(CapAlert.identifier == identifier[:200]))
    if alert is None:
        raise NotFound(_l("No such CAP alert."), code="cap_alert_not_found")
    return alert


def for_message(message_id: int) -> list[CapAlert]:
    return list(
        db.session.scalars(
            db.select(CapAlert).where(CapAlert.message_id == message_id).order_by(CapAlert.seq)
        )
    )

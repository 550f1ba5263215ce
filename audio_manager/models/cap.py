"""CAP 1.2: the alerts this server published (kept, so references to them stay stable), the
admin's overrides of the CAP settings, upstream sources, and every alert received from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class CapSettings(db.Model):
    """One row: what an admin changed on the CAP page; None keeps the setting's default."""

    __tablename__ = "cap_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_public: Mapped[bool | None] = mapped_column(Boolean)
    publish_priority: Mapped[bool | None] = mapped_column(Boolean)
    sender: Mapped[str | None] = mapped_column(String(200))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    identifier_prefix: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(16))
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CapAlert(db.Model):
    """One alert published for a message: Alert, then Update for each change, then Cancel.
    Its XML is kept as published, so the identifier always answers the same document."""

    __tablename__ = "cap_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… per message
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(200))
    sent: Mapped[str] = mapped_column(String(32))  # as written in the alert
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    msg_type: Mapped[str] = mapped_column(String(8))  # Alert | Update | Cancel
    # What the alert says (versions, areas, priority, validity), hashed: a change means Update.
    state_key: Mapped[str] = mapped_column(String(64))
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message = relationship("Message")

    __table_args__ = (UniqueConstraint("message_id", "seq"),)


class CapSourceKind:
    URL = "url"  # polled with ETag / If-Modified-Since
    PUSH = "push"  # alerts POSTed to it (with its token) or uploaded by an admin


class CapSource(db.Model):
    __tablename__ = "cap_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # SHA-256 of the token an upstream system sends when it POSTs alerts (shown once).
    push_token_hash: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_result: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CapInbound(db.Model):
    """One alert (or one refused document) received from a source, and what became of it."""

    __tablename__ = "cap_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("cap_sources.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # new | update | cancel | duplicate | no_area | ignored | refused
    result: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    identifier: Mapped[str | None] = mapped_column(String(255))
    sender: Mapped[str | None] = mapped_column(String(255))
    sent: Mapped[str | None] = mapped_column(String(64))
    msg_type: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(16))
    references: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(String(400))
    url: Mapped[str | None] = mapped_column(String(1000))
    size: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    area_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Our language code → the alert's text in it, ready for speech.
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    source: Mapped[CapSource] = relationship()
    message = relationship("Message")

    __table_args__ = (
        Index("ix_cap_inbound_source_received", "source_id", "received_at"),
        Index("ix_cap_inbound_identity", "sender", "identifier"),
    )

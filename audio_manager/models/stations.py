"""Broadcast stations: the agent on a commune's playback PC, known by its API token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Station(db.Model):
    """Created by the first heartbeat of a token; each heartbeat refreshes what it reports."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    agent_version: Mapped[str] = mapped_column(String(40), default="")
    platform: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str | None] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What the agent reported (its clock is simulated in a simulated run).
    clock_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    playlist_validator: Mapped[str] = mapped_column(String(400), default="")
    cache_free_bytes: Mapped[int | None] = mapped_column(BigInteger)
    cache_used_bytes: Mapped[int | None] = mapped_column(BigInteger)
    now_playing: Mapped[str | None] = mapped_column(Text)  # "language «title»", or none
    waiting_confirmations: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    token = relationship("ApiToken")
    user = relationship("User")

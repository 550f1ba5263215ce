"""Speech settings and records: provider keys (encrypted), per-language preferences, the
lexicons the normaliser reads, the clip cache of paid requests, and monthly usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SpeechProvider(db.Model):
    """An admin's settings for one contracted engine. The key is stored encrypted (Fernet,
    keyed by the server's speech secret) and never shown again once saved."""

    __tablename__ = "speech_providers"

    engine: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_cipher: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(64), default="")
    endpoint: Mapped[str] = mapped_column(String(300), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SpeechLanguageSetting(db.Model):
    """Per broadcast language: engines in order of preference, the default voice and speed,
    the sentence voice samples read, and whether draft-only voices are offered."""

    __tablename__ = "speech_language_settings"

    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    engine_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_engine: Mapped[str | None] = mapped_column(String(32))
    default_voice: Mapped[str | None] = mapped_column(String(64))
    default_speed: Mapped[float] = mapped_column(Float, default=1.0)
    sample_text: Mapped[str] = mapped_column(Text, default="")
    allow_draft_voices: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LexiconEntry(db.Model):
    """A written form (an abbreviation, a place or office name) and how it is read."""

    __tablename__ = "speech_lexicon"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    written: Mapped[str] = mapped_column(String(120))
    spoken: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("language", "written"),)


class SpeechClip(db.Model):
    """The audio a paid engine sent for one request (engine, voice, speed setting, text), kept
    in storage so the same request is never paid for twice."""

    __tablename__ = "speech_clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    engine: Mapped[str] = mapped_column(String(32))
    voice: Mapped[str] = mapped_column(String(64))
    setting: Mapped[str] = mapped_column(String(16))
    characters: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SpeechUsage(db.Model):
    """Characters sent to a paid engine in a month (local time), and how many requests."""

    __tablename__ = "speech_usage"

    engine: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    characters: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "month": self.month, "characters": self.characters}

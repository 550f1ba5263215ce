"""Messages, their per-language variants, and immutable numbered versions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Priority(enum.StrEnum):
    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"


class SourceKind(enum.StrEnum):
    TTS = "tts"
    UPLOAD = "upload"
    BULLETIN = "bulletin"


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(120), default="", index=True)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on every edit: a form built from an older revision is refused as stale.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Opt-in: its versions are also rendered as social videos (costly in CPU).
    social_video: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    created_by = relationship("User", foreign_keys=[created_by_id])
    variants: Mapped[list[Variant]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Variant.id"
    )

    def variant(self, language: str) -> Variant | None:
        return next((v for v in self.variants if v.language == language), None)

    def is_expired(self, at: datetime) -> bool:
        return self.valid_until is not None and at >= self.valid_until

    def is_playable_at(self, at: datetime) -> bool:
        """Never played outside its validity window, nor once retired."""
        if self.retired_at is not None or self.is_expired(at):
            return False
        return self.valid_from is None or at >= self.valid_from


class Variant(db.Model):
    """A message in one language; points at its current approved version."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", use_alter=True, ondelete="SET NULL")
    )

    message: Mapped[Message] = relationship(back_populates="variants")
    versions: Mapped[list[Version]] = relationship(
        back_populates="variant", order_by="Version.number", foreign_keys="Version.variant_id"
    )
    current_version: Mapped[Version | None] = relationship(foreign_keys=[current_version_id])

    __table_args__ = (UniqueConstraint("message_id", "language"),)


class Version(db.Model):
    """One take of a variant. Immutable once submitted; numbered 1, 2, 3… per variant."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT, index=True)
    source_kind: Mapped[str] = mapped_column(String(16))
    script_text: Mapped[str | None] = mapped_column(Text)
    engine: Mapped[str | None] = mapped_column(String(32))
    voice: Mapped[str | None] = mapped_column(String(32))
    speed: Mapped[float | None] = mapped_column(Float)
    # What the voice read: the script after the normaliser (abbreviations, numbers, dates…).
    spoken_text: Mapped[str | None] = mapped_column(Text)
    # The engine tried first when another one made the speech, and why it was not used.
    fallback_from: Mapped[str | None] = mapped_column(String(32))
    fallback_reason: Mapped[str | None] = mapped_column(String(64))
    # Made with a voice unfit for broadcast (offline Mandarin): never submitted for approval.
    draft_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source_filename: Mapped[str | None] = mapped_column(String(255))
    # The original upload or the raw speech, kept as it came.
    source_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    # Bulletins: the gap between parts, in seconds.
    gap_seconds: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every change of state; a stale form or a concurrent approver is detected by it.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    restored_from_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    retire_reason: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    retired_by = relationship("User", foreign_keys=[retired_by_id])

    variant: Mapped[Variant] = relationship(back_populates="versions", foreign_keys=[variant_id])
    source_asset = relationship("Asset", foreign_keys=[source_asset_id])
    renditions = relationship(
        "Rendition", back_populates="version", cascade="all, delete-orphan", order_by="Rendition.id"
    )
    parts: Mapped[list[BulletinPart]] = relationship(
        cascade="all, delete-orphan",
        order_by="BulletinPart.position",
        foreign_keys="BulletinPart.version_id",
    )
    jobs = relationship("RenderJob", back_populates="version", order_by="RenderJob.id")
    contributor_rows: Mapped[list[VersionContributor]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="VersionContributor.at",
        back_populates="version",
    )

    __table_args__ = (UniqueConstraint("variant_id", "number"),)

    @property
    def contributor_ids(self) -> set[int]:
        return {row.user_id for row in self.contributor_rows}

    @property
    def language(self) -> str:
        return self.variant.language

    @property
    def is_current(self) -> bool:
        return self.variant.current_version_id == self.id

    @property
    def latest_job(self) -> object | None:
        """The latest job making its audio (social video jobs are apart: see social_job)."""
        return next((j for j in reversed(self.jobs) if j.kind == "audio"), None)

    @property
    def social_job(self) -> object | None:
        return next((j for j in reversed(self.jobs) if j.kind == "social"), None)

    def rendition(self, profile: str) -> object | None:
        return next((r for r in self.renditions if r.profile == profile), None)


class VersionContributor(db.Model):
    """Someone who made or changed what a version says or sounds like (created it, re-spoke
    it, restored it, or wrote a part of its bulletin). None of them may approve it."""

    __tablename__ = "version_contributors"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # created | edited | restored | part
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    version: Mapped[Version] = relationship(back_populates="contributor_rows")
    user = relationship("User", lazy="joined")


class BulletinPart(db.Model):
    """One version inside a bulletin, in order (e.g. Kinh, then Hoa, then Khmer)."""

    __tablename__ = "bulletin_parts"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))

    part_version: Mapped[Version] = relationship(foreign_keys=[part_version_id])

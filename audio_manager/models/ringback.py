"""Ringback tones: carriers, releases of a version on a carrier, installs, targets, imports.

A phone number is never stored in clear: an install keeps an HMAC of the normalised number
(keyed by a server secret) to count each phone and tone once, and a masked form for display.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Carrier(db.Model):
    """A mobile network with its upload profile and the install instructions subscribers follow.

    Templates (``sms_template``, ``ussd_template``, ``instructions``) hold placeholders such as
    ``{code}`` that a release's content code fills in.
    """

    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Upload profile: the rendition it starts from, then the carrier's encoding and length cap.
    source_profile: Mapped[str] = mapped_column(String(32), default="ringback")
    codec: Mapped[str] = mapped_column(String(16), default="mp3")
    bitrate_kbps: Mapped[int | None] = mapped_column(Integer, default=128)
    sample_rate: Mapped[int] = mapped_column(Integer, default=44100)
    max_duration_s: Mapped[float] = mapped_column(Float, default=30.0)
    # How subscribers install a tone.
    sms_number: Mapped[str] = mapped_column(String(20), default="")
    sms_template: Mapped[str] = mapped_column(String(160), default="")
    ussd_template: Mapped[str] = mapped_column(String(80), default="")
    app_name: Mapped[str] = mapped_column(String(120), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    def __repr__(self) -> str:
        return f"<Carrier {self.code}>"


class ReleaseStatus(enum.StrEnum):
    PREPARED = "prepared"
    SUBMITTED = "submitted"
    LIVE = "live"
    WITHDRAWN = "withdrawn"


class RingbackRelease(db.Model):
    """An approved version's ringback rendition packaged for one carrier (audio in the carrier's
    profile plus a metadata sheet, as a ZIP), with the carrier's content code once known."""

    __tablename__ = "ringback_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReleaseStatus.PREPARED, index=True)
    content_code: Mapped[str | None] = mapped_column(String(40))
    audio_asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    package_asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change; a stale form or a concurrent change is detected by it.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    version = relationship("Version")
    carrier: Mapped[Carrier] = relationship(lazy="joined")
    audio_asset = relationship("Asset", foreign_keys=[audio_asset_id])
    package_asset = relationship("Asset", foreign_keys=[package_asset_id])
    prepared_by = relationship("User")

    __table_args__ = (UniqueConstraint("carrier_id", "content_code"),)

    @property
    def label(self) -> str:
        """The tone as people name it: title · language · carrier code."""
        variant = self.version.variant
        code = self.content_code or "—"
        return f"{variant.message.title} · {variant.language} · {self.carrier.name} {code}"


class Install(db.Model):
    """One phone with one released tone. The same phone and tone are one row, whatever the
    number of reports; an uninstall sets ``removed_on`` and a later install clears it."""

    __tablename__ = "installs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hmac: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str] = mapped_column(String(16))
    release_id: Mapped[int] = mapped_column(ForeignKey("ringback_releases.id"))
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)  # the unit
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_name: Mapped[str | None] = mapped_column(String(200))
    installed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # self | import | api
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("install_imports.id", ondelete="SET NULL")
    )
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    release: Mapped[RingbackRelease] = relationship()
    area = relationship("Area")

    __table_args__ = (
        UniqueConstraint("phone_hmac", "release_id"),
        Index("ix_installs_carrier_dates", "carrier_id", "installed_on", "removed_on"),
        Index("ix_installs_release", "release_id"),
        Index("ix_installs_user", "user_id"),
    )


class InstallTarget(db.Model):
    """How many phones a unit aims for (e.g. its number of staff)."""

    __tablename__ = "install_targets"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    area = relationship("Area", lazy="joined")


class ImportStatus(enum.StrEnum):
    READY = "ready"  # previewed; waiting for the user to commit
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InstallImport(db.Model):
    """An uploaded list of installs: parsed and validated whole at upload (its rows wait in
    ``install_import_rows``, without any phone number in clear), then committed by a job."""

    __tablename__ = "install_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While running: the process writing it ("host:pid") and, where progress can be written
    # beside the import's own transaction (PostgreSQL), a lease each batch renews. A running
    # import whose worker is gone is queued again (its transaction left nothing behind).
    worker: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User", foreign_keys=[created_by_id])
    committed_by = relationship("User", foreign_keys=[committed_by_id])


class InstallImportRow(db.Model):
    """One validated line of an import waiting to be committed (HMAC and mask only)."""

    __tablename__ = "install_import_rows"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("install_imports.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(12))  # install | uninstall
    phone_hmac: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str] = mapped_column(String(16))
    release_id: Mapped[int] = mapped_column(ForeignKey("ringback_releases.id"))
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    staff_name: Mapped[str | None] = mapped_column(String(200))
    happened_on: Mapped[date] = mapped_column(Date)


class KeyFingerprint(db.Model):
    """An HMAC of a fixed text under a server secret: tells whether every server uses the same
    key (a different phone key would count the same phones again) without revealing it."""

    __tablename__ = "key_fingerprints"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))

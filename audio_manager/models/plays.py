"""Confirmed broadcasts (and confirmed non-broadcasts, with their reason)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class PlayEvent(db.Model):
    __tablename__ = "play_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The reporter's own id for the event: sending the same batch twice records it once.
    client_event_id: Mapped[str] = mapped_column(String(100))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # the hamlet
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # Roll-ups kept at insert so reports group inside the database on indexed columns.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    played_at: Mapped[datetime] = mapped_column(UTCDateTime())
    played_on: Mapped[date] = mapped_column(Date)  # the local (Asia/Ho_Chi_Minh) day
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    language: Mapped[str] = mapped_column(String(16))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    played: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was not played
    unscheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # page | device | import | station
    # The scheduled moment this play answers (scheduled plays): one broadcast, one count,
    # whichever way (the Today page, CSV, a device, the station agent) it was confirmed.
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    area = relationship("Area", foreign_keys=[area_id])
    message = relationship("Message")

    __table_args__ = (
        UniqueConstraint("reported_by_id", "client_event_id"),
        Index("ix_play_events_played_at", "played_at"),
        Index("ix_play_events_area_played", "area_id", "played_at"),
        Index("ix_play_events_commune_played", "commune_id", "played_at"),
        Index("ix_play_events_schedule", "schedule_id", "played_at"),
        Index("ix_play_events_on_province", "played_on", "province_id", "language"),
        Index("ix_play_events_on_commune", "played_on", "commune_id", "language"),
        Index(
            "uq_play_events_occurrence",
            "schedule_id",
            "area_id",
            "language",
            "occurrence_at",
            unique=True,
        ),
        Index("ix_play_events_station", "station_id", "played_on"),
    )

"""Broadcast schedules: a message in a set of areas, at times of day, on a recurrence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Schedule(db.Model):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    # None: follow the message's current approved version in each language.
    pinned_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    rrule: Mapped[str] = mapped_column(String(1000))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    times: Mapped[list[str]] = mapped_column(JSON)  # local "HH:MM", Asia/Ho_Chi_Minh
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    message = relationship("Message")
    pinned_version = relationship("Version")
    created_by = relationship("User")
    target_rows: Mapped[list[ScheduleTarget]] = relationship(
        cascade="all, delete-orphan", back_populates="schedule", lazy="selectin"
    )

    __table_args__ = (Index("ix_schedules_dates", "start_date", "end_date"),)

    @property
    def targets(self) -> list[Any]:
        return [row.area for row in self.target_rows]


class ScheduleTarget(db.Model):
    """An area a schedule plays in, at any level; it reaches every hamlet below it."""

    __tablename__ = "schedule_targets"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    schedule: Mapped[Schedule] = relationship(back_populates="target_rows")
    area = relationship("Area", lazy="joined")

"""Daily roll-ups of play events, kept in step with every insert so reports add up a few
rows per day and area instead of counting millions of events.

They are derived data (``flask playlists rebuild-counts`` makes them again from play_events,
which holds the foreign keys), so they carry no foreign keys of their own: checking four per
row would cost more than the roll-up itself.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class _Counts:
    """What every roll-up row holds besides its key: the area path above the key's area (for
    grouping and scoping) and the two counts."""

    played_on: Mapped[date] = mapped_column(Date)  # the local day
    language: Mapped[str] = mapped_column(String(16))
    unscheduled: Mapped[bool] = mapped_column(Boolean)
    # None only for a hamlet with no area of the commune level above it (an unusual tree):
    # such rows are never merged (NULL is never equal), which costs rows, not correctness.
    commune_id: Mapped[int | None] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(Integer)
    province_id: Mapped[int | None] = mapped_column(Integer)
    plays: Mapped[int] = mapped_column(Integer)  # confirmed played
    misses: Mapped[int] = mapped_column(Integer)  # confirmed not played


class PlayCount(_Counts, db.Model):
    """Per day, commune, message, language, source and scheduled-or-not."""

    __tablename__ = "play_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint(
            "played_on", "commune_id", "message_id", "language", "source", "unscheduled"
        ),
        Index("ix_play_counts_province", "province_id", "played_on"),
        Index("ix_play_counts_district", "district_id", "played_on"),
        Index("ix_play_counts_commune", "commune_id", "played_on"),
    )


class HamletPlayCount(_Counts, db.Model):
    """Per day, hamlet, language and scheduled-or-not (no message): for hamlet rows and for
    counting the hamlets reached."""

    __tablename__ = "hamlet_play_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer)  # the hamlet

    __table_args__ = (
        UniqueConstraint("played_on", "area_id", "language", "unscheduled"),
        Index("ix_hamlet_play_counts_province", "province_id", "played_on"),
        Index("ix_hamlet_play_counts_commune", "commune_id", "played_on"),
    )

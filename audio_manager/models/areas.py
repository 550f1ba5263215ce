"""The area tree: province › (district) › commune › hamlet."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Area(db.Model):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # Materialised path of ids, "/1/7/42/", so a subtree is one range of the index (compared
    # byte by byte: COLLATE "C" on PostgreSQL, see subtree()).
    path: Mapped[str] = mapped_column(
        String(400).with_variant(String(400, collation="C"), "postgresql"), default="", index=True
    )

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent", order_by="Area.name")
    language_rows: Mapped[list[AreaLanguage]] = relationship(
        order_by="AreaLanguage.position",
        cascade="all, delete-orphan",
        back_populates="area",
    )

    __table_args__ = (Index("ix_areas_parent_name", "parent_id", "name"),)

    @property
    def languages(self) -> list[str]:
        """The ordered languages a hamlet broadcasts in."""
        return [row.language for row in self.language_rows]

    def set_languages(self, languages: list[str]) -> None:
        self.language_rows = [
            AreaLanguage(language=code, position=index) for index, code in enumerate(languages)
        ]

    @staticmethod
    def subtree(path: str) -> ColumnElement[bool]:
        """Areas at or below the one with this path, as an index range (no LIKE: with a bound
        parameter PostgreSQL cannot turn a LIKE prefix into an index range)."""
        return and_(Area.path >= path, Area.path < path[:-1] + chr(ord(path[-1]) + 1))

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def __repr__(self) -> str:
        return f"<Area {self.level} {self.code or self.id} {self.name!r}>"


class AreaLanguage(db.Model):
    __tablename__ = "area_languages"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    area: Mapped[Area] = relationship(back_populates="language_rows")

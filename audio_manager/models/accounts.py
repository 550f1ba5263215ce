"""People, their roles and area scopes, and API tokens."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .areas import Area
from .base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    APPROVER = "approver"
    OPERATOR = "operator"
    VIEWER = "viewer"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Part of the session id: rotating it (password change, disable) ends every other session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", back_populates="user", lazy="selectin"
    )
    scope_rows: Mapped[list[UserArea]] = relationship(
        cascade="all, delete-orphan", back_populates="user", lazy="selectin"
    )
    approval_language_rows: Mapped[list[ApprovalLanguage]] = relationship(
        cascade="all, delete-orphan", back_populates="user", lazy="selectin"
    )
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", foreign_keys="ApiToken.user_id", order_by="ApiToken.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        mine = {row.role for row in self.role_rows}
        return any(str(role) in mine for role in roles)

    @property
    def approval_languages(self) -> list[str]:
        """Languages this approver is assigned to; empty means every language."""
        return sorted(row.language for row in self.approval_language_rows)

    @property
    def scope_areas(self) -> list[Area]:
        return [row.area for row in self.scope_rows]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserArea(db.Model):
    """An area a user is limited to (operators: their communes; viewers: optional)."""

    __tablename__ = "user_areas"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )

    user: Mapped[User] = relationship(back_populates="scope_rows")
    area: Mapped[Area] = relationship(lazy="joined")


class ApprovalLanguage(db.Model):
    """A language an approver reviews (none assigned: all languages)."""

    __tablename__ = "approval_languages"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="approval_language_rows")


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random key; only its SHA-256 is stored, and
    logging out deletes the row, so a copied cookie is worthless afterwards."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(db.Model):
    """A bearer token for a device or script. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens", foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("token_hash"),)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

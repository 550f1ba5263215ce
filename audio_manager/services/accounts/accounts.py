"""Users, roles, area scopes, passwords, login throttling and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...models import ApiToken, ApprovalLanguage, Area, AuditEvent, Role, User, UserArea, UserRole
from ...models.accounts import new_session_token
from ...models.base import utcnow
from .. import audit
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from . import passwords, sessions

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
TOKEN_PREFIX = "amt_"
LOGIN_FAILED = "auth.login_failed"
# Compared against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


# What every request needs of its user (roles, scope) in the query that finds it.
REQUEST_USER = (
    joinedload(User.role_rows),
    joinedload(User.scope_rows),
    lazyload(User.approval_language_rows),
)


def end_sessions(user: User) -> None:
    """Every login session of the user ends (a copied cookie opens nothing afterwards)."""
    user.session_token = new_session_token()
    sessions.end_all(user)


def request_user(user_id: int, session_key: str | None = None) -> User | None:
    """The user of a live login session, with roles and scope, in one query."""
    query = (
        db.select(User).where(User.id == user_id, sessions.live(session_key)).options(*REQUEST_USER)
    )
    return db.session.scalars(query).unique().one_or_none()


def normalise_username(username: str) -> str:
    return username.strip().lower()


def validate_password(password: str, username: str | None = None) -> None:
    """Refuse short, common and trivial passwords (NIST SP 800-63B)."""
    passwords.check(password, username)


def parse_roles(names: Iterable[str]) -> list[Role]:
    parsed = []
    for name in names:
        try:
            parsed.append(Role(name.strip().lower()))
        except ValueError:
            raise ValidationFailed(
                _l("Unknown role: %(role)s", role=name), code="unknown_role"
            ) from None
    if not parsed:
        raise ValidationFailed(_l("Choose at least one role."), code="no_role")
    return sorted(set(parsed))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == normalise_username(username)))


def _set_review_languages(user: User, codes: Iterable[str]) -> list[str]:
    from ... import languages

    cleaned = sorted({code for code in codes if code})
    unknown = [code for code in cleaned if languages.get(code) is None]
    if unknown:
        raise ValidationFailed(
            _l("Unknown language: %(codes)s", codes=", ".join(unknown)), code="unknown_language"
        )
    user.approval_language_rows = [ApprovalLanguage(language=code) for code in cleaned]
    return cleaned


def _set_scope(user: User, areas: Iterable[Area]) -> None:
    user.scope_rows = [UserArea(area_id=area.id) for area in {a.id: a for a in areas}.values()]


def _check_scope(roles: list[Role], areas: list[Area]) -> None:
    if Role.OPERATOR in roles and not areas:
        raise ValidationFailed(
            _l("An operator must be given at least one commune."), code="operator_without_area"
        )


def create_user(
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[str],
    *,
    display_name: str = "",
    areas: Iterable[Area] = (),
    review_languages: Iterable[str] = (),
) -> User:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            _l("A username is 2-80 characters: letters, digits, dot, dash or underscore."),
            code="bad_username",
        )
    if find_user(username) is not None:
        raise Conflict(_l("The username %(name)s is taken.", name=username), code="username_taken")
    validate_password(password, username)
    parsed = parse_roles(roles)
    areas = list(areas)
    _check_scope(parsed, areas)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=generate_password_hash(password),
    )
    user.role_rows = [UserRole(role=str(role)) for role in parsed]
    db.session.add(user)
    db.session.flush()
    _set_scope(user, areas)
    reviews = _set_review_languages(user, review_languages)
    audit.record(
        actor,
        "user.create",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
        detail={
            "roles": [str(r) for r in parsed],
            "areas": [a.id for a in areas],
            "review_languages": reviews,
        },
    )
    return user


def update_user(
    actor: Actor,
    user: User,
    *,
    display_name: str,
    roles: Iterable[str],
    areas: Iterable[Area],
    active: bool,
    review_languages: Iterable[str] = (),
) -> User:
    parsed = parse_roles(roles)
    areas = list(areas)
    _check_scope(parsed, areas)
    if actor.user is not None and actor.user.id == user.id:
        if not active:
            raise ValidationFailed(_l("You cannot disable your own account."), code="self_disable")
        if Role.ADMIN not in parsed:
            raise ValidationFailed(_l("You cannot remove your own admin role."), code="self_demote")
    before = {
        "roles": sorted(str(r) for r in user.roles),
        "areas": sorted(row.area_id for row in user.scope_rows),
        "active": user.active,
        "review_languages": user.approval_languages,
    }
    user.display_name = display_name.strip() or user.username
    user.role_rows = [UserRole(role=str(role)) for role in parsed]
    _set_scope(user, areas)
    changed_access = before["roles"] != sorted(str(r) for r in parsed) or before["areas"] != sorted(
        a.id for a in areas
    )
    if (user.active and not active) or changed_access:
        end_sessions(user)  # disabled, or other rights: sign in again
    user.active = active
    after = {
        "roles": sorted(str(r) for r in parsed),
        "areas": sorted(a.id for a in areas),
        "active": active,
        "review_languages": _set_review_languages(user, review_languages),
    }
    audit.record(
        actor,
        "user.update",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
        detail={"before": before, "after": after},
    )
    return user


def set_password(
    actor: Actor, user: User, new_password: str, *, current: str | None = None
) -> None:
    """Change a password; with ``current`` the user must prove they know the old one."""
    if current is not None and not check_password_hash(user.password_hash, current):
        raise ValidationFailed(_l("The current password is wrong."), code="wrong_password")
    validate_password(new_password, user.username)
    user.password_hash = generate_password_hash(new_password)
    end_sessions(user)
    audit.record(
        actor, "user.password", object_type="user", object_id=user.id, object_label=user.username
    )


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None  # invalid | disabled | throttled


def _recent_failures(username: str, ip: str | None, window: timedelta) -> tuple[int, int]:
    since = utcnow() - window
    base = db.select(func.count(AuditEvent.id)).where(
        AuditEvent.action == LOGIN_FAILED, AuditEvent.created_at >= since, AuditEvent.ip == ip
    )
    pair = db.session.scalar(base.where(AuditEvent.object_label == username)) or 0
    from_ip = db.session.scalar(base) or 0
    return pair, from_ip


def authenticate(
    username: str, password: str, ip: str | None, *, max_failures: int, window_minutes: int
) -> LoginResult:
    """Check a login. Records success and failure; refuses while an account+address is throttled."""
    username = normalise_username(username)
    window = timedelta(minutes=window_minutes)
    pair, from_ip = _recent_failures(username, ip, window)
    user = find_user(username)
    system = Actor(user=None, ip=ip, via="web")
    if pair >= max_failures or from_ip >= max_failures * 4:
        audit.record(system, "auth.login_throttled", object_type="user", object_label=username)
        return LoginResult(None, "throttled")
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok:
        audit.record(
            system,
            LOGIN_FAILED,
            object_type="user",
            object_id=user.id if user else None,
            object_label=username,
        )
        return LoginResult(None, "invalid")
    if not user.active:
        audit.record(
            system,
            "auth.login_disabled",
            object_type="user",
            object_id=user.id,
            object_label=username,
        )
        return LoginResult(None, "disabled")
    user.last_login_at = utcnow()
    audit.record(
        Actor(user=user, ip=ip),
        "auth.login",
        object_type="user",
        object_id=user.id,
        object_label=username,
    )
    return LoginResult(user)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    actor: Actor, user: User, name: str, *, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; the plaintext is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed(_l("Give the token a name of 1-120 characters."), code="bad_name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(plaintext),
        created_by_id=actor.user.id if actor.user else None,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.create",
        object_type="api_token",
        object_id=token.id,
        object_label=f"{user.username}/{name}",
    )
    return token, plaintext


def revoke_token(actor: Actor, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(
        actor,
        "token.revoke",
        object_type="api_token",
        object_id=token.id,
        object_label=f"{token.user.username}/{token.name}",
    )


def list_users() -> list[User]:
    return list(db.session.scalars(db.select(User).order_by(User.username)))

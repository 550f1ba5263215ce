"""Browsing the area tree, scoping it to a user, and editing a hamlet's languages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_

from ... import languages
from ...extensions import db
from ...models import Area, Role, User
from .. import audit
from ..context import Actor
from ..errors import NotFound, ValidationFailed
from .area_levels import Levels
from .folding import fold

UNSCOPED_ROLES = (Role.ADMIN, Role.EDITOR, Role.APPROVER)


def scope_of(user: User) -> list[Area] | None:
    """The areas a user is limited to, or None when they see every area.

    Admins, editors and approvers see everything; operators see only their communes; viewers
    see everything unless they were given areas.
    """
    if user.has_role(*UNSCOPED_ROLES):
        return None
    scope = user.scope_areas
    if user.has_role(Role.OPERATOR) or scope:
        return scope
    return None


def restrict(query: Select, user: User) -> Select:
    """Limit an ``Area`` query to the subtrees the user may see."""
    scope = scope_of(user)
    if scope is None:
        return query
    if not scope:
        return query.where(db.false())
    return query.where(or_(*(Area.subtree(area.path) for area in scope)))


class HasPath(Protocol):
    @property
    def path(self) -> str: ...


def can_see(user: User, area: HasPath) -> bool:
    return visible_paths(user).admits(area)


@dataclass(frozen=True)
class VisiblePaths:
    """The subtrees a user may see, as path prefixes (``None``: everything); computed once and
    asked for many areas, e.g. every event of a batch of plays."""

    prefixes: tuple[str, ...] | None

    def admits(self, area: HasPath) -> bool:
        return self.prefixes is None or area.path.startswith(self.prefixes)


def visible_paths(user: User) -> VisiblePaths:
    scope = scope_of(user)
    return VisiblePaths(None if scope is None else tuple(root.path for root in scope))


def get_visible(user: User, area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not can_see(user, area):
        raise NotFound(_l("No such area."))
    return area


def by_code(code: str) -> Area | None:
    return db.session.scalar(db.select(Area).where(Area.code == code))


def unknown_code(code: str) -> NotFound:
    """Unknown and out-of-scope codes get the same answer: nothing about hidden areas leaks."""
    return NotFound(_l("Unknown area: %(code)s", code=code), code="unknown_area")


def visible_by_code(user: User, code: str) -> Area:
    area = by_code(code)
    if area is None or not can_see(user, area):
        raise unknown_code(code)
    return area


def roots_for(user: User) -> list[Area]:
    """The top of the tree this user sees: the provinces, or their own scope areas."""
    scope = scope_of(user)
    if scope is not None:
        return sorted(scope, key=lambda a: a.name)
    return list(
        db.session.scalars(db.select(Area).where(Area.parent_id.is_(None)).order_by(Area.name))
    )


def ancestors(area: Area) -> list[Area]:
    ids = area.ancestor_ids()
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(db.select(Area).where(Area.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def search(
    user: User,
    *,
    level: str | None = None,
    parent: Area | None = None,
    code: str | None = None,
    text: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[Area], int]:
    query = restrict(db.select(Area), user)
    if level:
        query = query.where(Area.level == level)
    if parent is not None:
        query = query.where(Area.parent_id == parent.id)
    if code:
        query = query.where(Area.code == code)
    if text and fold(text) != text.strip().lower():  # typed with diacritics: as typed
        like = f"%{text.strip()}%"
        query = query.where(or_(Area.name.ilike(like), Area.code.ilike(like)))
    elif text:  # without: compare folded names, so "hoa tu" finds "Hòa Tú"
        wanted = fold(text)
        names = db.session.execute(query.with_only_columns(Area.id, Area.name, Area.code))
        ids = [row.id for row in names if wanted in fold(f"{row.name} {row.code or ''}")]
        query = query.where(Area.id.in_(ids[:5000]))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Area.path).limit(limit).offset(offset))
    return list(rows), total


def descendant_counts(area_ids: Sequence[int]) -> dict[int, int]:
    """How many direct children each area has (one query for a page of areas)."""
    if not area_ids:
        return {}
    rows = db.session.execute(
        db.select(Area.parent_id, db.func.count(Area.id))
        .where(Area.parent_id.in_(area_ids))
        .group_by(Area.parent_id)
    )
    return {parent_id: count for parent_id, count in rows}


def validate_languages(codes: Iterable[str]) -> list[str]:
    cleaned = [code.strip().lower() for code in codes if code and code.strip()]
    unknown = [code for code in cleaned if languages.get(code) is None]
    if unknown:
        raise ValidationFailed(
            _l("Unknown language: %(codes)s", codes=", ".join(unknown)), code="unknown_language"
        )
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed(_l("A language is listed twice."), code="duplicate_language")
    if not cleaned:
        raise ValidationFailed(
            _l("A hamlet broadcasts in at least one language."), code="no_language"
        )
    return cleaned


def set_languages(actor: Actor, area: Area, codes: Iterable[str]) -> None:
    levels = Levels.from_config()
    if area.level != levels.leaf:
        raise ValidationFailed(_l("Only hamlets carry broadcast languages."), code="not_a_hamlet")
    cleaned = validate_languages(codes)
    before = area.languages
    if before == cleaned:
        return
    area.set_languages(cleaned)
    audit.record(
        actor,
        "area.languages",
        object_type="area",
        object_id=area.id,
        object_label=area.name,
        detail={"before": before, "after": cleaned},
    )

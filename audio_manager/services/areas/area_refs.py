"""Naming areas by id or by code: ``[14, "99001"]`` (a number is an id, a string a code), so a
hamlet without an official code can be named too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Area, User
from ...models.base import MAX_ID
from ..errors import ValidationFailed
from .areas import by_code, can_see, unknown_code

AreaRef = int | str


def parse_form_refs(ids: Iterable[str], codes_text: str = "") -> list[AreaRef]:
    """What a form posts: ids of the picker's boxes, and codes typed in the plain fallback
    (comma or semicolon separated). Ids that are not numbers are kept as codes (refused later
    as unknown, with their text)."""
    refs: list[AreaRef] = []
    for value in ids:
        text = str(value).strip()
        if text:
            refs.append(int(text) if text.isdigit() and int(text) <= MAX_ID else text)
    refs += [c.strip() for c in codes_text.replace(";", ",").split(",") if c.strip()]
    return refs


def resolve(refs: Sequence[AreaRef], user: User | None = None) -> list[Area]:
    """The areas named, in order, without repeats. Unknown ones (and, with ``user``, ones the
    user may not see: the same answer, so nothing leaks) are a 422 ``unknown_area`` naming
    them all."""
    found: dict[int, Area] = {}
    unknown: list[str] = []
    for ref in refs:
        area = _one(ref)
        if area is None or (user is not None and not can_see(user, area)):
            unknown.append(f"#{ref}" if isinstance(ref, int) else str(ref))
        else:
            found.setdefault(area.id, area)
    if unknown:
        raise ValidationFailed(
            _l("Unknown area(s): %(refs)s", refs=", ".join(unknown)),
            code="unknown_area",
            details=[{"area": ref} for ref in unknown],
        )
    return list(found.values())


def _one(ref: AreaRef) -> Area | None:
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return db.session.get(Area, ref) if 1 <= ref <= MAX_ID else None
    return by_code(str(ref).strip())


def by_text(value: str) -> Area | None:
    """One area named in a query string: its code, else (digits only) its id."""
    text = value.strip()
    area = by_code(text)
    if area is None and text.isdigit() and int(text) <= MAX_ID:
        area = db.session.get(Area, int(text))
    return area


def visible_by_text(user: User, value: str) -> Area:
    """``by_text`` for an area ``user`` may see; unknown and hidden ones alike are a 404."""
    area = by_text(value)
    if area is None or not can_see(user, area):
        raise unknown_code(value)
    return area


def without_covered(areas: Sequence[Area]) -> list[Area]:
    """The areas less those inside another one of them (a commune chosen with its hamlets is
    the commune: it also reaches hamlets added later)."""
    paths = [a.path for a in areas]
    return [a for a in areas if not any(a.path != p and a.path.startswith(p) for p in paths)]


def as_json(area: Area) -> dict[str, object]:
    """An area in an API answer: both its id and its code."""
    return {"id": area.id, "code": area.code, "name": area.name, "level": area.level}

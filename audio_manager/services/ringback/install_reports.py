"""Active installs by carrier, unit, tone and month, and targets per unit with progress,
grouped inside the database and limited to the units a viewer may see.

An install is active on a day when it was installed on or before it and not removed by then.
"Phones" counts distinct phones (one staff member with two tones is one phone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, DateTime, Select, and_, cast, func, or_

from ... import languages
from ...extensions import db
from ...models import (
    Area,
    Carrier,
    Install,
    InstallTarget,
    Message,
    RingbackRelease,
    User,
    Variant,
    Version,
)
from ...models.base import local_today
from .. import audit
from ..areas import areas as area_service
from ..context import Actor
from ..errors import NotFound, ValidationFailed

GROUPS = ("carrier", "unit", "tone", "month", "target")
MAX_MONTHS = 60
MAX_TARGET = 10_000_000


def active_on(day: date) -> ColumnElement[bool]:
    return and_(
        Install.installed_on <= day,
        or_(Install.removed_on.is_(None), Install.removed_on > day),
    )


def _scoped(query: Select[Any], user: User) -> Select[Any]:
    """Viewers given areas see only installs of units inside them."""
    if area_service.scope_of(user) is None:
        return query
    # A filter, not a join: a query with no explicit FROM (counts by month) has nothing to join.
    return query.where(Install.area_id.in_(area_service.restrict(db.select(Area.id), user)))


def _filtered(query: Select[Any], filters: dict[str, int | None]) -> Select[Any]:
    if filters.get("carrier"):
        query = query.where(Install.carrier_id == filters["carrier"])
    if filters.get("tone"):
        query = query.where(Install.release_id == filters["tone"])
    return query


@dataclass
class InstallReport:
    group_by: str
    as_of: date
    rows: list[dict[str, Any]] = field(default_factory=list)
    installs: int = 0
    phones: int = 0
    target: int | None = None  # group "target": the sum of the targets shown

    @property
    def percent(self) -> float | None:
        return _percent(self.phones, self.target)


def _percent(part: int, whole: int | None) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def report(
    user: User,
    group_by: str,
    *,
    as_of: date | None = None,
    filters: dict[str, int | None] | None = None,
    months: int = 12,
) -> InstallReport:
    if group_by not in GROUPS:
        raise ValidationFailed(
            _l("Group by one of: %(groups)s", groups=", ".join(GROUPS)), code="bad_group_by"
        )
    day = as_of or local_today()
    filters = filters or {}
    if group_by == "month":
        return monthly(user, day, months, filters)
    if group_by == "target":
        return targets(user, day, filters)
    column = {"carrier": Install.carrier_id, "unit": Install.area_id, "tone": Install.release_id}
    key = column[group_by]
    query = db.select(
        key.label("key"),
        func.count().label("installs"),
        func.count(func.distinct(Install.phone_hmac)).label("phones"),
    ).where(active_on(day))
    query = _scoped(_filtered(query, filters), user).group_by(key).order_by(func.count().desc())
    result = InstallReport(group_by, day)
    result.rows = [dict(row._mapping) for row in db.session.execute(query)]
    labels = _labels(group_by, [row["key"] for row in result.rows])
    for row in result.rows:
        row["label"] = labels.get(row["key"], "—")
    result.installs = sum(row["installs"] for row in result.rows)
    total = _scoped(
        _filtered(
            db.select(func.count(func.distinct(Install.phone_hmac))).where(active_on(day)),
            filters,
        ),
        user,
    )
    result.phones = db.session.scalar(total) or 0
    return result


def _labels(group_by: str, keys: Sequence[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if not ids:
        return {}
    if group_by == "carrier":
        query = db.select(Carrier.id, Carrier.name).where(Carrier.id.in_(ids))
        return dict(db.session.execute(query).all())  # type: ignore[arg-type]
    if group_by == "unit":
        query = db.select(Area.id, Area.name).where(Area.id.in_(ids))
        return dict(db.session.execute(query).all())  # type: ignore[arg-type]
    return tone_labels(ids)


def tone_labels(release_ids: Sequence[int]) -> dict[int, str]:
    """ "BHXH tự nguyện · kinh · Viettel 123456", in one query."""
    rows = db.session.execute(
        db.select(
            RingbackRelease.id,
            RingbackRelease.content_code,
            Carrier.name,
            Message.title,
            Variant.language,
        )
        .join(Carrier, Carrier.id == RingbackRelease.carrier_id)
        .join(Version, Version.id == RingbackRelease.version_id)
        .join(Variant, Variant.id == Version.variant_id)
        .join(Message, Message.id == Variant.message_id)
        .where(RingbackRelease.id.in_(release_ids))
    )
    return {
        r.id: " · ".join(
            (r.title, languages.name_of(r.language), f"{r.name} {r.content_code or ''}".strip())
        )
        for r in rows
    }


def _month_bucket(column: Any) -> ColumnElement[Any]:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", cast(column, DateTime))
    return func.strftime("%Y-%m-01", column)


def _month_key(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value:%Y-%m}"
    return str(value)[:7]


def _months(last: date, count: int) -> list[date]:
    out, year, month = [], last.year, last.month
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly(user: User, as_of: date, months: int, filters: dict[str, int | None]) -> InstallReport:
    """Per month up to ``as_of``: new installs, removals, and installs active at its end."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationFailed(_l("Show 1 to %(n)d months.", n=MAX_MONTHS), code="bad_months")
    starts = _months(as_of, months)
    first = starts[0]

    def per_month(column: Any) -> dict[str, int]:
        bucket = _month_bucket(column)
        query = (
            db.select(bucket.label("month"), func.count().label("n"))
            .where(column >= first, column <= as_of)
            .group_by(bucket)
        )
        query = _scoped(_filtered(query, filters), user)
        return {_month_key(r.month): r.n for r in db.session.execute(query)}

    added, removed = per_month(Install.installed_on), per_month(Install.removed_on)
    before = db.select(func.count()).where(
        Install.installed_on < first,
        or_(Install.removed_on.is_(None), Install.removed_on >= first),
    )
    active = db.session.scalar(_scoped(_filtered(before, filters), user)) or 0
    result = InstallReport("month", as_of)
    for start in starts:
        key = f"{start:%Y-%m}"
        active += added.get(key, 0) - removed.get(key, 0)
        result.rows.append(
            {
                "key": key,
                "label": f"{start:%m/%Y}",
                "new": added.get(key, 0),
                "removed": removed.get(key, 0),
                "installs": active,
            }
        )
    result.installs = active
    return result


def targets(user: User, as_of: date, filters: dict[str, int | None]) -> InstallReport:
    """Each target unit with the phones active in it and below it, and its progress."""
    unit = Area.__table__.alias("unit")
    installs = (
        db.select(Install.phone_hmac, unit.c.path)
        .join(unit, unit.c.id == Install.area_id)
        .where(active_on(as_of))
    )
    installs = _filtered(installs, filters).subquery()
    query = (
        db.select(
            InstallTarget.area_id.label("key"),
            Area.name.label("label"),
            InstallTarget.target,
            Area.path,
            func.count(func.distinct(installs.c.phone_hmac)).label("phones"),
        )
        .join(Area, Area.id == InstallTarget.area_id)
        .outerjoin(installs, installs.c.path.startswith(Area.path))
        .group_by(InstallTarget.area_id, Area.name, InstallTarget.target, Area.path)
        .order_by(Area.path)
    )
    query = area_service.restrict(query, user)
    result = InstallReport("target", as_of)
    for row in db.session.execute(query):
        values = dict(row._mapping)
        values["installs"] = values["phones"]
        values["percent"] = _percent(values["phones"], values["target"])
        result.rows.append(values)
    # Targets may nest (a province and its communes): the total is the top-level ones'.
    top = _top_level(result.rows)
    result.phones = sum(row["phones"] for row in top)
    result.installs = result.phones
    result.target = sum(row["target"] for row in top)
    return result


def _top_level(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    paths = [row["path"] for row in rows]
    return [
        row
        for row in rows
        if not any(other != row["path"] and row["path"].startswith(other) for other in paths)
    ]


def headline(user: User) -> dict[str, Any]:
    """ "N active ringback installs on M phones, P% of the target" for the start page."""
    by_carrier = report(user, "carrier")
    goal = targets(user, by_carrier.as_of, {})
    return {
        "installs": by_carrier.installs,
        "phones": by_carrier.phones,
        "by_carrier": by_carrier.rows,
        "target": goal.target or None,
        "percent": goal.percent if goal.target else None,
    }


def set_target(actor: Actor, area: Area, target: int | None) -> InstallTarget | None:
    """Set (or with None remove) a unit's target; the caller commits."""
    current = db.session.get(InstallTarget, area.id)
    if target is not None and not 1 <= target <= MAX_TARGET:
        raise ValidationFailed(
            _l("A target is a whole number from 1 to %(max)d.", max=MAX_TARGET),
            code="bad_target",
        )
    before = current.target if current else None
    if target is None:
        if current is None:
            raise NotFound(_l("This unit has no target."), code="no_target")
        db.session.delete(current)
    elif current is None:
        current = InstallTarget(area_id=area.id, target=target)
        db.session.add(current)
    current_id = actor.user.id if actor.user else None
    if target is not None:
        current.target, current.updated_by_id = target, current_id  # type: ignore[union-attr]
    audit.record(
        actor,
        "install_target.set",
        object_type="area",
        object_id=area.id,
        object_label=area.name,
        detail={"before": before, "after": target},
    )
    return current if target is not None else None

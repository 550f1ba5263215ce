"""Installs of ringback tones: one row per phone and tone, however often it is reported.

Every way in (a staff member's self-report, the API's batches, an imported list) goes through
the same two steps: ``install_rows.Resolver.check`` turns a raw row into a ``ValidRow`` or a
``RowError``; ``apply`` writes valid rows and says what each one did: created, removed,
duplicate, or not_installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ...bulk import insert_rows as bulk_insert
from ...bulk import insert_skipping
from ...extensions import db
from ...models import Area, Carrier, Install, User
from ...models.base import local_today, utcnow
from .. import audit
from ..context import Actor
from ..errors import NotFound, ValidationFailed
from .install_rows import INSTALL, LOOKUP_CHUNK, Defaults, Resolver, RowError, ValidRow

MAX_BATCH = 1000


@dataclass
class Existing:
    id: int
    installed_on: date
    removed_on: date | None
    user_id: int | None = None  # the staff member who reported it, when one did


def existing_for(rows: Iterable[ValidRow]) -> dict[tuple[str, int], Existing]:
    """The installs already recorded for these rows' phones and tones."""
    keys = {row.key for row in rows}
    hmacs = sorted({key[0] for key in keys})
    found: dict[tuple[str, int], Existing] = {}
    for start in range(0, len(hmacs), LOOKUP_CHUNK):
        chunk = hmacs[start : start + LOOKUP_CHUNK]
        for row in db.session.execute(
            db.select(
                Install.id,
                Install.phone_hmac,
                Install.release_id,
                Install.installed_on,
                Install.removed_on,
                Install.user_id,
            ).where(Install.phone_hmac.in_(chunk))
        ):
            key = (row.phone_hmac, row.release_id)
            if key in keys:
                found[key] = Existing(row.id, row.installed_on, row.removed_on, row.user_id)
    return found


def classify(row: ValidRow, current: Existing | None) -> str:
    """What writing the row would do: created, removed, duplicate or not_installed."""
    if row.action == INSTALL:
        if current is None or current.removed_on is not None:
            return "created"
        return "duplicate"
    if current is None:
        return "not_installed"
    return "removed" if current.removed_on is None else "duplicate"


@dataclass
class Written:
    statuses: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"created": 0, "removed": 0, "duplicate": 0, "not_installed": 0}
        for status in self.statuses:
            out[status] += 1
        return out


# Inserts the new installs among the given rows; returns the (phone, tone) keys it wrote.
Inserter = Callable[[list[dict[str, Any]]], set[tuple[str, int]]]


def apply(
    actor: Actor,
    rows: Sequence[ValidRow],
    *,
    source: str,
    import_id: int | None = None,
    user: User | None = None,
    current: dict[tuple[str, int], Existing] | None = None,
    insert: Inserter | None = None,
) -> Written:
    """Write rows whose (phone, tone) keys are distinct; the caller commits.

    ``current`` (the installs already recorded for the rows) and ``insert`` may come from the
    caller: an import looks both up from its staging rows inside the database.
    """
    current = existing_for(rows) if current is None else current
    now = utcnow()
    reporter = actor.user.id if actor.user else None
    written = Written()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row in rows:
        status = classify(row, current.get(row.key))
        written.statuses.append(status)
        existing = current.get(row.key)
        if status == "created" and existing is None:
            inserts.append(
                {
                    "phone_hmac": row.phone_hmac,
                    "phone_masked": row.phone_masked,
                    "release_id": row.release_id,
                    "carrier_id": row.carrier_id,
                    "area_id": row.area_id,
                    "user_id": user.id if user else None,
                    "staff_name": row.staff_name,
                    "installed_on": row.happened_on,
                    "removed_on": None,
                    "source": source,
                    "import_id": import_id,
                    "reported_by_id": reporter,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif status == "created" and existing is not None:  # installed again after removal
            values = {"id": existing.id, "installed_on": row.happened_on, "removed_on": None}
            values.update(source=source, import_id=import_id, updated_at=now)
            if row.area_id is not None:
                values["area_id"] = row.area_id
            if user is not None:
                values["user_id"] = user.id
            updates.append(values)
        elif status == "removed" and existing is not None:
            removed_on = max(row.happened_on, existing.installed_on)
            updates.append({"id": existing.id, "removed_on": removed_on, "updated_at": now})
    # In key order, so that two batches naming the same phones cannot deadlock.
    inserts.sort(key=lambda row: (row["phone_hmac"], row["release_id"]))
    inserted = (insert or insert_rows)(inserts) if inserts else set()
    for index, row in enumerate(rows):  # lost a race with a concurrent report: counted once
        new = written.statuses[index] == "created" and row.key not in current
        if new and row.key not in inserted:
            written.statuses[index] = "duplicate"
    if updates:
        db.session.execute(db.update(Install), updates)
    return written


INSTALL_KEY = ("phone_hmac", "release_id")


def insert_ignoring_recorded() -> Any:
    """INSERT INTO installs that skips a (phone, tone) already there."""
    return insert_skipping(Install.__table__, INSTALL_KEY)


def insert_rows(rows: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """Insert new installs; returns the (phone, tone) keys actually inserted."""
    return set(bulk_insert(Install.__table__, rows, conflict=INSTALL_KEY, returning=INSTALL_KEY))


def check_rows(
    actor: Actor, rows: Sequence[Mapping[str, Any]], defaults: Defaults | None = None
) -> list[ValidRow | RowError]:
    resolver = Resolver(actor, rows, defaults)
    return [resolver.check(index, row) for index, row in enumerate(rows, start=1)]


def report_own(
    actor: Actor,
    *,
    phone: str,
    carrier: Carrier,
    code: str,
    unit: Area | None,
    on: date | None,
    action: str,
) -> tuple[str, ValidRow]:
    """A staff member's own report: "I installed (or removed) tone X on carrier Y"."""
    if actor.user is None:
        raise ValidationFailed(_l("Log in to report an install."), code="unauthenticated")
    row = {"phone": phone, "carrier": carrier.code, "code": code, "date": on, "action": action}
    checked = check_rows(actor, [row], Defaults(area=unit))[0]
    if isinstance(checked, RowError):
        raise ValidationFailed(checked.message, code=checked.code)
    current = existing_for([checked]).get(checked.key)
    # Staff remove only what they reported themselves: an install someone else reported, or a
    # carrier's list recorded, answers as if there were none.
    if checked.action != INSTALL and (current is None or current.user_id != actor.user.id):
        raise ValidationFailed(
            _l("There is no install of this tone for this number to remove."),
            code="not_installed",
        )
    known = {checked.key: current} if current is not None else {}
    status = apply(actor, [checked], source="self", user=actor.user, current=known).statuses[0]
    audit.record(
        actor,
        f"install.{checked.action}",
        object_type="release",
        object_id=checked.release_id,
        object_label=checked.phone_masked,
        detail={"source": "self", "status": status},
    )
    return status, checked


def own_installs(user: User) -> list[Install]:
    return list(
        db.session.scalars(
            db.select(Install)
            .where(Install.user_id == user.id)
            .order_by(Install.installed_on.desc(), Install.id.desc())
        )
    )


def remove_own(actor: Actor, install_id: int) -> Install:
    """A staff member records that a tone they reported is no longer installed."""
    install = db.session.get(Install, install_id)
    if install is None or actor.user is None or install.user_id != actor.user.id:
        raise NotFound(_l("No such install."), code="install_not_found")
    if install.removed_on is None:
        install.removed_on = max(local_today(), install.installed_on)
        audit.record(
            actor,
            "install.uninstall",
            object_type="release",
            object_id=install.release_id,
            object_label=install.phone_masked,
            detail={"source": "self", "status": "removed"},
        )
    return install


@dataclass
class BatchResult:
    index: int
    status: str  # created | removed | duplicate | rejected
    id: str | None = None
    phone: str | None = None  # masked
    code: str | None = None
    reason: str | None = None


def record_batch(actor: Actor, items: Any, *, source: str = "api") -> list[BatchResult]:
    """Up to 1,000 installs or uninstalls, each answered on its own. Phone and tone are the
    natural key, so sending a batch again changes nothing (every row comes back duplicate)."""
    if not isinstance(items, list | tuple):
        raise ValidationFailed(_l("Send a list of installs."), code="bad_batch")
    if len(items) > MAX_BATCH:
        raise ValidationFailed(
            _l("At most %(n)d installs per batch.", n=MAX_BATCH), code="batch_too_large"
        )
    rows = [item if isinstance(item, dict) else {} for item in items]
    checked = check_rows(actor, rows)
    results: list[BatchResult] = []
    valid: list[ValidRow] = []
    places: list[int] = []
    seen: set[tuple[str, int]] = set()
    for index, (item, outcome) in enumerate(zip(items, checked, strict=True)):
        client_id = str(item.get("id"))[:100] if isinstance(item, dict) and item.get("id") else None
        if not isinstance(item, dict):
            message = str(_l("Not an install object."))
            results.append(BatchResult(index, "rejected", None, None, "bad_item", message))
        elif isinstance(outcome, RowError):
            results.append(
                BatchResult(index, "rejected", client_id, None, outcome.code, outcome.message)
            )
        elif outcome.key in seen:
            results.append(BatchResult(index, "duplicate", client_id, outcome.phone_masked))
        else:
            seen.add(outcome.key)
            valid.append(outcome)
            places.append(index)
            results.append(BatchResult(index, "", client_id, outcome.phone_masked))
    written = apply(actor, valid, source=source)
    for place, status in zip(places, written.statuses, strict=True):
        result = results[place]
        if status == "not_installed":
            result.status, result.code = "rejected", "not_installed"
            result.reason = str(_l("There is no install of this tone for this number to remove."))
        else:
            result.status = status
    if valid:
        detail = {"source": source, **batch_counts(results)}
        audit.record(actor, "installs.record", object_type="installs", detail=detail)
    return results


STATUSES = ("created", "removed", "duplicate", "rejected")


def batch_counts(results: Sequence[BatchResult]) -> dict[str, int]:
    return {status: sum(1 for r in results if r.status == status) for status in STATUSES}

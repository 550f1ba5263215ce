"""An import's lines waiting to be written (``install_import_rows``: HMAC and mask only):
stored in one go, read back in batches, and compared with and copied into ``installs`` inside
the database, so 100,000 lines move without sending each value back and forth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_

from ...extensions import db
from ...models import Install, InstallImport, InstallImportRow
from ...models.base import UTCDateTime, utcnow
from ..context import Actor
from . import installs
from .install_rows import INSTALL, ValidRow
from .installs import Existing

BATCH = 2000


STAGED = (
    "import_id", "line", "action", "phone_hmac", "phone_masked", "release_id", "carrier_id",
    "area_id", "staff_name", "happened_on",
)  # fmt: skip


def _values(import_id: int, row: ValidRow) -> tuple[Any, ...]:
    return (
        import_id, row.line, row.action, row.phone_hmac, row.phone_masked, row.release_id,
        row.carrier_id, row.area_id, row.staff_name, row.happened_on,
    )  # fmt: skip


def store(import_id: int, rows: list[ValidRow]) -> None:
    """Keep an import's checked lines until it is committed (or cancelled)."""
    table = InstallImportRow.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # COPY: no statement to parse per batch
        raw = connection.connection.driver_connection
        command = f"COPY {table.name} ({', '.join(STAGED)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(command) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(_values(import_id, row))
        return
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        db.session.execute(
            table.insert(), [dict(zip(STAGED, _values(import_id, r), strict=True)) for r in chunk]
        )


def drop(record: InstallImport) -> None:
    db.session.execute(db.delete(InstallImportRow).where(InstallImportRow.import_id == record.id))


def _valid_row(row: Any) -> ValidRow:
    return ValidRow(
        line=row.line,
        action=row.action,
        phone_hmac=row.phone_hmac,
        phone_masked=row.phone_masked,
        release_id=row.release_id,
        carrier_id=row.carrier_id,
        area_id=row.area_id,
        staff_name=row.staff_name,
        happened_on=row.happened_on,
    )


def existing_in_staging(
    import_id: int, after: int = 0, upto: int | None = None
) -> dict[tuple[str, int], Existing]:
    """The installs already recorded for an import's staged lines (all, or a range)."""
    staged = InstallImportRow.__table__
    query = (
        db.select(
            Install.id, Install.phone_hmac, Install.release_id, Install.installed_on,
            Install.removed_on,
        )
        .join(
            staged,
            and_(staged.c.phone_hmac == Install.phone_hmac,
                 staged.c.release_id == Install.release_id),
        )
        .where(staged.c.import_id == import_id, staged.c.line > after)
    )  # fmt: skip
    if upto is not None:
        query = query.where(staged.c.line <= upto)
    return {
        (r.phone_hmac, r.release_id): Existing(r.id, r.installed_on, r.removed_on)
        for r in db.session.execute(query)
    }


def inserter(actor: Actor, import_id: int, after: int, upto: int) -> installs.Inserter:
    """Insert a batch's new installs straight from its staged lines, inside the database."""

    def insert(_rows: list[dict[str, Any]]) -> set[tuple[str, int]]:
        staged = InstallImportRow.__table__
        now = sa.literal(utcnow(), UTCDateTime())
        recorded = db.select(Install.id).where(
            Install.phone_hmac == staged.c.phone_hmac, Install.release_id == staged.c.release_id
        )
        rows = db.select(
            staged.c.phone_hmac,
            staged.c.phone_masked,
            staged.c.release_id,
            staged.c.carrier_id,
            staged.c.area_id,
            staged.c.staff_name,
            staged.c.happened_on,
            sa.literal("import"),
            sa.literal(import_id),
            sa.literal(actor.user.id if actor.user else None, sa.Integer()),
            now,
            now,
        ).where(
            staged.c.import_id == import_id,
            staged.c.line > after,
            staged.c.line <= upto,
            staged.c.action == INSTALL,
            ~sa.exists(recorded),
        )
        columns = [
            "phone_hmac", "phone_masked", "release_id", "carrier_id", "area_id", "staff_name",
            "installed_on", "source", "import_id", "reported_by_id", "created_at", "updated_at",
        ]  # fmt: skip
        statement = (
            installs.insert_ignoring_recorded()
            .from_select(columns, rows)
            .returning(Install.phone_hmac, Install.release_id)
        )
        return {(r.phone_hmac, r.release_id) for r in db.session.execute(statement)}

    return insert


def sample(record: InstallImport, limit: int = 20) -> list[tuple[ValidRow, str]]:
    """The first rows of a waiting import with what committing each would do."""
    rows = [
        _valid_row(r)
        for r in db.session.execute(
            db.select(InstallImportRow.__table__)
            .where(InstallImportRow.import_id == record.id)
            .order_by(InstallImportRow.line)
            .limit(limit)
        )
    ]
    current = installs.existing_for(rows)
    return [(row, installs.classify(row, current.get(row.key))) for row in rows]


def batches(import_id: int) -> Iterator[tuple[int, list[ValidRow]]]:
    """(lines after which the batch starts, the batch), in line order."""
    table = InstallImportRow.__table__
    last_line = 0
    while True:
        batch = [
            _valid_row(r)
            for r in db.session.execute(
                db.select(table)
                .where(table.c.import_id == import_id, table.c.line > last_line)
                .order_by(table.c.line)
                .limit(BATCH)
            )
        ]
        if not batch:
            return
        yield last_line, batch
        last_line = batch[-1].line

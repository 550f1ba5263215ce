"""Inserting many rows in one statement, skipping or merging the ones that already exist.

PostgreSQL gets ``INSERT ... SELECT * FROM unnest(array, array, ...)``: one short statement
with one array parameter per column, whatever the number of rows. (A multi-row VALUES list
makes a statement thousands of placeholders long, which the driver re-parses on every call:
that cost more than the insert itself.) SQLite gets the same INSERT ... ON CONFLICT through
SQLAlchemy's multi-row VALUES, which it handles well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db


def insert_skipping(table: Table, conflict: Sequence[str]) -> Insert:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` for the session's database (to add a
    ``from_select`` or a ``returning``)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict))


def insert_rows(
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] | None,
    add_on_conflict: Sequence[str] = (),
    returning: str | Sequence[str] | None = None,
) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    A row whose ``conflict`` columns match an existing row (a unique index) is skipped (with
    ``conflict=None``: a row that would break any unique index), or,
    with ``add_on_conflict``, those columns of the existing row are increased by the new values
    (then no two rows may share their ``conflict`` values, and rows sorted by them keep
    concurrent writers from deadlocking). Column defaults are not applied: give every column.
    Returns the ``returning`` column (or a tuple of the columns) of the rows actually inserted
    (or merged).
    """
    if not rows:
        return []
    columns = list(rows[0])
    if db.session.get_bind().dialect.name == "postgresql":
        return _insert_unnest(table, rows, columns, conflict, add_on_conflict, returning)
    statement = sqlite_insert(table)
    if add_on_conflict:
        statement = statement.on_conflict_do_update(
            index_elements=list(conflict),
            set_={name: table.c[name] + statement.excluded[name] for name in add_on_conflict},
        )
    else:
        statement = statement.on_conflict_do_nothing(
            index_elements=list(conflict) if conflict else None
        )
    if returning is None:
        db.session.execute(statement, list(rows))
        return []
    names = [returning] if isinstance(returning, str) else list(returning)
    result = db.session.execute(statement.returning(*(table.c[n] for n in names)), list(rows))
    return _returned(result, returning)


def _returned(result: Any, returning: str | Sequence[str]) -> list[Any]:
    if isinstance(returning, str):
        return list(result.scalars())
    return [tuple(row) for row in result]


def _insert_unnest(
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: list[str],
    conflict: Sequence[str] | None,
    add_on_conflict: Sequence[str],
    returning: str | Sequence[str] | None,
) -> list[Any]:
    dialect = db.session.get_bind().dialect
    params: dict[str, list[Any]] = {}
    casts = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        process = column_type.bind_processor(dialect)
        values = [row[name] for row in rows]
        params[f"p{index}"] = [process(v) for v in values] if process else values
        # Arrays of the unbounded type: a cast to VARCHAR(n) would cut long values silently,
        # while the column itself refuses them.
        base = re.sub(r"\(\d+\)", "", column_type.compile(dialect=dialect))
        casts.append(f"CAST(:p{index} AS {base}[])")
    names = ", ".join(columns)
    if add_on_conflict:
        merge = ", ".join(f"{c} = {table.name}.{c} + EXCLUDED.{c}" for c in add_on_conflict)
        action = f"DO UPDATE SET {merge}"
    else:
        action = "DO NOTHING"
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({', '.join(casts)}) "
        f"ON CONFLICT {'(' + ', '.join(conflict) + ')' if conflict else ''} {action}"
    )
    if returning is None:
        db.session.execute(text(sql), params)
        return []
    returned = [returning] if isinstance(returning, str) else returning
    result = db.session.execute(text(f"{sql} RETURNING {', '.join(returned)}"), params)
    return _returned(result, returning)

"""The app's schema (its migrations) and a generated dataset loaded into SQLite (executemany)
or PostgreSQL (COPY)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .common import ROOT, VENV_BIN
from .national import JSON_COLUMNS, Dataset

LOAD_ORDER = (
    "users", "user_roles", "areas", "area_languages", "user_areas", "api_tokens", "assets",
    "messages", "variants", "versions", "renditions", "schedules", "schedule_targets",
)  # fmt: skip


SEQUENCED = (
    "users", "areas", "api_tokens", "assets", "messages", "variants", "versions", "renditions",
    "schedules",
)  # fmt: skip


def sqlite_value(value: Any) -> Any:
    """What SQLAlchemy's SQLite dialect stores for these Python values."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list):
        return json.dumps(value)
    return value


@dataclass
class Database:
    kind: str  # sqlite | postgresql
    url: str  # SQLAlchemy URL for the app
    sqlite_path: Path | None = None
    pg_dsn: str | None = None
    pg_dbname: str | None = None


def migrate(database: Database, env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "audio_manager", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def load_sqlite(database: Database, dataset: Dataset) -> None:
    assert database.sqlite_path is not None
    conn = sqlite3.connect(database.sqlite_path)
    try:
        for name in LOAD_ORDER:
            table = dataset.tables[name]
            marks = ", ".join("?" for _ in table.columns)
            sql = f"INSERT INTO {name} ({', '.join(table.columns)}) VALUES ({marks})"
            conn.executemany(sql, ([sqlite_value(v) for v in row] for row in table.rows))
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


def load_postgresql(database: Database, dataset: Dataset) -> None:
    import psycopg

    assert database.pg_dsn is not None
    with psycopg.connect(database.pg_dsn) as conn:
        with conn.cursor() as cur:
            # variants.current_version_id and versions.variant_id point at each other
            cur.execute("SET session_replication_role = replica")
            for name in LOAD_ORDER:
                table = dataset.tables[name]
                json_cols = {i for i, c in enumerate(table.columns) if (name, c) in JSON_COLUMNS}
                with cur.copy(f"COPY {name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                    for row in table.rows:
                        if json_cols:
                            row = tuple(
                                json.dumps(v) if i in json_cols else v for i, v in enumerate(row)
                            )
                        copy.write_row(row)
            cur.execute("SET session_replication_role = DEFAULT")
            for name in SEQUENCED:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")


def table_columns(database: Database, table: str) -> list[str]:
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        with contextlib.closing(sqlite3.connect(database.sqlite_path)) as conn:
            return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    import psycopg

    assert database.pg_dsn is not None
    with psycopg.connect(database.pg_dsn) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [row[0] for row in rows]


def execute(database: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One statement on the bench database, committed (``?`` placeholders on both kinds)."""
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        with contextlib.closing(sqlite3.connect(database.sqlite_path, timeout=30)) as conn:
            rows = conn.execute(sql, params).fetchall()
            conn.commit()
            return rows
    import psycopg

    assert database.pg_dsn is not None
    with psycopg.connect(database.pg_dsn) as conn:
        cursor = conn.execute(sql.replace("?", "%s"), params)
        rows = cursor.fetchall() if cursor.description else []
        conn.commit()
        return rows

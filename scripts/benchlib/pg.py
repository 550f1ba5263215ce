"""PostgreSQL databases for a bench run: a unique name, created by the run, dropped only by it.

A bench never reuses or drops a database it did not create in the same run: the name carries
the process id and a random suffix, ``CREATE DATABASE`` fails rather than take over an existing
one, and only names this module created are ever dropped.
"""

from __future__ import annotations

import os
import re
import secrets
from typing import Any

from .common import CLEANUP, log

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
RESERVED = {"test", "postgres", "template0", "template1", "root"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_CREATED: set[tuple[str, str]] = set()


def unique_name(prefix: str) -> str:
    """``prefix_<pid>_<random>``: cannot collide with another run or anything else."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"[:63]


def pg_url(server: str, name: str) -> str:
    return f"{server.rstrip('/')}/{name}"


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def pg_version(server: str) -> str:
    import psycopg

    with psycopg.connect(pg_url(server, "postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


def check_name(name: str) -> str:
    if not _NAME.match(name) or name in RESERVED:
        raise ValueError(f"refusing the database name {name!r}")
    return name


def create(server: str, name: str, *, keep: bool = False) -> str:
    """Create ``name`` (it must not exist) and, unless ``keep``, drop it when the run ends
    (the cleanup stack, also on errors and Ctrl+C). Returns its URL."""
    check_name(name)
    pg_admin(server, f'CREATE DATABASE "{name}"')
    _CREATED.add((server, name))
    if not keep:
        CLEANUP.push(f"database {name}", lambda: drop(server, name))
    return pg_url(server, name)


def drop(server: str, name: str) -> None:
    """Drop a database this run created (anything else is refused)."""
    if (server, name) not in _CREATED:
        raise RuntimeError(f"{name} was not created by this run: not dropped")
    pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _CREATED.discard((server, name))
    log(f"dropped database {name}")


def release(server: str, name: str) -> None:
    """Drop the database now (ahead of the cleanup stack)."""
    CLEANUP.pop(f"database {name}")


def copy_rows(cur: Any, table: str, columns: str, rows: Any) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)

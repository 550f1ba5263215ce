"""Progress of a long job that writes inside one transaction, visible while it runs.

The job's own transaction is not seen by others until it commits, so progress goes elsewhere:
on PostgreSQL through a separate connection into the import's row; and always into this
process's memory, which is what a page served by the same process (the embedded thread
backend on SQLite, whose single writer is the job itself) reads. On PostgreSQL the same write
renews the import's lease (``leases.reap_imports``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..extensions import db
from ..models import InstallImport
from . import leases

_memory: dict[int, int] = {}


def reporter(import_id: int) -> Callable[[int], None]:
    concurrent_writes = db.engine.dialect.name != "sqlite"

    def report(done: int) -> None:
        _memory[import_id] = done
        if concurrent_writes:
            with db.engine.begin() as connection:
                connection.execute(
                    db.update(InstallImport)
                    .where(InstallImport.id == import_id)
                    .values(processed_rows=done, lease_until=leases.import_lease())
                )

    return report


def done_rows(record: InstallImport) -> int:
    """Rows written so far, from whichever source knows more."""
    return max(record.processed_rows or 0, _memory.get(record.id, 0))


def forget(import_id: int) -> None:
    _memory.pop(import_id, None)

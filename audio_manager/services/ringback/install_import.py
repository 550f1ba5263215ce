"""Importing a carrier's or a unit's list of installs (CSV or XLSX), all or nothing per file.

``preview`` reads and checks the whole file at once: any bad line refuses the file with its
line numbers and nothing is written. A good file becomes an import waiting for the user to
commit, its rows kept in ``install_import_rows`` as HMAC and mask only (the file itself is not
kept). ``run``, the body of the import job, then writes the rows in batches inside one
transaction and reports its progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import ImportStatus, InstallImport, record_outbox
from ...models.base import as_id, utcnow
from .. import audit
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..tables import read_table
from ..uploads import clean_filename
from . import install_staging as staging
from . import installs, phones
from .install_rows import Defaults, Resolver, RowError, ValidRow, fold

FIELDS = ("phone", "code", "carrier", "unit", "date", "action", "name")
SYNONYMS = {
    "phone": {"phone", "phone number", "mobile", "msisdn", "isdn", "so dien thoai", "sdt",
              "so dt", "dien thoai", "di dong", "so thue bao", "thue bao"},
    "code": {"code", "tone", "tone code", "content code", "ma", "ma nhac cho", "ma nhac",
             "ma bai hat", "ma noi dung"},
    "carrier": {"carrier", "network", "nha mang", "mang"},
    "unit": {"unit", "unit code", "area", "area code", "don vi", "ma don vi", "ma dia ban"},
    "date": {"date", "installed on", "ngay", "ngay cai", "ngay cai dat", "ngay dang ky"},
    "action": {"action", "thao tac", "hanh dong"},
    "name": {"name", "staff", "staff name", "ho ten", "ho va ten", "ten", "can bo",
             "nhan vien"},
}  # fmt: skip
NOT_USED = "-"
MAX_ROWS = 500_000
MAX_ERRORS = 200
STALE_AFTER = timedelta(hours=24)


def resolve_mapping(
    header: list[str], chosen: Mapping[str, str | None], defaults: Defaults
) -> dict[str, int]:
    """Field → column index. A chosen column is named by its header; none chosen: the column
    whose header is a known name for the field ("Số điện thoại", "SĐT", "phone", ...)."""
    exact = {name: index for index, name in reversed(list(enumerate(header)))}
    folded = {fold(name): index for index, name in reversed(list(enumerate(header)))}
    columns: dict[str, int] = {}
    explicit = {(chosen.get(f) or "").strip() for f in FIELDS} - {"", NOT_USED}
    for field in FIELDS:
        choice = (chosen.get(field) or "").strip()
        if choice == NOT_USED:
            continue
        if choice:
            index = exact.get(choice, folded.get(fold(choice)))
            if index is None:
                raise ValidationFailed(
                    _l("The file has no column %(name)s.", name=choice),
                    code="unknown_column",
                    details={"columns": header},
                )
            columns[field] = index
            continue
        taken = set(columns.values()) | {exact.get(c, folded.get(fold(c))) for c in explicit}
        index = next(
            (
                i
                for i, name in enumerate(header)
                if fold(name) in SYNONYMS[field] and i not in taken
            ),
            None,
        )
        if index is not None:
            columns[field] = index
    if "phone" not in columns:
        raise ValidationFailed(
            _l("Which column holds the phone numbers? Choose it in the column mapping."),
            code="phone_column_required",
            details={"columns": header},
        )
    if "code" not in columns and defaults.release is None:
        raise ValidationFailed(
            _l("Choose the column with the tone codes, or one tone for the whole file."),
            code="code_column_required",
            details={"columns": header},
        )
    if len(set(columns.values())) != len(columns):
        raise ValidationFailed(
            _l("One column is mapped to two fields."),
            code="column_twice",
            details={"columns": header},
        )
    return columns


def purge_stale() -> None:
    """Previews nobody committed within a day are dropped with their rows."""
    old = list(
        db.session.scalars(
            db.select(InstallImport).where(
                InstallImport.status == ImportStatus.READY,
                InstallImport.created_at < utcnow() - STALE_AFTER,
            )
        )
    )
    for record in old:
        staging.drop(record)
        record.status = ImportStatus.CANCELLED


def preview(
    actor: Actor,
    data: bytes,
    *,
    filename: str = "",
    mapping: Mapping[str, str | None] | None = None,
    defaults: Defaults | None = None,
) -> InstallImport:
    """Check the whole file; a good one is kept as an import ready to commit (caller commits)."""
    defaults = defaults or Defaults()
    limit = current_app.config["INSTALL_IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationFailed(
            _l("The file is larger than %(mb).1f MB.", mb=limit / 1e6), code="too_large"
        )
    table = read_table(data)
    if any(phones.normalise(cell) for cell in table.header):
        raise ValidationFailed(
            _l("The first line must name the columns; this one holds a phone number."),
            code="no_header",
        )
    columns = resolve_mapping(table.header, mapping or {}, defaults)
    lines: list[int] = []
    raws: list[dict[str, Any]] = []
    for line, cells in table.rows:
        raws.append({f: cells[i] if i < len(cells) else "" for f, i in columns.items()})
        lines.append(line)
        if len(raws) > MAX_ROWS:
            raise ValidationFailed(
                _l("At most %(n)d lines per file.", n=MAX_ROWS), code="too_many_rows"
            )
    # Header cells are free text kept with the import: a number typed into one is masked.
    header = [phones.redact(str(cell)) for cell in table.header]
    mapping_used = {field: header[index] for field, index in columns.items()}
    if not raws:
        raise ValidationFailed(_l("The file has a header but no installs."), code="empty")
    resolver = Resolver(actor, raws, defaults)
    errors: list[RowError] = []
    valid: list[ValidRow] = []
    first_line: dict[tuple[str, int], int] = {}
    for line, raw in zip(lines, raws, strict=True):
        checked = resolver.check(line, raw)
        if isinstance(checked, RowError):
            errors.append(checked)
        elif checked.key in first_line:
            message = _l(
                "The same phone and tone as line %(first)d.", first=first_line[checked.key]
            )
            errors.append(RowError(line, "repeated", str(message)))
        else:
            first_line[checked.key] = line
            valid.append(checked)

    def refuse() -> ValidationFailed:
        return ValidationFailed(
            _l("The file was not imported: %(n)d problem(s) found.", n=len(errors)),
            code="installs_import_invalid",
            details={
                "errors": [e.as_dict() for e in errors[:MAX_ERRORS]],
                "error_count": len(errors),
                "columns": header,
                "mapping": mapping_used,
            },
        )

    if errors:
        raise refuse()
    purge_stale()
    record = InstallImport(
        status=ImportStatus.READY,
        created_by_id=actor.user.id if actor.user else None,
        filename=phones.redact(clean_filename(filename))[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_format=table.format,
        columns=header,
        mapping=mapping_used,
        defaults=_defaults_dict(defaults),
        total_rows=len(valid),
    )
    db.session.add(record)
    db.session.flush()
    staging.store(record.id, valid)
    # What committing would do, against the installs recorded now (found by a join).
    current = staging.existing_in_staging(record.id)
    counts = {"created": 0, "removed": 0, "duplicate": 0}
    for row in valid:
        status = installs.classify(row, current.get(row.key))
        if status == "not_installed":
            message = _l("This number has no install of this tone to remove.")
            errors.append(RowError(row.line, "not_installed", str(message)))
        else:
            counts[status] += 1
    if errors:
        db.session.rollback()  # the import and its staged rows go
        raise refuse()
    record.counts = counts
    return record


def _defaults_dict(defaults: Defaults) -> dict[str, Any]:
    return {
        "carrier_id": defaults.carrier.id if defaults.carrier else None,
        "release_id": defaults.release.id if defaults.release else None,
        "area_id": defaults.area.id if defaults.area else None,
        "action": defaults.action,
        "on": defaults.on.isoformat() if defaults.on else None,
    }


def get(import_id: int) -> InstallImport:
    record = db.session.get(InstallImport, import_id) if as_id(import_id) else None
    if record is None:
        raise NotFound(_l("No such import."), code="import_not_found")
    return record


def recent(limit: int = 20) -> list[InstallImport]:
    return list(
        db.session.scalars(db.select(InstallImport).order_by(InstallImport.id.desc()).limit(limit))
    )


def earlier_imports_of_same_file(record: InstallImport) -> list[InstallImport]:
    return list(
        db.session.scalars(
            db.select(InstallImport).where(
                InstallImport.file_sha256 == record.file_sha256,
                InstallImport.id != record.id,
                InstallImport.status == ImportStatus.DONE,
            )
        )
    )


def _move(record: InstallImport, sources: tuple[str, ...], values: dict[str, Any]) -> None:
    result = db.session.execute(
        db.update(InstallImport)
        .where(InstallImport.id == record.id, InstallImport.status.in_(sources))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _l("This import has already been committed or cancelled."), code="import_not_ready"
        )
    db.session.refresh(record)


def commit(actor: Actor, record: InstallImport) -> InstallImport:
    """Queue a previewed (or failed) import for writing; the caller commits, then enqueues."""
    _move(
        record,
        (ImportStatus.READY, ImportStatus.FAILED),
        {
            "status": ImportStatus.QUEUED,
            "committed_by_id": actor.user.id if actor.user else None,
            "queued_at": utcnow(),
            "error": None,
            "error_code": None,
            "processed_rows": 0,
        },
    )
    record_outbox("install_import", record.id)  # queued after the commit, or once the queue is back
    return record


def cancel(actor: Actor, record: InstallImport) -> InstallImport:
    _move(record, (ImportStatus.READY, ImportStatus.FAILED), {"status": ImportStatus.CANCELLED})
    staging.drop(record)
    audit.record(actor, "installs.import_cancel", object_type="install_import", object_id=record.id)
    return record


def run(record: InstallImport, progress: Callable[[int], None]) -> InstallImport:
    """Write a queued import's rows in batches, in the caller's transaction (the job commits
    once at the end, so a failure leaves nothing behind)."""
    actor = Actor(user=record.committed_by, via="job")
    totals = {"created": 0, "removed": 0, "duplicate": 0}
    done = 0
    for after, batch in staging.batches(record.id):
        upto = batch[-1].line
        written = installs.apply(
            actor,
            batch,
            source="import",
            import_id=record.id,
            current=staging.existing_in_staging(record.id, after, upto),
            insert=staging.inserter(actor, record.id, after, upto),
        )
        counts = written.counts
        if counts["not_installed"]:
            raise ValidationFailed(
                _l("Some installs to remove no longer exist: preview the file again."),
                code="not_installed",
            )
        for key in totals:
            totals[key] += counts[key]
        done += len(batch)
        progress(done)
    staging.drop(record)
    record.status = ImportStatus.DONE
    record.counts = totals
    record.processed_rows = done
    record.finished_at = utcnow()
    audit.record(
        actor,
        "installs.import",
        object_type="install_import",
        object_id=record.id,
        object_label=record.filename or None,
        detail={"rows": done, **totals, "sha256": record.file_sha256},
    )
    return record

"""Ringback installs: batches (idempotent), list imports with preview and a job, reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_install_import
from ..jobs.progress import done_rows
from ..models import InstallImport, Role
from ..models.base import as_id
from ..services.areas import area_refs
from ..services.errors import ValidationFailed
from ..services.ringback import (
    install_exports,
    install_import,
    install_reports,
    install_rows,
    installs,
    releases,
)
from .fields import Id
from .openapi import content
from .reports import CSV, READERS, XLSX, attachment
from .ringback import carrier_by_code

blp = Blueprint("api_installs", __name__, description="Ringback installs, imports and reports")


class InstallItem(ma.Schema):
    id = ma.fields.String(metadata={"description": "Your own id, echoed in the result"})
    phone = ma.fields.String(required=True, metadata={"description": "+84…, 84… or 0…"})
    carrier = ma.fields.String(metadata={"description": "Carrier code or name"})
    code = ma.fields.String(required=True, metadata={"description": "The tone's content code"})
    unit = ma.fields.String(metadata={"description": "Area code of the staff member's unit"})
    date = ma.fields.String(metadata={"description": "YYYY-MM-DD or DD/MM/YYYY; default today"})
    action = ma.fields.String(metadata={"description": "install (default) or uninstall"})
    name = ma.fields.String(metadata={"description": "Staff member's name"})


class InstallBatch(ma.Schema):
    installs = ma.fields.List(ma.fields.Nested(InstallItem), required=True)


class InstallBatchResult(ma.Schema):
    results = ma.fields.List(ma.fields.Dict())
    counts = ma.fields.Dict()


class ImportSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(
        metadata={"description": "ready, queued, running, done, failed or cancelled"}
    )
    filename = ma.fields.String()
    file_format = ma.fields.String()
    columns = ma.fields.List(ma.fields.String())
    mapping = ma.fields.Dict()
    total_rows = ma.fields.Integer()
    processed_rows = ma.fields.Function(done_rows)
    counts = ma.fields.Dict(metadata={"description": "Expected while ready; written once done"})
    error_code = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)


class ImportForm(ma.Schema):
    file = ma.fields.Raw(metadata={"type": "string", "format": "binary"})
    carrier = ma.fields.String(metadata={"description": "Carrier of every line without one"})
    release_id = Id(metadata={"description": "Tone of every line without a code"})
    unit = ma.fields.String(metadata={"description": "Area code (or id) for lines without a unit"})
    action = ma.fields.String(metadata={"description": "install or uninstall"})
    date = ma.fields.String(metadata={"description": "Date of lines without one"})
    map_phone = ma.fields.String(metadata={"description": "Header of the phone column, etc."})


class ReportQuery(ma.Schema):
    group_by = ma.fields.String(
        load_default="carrier", validate=ma.validate.OneOf(install_reports.GROUPS)
    )
    as_of = ma.fields.Date(load_default=None, metadata={"description": "Default: today"})
    carrier = Id(load_default=None)
    tone = Id(load_default=None, metadata={"description": "Release id"})
    months = ma.fields.Integer(load_default=12, validate=ma.validate.Range(1, 60))
    format = ma.fields.String(
        load_default="json", validate=ma.validate.OneOf(["json", "csv", "xlsx"])
    )


@blp.route("/ringback/installs", methods=["POST"])
@roles(Role.ADMIN)
@blp.doc(requestBody={"content": {"application/json": {"schema": InstallBatch}}})
@blp.response(200, InstallBatchResult)
def post_installs() -> Any:
    """Record up to 1,000 installs or uninstalls. Phone and tone are the natural key: the same
    phone and tone count once, so re-sending a batch is harmless. Each row comes back
    created, removed, duplicate or rejected with a `code` and `reason`; phones come back
    masked. Numbers are never stored in clear."""
    body = request.get_json(silent=True)
    items = body.get("installs") if isinstance(body, dict) else None
    if items is None:
        raise ValidationFailed(_('Send {"installs": [...]}.'), code="bad_batch")
    results = installs.record_batch(current_actor(), items, source="api")
    db.session.commit()
    return {"results": [asdict(r) for r in results], "counts": installs.batch_counts(results)}


def _defaults(form: Any) -> install_rows.Defaults:
    carrier = carrier_by_code(form["carrier"]) if form.get("carrier") else None
    release = None
    if form.get("release_id"):
        raw = form["release_id"]
        release_id = as_id(int(raw)) if raw.isdigit() else None
        if release_id is None:
            raise ValidationFailed(_("release_id must be a release's id."), code="bad_release")
        release = releases.get(release_id)
    area = None
    if form.get("unit"):
        area = area_refs.visible_by_text(current_user, form["unit"])
    on = install_rows.parse_day(form["date"]) if form.get("date") else None
    if form.get("date") and on is None:
        raise ValidationFailed(_("Give the date as YYYY-MM-DD."), code="bad_date")
    action = install_rows.parse_action(form.get("action") or "install")
    if action is None:
        raise ValidationFailed(_("The action must be install or uninstall."), code="bad_action")
    return install_rows.Defaults(carrier=carrier, release=release, area=area, action=action, on=on)


@blp.route("/ringback/installs/import", methods=["POST"])
@roles(Role.ADMIN)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": ImportForm}}})
@blp.response(201, ImportSchema)
def import_installs() -> Any:
    """Upload a carrier's or a unit's list (CSV or XLSX, recognised by content) with an
    optional column mapping (`map_phone`, `map_code`, `map_carrier`, `map_unit`, `map_date`,
    `map_action`, `map_name`: a header, or `-` for none; headers are recognised by name
    otherwise). The whole file is checked: any bad line refuses it (422, lines in `details`).
    A good file becomes an import in status `ready` with the expected counts; commit it."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(_('Send the list as the multipart field "file".'), code="no_file")
    limit = current_app.config["INSTALL_IMPORT_MAX_BYTES"]
    record = install_import.preview(
        current_actor(),
        upload.stream.read(limit + 1),
        filename=upload.filename or "",
        mapping={f: request.form.get(f"map_{f}") for f in install_import.FIELDS},
        defaults=_defaults(request.form),
    )
    db.session.commit()
    return record


@blp.route("/ringback/imports/<int:import_id>")
@roles(Role.ADMIN)
@blp.response(200, ImportSchema)
def get_import(import_id: int) -> InstallImport:
    """An import's state and progress (`processed_rows` of `total_rows`)."""
    return install_import.get(import_id)


@blp.route("/ringback/imports/<int:import_id>/commit", methods=["POST"])
@roles(Role.ADMIN)
@blp.response(202, ImportSchema)
def commit_import(import_id: int) -> Any:
    """Write a ready (or failed) import in a background job; follow it with GET."""
    record = install_import.commit(current_actor(), install_import.get(import_id))
    db.session.commit()
    enqueue_install_import(record.id)
    db.session.refresh(record)
    return record


@blp.route("/ringback/imports/<int:import_id>/cancel", methods=["POST"])
@roles(Role.ADMIN)
@blp.response(200, ImportSchema)
def cancel_import(import_id: int) -> Any:
    record = install_import.cancel(current_actor(), install_import.get(import_id))
    db.session.commit()
    return record


def report_json(result: install_reports.InstallReport) -> dict[str, Any]:
    return {
        "group_by": result.group_by,
        "as_of": result.as_of.isoformat(),
        "installs": result.installs,
        "phones": result.phones,
        "target": result.target,
        "percent": result.percent,
        "rows": [{k: v for k, v in row.items() if k != "path"} for row in result.rows],
    }


@blp.route("/ringback/report")
@roles(*READERS)
@blp.arguments(ReportQuery(), location="query")
@blp.response(200, description="Active installs; CSV and XLSX give the same numbers")
@blp.doc(**content("application/json", "text/csv", XLSX, description="The report"))
def install_report(args: dict[str, Any]) -> Any:
    """Active installs on a day (`as_of`, default today) by carrier, unit, tone, month (new,
    removed, active at the month's end) or target (phones against each unit's target)."""
    filters = {"carrier": args["carrier"], "tone": args["tone"]}

    def run(group: str) -> install_reports.InstallReport:
        return install_reports.report(
            current_user, group, as_of=args["as_of"], filters=filters, months=args["months"]
        )

    result = run(args["group_by"])
    if args["format"] == "json":
        return report_json(result)
    name = f"nhac-cho-{result.group_by}-{result.as_of:%Y%m%d}.{args['format']}"
    if args["format"] == "csv":
        return attachment(install_exports.report_csv(result), CSV, name)
    return attachment(install_exports.report_xlsx(result, run), XLSX, name)

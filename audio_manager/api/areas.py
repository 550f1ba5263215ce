"""Areas: list with filters, one area, and the CSV import."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..models import Area, Role
from ..services.areas import areas
from ..services.areas.area_import import import_areas
from ..services.errors import NotFound, ValidationFailed
from .fields import Count

blp = Blueprint("api_areas", __name__, description="The area tree (province › commune › hamlet)")


class AreaSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    level = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    parent_code = ma.fields.Function(lambda a: a.parent.code if a.parent else None)
    languages = ma.fields.List(
        ma.fields.String(), metadata={"description": "Hamlets only, in order"}
    )


class AreaListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AreaSchema))
    total = ma.fields.Integer()
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


class AreaQuerySchema(ma.Schema):
    level = ma.fields.String(metadata={"description": "province, district, commune or hamlet"})
    parent = ma.fields.String(metadata={"description": "Parent area code (or numeric id)"})
    code = ma.fields.String()
    q = ma.fields.String(metadata={"description": "Search in names and codes"})
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(1, 1000))
    offset = Count(load_default=0)


class CsvUpload(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportReportSchema(ma.Schema):
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    by_level = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


def _parent(value: str) -> Area:
    area = areas.by_code(value)
    if area is None and value.isdigit():
        area = db.session.get(Area, int(value))
    if area is None or not areas.can_see(current_user, area):
        raise NotFound(_("Unknown parent area: %(code)s", code=value), code="unknown_area")
    return area


@blp.route("/areas")
@authenticated
@blp.arguments(AreaQuerySchema(), location="query")
@blp.response(200, AreaListSchema)
def list_areas(args: dict[str, Any]) -> Any:
    """List areas the caller may see, filtered by level, parent and code."""
    parent = _parent(args["parent"]) if args.get("parent") else None
    found, total = areas.search(
        current_user,
        level=args.get("level"),
        parent=parent,
        code=args.get("code"),
        text=args.get("q"),
        limit=args["limit"],
        offset=args["offset"],
    )
    return {"items": found, "total": total, "limit": args["limit"], "offset": args["offset"]}


@blp.route("/areas/<int:area_id>")
@authenticated
@blp.response(200, AreaSchema)
def get_area(area_id: int) -> Any:
    """One area."""
    return areas.get_visible(current_user, area_id)


@blp.route("/areas/import", methods=["POST"])
@roles(Role.ADMIN)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": CsvUpload}}})
@blp.response(200, ImportReportSchema)
def import_csv() -> Any:
    """Import areas from a CSV (multipart field `file`); all-or-nothing. A refused file answers
    422 with the errors by line in `details.errors`; nothing was imported."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(_('Send the CSV as the multipart field "file".'), code="no_file")
    limit = current_app.config["AREA_IMPORT_MAX_BYTES"]
    try:
        report = import_areas(
            current_actor(),
            upload.stream.read(limit + 1),
            filename=upload.filename or "",
            max_bytes=limit,
        )
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return report.as_dict()

"""Request fields with the bounds the database holds: a number no column can store is a 422
with the field named, never a database error (and the OpenAPI says so with min/max)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ..models.base import MAX_ID


def Id(**kwargs: Any) -> ma.fields.Integer:
    """A row id: 1 to 2**31 - 1."""
    return ma.fields.Integer(validate=ma.validate.Range(1, MAX_ID), **kwargs)


def Revision(**kwargs: Any) -> ma.fields.Integer:
    """The revision a client read, sent back to detect concurrent changes."""
    kwargs.setdefault("metadata", {"description": "The revision you read (409 `stale`: it moved)"})
    return ma.fields.Integer(validate=ma.validate.Range(0, MAX_ID), **kwargs)


def Count(low: int = 0, high: int = MAX_ID, **kwargs: Any) -> ma.fields.Integer:
    """A bounded whole number (pages, offsets, intervals)."""
    return ma.fields.Integer(validate=ma.validate.Range(low, high), **kwargs)


class AreaRefs(ma.fields.List):
    """Areas a schedule targets: a list of area codes in; out, the codes of the targets the
    reader may see (a scoped reader is not told about other provinces)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", ma.validate.Length(max=500))
        super().__init__(ma.fields.String(validate=ma.validate.Length(1, 64)), **kwargs)

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        from flask_login import current_user

        from ..services.broadcast.schedule_scope import visible_targets

        return [a.code or str(a.id) for a in visible_targets(current_user, obj)]

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


AREA_REF_SCHEMA = {
    "oneOf": [
        {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "An area id"},
        {"type": "string", "minLength": 1, "maxLength": 64, "description": "An area code"},
    ]
}


class AreaRef(ma.fields.Raw):
    """One area: its id (a number) or its code (a string). A hamlet without an official code is
    named by its id."""

    default_error_messages = {"invalid": "An area id (a number) or an area code (a string)."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {**AREA_REF_SCHEMA})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
        if isinstance(value, str) and 1 <= len(value) <= 64:
            return value
        raise self.make_error("invalid")


class AreaRefs(ma.fields.List):
    """Areas a schedule targets: ids (numbers) or codes (strings), e.g. ``[14, "99001"]``; out,
    the targets the reader may see, each as its code, or its id when it has none (so the list
    can be sent back as it is)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", ma.validate.Length(max=500))
        super().__init__(AreaRef(), **kwargs)

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        from flask_login import current_user

        from ..services.broadcast.schedule_scope import visible_targets

        return [a.code or a.id for a in visible_targets(current_user, obj)]


class AreaTargets(ma.fields.Field):
    """The targets the reader may see, each with its id and its code (read only)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dump_only", True)
        kwargs.setdefault(
            "metadata",
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string", "nullable": True},
                        "name": {"type": "string"},
                        "level": {"type": "string"},
                    },
                },
            },
        )
        super().__init__(**kwargs)

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        from flask_login import current_user

        from ..services.areas.area_refs import as_json
        from ..services.broadcast.schedule_scope import visible_targets

        return [as_json(a) for a in visible_targets(current_user, obj)]

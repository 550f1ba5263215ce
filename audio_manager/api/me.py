"""Who the caller is: lets a device check its token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import authenticated
from ..services.areas import area_refs

blp = Blueprint("api_me", __name__, description="The authenticated caller")


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    areas = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Scope areas, each by its code (its id, as text, when it has none): "
            "what `area=` of the playlists takes"
        },
    )
    scope = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Scope areas with both their id and their code"},
    )


@blp.route("/me")
@authenticated
@blp.response(200, MeSchema)
def me() -> Any:
    return {
        "id": current_user.id,
        "username": current_user.username,
        "display_name": current_user.display_name,
        "roles": sorted(str(r) for r in current_user.roles),
        "areas": [a.code or str(a.id) for a in current_user.scope_areas],
        "scope": [area_refs.as_json(a) for a in current_user.scope_areas],
    }

"""Who the caller is: lets a device check its token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import authenticated

blp = Blueprint("api_me", __name__, description="The authenticated caller")


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    areas = ma.fields.List(ma.fields.String(), metadata={"description": "Codes of scope areas"})


@blp.route("/me")
@authenticated
@blp.response(200, MeSchema)
def me() -> Any:
    return {
        "id": current_user.id,
        "username": current_user.username,
        "display_name": current_user.display_name,
        "roles": sorted(str(r) for r in current_user.roles),
        "areas": [a.code for a in current_user.scope_areas if a.code],
    }

"""Ringback tones: carriers and releases (prepare, status, package and audio downloads)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..access import authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..models import ReleaseStatus, Role
from ..services.errors import NotFound
from ..services.messages import versions
from ..services.ringback import carriers, releases
from .fields import Id, Revision
from .openapi import AUDIO, downloaded
from .production import send_asset
from .schemas import AssetSchema

blp = Blueprint("api_ringback", __name__, description="Ringback tones: carriers and releases")

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER)
EDITORS = (Role.EDITOR, Role.ADMIN)


class CarrierSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    active = ma.fields.Boolean()
    source_profile = ma.fields.String(metadata={"description": "Rendition the audio is made from"})
    codec = ma.fields.String()
    bitrate_kbps = ma.fields.Integer(allow_none=True)
    sample_rate = ma.fields.Integer()
    max_duration_s = ma.fields.Float()
    sms_number = ma.fields.String()
    sms_template = ma.fields.String(metadata={"description": "With {code}"})
    ussd_template = ma.fields.String()
    app_name = ma.fields.String()
    instructions = ma.fields.String()


class ReleaseSchema(ma.Schema):
    id = ma.fields.Integer()
    version_id = ma.fields.Integer()
    message_id = ma.fields.Function(lambda r: r.version.variant.message_id)
    language = ma.fields.Function(lambda r: r.version.variant.language)
    carrier = ma.fields.Function(lambda r: r.carrier.code)
    status = ma.fields.String(metadata={"description": "prepared, submitted, live or withdrawn"})
    content_code = ma.fields.String(allow_none=True)
    revision = ma.fields.Integer(metadata={"description": "Send it back with status changes"})
    note = ma.fields.String()
    prepared_at = ma.fields.DateTime()
    submitted_at = ma.fields.DateTime(allow_none=True)
    live_at = ma.fields.DateTime(allow_none=True)
    withdrawn_at = ma.fields.DateTime(allow_none=True)
    withdraw_reason = ma.fields.String(allow_none=True)
    audio = ma.fields.Function(lambda r: AssetSchema().dump(r.audio_asset))
    package_url = ma.fields.Function(
        lambda r: url_for("api_ringback.release_package", release_id=r.id, _external=True)
    )
    audio_url = ma.fields.Function(
        lambda r: url_for("api_ringback.release_audio", release_id=r.id, _external=True)
    )
    flyer_url = ma.fields.Function(
        lambda r: url_for("ringback.release_flyer", release_id=r.id, _external=True)
    )


class ReleaseQuery(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([str(s) for s in ReleaseStatus]))
    carrier = ma.fields.String(metadata={"description": "Carrier code"})


class NewRelease(ma.Schema):
    version_id = Id(required=True)
    carrier = ma.fields.String(required=True, metadata={"description": "Carrier code"})
    note = ma.fields.String(load_default="")


class ReleaseMove(ma.Schema):
    action = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(releases.MOVES)),
        metadata={"description": "submit, live, withdraw, or code (change the code only)"},
    )
    content_code = ma.fields.String(load_default=None)
    reason = ma.fields.String(load_default=None)
    revision = Revision(load_default=None)


def carrier_by_code(code: str) -> Any:
    carrier = carriers.by_code(code)
    if carrier is None:
        raise NotFound(_("Unknown carrier: %(code)s", code=code), code="carrier_not_found")
    return carrier


@blp.route("/ringback/carriers")
@authenticated
@blp.response(200, CarrierSchema(many=True))
def list_carriers() -> Any:
    """Carriers with their upload profile and install instructions."""
    return carriers.all_carriers()


@blp.route("/ringback/releases")
@roles(*READERS)
@blp.arguments(ReleaseQuery(), location="query")
@blp.response(200, ReleaseSchema(many=True))
def list_releases(args: dict[str, Any]) -> Any:
    """Releases, newest first."""
    carrier = carrier_by_code(args["carrier"]) if args.get("carrier") else None
    return releases.list_releases(status=args.get("status"), carrier_id=carrier and carrier.id)


@blp.route("/ringback/releases", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(NewRelease())
@blp.response(201, ReleaseSchema)
def create_release(data: dict[str, Any]) -> Any:
    """Package an approved version's ringback for a carrier: its audio in the carrier's upload
    profile and a metadata sheet, as a ZIP. Refused (422) when the version is not approved
    (`not_approved`), has no ringback rendition (`no_rendition`) or is longer than the
    carrier's maximum (`too_long`)."""
    release = releases.prepare(
        current_actor(),
        versions.get(data["version_id"]),
        carrier_by_code(data["carrier"]),
        note=data["note"],
    )
    db.session.commit()
    return release


@blp.route("/ringback/releases/<int:release_id>")
@roles(*READERS)
@blp.response(200, ReleaseSchema)
def get_release(release_id: int) -> Any:
    return releases.get(release_id)


@blp.route("/ringback/releases/<int:release_id>/status", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(ReleaseMove())
@blp.response(200, ReleaseSchema)
def move_release(data: dict[str, Any], release_id: int) -> Any:
    """Submitted to the carrier, live (needs the carrier's `content_code`), withdrawn (needs a
    `reason`), or a corrected code. Send `revision` to detect concurrent changes (409)."""
    release = releases.move(
        current_actor(),
        releases.get(release_id),
        data["action"],
        content_code=data["content_code"],
        reason=data["reason"],
        seen_revision=data["revision"],
    )
    db.session.commit()
    return release


@blp.route("/ringback/releases/<int:release_id>/package")
@roles(*READERS)
@blp.response(200, description="The ZIP for the carrier")
@blp.doc(**downloaded("application/zip", description="The ZIP for the carrier", ranges=True))
def release_package(release_id: int) -> Any:
    release = releases.get(release_id)
    return send_asset(release.package_asset, f"nhac-cho-{release.carrier.code}-{release.id}")


@blp.route("/ringback/releases/<int:release_id>/audio")
@roles(*READERS)
@blp.response(200, description="The audio in the carrier's upload profile")
@blp.doc(**downloaded(*AUDIO, description="The carrier's audio", ranges=True))
def release_audio(release_id: int) -> Any:
    release = releases.get(release_id)
    return send_asset(release.audio_asset, f"nhac-cho-{release.carrier.code}-{release.id}")

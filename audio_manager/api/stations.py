"""Stations: the agents' heartbeat, and the list of stations with how they are doing."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import roles
from ..extensions import db
from ..models import Role
from ..models.base import utcnow
from ..services.broadcast import station_status, stations
from ..services.errors import ValidationFailed
from ..station import __version__ as agent_version
from . import ErrorSchema

blp = Blueprint("api_stations", __name__, description="Broadcast stations (commune agents)")

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)


class NowPlayingSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    title = ma.fields.String()
    language = ma.fields.String()
    version_id = ma.fields.Integer()
    started_at = ma.fields.String()


class HeartbeatSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # a newer agent may say more

    agent_version = ma.fields.String(required=True, validate=ma.validate.Length(max=40))
    platform = ma.fields.String(validate=ma.validate.Length(max=120))
    clock = ma.fields.String(metadata={"description": "The agent's clock (ISO 8601)"})
    simulated = ma.fields.Boolean(load_default=False)
    last_sync_at = ma.fields.String(allow_none=True)
    playlist_validator = ma.fields.String(
        validate=ma.validate.Length(max=400),
        metadata={"description": "The validators (ETags) of the playlists it holds"},
    )
    cache_free_bytes = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=0))
    cache_used_bytes = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=0))
    cache_files = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=0))
    now_playing = ma.fields.Nested(NowPlayingSchema, allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    waiting_confirmations = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0))


class StationRef(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class HeartbeatAnswer(ma.Schema):
    station = ma.fields.Nested(StationRef)
    server_time = ma.fields.DateTime()
    agent_version = ma.fields.String(metadata={"description": "The agent this server serves"})


class StationStatusSchema(ma.Schema):
    id = ma.fields.Function(lambda r: r.station.id)
    name = ma.fields.Function(lambda r: r.station.name)
    areas = ma.fields.Function(lambda r: [a.code or str(a.id) for a in r.areas])
    online = ma.fields.Boolean()
    last_seen_at = ma.fields.Function(lambda r: r.station.last_seen_at.isoformat())
    agent_version = ma.fields.Function(lambda r: r.station.agent_version)
    simulated = ma.fields.Function(lambda r: r.station.simulated)
    last_sync_at = ma.fields.Function(
        lambda r: r.station.last_sync_at.isoformat() if r.station.last_sync_at else None
    )
    playlist_validator = ma.fields.Function(lambda r: r.station.playlist_validator)
    cache_free_bytes = ma.fields.Function(lambda r: r.station.cache_free_bytes)
    now_playing = ma.fields.Function(lambda r: r.station.now_playing)
    waiting_confirmations = ma.fields.Function(lambda r: r.station.waiting_confirmations)
    last_error = ma.fields.Function(lambda r: r.station.last_error)
    scheduled = ma.fields.Integer(metadata={"description": "Hamlet broadcasts due so far today"})
    confirmed = ma.fields.Integer(metadata={"description": "Of those, confirmed by anyone"})
    played = ma.fields.Integer(metadata={"description": "Played today, confirmed by it"})
    not_played = ma.fields.Integer()
    missing = ma.fields.Integer(
        metadata={"description": "Due longer than the grace ago, confirmed by nobody"}
    )
    flags = ma.fields.List(ma.fields.String())


@blp.route("/stations/heartbeat", methods=["POST"])
@roles(Role.OPERATOR, Role.ADMIN)
@blp.arguments(HeartbeatSchema())
@blp.response(200, HeartbeatAnswer)
@blp.alt_response(401, schema=ErrorSchema, description="Unknown, revoked or expired token")
@blp.alt_response(403, schema=ErrorSchema, description="Not an operator (device) account")
@blp.alt_response(422, schema=ErrorSchema, description="Not a heartbeat, or sent without a token")
def heartbeat(data: dict[str, Any]) -> Any:
    """A station says it is alive, and how it is (the first heartbeat of a token makes the
    station). Send it with the station's own token, about once a minute."""
    token = g.get("api_token")
    if token is None:
        raise ValidationFailed(
            _("A station sends its heartbeat with its API token."), code="token_required"
        )
    station = stations.heartbeat(token, data, request.remote_addr)
    db.session.commit()
    return {
        "station": station,
        "server_time": utcnow(),
        "agent_version": agent_version,
    }


@blp.route("/stations")
@roles(*READERS)
@blp.response(200, StationStatusSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema, description="Not logged in and no token")
@blp.alt_response(403, schema=ErrorSchema, description="A role that reads no broadcasts")
def list_stations() -> Any:
    """The stations of the caller's areas: online or not, last seen, what they played today
    against what was scheduled so far, what is missing, their errors and flags."""
    return station_status.overview(current_user)

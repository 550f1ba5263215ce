"""Schedules, playlists (JSON, M3U8, ZIP, iCalendar) and play confirmations."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.http import unquote_etag

from .. import http_cache
from .. import scheduling as sched
from ..access import roles
from ..auth import bearer_value, current_actor
from ..extensions import db
from ..models import Role
from ..models.base import MAX_ID, local_today
from ..services.broadcast import playlists, plays, poll_memory, schedules, stations
from ..services.errors import ValidationFailed
from ..services.messages import messages, versions
from .areas import CsvUpload
from .downloads import playlist_download, validator_extra
from .fields import AreaRefs, AreaTargets, Count, Id, Revision

blp = Blueprint("api_schedules", __name__, description="Schedules, playlists and plays")

EDITORS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)


class RecurrenceSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "daily, weekly, monthly_nth_weekday, dates"})
    interval = Count(-MAX_ID, MAX_ID, metadata={"description": "Every N days or weeks"})
    weekdays = ma.fields.List(ma.fields.Raw(), metadata={"description": "MO..SU or 0..6"})
    nth = Count(-MAX_ID, MAX_ID, metadata={"description": "1..5, or -1 for the last"})
    dates = ma.fields.List(ma.fields.String())


class ScheduleSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    message_id = Id(required=True)
    areas = AreaRefs(
        required=True,
        metadata={
            "description": 'Areas at any level, by id (a number) or code (a string): [14, "99001"]'
        },
    )
    targets = AreaTargets(metadata={"description": "The areas, each with its id and its code"})
    times = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "Local times, HH:MM"}
    )
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    rrule = ma.fields.String(metadata={"description": "RFC 5545 RRULE (or use recurrence)"})
    recurrence = ma.fields.Nested(RecurrenceSchema, load_only=True)
    pinned_version_id = Id(allow_none=True, load_default=None)
    note = ma.fields.String(load_default="")
    revision = Revision(load_default=None)
    cancelled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    cancel_reason = ma.fields.String(dump_only=True, allow_none=True)
    description = ma.fields.Function(
        lambda s: sched.describe(schedules.recurrence_of(s)), dump_only=True
    )


class ScheduleQuery(ma.Schema):
    message = Id()
    active_on = ma.fields.Date()
    cancelled = ma.fields.Boolean(load_default=False)


class CancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class PlaylistQuery(ma.Schema):
    area = ma.fields.String(
        required=True, metadata={"description": "The area's code, or its id when it has none"}
    )
    date = ma.fields.Date(load_default=None, metadata={"description": "Default: today (local)"})
    days = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, playlists.MAX_DAYS))
    format = ma.fields.String(
        load_default="json", validate=ma.validate.OneOf(["json", "m3u8", "zip", "ics", "html"])
    )


class PlayEvent(ma.Schema):
    id = ma.fields.String(
        required=True, metadata={"description": "Your id: re-sending is harmless"}
    )
    hamlet_id = Id(metadata={"description": "Or `area`: the hamlet's code"})
    area = ma.fields.String()
    played_at = ma.fields.AwareDateTime(required=True)
    version_id = Id(required=True)
    played = ma.fields.Boolean(load_default=True)
    reason = ma.fields.String(metadata={"description": "Why it was not played"})
    schedule_id = Id()


class PlayBatch(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(PlayEvent), required=True)


class PlayBatchResult(ma.Schema):
    results = ma.fields.List(ma.fields.Dict())
    counts = ma.fields.Dict()


def _recurrence(data: dict[str, Any]) -> sched.Recurrence:
    merged = {
        **(data.get("recurrence") or {}),
        "start_date": data["start_date"].isoformat(),
        "end_date": data["end_date"].isoformat(),
        "times": data["times"],
    }
    if data.get("rrule"):
        merged["rrule"] = data["rrule"]
    return schedules.recurrence_from(merged)


def _pinned(data: dict[str, Any]) -> Any:
    return versions.get(data["pinned_version_id"]) if data.get("pinned_version_id") else None


@blp.route("/schedules")
@roles(*READERS)
@blp.arguments(ScheduleQuery(), location="query")
@blp.response(200, ScheduleSchema(many=True))
def list_schedules(args: dict[str, Any]) -> Any:
    """Schedules (newest first), by message or active on a day."""
    return schedules.list_schedules(
        reader=current_user,
        message_id=args.get("message"),
        active_on=args.get("active_on"),
        include_cancelled=args["cancelled"],
    )


@blp.route("/schedules", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(ScheduleSchema())
@blp.response(201, ScheduleSchema)
def create_schedule(data: dict[str, Any]) -> Any:
    """Schedule a message in areas, at times of day, on a recurrence (Asia/Ho_Chi_Minh)."""
    targets = schedules.areas_from_refs(current_user, data["areas"])
    schedule = schedules.create(
        current_actor(),
        messages.get(data["message_id"]),
        targets,
        _recurrence(data),
        pinned=_pinned(data),
        note=data["note"],
    )
    db.session.commit()
    return schedule


@blp.route("/schedules/<int:schedule_id>")
@roles(*READERS)
@blp.response(200, ScheduleSchema)
def get_schedule(schedule_id: int) -> Any:
    """A schedule that reaches the caller's areas (404 for any other)."""
    return schedules.get(schedule_id, current_user)


@blp.route("/schedules/<int:schedule_id>", methods=["PUT"])
@roles(*EDITORS)
@blp.arguments(ScheduleSchema())
@blp.response(200, ScheduleSchema)
def update_schedule(data: dict[str, Any], schedule_id: int) -> Any:
    """Replace a schedule's areas, times and recurrence; send `revision` to detect conflicts."""
    schedule = schedules.get(schedule_id, current_user)
    targets = schedules.areas_from_refs(current_user, data["areas"])
    schedules.update(
        current_actor(),
        schedule,
        targets,
        _recurrence(data),
        seen_revision=data.get("revision"),
        pinned=_pinned(data),
        note=data["note"],
    )
    db.session.commit()
    return schedule


@blp.route("/schedules/<int:schedule_id>", methods=["DELETE"])
@roles(*EDITORS)
@blp.arguments(CancelSchema())
@blp.response(200, ScheduleSchema)
def cancel_schedule(data: dict[str, Any], schedule_id: int) -> Any:
    """Cancel a schedule (kept in history)."""
    schedule = schedules.cancel(
        current_actor(), schedules.get(schedule_id, current_user), reason=data["reason"]
    )
    db.session.commit()
    return schedule


PLAYLIST_CONTENT = {
    "application/json": {"schema": {"type": "object"}},
    "application/vnd.apple.mpegurl": {
        "schema": {"type": "string"},
        "example": "#EXTM3U\n#EXT-X-VERSION:3\n…\n#EXT-X-ENDLIST\n",
    },
    "text/calendar": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
}


@blp.route("/playlists")
@roles(*READERS)
@blp.arguments(PlaylistQuery(), location="query")
@blp.response(200, description="The playlist; `format` gives M3U8, ZIP, iCalendar or HTML")
@blp.doc(
    responses={
        "200": {
            "description": "The playlist (`format`: json, m3u8, ics, html, zip)",
            "content": PLAYLIST_CONTENT,
        },
        "206": {
            "description": "A byte range of the ZIP (`Range`, resumed with `If-Range`)",
            "content": {"application/zip": PLAYLIST_CONTENT["application/zip"]},
        },
        "304": {"description": "The copy named by `If-None-Match` (weak or strong) is current"},
        "416": {"description": "The range is outside the ZIP (`Content-Range: bytes */N`)"},
        "503": {"description": "An audio file of the bundle cannot be read now"},
    }
)
def get_playlist(args: dict[str, Any]) -> Any:
    """The playlist of an area for one or more days, in any format, with a validator (ETag):
    a device polling with `If-None-Match` gets 304 while nothing it is made of has changed.
    Audio links in M3U8, iCalendar and HTML are signed and expire (MEDIA_LINK_HOURS)."""
    fmt, day = args["format"], args["date"] or local_today()
    tags = http_cache.client_tags()
    if tags and fmt != "zip":  # the ZIP answers If-None-Match along with Range and If-Range
        tag = playlists.current_tag(
            current_user, args["area"], day, args["days"], fmt, validator_extra(fmt), tags
        )
        if tag is not None:
            _note(args, day, fmt, tag)
            return http_cache.not_modified(tag)
    if fmt == "json":
        body, tag = playlists.json_for_code(current_user, args["area"], day, args["days"])
        response = Response(body, mimetype="application/json")
        response.headers.update(http_cache.cache_headers(tag))
    else:
        result = playlists.for_code(current_user, args["area"], day, args["days"])
        response = playlist_download(result, fmt)
    if fmt != "zip" and response.status_code == 200 and response.headers.get("ETag"):
        _note(args, day, fmt, unquote_etag(response.headers["ETag"])[0] or "")
    return response


def _note(args: dict[str, Any], day: Any, fmt: str, tag: str) -> None:
    """What this device was told, for its polls while the database is away (poll_memory)."""
    value = bearer_value()
    if value is not None:
        poll_memory.note(value, args["area"], day, args["days"], fmt, validator_extra(fmt), tag)


@blp.route("/plays", methods=["POST"])
@roles(Role.OPERATOR, Role.ADMIN)
@blp.doc(requestBody={"content": {"application/json": {"schema": PlayBatch}}})
@blp.response(200, PlayBatchResult)
def post_plays() -> Any:
    """Confirm up to 1,000 plays: `{"events": [{"id", "hamlet_id" | "area", "played_at",
    "version_id", "played", "reason", "schedule_id", "scheduled_at"}]}`. Each event's own `id`
    makes re-sending harmless, and a scheduled broadcast (schedule, hamlet, language, moment:
    `scheduled_at` names it) counts once whoever reports it; every event gets created,
    duplicate or rejected with a reason. Plays sent with a station's token count as source
    "station"."""
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else body
    if events is None:
        raise ValidationFailed(_('Send {"events": [...]}.'), code="bad_batch")
    source, station_id = stations.source_of(g.get("api_token"))
    batch = plays.record(current_actor(), events, source=source, station_id=station_id)
    db.session.commit()
    return {"results": [r.__dict__ for r in batch.results], "counts": batch.counts}


@blp.route("/plays/import", methods=["POST"])
@roles(Role.OPERATOR, Role.ADMIN)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": CsvUpload}}})
@blp.response(200, PlayBatchResult)
def import_plays() -> Any:
    """Import plays from CSV (multipart `file`): columns id, hamlet_id, played_at, version_id,
    played, reason, schedule_id. All or nothing."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(_('Send the CSV as the multipart field "file".'), code="no_file")
    batch = plays.import_csv(current_actor(), upload.stream.read(5_000_001))
    db.session.commit()
    return {"results": [r.__dict__ for r in batch.results], "counts": batch.counts}

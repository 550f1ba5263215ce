"""Marshmallow schemas shared by the API modules."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from ..jobs import waiting_for_queue


class AssetSchema(ma.Schema):
    sha256 = ma.fields.String()
    mime = ma.fields.String()
    size = ma.fields.Integer()
    duration = ma.fields.Float(allow_none=True, metadata={"description": "seconds"})
    sample_rate = ma.fields.Integer(allow_none=True)
    channels = ma.fields.Integer(allow_none=True)
    codec = ma.fields.String(allow_none=True)
    bitrate = ma.fields.Integer(allow_none=True, metadata={"description": "bits per second"})
    loudness_lufs = ma.fields.Float(allow_none=True, metadata={"description": "integrated, LUFS"})
    true_peak_dbtp = ma.fields.Float(allow_none=True)


class RenditionSchema(ma.Schema):
    id = ma.fields.Integer()
    profile = ma.fields.String()
    asset = ma.fields.Nested(AssetSchema)
    download_url = ma.fields.Function(
        lambda r: url_for("api_production.download_rendition", rendition_id=r.id, _external=True)
    )


class JobSchema(ma.Schema):
    id = ma.fields.Integer()
    version_id = ma.fields.Integer()
    kind = ma.fields.String(
        metadata={"description": "audio (the configured profiles) or social (the videos)"}
    )
    status = ma.fields.String(metadata={"description": "queued, running, done or failed"})
    attempts = ma.fields.Integer()
    error_code = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    queued_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    waiting_for_service = ma.fields.Function(
        lambda job: job.status == "queued" and waiting_for_queue(job.id),
        metadata={
            "description": "True while the job is recorded but the render service's queue "
            "could not take it yet (it is queued as soon as the queue is back)",
            "type": "boolean",
        },
    )


class ContributorSchema(ma.Schema):
    username = ma.fields.Function(lambda c: c.user.username)
    kind = ma.fields.String(
        metadata={"description": "created, edited, restored (wrote what it copies) or part"}
    )
    at = ma.fields.DateTime()


class VersionSchema(ma.Schema):
    id = ma.fields.Integer()
    message_id = ma.fields.Function(lambda v: v.variant.message_id)
    language = ma.fields.Function(lambda v: v.variant.language)
    number = ma.fields.Integer()
    status = ma.fields.String()
    source_kind = ma.fields.String()
    script_text = ma.fields.String(allow_none=True)
    engine = ma.fields.String(allow_none=True)
    voice = ma.fields.String(allow_none=True)
    speed = ma.fields.Float(allow_none=True)
    spoken_text = ma.fields.String(
        allow_none=True, metadata={"description": "What the voice read: the normalised script"}
    )
    fallback_from = ma.fields.String(
        allow_none=True, metadata={"description": "The engine tried first, when another spoke"}
    )
    fallback_reason = ma.fields.String(
        allow_none=True, metadata={"description": "Why it was not used (its error code)"}
    )
    draft_only = ma.fields.Boolean(
        metadata={"description": "Made with a voice not fit for broadcast: never submitted"}
    )
    source_filename = ma.fields.String(allow_none=True)
    gap_seconds = ma.fields.Float(allow_none=True)
    parts = ma.fields.Function(lambda v: [p.part_version_id for p in v.parts])
    created_at = ma.fields.DateTime()
    revision = ma.fields.Integer(metadata={"description": "Send it back with workflow actions"})
    is_current = ma.fields.Boolean()
    created_by = ma.fields.Function(lambda v: v.created_by.username if v.created_by else None)
    contributors = ma.fields.List(
        ma.fields.Nested(ContributorSchema),
        attribute="contributor_rows",
        metadata={"description": "Who made or changed it; none of them may approve it"},
    )
    submitted_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.Function(lambda v: v.decided_by.username if v.decided_by else None)
    decision_reason = ma.fields.String(allow_none=True)
    retired_at = ma.fields.DateTime(allow_none=True)
    retire_reason = ma.fields.String(allow_none=True)
    restored_from_id = ma.fields.Integer(allow_none=True)
    source = ma.fields.Function(
        lambda v: AssetSchema().dump(v.source_asset) if v.source_asset else None
    )
    renditions = ma.fields.List(ma.fields.Nested(RenditionSchema))
    job = ma.fields.Function(
        lambda v: JobSchema().dump(v.latest_job) if v.latest_job else None,
        metadata={"description": "The latest job making its audio"},
    )
    social_job = ma.fields.Function(
        lambda v: JobSchema().dump(v.social_job) if v.social_job else None,
        metadata={"description": "The latest job making its social videos (opt-in)"},
    )


class MessageSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True)
    topic = ma.fields.String(load_default="")
    priority = ma.fields.String(
        load_default="normal", validate=ma.validate.OneOf(["normal", "priority", "emergency"])
    )
    valid_from = ma.fields.AwareDateTime(allow_none=True, load_default=None)
    valid_until = ma.fields.AwareDateTime(allow_none=True, load_default=None)
    created_at = ma.fields.DateTime(dump_only=True)
    social_video = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "Its versions are also rendered as social videos (opt-in)"},
    )

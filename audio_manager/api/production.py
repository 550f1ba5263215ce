"""Audio production: messages, versions from speech/upload/bulletin, jobs, rendition downloads."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import authenticated, roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_render
from ..models import RenderJob, Rendition, Role
from ..services.audio import rendering, social
from ..services.audio.assets import extension_for
from ..services.broadcast import schedule_scope
from ..services.errors import NotFound, ValidationFailed
from ..services.messages import messages, versions
from ..web.media import serve_asset
from .fields import Id
from .openapi import AUDIO, downloaded, errors
from .schemas import JobSchema, VersionSchema

blp = Blueprint("api_production", __name__, description="Messages, versions, audio and jobs")

PRODUCERS = (Role.EDITOR, Role.ADMIN)
READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER, Role.OPERATOR)
SOCIAL_MEDIA = ("video/mp4", "text/vtt", "application/x-subrip")


ENGINE_HELP = (
    "fpt, viettel, zalo, google, azure (contracted, need a key), gtts (free, unofficial) or "
    "espeak (offline); omitted: the language's default voice, then its order of preference. "
    "GET /api/v1/speech/engines lists them with their voices."
)
SPEED_HELP = "1.0 is normal; omitted: the language's default speed"


class SpeechRequest(ma.Schema):
    language = ma.fields.String(required=True, metadata={"description": "kinh, hoa or khmer"})
    text = ma.fields.String(
        required=True, metadata={"description": "The script; it is normalised before speaking"}
    )
    engine = ma.fields.String(load_default=None, metadata={"description": ENGINE_HELP})
    voice = ma.fields.String(
        load_default=None, metadata={"description": "e.g. banmai, vi-VN-HoaiMyNeural, yue, km"}
    )
    speed = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(0.5, 2.0),
        metadata={"description": SPEED_HELP},
    )


class SpeechEdit(ma.Schema):
    text = ma.fields.String(required=True)
    engine = ma.fields.String(load_default=None, metadata={"description": ENGINE_HELP})
    voice = ma.fields.String(load_default=None)
    speed = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(0.5, 2.0),
        metadata={"description": SPEED_HELP},
    )


class UploadRequest(ma.Schema):
    language = ma.fields.String(required=True)
    file = ma.fields.Raw(metadata={"type": "string", "format": "binary"})
    script = ma.fields.String(
        metadata={
            "description": "What the recording says (at most 20,000 characters); "
            "without it, the language's latest script is kept"
        }
    )


class BulletinRequest(ma.Schema):
    parts = ma.fields.List(
        Id(),
        required=True,
        metadata={"description": "Version ids, in playing order"},
    )
    gap_seconds = ma.fields.Float(load_default=None, validate=ma.validate.Range(0, 10))


class SocialVideoRequest(ma.Schema):
    enabled = ma.fields.Boolean(
        required=True, metadata={"description": "true: render social videos for this message"}
    )


class SocialVideoState(ma.Schema):
    social_video = ma.fields.Boolean()
    jobs = ma.fields.List(
        ma.fields.Nested(JobSchema), metadata={"description": "Video jobs queued by this call"}
    )


class CreatedVersion(ma.Schema):
    version = ma.fields.Nested(VersionSchema)
    job = ma.fields.Nested(JobSchema)


def _accepted(version: Any, job: RenderJob) -> Any:
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(job)
    return {"version": version, "job": job}


@blp.route("/messages/<int:message_id>/versions", methods=["POST"])
@roles(*PRODUCERS)
@blp.doc(
    requestBody={
        "content": {
            "application/json": {"schema": SpeechRequest},
            "multipart/form-data": {"schema": UploadRequest},
        }
    }
)
@blp.response(202, CreatedVersion)
@errors(415, 502, 503, 504)  # not audio; the speech engine failed, is away or slow
def create_version(message_id: int) -> Any:
    """A new version from speech (JSON) or from an uploaded recording (multipart `file`).

    The version is stored at once and rendered in the background: follow `job`.
    """
    message = messages.get(message_id)
    actor = current_actor()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        language = request.form.get("language", "")
        if upload is None:
            raise ValidationFailed(
                _('Send the recording as the multipart field "file".'), code="no_file"
            )
        version, job = versions.create_from_upload(
            actor,
            message,
            language,
            upload.stream,
            upload.filename or "",
            script=request.form.get("script"),
        )
        return _accepted(version, job)
    try:
        data = SpeechRequest().load(request.get_json(silent=True) or {})
    except ma.ValidationError as error:
        raise ValidationFailed(
            _("Some parameters are invalid."), code="invalid", details=error.messages
        ) from None
    version, job = versions.create_from_speech(
        actor,
        message,
        data["language"],
        data["text"],
        engine=data["engine"],
        voice=data["voice"],
        speed=data["speed"],
    )
    return _accepted(version, job)


@blp.route("/messages/<int:message_id>/bulletins", methods=["POST"])
@roles(*PRODUCERS)
@blp.arguments(BulletinRequest())
@blp.response(202, CreatedVersion)
def create_bulletin(data: dict[str, Any], message_id: int) -> Any:
    """A bulletin: other versions joined in order with a gap (e.g. Kinh, Hoa, Khmer)."""
    message = messages.get(message_id)
    version, job = versions.create_bulletin(
        current_actor(), message, data["parts"], gap_seconds=data["gap_seconds"]
    )
    return _accepted(version, job)


@blp.route("/messages/<int:message_id>/social-video", methods=["PUT"])
@roles(*PRODUCERS)
@blp.arguments(SocialVideoRequest())
@blp.response(200, SocialVideoState)
def set_social_video(data: dict[str, Any], message_id: int) -> Any:
    """Opt a message in to social videos (or out). Turning it on queues the videos of each
    language's version in use; versions made afterwards get theirs after their audio."""
    message = messages.get(message_id)
    jobs = social.set_opt_in(current_actor(), message, data["enabled"])
    db.session.commit()
    for job in jobs:
        enqueue_render(job.id)
        db.session.refresh(job)
    return {"social_video": message.social_video, "jobs": jobs}


@blp.route("/versions/<int:version_id>/social-videos", methods=["POST"])
@roles(*PRODUCERS)
@blp.response(202, JobSchema)
def make_social_videos(version_id: int) -> Any:
    """Make (or make again, e.g. after a new logo) the social videos of a version: 1080x1080,
    1080x1920 and 1920x1080 MP4 with burned-in captions, plus SRT and WebVTT files, listed
    with its renditions. 409 `social_video_off` unless its message opted in."""
    job = social.queue(current_actor(), versions.get(version_id))
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(job)
    return job


@blp.route("/versions/<int:version_id>")
@roles(*READERS)
@blp.response(200, VersionSchema)
def get_version(version_id: int) -> Any:
    """A version: status, source, measurements and renditions with download URLs."""
    return versions.get(version_id)


@blp.route("/versions/<int:version_id>", methods=["PATCH"])
@roles(*PRODUCERS)
@blp.arguments(SpeechEdit())
@blp.response(202, CreatedVersion)
@errors(502, 503, 504)
def edit_version(data: dict[str, Any], version_id: int) -> Any:
    """Re-speak a draft. A submitted version is immutable (409 `immutable_version`)."""
    version, job = versions.edit_draft(
        current_actor(),
        versions.get(version_id),
        data["text"],
        engine=data["engine"],
        voice=data["voice"],
        speed=data["speed"],
    )
    return _accepted(version, job)


def _job(job_id: int) -> RenderJob:
    job = db.session.get(RenderJob, job_id)
    if job is None:
        raise NotFound(_("No such job."), code="job_not_found")
    return job


@blp.route("/jobs/<int:job_id>")
@roles(*READERS)
@blp.response(200, JobSchema)
def get_job(job_id: int) -> Any:
    """A render job's state."""
    return _job(job_id)


@blp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@roles(*PRODUCERS)
@blp.response(202, JobSchema)
def retry_job(job_id: int) -> Any:
    """Queue a failed job again."""
    job = rendering.retry(current_actor(), _job(job_id))
    db.session.commit()
    enqueue_render(job.id)
    db.session.refresh(job)
    return job


@blp.route("/renditions/<int:rendition_id>/file")
@authenticated
@blp.response(200, description="The audio, waveform JSON, video or captions; supports Range")
@blp.doc(
    **downloaded(
        *AUDIO, "application/json", *SOCIAL_MEDIA, description="The rendition", ranges=True
    )
)
def download_rendition(rendition_id: int) -> Any:
    """Download a rendition. Interrupted downloads resume with `Range`. Operators and viewers
    limited to areas get only approved audio their playlists hold (404 for any other)."""
    rendition = db.session.get(Rendition, rendition_id)
    if rendition is None or not schedule_scope.may_hear(current_user, rendition.version):
        raise NotFound(_("No such rendition."), code="rendition_not_found")
    return send_asset(rendition.asset, f"v{rendition.version_id}-{rendition.profile}")


def send_asset(asset: Any, stem: str) -> Any:
    """The asset as an attachment (Range, If-Range, validators), or a presigned S3 URL. Protected
    audio: the browser may keep it, shared caches and proxies may not (``private``)."""
    return serve_asset(asset, f"{stem}.{extension_for(asset.mime)}", disposition="attachment")

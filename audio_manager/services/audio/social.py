"""Social videos, opt-in per message: turning it on queues a video job for each language's
version in use, and every version rendered afterwards gets one too (after its audio)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...models import JobStatus, Message, RenderJob, Rendition, Version, VersionStatus
from .. import audit
from ..context import Actor
from ..errors import Conflict
from .rendering import new_job, social_profile_names

CAPTION_FILES = ("captions_srt", "captions_vtt")
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def outputs() -> list[str]:
    """Rendition names a social job makes: the videos, then the caption files."""
    return [*social_profile_names(), *CAPTION_FILES]


def renditions_of(version: Version) -> list[Rendition]:
    wanted = outputs()
    found = {r.profile: r for r in version.renditions if r.profile in wanted}
    return [found[name] for name in wanted if name in found]


def _audio_ready(version: Version) -> bool:
    job = version.latest_job
    return bool(version.renditions) and (job is None or job.status == JobStatus.DONE)


def _in_use(message: Message) -> list[Version]:
    """Each language's version in use: the approved one, else the newest still alive."""
    out = []
    for variant in message.variants:
        version = variant.current_version
        if version is None:
            alive = [
                v for v in variant.versions
                if v.status not in (VersionStatus.REJECTED, VersionStatus.RETIRED)
            ]  # fmt: skip
            version = max(alive, key=lambda v: v.number) if alive else None
        if version is not None and _audio_ready(version):
            out.append(version)
    return out


def _wanted(version: Version) -> bool:
    job = version.social_job
    return not (job is not None and job.status in ACTIVE) and not renditions_of(version)


def set_opt_in(actor: Actor, message: Message, enabled: bool) -> list[RenderJob]:
    """Turn social videos on or off for ``message``; on queues the videos that are missing.
    Returns the new jobs (the caller commits, then enqueues them)."""
    jobs: list[RenderJob] = []
    if message.social_video != enabled:
        message.social_video = enabled
        audit.record(
            actor,
            "message.social_video",
            object_type="message",
            object_id=message.id,
            object_label=message.title,
            detail={"enabled": enabled},
        )
    if enabled:
        jobs = [new_job(v, "social") for v in _in_use(message) if _wanted(v)]
    return jobs


def queue(actor: Actor, version: Version) -> RenderJob:
    """Make (or make again) the videos of ``version``; its message must have opted in."""
    if not version.variant.message.social_video:
        raise Conflict(
            _l("Social videos are off for this message: turn them on on the message page."),
            code="social_video_off",
        )
    if not _audio_ready(version):
        raise Conflict(
            _l("The audio is not ready yet: wait for it, or retry the failed job."),
            code="audio_not_ready",
        )
    active = version.social_job
    if active is not None and active.status in ACTIVE:
        return active
    job = new_job(version, "social")
    audit.record(actor, "version.social_video", object_type="version", object_id=version.id)
    return job


def follow_up(version: Version) -> RenderJob | None:
    """After a version's audio is made: its video job, when its message opted in."""
    if version.variant.message.social_video and _wanted(version):
        return new_job(version, "social")
    return None

"""Turning a version into renditions: the body of every render job, and its retry."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    JobStatus,
    RenderJob,
    Rendition,
    SourceKind,
    StockSound,
    Version,
    record_outbox,
)
from ...models.base import utcnow
from ...production import errors as production_errors
from ...storage import StorageError
from .. import audit
from ..context import Actor
from ..errors import Conflict
from . import brand
from .assets import fetch_to, profiles, store_file
from .production_messages import MESSAGES, log

WORKDIR_PREFIX = "am-job-"


def profile_names() -> list[str]:
    """The configured profiles (unknown names are refused when the app starts)."""
    return list(current_app.config["RENDER_PROFILES"])


def social_profile_names() -> list[str]:
    """The social video profiles (rendered only for messages that opt in)."""
    return list(current_app.config["SOCIAL_PROFILES"])


def _stock(kind: str, workdir: Path) -> Path | None:
    sound = db.session.scalar(
        db.select(StockSound)
        .where(StockSound.kind == kind)
        .order_by(StockSound.is_default.desc(), StockSound.id)
    )
    if sound is None:
        return None
    return fetch_to(sound.asset, workdir / f"{kind}.audio")


# The audio modules load numpy and scipy: imported where a render runs, so that web workers
# serving pages and playlists stay small.


def _source_wav(version: Version, workdir: Path, layout: list[tuple[float, float]]) -> Path:
    """The version's audio as a WAV; ``layout`` receives where each bulletin part lies."""
    from ...production.bulletin import bulletin
    from ...production.decode import decode_to_wav

    limit = current_app.config["MAX_AUDIO_SECONDS"]
    if version.source_kind == SourceKind.BULLETIN:
        parts = []
        for part in version.parts:
            raw = fetch_to(part.part_version.source_asset, workdir / f"part-{part.position}.src")
            parts.append(decode_to_wav(raw, workdir / f"part-{part.position}.wav").path)
        return bulletin(
            parts, version.gap_seconds or 0.0, dest=workdir / "bulletin.wav", layout=layout
        )
    raw = fetch_to(version.source_asset, workdir / "source.src")
    decoded = decode_to_wav(raw, workdir / "source.wav", max_duration_s=limit)
    layout.append((0.0, decoded.duration_s))
    return decoded.path


def render_version(version: Version) -> list[Rendition]:
    """Render every configured profile for ``version`` and store them. Safe to run again: a
    profile already rendered is replaced by the new result (identical bytes stay one asset)."""
    return _render(version, profile_names())


def render_social(version: Version) -> list[Rendition]:
    """Render the social videos of ``version`` and their caption files, and store them."""
    return _render(version, social_profile_names())


def _render(version: Version, names: list[str]) -> list[Rendition]:
    from ...production.render import RenderAssets, discard, render

    # The folder names its process: a sweep removes those of processes that died (kill -9).
    workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    try:
        layout: list[tuple[float, float]] = []
        source = _source_wav(version, workdir, layout)
        social = None
        if any(profiles()[name].kind == "video" for name in names):
            social = brand.social_spec(version, layout, workdir)
        assets = RenderAssets(
            chime=_stock("chime", workdir), bed=_stock("bed", workdir), social=social
        )
        out = workdir / "out"
        out.mkdir()
        files = render(source, names, assets, workdir=out, available=profiles())
        try:
            made = []
            for rendered in files:
                asset = store_file(rendered.path, rendered.mime, rendered.measurement)
                rendition = version.rendition(rendered.profile)
                if rendition is None:
                    rendition = Rendition(version=version, profile=rendered.profile, asset=asset)
                    db.session.add(rendition)
                else:
                    rendition.asset, rendition.created_at = asset, utcnow()
                made.append(rendition)
        finally:
            discard(files)
        return made
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """The error code and message a failed job records: its own words for errors users can act
    on, a generic line for the rest (what ffmpeg printed goes to the log, not to the page)."""
    if isinstance(exc, production_errors.ProductionError):
        if exc.code in MESSAGES:
            return exc.code, exc.message
        log.warning("render failed: %s %s %r", exc.code, exc.message, exc.details)
        return exc.code, "The audio could not be processed. The details have been logged."
    if isinstance(exc, StorageError):
        log.warning("render failed: storage: %s", exc)
        return "storage_unavailable", "The audio store could not be reached. Retry later."
    return "internal_error", f"Internal error ({type(exc).__name__}). The details have been logged."


def new_job(version: Version, kind: str = "audio") -> RenderJob:
    """A queued job and its outbox entry, in the caller's transaction: both are kept or neither,
    and the entry is put on the queue after the commit (or later, when the queue is back)."""
    job = RenderJob(version=version, status=JobStatus.QUEUED, kind=kind)
    db.session.add(job)
    db.session.flush()
    record_outbox("render", job.id)
    return job


def retry(actor: Actor, job: RenderJob) -> RenderJob:
    """Queue a failed job again (the caller commits, then enqueues)."""
    if job.status != JobStatus.FAILED:
        raise Conflict(_l("Only a failed job can be retried."), code="job_not_failed")
    job.status, job.error, job.error_code = JobStatus.QUEUED, None, None
    job.queued_at, job.started_at, job.finished_at = utcnow(), None, None
    job.lease_until, job.worker = None, None
    job.max_attempts = job.attempts + current_app.config["JOB_MAX_ATTEMPTS"]  # a fresh budget
    record_outbox("render", job.id)
    audit.record(
        actor,
        "job.retry",
        object_type="render_job",
        object_id=job.id,
        object_label=f"version {job.version_id}",
    )
    return job

"""Ringback releases: an approved version's ringback rendition packaged for a carrier, then
followed through prepared → submitted → live → withdrawn with the carrier's content code.

Everything that can refuse a release (the version's status, its rendition, the carrier's
maximum length) is checked before any file is made or stored.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    Carrier,
    ReleaseStatus,
    Rendition,
    RingbackRelease,
    Variant,
    Version,
    VersionStatus,
)
from ...models.base import as_id, utcnow
from .. import audit
from ..audio.assets import fetch_to, store_file
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from . import carriers
from .release_package import PackageInfo, audio_name, write_zip

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9*#._-]{0,39}$")
LENGTH_TOLERANCE_S = 0.05
MAX_REASON = 2000


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str


MOVES = {
    "submit": Move((ReleaseStatus.PREPARED,), ReleaseStatus.SUBMITTED),
    "live": Move((ReleaseStatus.PREPARED, ReleaseStatus.SUBMITTED), ReleaseStatus.LIVE),
    "withdraw": Move(
        (ReleaseStatus.PREPARED, ReleaseStatus.SUBMITTED, ReleaseStatus.LIVE),
        ReleaseStatus.WITHDRAWN,
    ),
    # Correct the content code without changing the status.
    "code": Move((ReleaseStatus.PREPARED, ReleaseStatus.SUBMITTED, ReleaseStatus.LIVE), ""),
}


def get(release_id: int) -> RingbackRelease:
    release = db.session.get(RingbackRelease, release_id) if as_id(release_id) else None
    if release is None:
        raise NotFound(_l("No such release."), code="release_not_found")
    return release


def list_releases(
    *, status: str | None = None, carrier_id: int | None = None, limit: int = 500
) -> list[RingbackRelease]:
    query = db.select(RingbackRelease).order_by(RingbackRelease.id.desc()).limit(limit)
    if status:
        query = query.where(RingbackRelease.status == status)
    if carrier_id:
        query = query.where(RingbackRelease.carrier_id == carrier_id)
    return list(db.session.scalars(query))


def live_releases(carrier: Carrier | None = None) -> list[RingbackRelease]:
    query = db.select(RingbackRelease).where(RingbackRelease.status == ReleaseStatus.LIVE)
    if carrier is not None:
        query = query.where(RingbackRelease.carrier_id == carrier.id)
    return list(db.session.scalars(query.order_by(RingbackRelease.carrier_id, RingbackRelease.id)))


def releasable_versions(limit: int = 500) -> list[Version]:
    """Approved versions that have a ringback rendition, newest first."""
    query = (
        db.select(Version)
        .join(Rendition, Rendition.version_id == Version.id)
        .join(Variant, Variant.id == Version.variant_id)
        .where(Version.status == VersionStatus.APPROVED, Rendition.profile == "ringback")
        .order_by(Version.decided_at.desc(), Version.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _check_releasable(version: Version, carrier: Carrier) -> Rendition:
    if version.status != VersionStatus.APPROVED:
        raise ValidationFailed(
            _l("Only an approved version can be released as a ringback tone."),
            code="not_approved",
        )
    if not carrier.active:
        raise ValidationFailed(
            _l("%(carrier)s is not in use.", carrier=carrier.name), code="carrier_inactive"
        )
    rendition = version.rendition(carrier.source_profile)
    if rendition is None or rendition.asset.duration is None:  # type: ignore[attr-defined]
        raise ValidationFailed(
            _l(
                "This version has no %(profile)s rendition yet: wait for its audio to be "
                "prepared, or retry its job.",
                profile=carrier.source_profile,
            ),
            code="no_rendition",
        )
    duration = rendition.asset.duration  # type: ignore[attr-defined]
    if duration > carrier.max_duration_s + LENGTH_TOLERANCE_S:
        raise ValidationFailed(
            _l(
                "The ringback is %(length).1f s long; %(carrier)s accepts at most %(max)g s.",
                length=duration,
                carrier=carrier.name,
                max=carrier.max_duration_s,
            ),
            code="too_long",
            details={"duration_s": round(duration, 2), "max_duration_s": carrier.max_duration_s},
        )
    open_release = db.session.scalar(
        db.select(RingbackRelease).where(
            RingbackRelease.version_id == version.id,
            RingbackRelease.carrier_id == carrier.id,
            RingbackRelease.status != ReleaseStatus.WITHDRAWN,
        )
    )
    if open_release is not None:
        raise Conflict(
            _l(
                "This version already has a release for %(carrier)s (#%(id)d).",
                carrier=carrier.name,
                id=open_release.id,
            ),
            code="already_released",
        )
    return rendition  # type: ignore[return-value]


def prepare(actor: Actor, version: Version, carrier: Carrier, *, note: str = "") -> RingbackRelease:
    """Make the carrier's audio and ZIP, store them, and record the release (caller commits)."""
    from ...production.measure import Measurement, file_digest  # the audio stack: only here
    from ...production.transcode import transcode

    rendition = _check_releasable(version, carrier)
    profile = carriers.upload_profile(carrier)
    now = utcnow()
    workdir = Path(tempfile.mkdtemp(prefix="am-release-"))
    try:
        source = fetch_to(rendition.asset, workdir / "source.audio")
        name = audio_name(version, carrier, profile)
        audio_path = workdir / name
        measured = transcode(source, audio_path, profile)
        if (measured.duration_s or 0) > carrier.max_duration_s + LENGTH_TOLERANCE_S:
            raise ValidationFailed(
                _l("The converted audio is longer than the carrier accepts."), code="too_long"
            )
        info = PackageInfo(version, carrier, profile, name, measured, None, now)
        package = write_zip(workdir / "release.zip", info, audio_path)
        size, sha256 = file_digest(package)
        audio_asset = store_file(audio_path, profile.mime, measured)
        package_asset = store_file(package, "application/zip", Measurement(size, sha256))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    release = RingbackRelease(
        version_id=version.id,
        carrier_id=carrier.id,
        status=ReleaseStatus.PREPARED,
        audio_asset_id=audio_asset.id,
        package_asset_id=package_asset.id,
        note=note.strip()[:300],
        prepared_at=now,
        prepared_by_id=actor.user.id if actor.user else None,
    )
    db.session.add(release)
    db.session.flush()
    _audit(actor, release, "prepare", detail={"version_id": version.id, "carrier": carrier.code})
    return release


def _audit(actor: Actor, release: RingbackRelease, name: str, **extra: Any) -> None:
    audit.record(
        actor,
        f"release.{name}",
        object_type="release",
        object_id=release.id,
        object_label=f"{release.carrier.code} {release.content_code or ''}".strip(),
        **extra,
    )


def _clean_code(code: str | None) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _l("A tone code is 1-40 letters, digits or * # . _ -."), code="bad_content_code"
        )
    return code


def allowed_moves(release: RingbackRelease) -> list[str]:
    return [name for name, move in MOVES.items() if release.status in move.sources]


def move(
    actor: Actor,
    release: RingbackRelease,
    name: str,
    *,
    content_code: str | None = None,
    reason: str | None = None,
    seen_revision: int | None = None,
) -> RingbackRelease:
    """Change a release's status (or only its code); the caller commits."""
    step = MOVES.get(name)
    if step is None:
        raise ValidationFailed(_l("Unknown action."), code="bad_move")
    if seen_revision is not None and seen_revision != release.revision:
        raise Conflict(
            _l("Someone changed this release meanwhile. Reload the page and check."), code="stale"
        )
    if release.status not in step.sources:
        raise Conflict(
            _l("This release cannot do that in its current state."), code="bad_transition"
        )
    code = _clean_code(content_code) or release.content_code
    reason = (reason or "").strip() or None
    if name in ("live", "code") and code is None:
        raise ValidationFailed(
            _l("Enter the tone code the carrier gave this release."), code="code_required"
        )
    if name == "withdraw" and reason is None:
        raise ValidationFailed(_l("Say why the tone is withdrawn."), code="reason_required")
    if reason is not None and len(reason) > MAX_REASON:
        raise ValidationFailed(_l("The reason is too long."), code="reason_too_long")
    if code is not None and code != release.content_code:
        _check_code_free(release, code)
    now = utcnow()
    values: dict[str, Any] = {"content_code": code, "revision": RingbackRelease.revision + 1}
    if step.target:
        values["status"] = step.target
    if name == "submit" or (name == "live" and release.submitted_at is None):
        values["submitted_at"] = now
    if name == "live":
        values["live_at"] = now
    if name == "withdraw":
        values.update(withdrawn_at=now, withdraw_reason=reason)
    result = db.session.execute(
        db.update(RingbackRelease)
        .where(
            RingbackRelease.id == release.id,
            RingbackRelease.revision == release.revision,
            RingbackRelease.status.in_(step.sources),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _l("Someone changed this release meanwhile. Reload the page and check."), code="stale"
        )
    db.session.refresh(release)
    _audit(actor, release, name, reason=reason)
    return release


def _check_code_free(release: RingbackRelease, code: str) -> None:
    other = db.session.scalar(
        db.select(RingbackRelease.id).where(
            RingbackRelease.carrier_id == release.carrier_id,
            RingbackRelease.content_code == code,
            RingbackRelease.id != release.id,
        )
    )
    if other is not None:
        raise Conflict(
            _l(
                "The tone code %(code)s is already used by release #%(id)d of this carrier.",
                code=code,
                id=other,
            ),
            code="duplicate_content_code",
        )

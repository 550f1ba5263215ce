"""Creating versions from speech, uploads and bulletins, each queued for rendering.

Everything that can fail on bad input (the script, the voice, the upload's content, its size and
length) is checked before any row or file is written, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    BulletinPart,
    Message,
    RenderJob,
    SourceKind,
    User,
    Version,
    VersionContributor,
    VersionStatus,
)
from ...models.base import as_id
from .. import audit
from ..audio.assets import store_file
from ..audio.rendering import new_job
from ..context import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..speech import preferences, synthesis
from ..uploads import clean_filename
from . import messages

BULLETIN = "multi"  # the variant that holds bulletins mixing languages
MAX_FILENAME = 255
MAX_RECORDING_SCRIPT = 20_000  # characters of what a recording says


_language = preferences.language


def new_version(actor: Actor, message: Message, language: str, **fields: object) -> Version:
    variant = messages.variant_for(message, language)
    db.session.flush()
    last = db.session.scalar(
        db.select(db.func.max(Version.number)).where(Version.variant_id == variant.id)
    )
    version = Version(
        variant=variant,
        number=(last or 0) + 1,
        created_by_id=actor.user.id if actor.user else None,
        **fields,
    )
    add_contributor(version, actor.user, "created")
    db.session.add(version)
    db.session.flush()
    return version


def add_contributor(version: Version, user: User | None, kind: str) -> None:
    """Record that this user made or changed the version's content (once per user: the first
    way they contributed is kept)."""
    if user is not None and user.id not in version.contributor_ids:
        version.contributor_rows.append(VersionContributor(user_id=user.id, user=user, kind=kind))


def contributor_names(version: Version) -> list[str]:
    """Who made or changed the version, in the order they did, for audits and pages."""
    return [row.user.username for row in version.contributor_rows if row.user is not None]


def _audit_created(actor: Actor, version: Version, **detail: object) -> None:
    audit.record(
        actor,
        "version.create",
        object_type="message",
        object_id=version.variant.message_id,
        object_label=f"{version.variant.language} v{version.number}",
        detail={"version_id": version.id, "source": version.source_kind, **detail},
    )


def create_from_speech(
    actor: Actor,
    message: Message,
    language: str,
    text: str,
    *,
    engine: str | None = None,
    voice: str | None = None,
    speed: float | None = None,
) -> tuple[Version, RenderJob]:
    """Normalise and synthesize now (falling back to the next engine here), render later.
    The version keeps the script, what the voice read, and which engine and voice made it."""
    lang = _language(language)
    speech = synthesis.speak(lang.code, text, engine=engine, voice=voice, speed=speed)
    asset = _store_speech(speech.result.wav)
    version = new_version(
        actor,
        message,
        lang.code,
        source_kind=SourceKind.TTS,
        script_text=text.strip(),
        source_asset=asset,
    )
    _apply_speech(version, speech)
    job = new_job(version)
    result = speech.result
    _audit_created(
        actor,
        version,
        engine=result.engine,
        voice=result.voice,
        fallback_from=result.fallback_from,
        fallback_reason=result.fallback_reason,
    )
    return version, job


def _apply_speech(version: Version, speech: synthesis.Speech) -> None:
    result = speech.result
    version.engine, version.voice, version.speed = result.engine, result.voice, result.speed
    version.spoken_text = speech.spoken
    version.fallback_from, version.fallback_reason = result.fallback_from, result.fallback_reason
    version.draft_only = not result.broadcast


def edit_draft(
    actor: Actor,
    version: Version,
    text: str,
    *,
    engine: str | None = None,
    voice: str | None = None,
    speed: float | None = None,
) -> tuple[Version, RenderJob]:
    """Re-speak a draft in place. Anything submitted is immutable: edit by making a new version."""
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            _l("A submitted version never changes: make a new version instead."),
            code="immutable_version",
        )
    if version.source_kind != SourceKind.TTS:
        raise Conflict(_l("Only a speech draft can be re-spoken."), code="not_speech")
    lang = _language(version.language)
    speech = synthesis.speak(lang.code, text, engine=engine, voice=voice, speed=speed)
    version.source_asset = _store_speech(speech.result.wav)
    version.script_text = text.strip()
    _apply_speech(version, speech)
    version.revision += 1
    add_contributor(version, actor.user, "edited")
    job = new_job(version)
    audit.record(
        actor,
        "version.edit",
        object_type="message",
        object_id=version.variant.message_id,
        object_label=f"{version.language} v{version.number}",
        detail={"version_id": version.id, "contributors": contributor_names(version)},
    )
    return version, job


def _store_speech(wav: bytes) -> Any:
    fd, name = tempfile.mkstemp(prefix="am-tts-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(wav)
        return store_file(name, "audio/wav")
    finally:
        os.unlink(name)


def create_from_upload(
    actor: Actor,
    message: Message,
    language: str,
    stream: BinaryIO,
    filename: str,
    script: str | None = None,
) -> tuple[Version, RenderJob]:
    """Spool the upload (size checked while streaming), validate it by decoding, keep the
    original as the source. The recording keeps its script (what was said), so an approver
    can compare: the one given, else the language's latest script."""
    from ...production.decode import decode_to_wav, spool_stream  # numpy: loaded on first use

    lang = _language(language)
    script_text = _recording_script(message, lang.code, script)
    config = current_app.config
    spooled = spool_stream(stream, max_bytes=config["MAX_AUDIO_BYTES"])
    decoded_path: Path | None = None
    try:
        decoded = decode_to_wav(spooled.path, max_duration_s=config["MAX_AUDIO_SECONDS"])
        decoded_path = decoded.path
        asset = store_file(spooled.path, decoded.kind.mime)
    finally:
        spooled.path.unlink(missing_ok=True)
        if decoded_path is not None:
            decoded_path.unlink(missing_ok=True)
    version = new_version(
        actor,
        message,
        lang.code,
        source_kind=SourceKind.UPLOAD,
        source_filename=clean_filename(filename, MAX_FILENAME) or None,
        source_asset=asset,
        script_text=script_text,
    )
    job = new_job(version)
    _audit_created(actor, version, duration=round(decoded.duration_s, 2), kind=decoded.kind.name)
    return version, job


def _recording_script(message: Message, language: str, script: str | None) -> str | None:
    text = (script or "").strip()
    if len(text) > MAX_RECORDING_SCRIPT:
        raise ValidationFailed(
            _l("The script is too long (at most %(n)d characters).", n=MAX_RECORDING_SCRIPT),
            code="script_too_long",
        )
    if text:
        return text
    return db.session.scalar(
        db.select(Version.script_text)
        .where(
            Version.variant.has(message_id=message.id, language=language),
            Version.script_text.is_not(None),
            Version.script_text != "",
        )
        .order_by(Version.number.desc())
        .limit(1)
    )


def create_bulletin(
    actor: Actor,
    message: Message,
    part_version_ids: Sequence[int],
    *,
    gap_seconds: float | None = None,
) -> tuple[Version, RenderJob]:
    """Join other versions in order (e.g. Kinh, Hoa, Khmer) with gaps."""
    if len(part_version_ids) < 2:
        raise ValidationFailed(_l("A bulletin joins at least two versions."), code="bulletin_parts")
    gap = current_app.config["BULLETIN_GAP_SECONDS"] if gap_seconds is None else gap_seconds
    if not 0 <= gap <= 10:
        raise ValidationFailed(_l("The gap must be 0-10 seconds."), code="bad_gap")
    parts = []
    for part_id in part_version_ids:
        part = db.session.get(Version, part_id)
        if (
            part is None
            or part.source_kind == SourceKind.BULLETIN
            or part.variant.message_id != message.id  # another message's text: not this one's
        ):
            raise NotFound(
                _l("Version %(id)s cannot be part of a bulletin.", id=part_id), code="bad_part"
            )
        parts.append(part)
    version = new_version(
        actor, message, BULLETIN, source_kind=SourceKind.BULLETIN, gap_seconds=gap
    )
    version.parts = [
        BulletinPart(position=index, part_version_id=part.id) for index, part in enumerate(parts)
    ]
    for part in parts:  # whoever wrote a part wrote the bulletin too
        for row in part.contributor_rows:
            add_contributor(version, row.user, "part")
    job = new_job(version)
    _audit_created(actor, version, parts=[p.id for p in parts], gap=gap)
    return version, job


def get(version_id: int) -> Version:
    version = db.session.get(Version, version_id) if as_id(version_id) else None
    if version is None:
        raise NotFound(_l("No such version."), code="version_not_found")
    return version

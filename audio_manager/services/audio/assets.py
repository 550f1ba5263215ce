"""Storing files as content-addressed assets, and the storage configured for this app."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from ...extensions import db
from ...models import Asset
from ...production.profiles import Profile, load_profiles
from ...storage import Storage, make_storage

if TYPE_CHECKING:
    from ...production.measure import Measurement


def build_storage(app: Flask) -> Storage:
    config = app.config
    if config["STORAGE_BACKEND"] == "s3":
        if not config["S3_BUCKET"]:
            raise RuntimeError("AUDIO_MANAGER_S3_BUCKET is required with AUDIO_MANAGER_STORAGE=s3")
        return make_storage(
            "s3",
            bucket=config["S3_BUCKET"],
            prefix=config["S3_PREFIX"],
            endpoint_url=config["S3_ENDPOINT_URL"] or None,
            region=config["S3_REGION"] or None,
        )
    if config["STORAGE_BACKEND"] != "local":
        raise RuntimeError("AUDIO_MANAGER_STORAGE must be local or s3")
    return make_storage("local", root=config["STORAGE_ROOT"])


def build_profiles(app: Flask) -> dict[str, Profile]:
    """The default profiles overlaid with PROFILES_FILE; every rendered profile must exist."""
    path = app.config["PROFILES_FILE"]
    overrides = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
    available = load_profiles(overrides)
    unknown = [name for name in app.config["RENDER_PROFILES"] if name not in available]
    if unknown:
        raise RuntimeError(f"AUDIO_MANAGER_RENDER_PROFILES names unknown profiles: {unknown}")
    social = app.config["SOCIAL_PROFILES"]
    wrong = [n for n in social if n not in available or available[n].kind != "video"]
    if wrong:
        raise RuntimeError(f"AUDIO_MANAGER_SOCIAL_PROFILES names no video profiles: {wrong}")
    return available


EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/webm": "webm",
    "audio/flac": "flac",
    "audio/amr": "amr",
    "audio/aiff": "aiff",
    "application/json": "json",
    "application/zip": "zip",
    "video/mp4": "mp4",
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "image/png": "png",
}


def extension_for(mime: str) -> str:
    return EXTENSIONS.get(mime, "bin")


def storage() -> Storage:
    return current_app.extensions["audio_manager.storage"]


def profiles() -> dict[str, Profile]:
    return current_app.extensions["audio_manager.profiles"]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def store_file(path: str | Path, mime: str, measurement: Measurement | None = None) -> Asset:
    """Put the file in storage and return its asset; identical content is stored once."""
    if measurement is None:
        from ...production.measure import measure_file  # numpy: loaded where audio is stored

        measurement = measure_file(path)
    facts = measurement
    existing = db.session.scalar(db.select(Asset).where(Asset.sha256 == facts.sha256))
    if existing is not None and storage().exists(existing.storage_key):
        return existing
    key = storage().put_file(path, content_type=mime)
    if existing is not None:
        existing.storage_key = key
        return existing
    asset = Asset(
        sha256=facts.sha256,
        storage_key=key,
        mime=mime,
        size=facts.size,
        duration=facts.duration_s,
        sample_rate=facts.sample_rate,
        channels=facts.channels,
        codec=facts.codec,
        bitrate=facts.bitrate,
        loudness_lufs=_finite(facts.lufs),
        true_peak_dbtp=_finite(facts.true_peak_dbtp),
        crc32=file_crc32(path),
    )
    db.session.add(asset)
    db.session.flush()
    return asset


def file_crc32(path: str | Path) -> int:
    """The CRC-32 of a file (what a ZIP records for it)."""
    crc = 0
    with Path(path).open("rb") as src:
        while chunk := src.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def stream_crc32(asset: Asset) -> int:
    """The CRC-32 of a stored asset, read through the storage."""
    crc = 0
    with storage().open(asset.storage_key) as src:
        while chunk := src.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def by_sha256(sha256: str) -> Asset | None:
    return db.session.scalar(db.select(Asset).where(Asset.sha256 == sha256))


def fetch_to(asset: Asset, path: Path) -> Path:
    """Copy an asset's bytes into a local file (for decoding or rendering)."""
    local = storage().local_path(asset.storage_key)
    if local is not None:
        return local
    with storage().open(asset.storage_key) as src, path.open("wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    return path

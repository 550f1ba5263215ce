"""Uploads: spool them to disk under a size limit, identify them, decode them to WAV.

Every check here fails with a specific :class:`~.errors.ProductionError` and leaves no file
behind: not audio, empty, truncated or corrupt, silent, too long, too large.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import ffmpeg
from .errors import (
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
    SilentAudioError,
    TooLargeError,
    TooLongError,
    TruncatedAudioError,
)
from .loudness import LoudnessMeter, TruePeakMeter, gain_to_db
from .pcm import RATE, to_int16
from .sniff import AudioKind, sniff_file

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DURATION_S = 600.0
SILENCE_DBFS = -60.0
COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class SpooledFile:
    """An upload copied to a temporary file: its path, size in bytes and sha256 (hex)."""

    path: Path
    size: int
    sha256: str


def spool_stream(
    stream: BinaryIO | Iterable[bytes],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    directory: str | Path | None = None,
    suffix: str = ".upload",
) -> SpooledFile:
    """Copy ``stream`` to a temporary file, hashing on the way and stopping past ``max_bytes``.

    ``stream`` is a binary file object (``read(n)``) or an iterable of byte chunks. The size
    limit is enforced while copying: at most ``max_bytes + 1`` bytes are ever read. On any error
    the partial file is removed. The caller deletes ``path`` when done with it.
    """
    fd, name = tempfile.mkstemp(prefix="am-upload-", suffix=suffix, dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(stream, max_bytes + 1):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(
                        f"The file is larger than the {_size_label(max_bytes)} allowed.",
                        details={"max_bytes": max_bytes},
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EmptyAudioError("The file is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledFile(path=path, size=size, sha256=digest.hexdigest())


def _chunks(stream: BinaryIO | Iterable[bytes], limit: int) -> Iterable[bytes]:
    read = getattr(stream, "read", None)
    if read is None:
        yield from stream  # type: ignore[misc]
        return
    remaining = limit
    while remaining > 0:
        chunk = read(min(COPY_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


@dataclass(frozen=True)
class DecodedAudio:
    """A decoded upload: a 16-bit PCM WAV at ``path`` plus what was learnt on the way."""

    path: Path
    kind: AudioKind  # container recognised by content
    duration_s: float
    sample_rate: int  # of the WAV
    channels: int  # of the WAV
    source: ffmpeg.StreamInfo  # codec, rate, channels, bitrate of the original
    peak_dbfs: float
    lufs: float
    true_peak_dbtp: float


def decode_to_wav(
    src: str | Path,
    dest: str | Path | None = None,
    *,
    max_duration_s: float = MAX_DURATION_S,
    silence_dbfs: float = SILENCE_DBFS,
    sample_rate: int = RATE,
    channels: int | None = 1,
) -> DecodedAudio:
    """Validate and decode the audio file ``src`` into a WAV (``dest`` or a temporary file).

    ``channels=None`` keeps the original channel count. Streams with ffmpeg from the file
    (decoding stops just past ``max_duration_s``), never holding the whole signal in memory.
    """
    src = Path(src)
    if src.stat().st_size == 0:
        raise EmptyAudioError("The file is empty.")
    kind = sniff_file(src)
    if kind.name == "wav" and _wav_truncated(src):
        raise TruncatedAudioError(
            "The file is incomplete: it stops before its announced end. Upload it again."
        )
    if dest is None:
        fd, name = tempfile.mkstemp(prefix="am-decoded-", suffix=".wav")
        os.close(fd)
        dest = name
    dest = Path(dest)
    try:
        return _decode(src, dest, kind, max_duration_s, silence_dbfs, sample_rate, channels)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _decode(
    src: Path,
    dest: Path,
    kind: AudioKind,
    max_duration_s: float,
    silence_dbfs: float,
    sample_rate: int,
    channels: int | None,
) -> DecodedAudio:
    frames = 0
    peak = 0.0
    limit = round(max_duration_s * sample_rate)
    reader = ffmpeg.PcmReader(
        src,
        sample_rate=sample_rate,
        channels=channels,
        input_format=kind.demuxer,
        max_seconds=max_duration_s + 1.0,
    )
    out: wave.Wave_write | None = None
    meters: tuple[LoudnessMeter, TruePeakMeter] | None = None
    with reader:
        try:
            for block in reader.chunks():
                if out is None:
                    out = wave.open(os.fspath(dest), "wb")  # noqa: SIM115 - closed below
                    out.setnchannels(block.shape[1])
                    out.setsampwidth(2)
                    out.setframerate(sample_rate)
                    meters = (
                        LoudnessMeter(sample_rate, block.shape[1]),
                        TruePeakMeter(block.shape[1]),
                    )
                assert meters is not None
                frames += len(block)
                if frames > limit:
                    raise TooLongError(
                        f"The recording is longer than the {_minutes(max_duration_s)} allowed.",
                        details={"max_duration_s": max_duration_s},
                    )
                peak = max(peak, float(np.abs(block).max()))
                meters[0].feed(block)
                meters[1].feed(block)
                out.writeframesraw(to_int16(block).tobytes())
        finally:
            if out is not None:
                out.close()
    _check_exit(reader, frames, kind)
    info = reader.info
    duration = frames / sample_rate
    declared = info.declared_duration_s
    if "estimating duration from bitrate" in reader.stderr.lower():
        declared = None  # a guess (raw AAC, AMR, some MP3): cannot reveal truncation
    if declared and declared - duration > max(1.0, 0.1 * declared):
        raise TruncatedAudioError(
            "The file is incomplete: it stops before its announced end. Upload it again.",
            details={"declared_s": round(declared, 2), "decoded_s": round(duration, 2)},
        )
    assert meters is not None
    if gain_to_db(peak) < silence_dbfs:
        raise SilentAudioError(
            "The recording is silent: no sound above "
            f"{silence_dbfs:.0f} dBFS. Check the microphone and record again.",
            details={"peak_dbfs": round(gain_to_db(peak), 1) if peak > 0 else None},
        )
    return DecodedAudio(
        path=dest,
        kind=kind,
        duration_s=duration,
        sample_rate=sample_rate,
        channels=meters[0].channels,
        source=info,
        peak_dbfs=gain_to_db(peak),
        lufs=meters[0].integrated(),
        true_peak_dbtp=gain_to_db(meters[1].finish()),
    )


def _check_exit(reader: ffmpeg.PcmReader, frames: int, kind: AudioKind) -> None:
    err = reader.stderr.lower()
    if reader.returncode not in (0, None):
        if "moov atom not found" in err or ("end of file" in err and frames == 0):
            raise TruncatedAudioError(
                "The file is incomplete (cut off during upload or recording). Upload it again."
            )
        if "matches no streams" in err or "does not contain any stream" in err:
            raise NotAudioError(f"This {kind.label} file contains no audio track.")
        raise CorruptAudioError(
            f"The {kind.label} file is damaged and cannot be decoded.",
            details={"ffmpeg": reader.stderr.strip()[-300:]},
        )
    if frames == 0:
        raise EmptyAudioError("The file contains no sound (zero length).")


def _wav_truncated(path: Path) -> bool:
    """A RIFF header announcing more bytes than the file holds (0 and 0xFFFFFFFF: unknown)."""
    with path.open("rb") as src:
        head = src.read(12)
    if len(head) < 12 or head[:4] != b"RIFF":
        return False
    announced = int.from_bytes(head[4:8], "little")
    if announced in (0, 0xFFFFFFFF):
        return False
    return announced + 8 > path.stat().st_size + 1


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} KB"


def _minutes(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} seconds"

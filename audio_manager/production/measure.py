"""Measure an audio file as it will be heard: decode it with ffmpeg and meter the samples."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import ffmpeg
from .errors import CorruptAudioError
from .loudness import LoudnessMeter, TruePeakMeter, gain_to_db


@dataclass(frozen=True)
class Measurement:
    """Facts about one file. Levels are ``None`` for non-audio files (waveform JSON)."""

    size: int
    sha256: str
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    codec: str | None = None
    bitrate: int | None = None  # bits per second
    lufs: float | None = None  # integrated loudness; -inf for silence
    true_peak_dbtp: float | None = None
    container: str | None = None


def file_digest(path: str | Path) -> tuple[int, str]:
    """Size and sha256 (hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as src:
        while chunk := src.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


def measure(source: str | Path | bytes) -> Measurement:
    """Duration, sample rate, channels, codec, bitrate, integrated LUFS and true peak (dBTP).

    ``source`` is a path or the file's bytes. Decoding streams through ffmpeg, so memory does
    not grow with the file's length.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        fd, name = tempfile.mkstemp(prefix="am-measure-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(source)
            return measure_file(name)
        finally:
            os.unlink(name)
    return measure_file(source)


def measure_file(path: str | Path) -> Measurement:
    path = Path(path)
    size, sha256 = file_digest(path)
    frames = 0
    loud: LoudnessMeter | None = None
    peak: TruePeakMeter | None = None
    rate = 0
    with ffmpeg.PcmReader(path) as reader:
        for block in reader.chunks():
            if loud is None:
                rate = reader.info.sample_rate or 0
                if not rate:
                    raise CorruptAudioError("The audio file's sample rate could not be read.")
                loud = LoudnessMeter(rate, block.shape[1])
                peak = TruePeakMeter(block.shape[1])
            assert peak is not None
            frames += len(block)
            loud.feed(block)
            peak.feed(block)
        info = reader.info
        if reader.returncode not in (0, None) or loud is None or peak is None:
            raise CorruptAudioError(
                "The audio file could not be decoded.",
                details={"ffmpeg": reader.stderr.strip()[-300:]},
            )
    return Measurement(
        size=size,
        sha256=sha256,
        duration_s=frames / rate,
        sample_rate=rate,
        channels=loud.channels,
        codec=info.codec,
        bitrate=info.bitrate,
        lufs=loud.integrated(),
        true_peak_dbtp=gain_to_db(peak.finish()),
        container=info.container,
    )

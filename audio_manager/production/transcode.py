"""Re-encode a finished rendition into another profile's encoding (e.g. a carrier's upload
format), or keep its bytes when they already are in that encoding."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import ffmpeg
from .measure import Measurement, measure_file
from .profiles import Profile

BITRATE_TOLERANCE = 8000  # bits per second: MP3 frames make the measured rate wobble


def already_encoded(facts: Measurement, profile: Profile) -> bool:
    """Whether a file with these facts is already what ``profile`` would encode."""
    codec = profile.codec_info
    if facts.codec != codec.name or facts.sample_rate != profile.sample_rate:
        return False
    if facts.channels not in (None, 1):
        return False
    if codec.lossy and profile.bitrate_kbps:
        if facts.bitrate is None:
            return False
        return abs(facts.bitrate - profile.bitrate_kbps * 1000) <= BITRATE_TOLERANCE
    return True


def transcode(source: Path, dest: Path, profile: Profile) -> Measurement:
    """Write ``source`` in ``profile``'s encoding to ``dest`` (mono, its rate, codec and bitrate;
    no metadata) and measure the result. A source already in that encoding is copied as is."""
    facts = measure_file(source)
    if already_encoded(facts, profile):
        shutil.copyfile(source, dest)
        return facts
    ffmpeg.run(
        [
            "-y",
            *ffmpeg.SAFE_INPUT,
            "-i",
            ffmpeg.path_arg(source),
            "-map",
            "0:a:0",
            "-vn",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            *profile.encoder_args(),
            ffmpeg.path_arg(dest),
        ]
    )
    return measure_file(dest)

"""What an encoder does to the level, so renders can aim at their targets after encoding.

LAME in mono lowers the level by about 0.4 dB, lossy codecs overshoot true peak a little.
``encoder_gain_db`` measures the first effect once per process and codec setting, on a fixed
noise signal, so renders stay deterministic; ``encode_margin_db`` is the headroom kept for
the second.
"""

from __future__ import annotations

import functools
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from . import ffmpeg
from .loudness import integrated_loudness
from .measure import measure_file
from .profiles import Profile

CALIBRATION_S = 4.0


def encode_margin_db(profile: Profile) -> float:
    """Headroom kept under the true-peak ceiling for the encoder's overshoot."""
    codec = profile.codec_info
    if not codec.lossy:
        return 0.3 if codec.name in ("pcm_alaw", "pcm_mulaw") else 0.05
    if codec.name == "mp3" and (profile.bitrate_kbps or 128) >= 128:
        return 0.5
    return 1.0


def encoder_gain_db(profile: Profile) -> float:
    """Level change (dB) the profile's encoder + decoder introduce; 0 for PCM codecs."""
    if not profile.codec_info.lossy:
        return 0.0
    return _calibrate(tuple(profile.encoder_args()), profile.extension, profile.sample_rate)


@functools.cache
def _reference(rate: int) -> np.ndarray:
    """Deterministic pink-ish noise, speech-band weighted, at about -20 LUFS."""
    rng = np.random.default_rng(1770)
    white = rng.standard_normal(round(CALIBRATION_S * rate))
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(len(white), 1.0 / rate)
    spectrum /= np.sqrt(np.maximum(freqs, 50.0))
    spectrum[freqs > min(8000.0, rate / 2 * 0.9)] = 0.0
    pink = np.fft.irfft(spectrum, len(white))
    pink *= 10 ** ((-20.0 - integrated_loudness(pink.astype(np.float32), rate)) / 20.0)
    return pink.astype(np.float32)


@functools.cache
def _calibrate(args: tuple[str, ...], extension: str, rate: int) -> float:
    reference = _reference(rate)
    fd, name = tempfile.mkstemp(prefix="am-calibrate-", suffix="." + extension)
    os.close(fd)
    try:
        ffmpeg.encode_pcm(reference, rate, [(list(args), Path(name))])
        measured = measure_file(name).lufs
    finally:
        os.unlink(name)
    if measured is None or not math.isfinite(measured):
        return 0.0
    change = measured - integrated_loudness(reference, rate)
    return change if abs(change) < 3.0 else 0.0  # a larger change would be a broken encoder

"""Signal processing on mono float32 numpy arrays (in place where it can be).

Silence trimming, loudness normalisation (ITU-R BS.1770), true-peak limiting, fades, bed
mixing with ducking, resampling, and conversions to and from pydub segments.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import scipy.ndimage
import scipy.signal

if TYPE_CHECKING:
    from pydub import AudioSegment

from .loudness import (
    LoudnessMeter,
    db_to_gain,
    gain_to_db,
    oversampled_envelope,
    true_peak,
)

CHUNK = 1 << 16
FRAME_S = 0.01
LIMITER_WINDOW_S = 0.005


def frame_rms_db(x: np.ndarray, rate: int, frame_s: float = FRAME_S) -> np.ndarray:
    """RMS level of consecutive frames (the last one may be partial), in dBFS.

    ``x`` is float in [-1, 1) or raw int16 (converted chunk by chunk).
    """
    scale = np.float32(1.0 / 32768.0) if x.dtype == np.int16 else np.float32(1.0)
    frame = max(1, round(frame_s * rate))
    count = math.ceil(len(x) / frame)
    out = np.empty(count, dtype=np.float64)
    per_chunk = max(1, CHUNK // frame)
    for first in range(0, count, per_chunk):
        seg = x[first * frame : (first + per_chunk) * frame].astype(np.float32) * scale
        full = len(seg) // frame
        if full:
            block = seg[: full * frame].reshape(full, frame)
            out[first : first + full] = np.einsum("ij,ij->i", block, block) / frame
        if len(seg) % frame:
            rest = seg[full * frame :]
            out[first + full] = float(np.dot(rest, rest)) / len(rest)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(out)


def voice_bounds(
    x: np.ndarray,
    rate: int,
    *,
    floor_db: float = -55.0,
    relative_db: float = 40.0,
    pad_s: float = 0.04,
) -> tuple[int, int]:
    """``(start, end)`` sample indices of the part above the silence threshold.

    The threshold is the higher of ``floor_db`` and the loudest 10 ms frame minus
    ``relative_db``; ``pad_s`` is kept around the sound so onsets and decays survive.
    Returns ``(0, 0)`` when everything is below the threshold.
    """
    return bounds_from_levels(
        frame_rms_db(x, rate), len(x), rate, floor_db=floor_db, relative_db=relative_db,
        pad_s=pad_s,
    )  # fmt: skip


def bounds_from_levels(
    levels: np.ndarray,
    length: int,
    rate: int,
    *,
    floor_db: float = -55.0,
    relative_db: float = 40.0,
    pad_s: float = 0.04,
) -> tuple[int, int]:
    """:func:`voice_bounds` from 10 ms frame levels already computed (e.g. while streaming)."""
    if not len(levels):
        return 0, 0
    threshold = max(floor_db, float(levels.max()) - relative_db)
    loud = np.flatnonzero(levels > threshold)
    if not len(loud):
        return 0, 0
    frame = max(1, round(FRAME_S * rate))
    pad = round(pad_s * rate)
    start = max(0, int(loud[0]) * frame - pad)
    end = min(length, (int(loud[-1]) + 1) * frame + pad)
    return start, end


def loudness(x: np.ndarray, rate: int) -> float:
    meter = LoudnessMeter(rate)
    meter.feed(x)
    return meter.integrated()


def apply_gain(x: np.ndarray, gain_db: float) -> np.ndarray:
    """Multiply in place by ``gain_db`` (chunked, no temporary copy of the whole signal)."""
    gain = np.float32(db_to_gain(gain_db))
    for start in range(0, len(x), CHUNK):
        x[start : start + CHUNK] *= gain
    return x


def normalise(x: np.ndarray, rate: int, target_lufs: float) -> float:
    """Scale ``x`` in place to ``target_lufs``; return the gain applied in dB (0 for silence)."""
    current = loudness(x, rate)
    if not math.isfinite(current):
        return 0.0
    gain = target_lufs - current
    apply_gain(x, gain)
    return gain


def limit_true_peak(
    x: np.ndarray, rate: int, ceiling_db: float, *, window_s: float = LIMITER_WINDOW_S
) -> float:
    """Look-ahead limiter holding the 4x-oversampled peak at or under ``ceiling_db``, in place.

    The required gain per sample (ceiling / oversampled envelope) goes through a centred
    minimum filter, then a centred moving average of the same width: every sample's gain is
    at most its own requirement, and the gain moves smoothly over ``2 * window_s``.
    Returns the deepest gain reduction in dB (0 when nothing needed limiting).
    """
    ceiling = db_to_gain(ceiling_db)
    width = 2 * max(1, round(window_s * rate)) + 1
    margin = width + 16
    deepest = 1.0
    previous_tail: np.ndarray | None = None  # unmodified samples before the current chunk
    for start in range(0, len(x), CHUNK):
        stop = min(len(x), start + CHUNK)
        left = previous_tail if previous_tail is not None else np.zeros(0, np.float32)
        right = x[stop : stop + margin]
        current = x[start:stop]
        seg = np.concatenate([left, current, right])
        previous_tail = current[-margin:].copy()
        envelope = oversampled_envelope(seg)
        if float(envelope.max()) <= ceiling:
            continue
        need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9)).astype(np.float32)
        held = scipy.ndimage.minimum_filter1d(need, width, mode="nearest")
        smooth = scipy.ndimage.uniform_filter1d(held, width, mode="nearest")
        gain = smooth[len(left) : len(left) + len(current)]
        deepest = min(deepest, float(gain.min()))
        current *= gain
    return gain_to_db(deepest)


def level_to_target(
    x: np.ndarray,
    rate: int,
    target_lufs: float | None,
    ceiling_db: float,
    *,
    rounds: int = 4,
) -> tuple[float, float]:
    """Normalise to ``target_lufs`` and limit to ``ceiling_db`` dBTP, in place.

    Limiting lowers loudness a little; a few rounds converge on both. Gains are exact, so only
    limiting calls for a new loudness measurement. Returns ``(lufs, true_peak_dbtp)``.
    """
    current = loudness(x, rate)
    peak_db = gain_to_db(true_peak(x))
    for _ in range(rounds):
        if target_lufs is not None and math.isfinite(current):
            gain = target_lufs - current
            if abs(gain) > 0.05:
                apply_gain(x, gain)
                current += gain
                peak_db += gain
        if peak_db <= ceiling_db:
            break
        limit_true_peak(x, rate, ceiling_db - 0.05)
        current = loudness(x, rate)
        peak_db = gain_to_db(true_peak(x))
        if target_lufs is None or abs(target_lufs - current) <= 0.1:
            break
    return current, peak_db


def fade(x: np.ndarray, rate: int, fade_in_s: float = 0.0, fade_out_s: float = 0.0) -> None:
    """Raised-cosine fade in at the start and fade out at the end of ``x``, in place."""
    n_in = min(len(x), round(fade_in_s * rate))
    if n_in > 0:
        x[:n_in] *= _ramp(n_in)
    n_out = min(len(x), round(fade_out_s * rate))
    if n_out > 0:
        x[len(x) - n_out :] *= _ramp(n_out)[::-1]


def _ramp(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, n, dtype=np.float64))).astype(np.float32)


def loop_to_length(
    bed: np.ndarray, length: int, rate: int, crossfade_s: float = 0.05
) -> np.ndarray:
    """``bed`` repeated (with short crossfades at the joins) or cut to ``length`` samples."""
    if len(bed) >= length:
        return bed[:length].copy()
    overlap = min(round(crossfade_s * rate), len(bed) // 4)
    out = np.zeros(length, dtype=np.float32)
    step = len(bed) - overlap
    up = _ramp(overlap) if overlap else np.zeros(0, np.float32)
    pos = 0
    while pos < length:
        piece = bed[: length - pos].copy()
        if pos and overlap:
            k = min(overlap, len(piece))
            piece[:k] *= up[:k]
            out[pos : pos + k] *= up[::-1][:k]
        out[pos : pos + len(piece)] += piece
        pos += step
    return out


def voice_activity(
    x: np.ndarray, rate: int, *, relative_db: float = 35.0, hold_s: float = 0.35
) -> np.ndarray:
    """Per 10 ms frame, whether speech is active (bridging pauses shorter than ``hold_s``)."""
    levels = frame_rms_db(x, rate)
    if not len(levels) or not np.isfinite(levels.max()):
        return np.zeros(len(levels), dtype=bool)
    active = levels > max(-60.0, float(levels.max()) - relative_db)
    hold = max(1, round(hold_s / FRAME_S))
    return scipy.ndimage.maximum_filter1d(active.astype(np.uint8), 2 * hold + 1) > 0


def ducking_gain(
    voice: np.ndarray,
    rate: int,
    *,
    under_db: float,
    idle_db: float,
    ramp_s: float = 0.3,
) -> np.ndarray:
    """Per-sample linear gain for the bed: ``under_db`` while speech is active, else ``idle_db``."""
    active = voice_activity(voice, rate)
    if not len(active):
        return np.full(len(voice), db_to_gain(idle_db), dtype=np.float32)
    gain_db = np.where(active, under_db, idle_db).astype(np.float64)
    size = max(1, round(ramp_s / FRAME_S))
    gain_db = scipy.ndimage.uniform_filter1d(gain_db, size, mode="nearest")
    frame = max(1, round(FRAME_S * rate))
    centres = np.arange(len(gain_db)) * frame + frame / 2
    out = np.empty(len(voice), dtype=np.float32)
    for start in range(0, len(voice), CHUNK):  # interpolate chunk by chunk: no float64 copies
        stop = min(len(voice), start + CHUNK)
        db = np.interp(np.arange(start, stop), centres, gain_db)
        out[start:stop] = np.power(10.0, db / 20.0)
    return out


def mix_bed(
    voice: np.ndarray,
    bed: np.ndarray,
    rate: int,
    *,
    voice_lufs: float,
    under_db: float = -20.0,
    idle_db: float = -12.0,
) -> np.ndarray:
    """``voice`` plus ``bed`` (looped to length), the bed ducked under the voice.

    The bed is first levelled to ``voice_lufs + under_db`` (e.g. 20 LU under the voice), then
    raised towards ``voice_lufs + idle_db`` where nobody speaks. Returns a new array.
    """
    levelled = loop_to_length(bed, len(voice), rate)
    bed_lufs = loudness(levelled, rate)
    if math.isfinite(bed_lufs):
        apply_gain(levelled, voice_lufs + under_db - bed_lufs)
    levelled *= ducking_gain(voice, rate, under_db=0.0, idle_db=idle_db - under_db)
    levelled += voice
    return levelled


def resample(x: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) of mono float32 samples."""
    if from_rate == to_rate:
        return x
    ratio = Fraction(to_rate, from_rate)
    out = scipy.signal.resample_poly(x, ratio.numerator, ratio.denominator)
    return out.astype(np.float32, copy=False)


def to_segment(x: np.ndarray, rate: int) -> AudioSegment:
    """Mono float32 samples as a 16-bit pydub ``AudioSegment``."""
    from .ffmpeg import audio_segment_class
    from .pcm import to_int16

    return audio_segment_class()(
        data=to_int16(x).tobytes(), sample_width=2, frame_rate=rate, channels=1
    )


def from_segment(segment: AudioSegment) -> tuple[np.ndarray, int]:
    """A pydub ``AudioSegment`` as mono float32 samples and its frame rate."""
    seg = segment.set_channels(1).set_sample_width(2)
    data = np.frombuffer(seg.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    return data, seg.frame_rate

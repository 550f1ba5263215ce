"""ITU-R BS.1770 loudness and true peak, streaming and memory-bounded.

The K-weighting filters are pyloudnorm's (same coefficients, same gating as
``pyloudnorm.Meter.integrated_loudness``), applied chunk by chunk with carried filter state so
that a ten-minute file never needs a float64 copy of itself. True peak is measured on a 4x
oversampled signal (polyphase FIR), as BS.1770 Annex 2 describes.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyloudnorm
import scipy.signal

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
OVERSAMPLE = 4
CHUNK = 1 << 16
SILENCE_DB = float("-inf")


def gain_to_db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 0 else SILENCE_DB


def db_to_gain(db: float) -> float:
    return 10.0 ** (db / 20.0)


@functools.cache
def k_weighting_sos(rate: int) -> np.ndarray:
    """Second-order sections of pyloudnorm's K-weighting filter for ``rate`` (gain folded in)."""
    stages = list(pyloudnorm.Meter(rate)._filters.values())
    sos = []
    for stage in stages:
        b = np.asarray(stage.b, dtype=np.float64) * stage.passband_gain
        a = np.asarray(stage.a, dtype=np.float64)
        sos.append(np.concatenate([b / a[0], a / a[0]]))
    return np.array(sos)


@functools.cache
def _dither_block() -> np.ndarray:
    block = np.full(CHUNK, 1e-10, dtype=np.float32)
    block[1::2] = -1e-10
    return block


def _dither(n: int) -> np.ndarray:
    return _dither_block()[:n]


class LoudnessMeter:
    """Integrated loudness (LUFS) of a stream fed as ``(frames,)`` or ``(frames, channels)``."""

    def __init__(self, rate: int, channels: int = 1) -> None:
        self.rate = rate
        self.channels = channels
        self._sos = k_weighting_sos(rate).astype(np.float32)
        self._zi = [np.zeros((self._sos.shape[0], 2), dtype=np.float32) for _ in range(channels)]
        self._weights = np.array(
            [CHANNEL_WEIGHTS[c] if c < len(CHANNEL_WEIGHTS) else 1.0 for c in range(channels)]
        )
        self._segment = 0.1 * rate  # 100 ms: blocks of 400 ms overlap by 75 %
        self._done = 0  # frames fed so far
        self._energy = 0.0  # running sum of weighted squares
        self._next = 1  # index of the next segment boundary
        self._boundaries: list[float] = [0.0]  # cumulative energy at each boundary

    def feed(self, samples: np.ndarray) -> None:
        data = samples.reshape(len(samples), -1)
        if data.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channel(s), got {data.shape[1]}")
        for start in range(0, len(data), CHUNK):
            self._feed(data[start : start + CHUNK])

    def _feed(self, data: np.ndarray) -> None:
        n = len(data)
        if not n:
            return
        energy = np.zeros(n, dtype=np.float32)
        dither = _dither(n)
        for ch in range(self.channels):
            # The dither (-200 dBFS) keeps the recursive filter out of denormal numbers in
            # digital silence, which would make it ten times slower; it cannot be measured.
            filtered, self._zi[ch] = scipy.signal.sosfilt(
                self._sos, np.add(data[:, ch], dither, dtype=np.float32), zi=self._zi[ch]
            )
            filtered *= filtered
            energy += np.float32(self._weights[ch]) * filtered
        cumulative = np.cumsum(energy, dtype=np.float64)
        end = self._done + n
        last = int((end + 1) / self._segment) + 1
        ks = np.arange(self._next, last + 1)
        bounds = np.rint(ks * self._segment).astype(np.int64)
        bounds = bounds[bounds <= end]
        if len(bounds):
            index = bounds - self._done - 1
            values = np.where(index >= 0, cumulative[np.maximum(index, 0)], 0.0) + self._energy
            self._boundaries.extend(values.tolist())
            self._next += len(bounds)
        self._energy += float(cumulative[-1])
        self._done = end

    def block_loudness(self) -> np.ndarray:
        """Loudness of each complete 400 ms block (75 % overlap), in LUFS."""
        cum = np.asarray(self._boundaries)
        if len(cum) < 5:
            return np.zeros(0)
        z = (cum[4:] - cum[:-4]) / (0.4 * self.rate)
        with np.errstate(divide="ignore"):
            return -0.691 + 10.0 * np.log10(z)

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS; ``-inf`` for silence or less than 400 ms."""
        cum = np.asarray(self._boundaries)
        if len(cum) < 5:
            return SILENCE_DB
        z = (cum[4:] - cum[:-4]) / (0.4 * self.rate)
        with np.errstate(divide="ignore"):
            loud = -0.691 + 10.0 * np.log10(z)
        gated = z[loud >= ABSOLUTE_GATE_LUFS]
        if not len(gated):
            return SILENCE_DB
        relative = -0.691 + 10.0 * math.log10(float(gated.mean())) + RELATIVE_GATE_LU
        final = z[(loud > relative) & (loud > ABSOLUTE_GATE_LUFS)]
        if not len(final):
            return SILENCE_DB
        return -0.691 + 10.0 * math.log10(float(final.mean()))


@functools.cache
def oversampling_filter() -> np.ndarray:
    """Interpolation FIR for 4x oversampling (49 taps, 12-13 per phase, like BS.1770 Annex 2)."""
    taps = scipy.signal.firwin(12 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, window=("kaiser", 5.0))
    return taps * OVERSAMPLE


@functools.cache
def _phase_matrix() -> np.ndarray:
    """``(TAPS, 4)``: ``window @ matrix`` turns TAPS input samples into 4 interpolated ones."""
    h = oversampling_filter()
    padded = np.concatenate([h, np.zeros(-len(h) % OVERSAMPLE)])
    phases = padded.reshape(-1, OVERSAMPLE).T  # phases[p] = padded[p::4]
    return np.ascontiguousarray(phases[:, ::-1].T, dtype=np.float32)


TAPS = 13  # input samples per interpolated output
_CENTRE = 6  # input samples of delay through the interpolator


def _interpolate(seg: np.ndarray) -> np.ndarray:
    """``(4, len(seg) - 12)``: column ``i`` holds the 4 values around input ``i + _CENTRE``.

    Written as 52 vector multiply-adds rather than a matrix product: as fast as BLAS on one
    thread, and immune to BLAS thread pools fighting over a busy machine's cores.
    """
    matrix = _phase_matrix()
    n = len(seg) - TAPS + 1
    out = np.zeros((OVERSAMPLE, n), dtype=np.float32)
    scratch = np.empty(n, dtype=np.float32)
    for k in range(TAPS):
        window = seg[k : k + n]
        for p in range(OVERSAMPLE):
            coefficient = matrix[k, p]
            if coefficient:
                np.multiply(window, coefficient, out=scratch)
                out[p] += scratch
    return out


def oversampled_envelope(samples: np.ndarray) -> np.ndarray:
    """Per input sample, the largest magnitude among its 4 interpolated neighbours."""
    x = np.asarray(samples, dtype=np.float32)
    out = np.empty(len(x), dtype=np.float32)
    pad = np.zeros(_CENTRE, dtype=np.float32)
    for start in range(0, len(x), CHUNK):
        stop = min(len(x), start + CHUNK)
        before = x[max(0, start - _CENTRE) : start]
        after = x[stop : stop + _CENTRE]
        seg = np.concatenate(
            [pad[: _CENTRE - len(before)], before, x[start:stop], after,
             pad[: TAPS - 1 - _CENTRE - len(after)]]
        )  # fmt: skip
        rows = np.abs(_interpolate(seg))
        np.maximum(np.maximum(rows[0], rows[1]), np.maximum(rows[2], rows[3]), out=out[start:stop])
    return out


class TruePeakMeter:
    """Maximum magnitude of the 4x oversampled stream (linear; see :func:`gain_to_db`)."""

    def __init__(self, channels: int = 1) -> None:
        self.channels = channels
        self.peak = 0.0
        self.sample_peak = 0.0
        self._tail = np.zeros((TAPS - 1, channels), dtype=np.float32)

    def feed(self, samples: np.ndarray) -> None:
        data = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1)
        for start in range(0, len(data), CHUNK):
            self._feed(data[start : start + CHUNK])

    def _feed(self, data: np.ndarray) -> None:
        if not len(data):
            return
        self.sample_peak = max(self.sample_peak, float(np.abs(data).max()))
        buf = np.concatenate([self._tail, data])
        for ch in range(self.channels):
            self.peak = max(self.peak, float(np.abs(_interpolate(buf[:, ch])).max()))
        self._tail = buf[-(TAPS - 1) :]

    def finish(self) -> float:
        """Flush the interpolator with trailing silence and return the true peak (linear)."""
        self._feed(np.zeros((TAPS - 1, self.channels), dtype=np.float32))
        return max(self.peak, self.sample_peak)


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) of mono ``(n,)`` or multichannel ``(n, ch)`` samples."""
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    meter = LoudnessMeter(rate, channels)
    meter.feed(samples)
    return meter.integrated()


def true_peak(samples: np.ndarray) -> float:
    """True peak (linear, 4x oversampled) of mono or multichannel samples."""
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    meter = TruePeakMeter(channels)
    meter.feed(samples)
    return meter.finish()


def true_peak_db(samples: np.ndarray) -> float:
    return gain_to_db(true_peak(samples))

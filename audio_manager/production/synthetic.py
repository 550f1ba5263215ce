"""Sounds synthesised with numpy: stock sounds (chime, background beds) and test signals.

Everything here is deterministic (fixed seeds) and free of third-party material. The beds are
seamless loops: every partial has a whole number of cycles over the loop and every envelope
is periodic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.signal

RATE = 44100


def _note(name: str) -> float:
    """Frequency of a note name such as ``"A4"`` or ``"F#3"`` (equal temperament, A4 = 440)."""
    names = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}
    semitone = names[name[0]] + (1 if "#" in name else -1 if "b" in name[1:] else 0)
    octave = int(name[-1])
    return 440.0 * 2.0 ** ((semitone + 12 * (octave - 4)) / 12.0)


def chime(rate: int = RATE) -> np.ndarray:
    """A soft two-note bell ("ding-dong"), about 2.6 s, peak about -6 dBFS."""
    length = round(2.6 * rate)
    t = np.arange(length) / rate
    out = np.zeros(length, dtype=np.float64)
    partials = ((1.0, 1.0, 1.6), (2.0, 0.45, 1.1), (2.76, 0.25, 0.7), (5.4, 0.08, 0.35))
    for onset, note in ((0.0, "E5"), (0.65, "C5")):
        local = t - onset
        on = local >= 0
        attack = np.clip(local / 0.004, 0.0, 1.0)
        for ratio, amp, decay in partials:
            tone = np.sin(2 * math.pi * _note(note) * ratio * local) * amp
            out += np.where(on, tone * attack * np.exp(-np.maximum(local, 0) / decay), 0.0)
    out *= 0.5 / np.abs(out).max()
    tail = round(0.3 * rate)
    out[-tail:] *= np.linspace(1.0, 0.0, tail)
    return out.astype(np.float32)


@dataclass(frozen=True)
class BedRecipe:
    name: str
    title: str
    chords: tuple[tuple[str, ...], ...]
    tremolo_cycles: int  # whole cycles of tremolo per loop
    brightness: float  # 0..1: weight of the upper harmonics
    cutoff_hz: float


BEDS: tuple[BedRecipe, ...] = (
    BedRecipe(
        "bed-morning",
        "Morning pad (C, Am, F, G)",
        (("C3", "G3", "E4", "B4"), ("A2", "E3", "C4", "G4"), ("F2", "C3", "A3", "E4"),
         ("G2", "D3", "B3", "D4")),
        8, 0.35, 2400.0,
    ),
    BedRecipe(
        "bed-river",
        "River pad (D, Bm, G, A)",
        (("D3", "A3", "F#4", "A4"), ("B2", "F#3", "D4", "F#4"), ("G2", "D3", "B3", "D4"),
         ("A2", "E3", "C#4", "E4")),
        4, 0.25, 2000.0,
    ),
    BedRecipe(
        "bed-evening",
        "Evening pad (F, Dm, Bb, C)",
        (("F2", "C3", "A3", "C4"), ("D2", "A2", "F3", "A3"), ("Bb1", "F2", "D3", "F3"),
         ("C2", "G2", "E3", "G3")),
        6, 0.15, 1500.0,
    ),
)  # fmt: skip


def pad_bed(recipe: BedRecipe, loop_s: float = 32.0, rate: int = RATE, seed: int = 7) -> np.ndarray:
    """A calm chord pad looping seamlessly every ``loop_s`` seconds, at about -20 dBFS RMS.

    Synthesised at a quarter of ``rate`` (the pad has nothing above a few kHz), then
    resampled circularly so the loop point stays seamless.
    """
    rng = np.random.default_rng(seed)
    low_rate = rate // 4
    length = round(loop_s * low_rate)
    t = np.arange(length, dtype=np.float64) / low_rate
    out = np.zeros(length, dtype=np.float64)
    slot = loop_s / len(recipe.chords)
    for index, chord in enumerate(recipe.chords):
        # Periodic raised-cosine envelope centred on the chord's slot, overlapping neighbours.
        centre = (index + 0.5) * slot
        distance = np.abs(((t - centre + loop_s / 2) % loop_s) - loop_s / 2)
        envelope = np.clip(1.0 - (distance - slot * 0.35) / (slot * 0.5), 0.0, 1.0)
        envelope = 0.5 - 0.5 * np.cos(math.pi * envelope)
        for note in chord:
            base = _note(note)
            for harmonic, amp in ((1, 1.0), (2, recipe.brightness), (3, recipe.brightness / 3)):
                for detune in (-0.6, 0.6):  # a slow chorus
                    freq = round((base * harmonic + detune) * loop_s) / loop_s
                    phase = rng.uniform(0, 2 * math.pi)
                    out += envelope * amp * np.sin(2 * math.pi * freq * t + phase)
    out *= 1.0 - 0.25 * (0.5 - 0.5 * np.cos(2 * math.pi * recipe.tremolo_cycles * t / loop_s))
    sos = scipy.signal.butter(2, recipe.cutoff_hz, fs=low_rate, output="sos")
    # Process three loops and keep the middle one: filter start-up never reaches the loop.
    tripled = scipy.signal.sosfilt(sos, np.concatenate([out, out, out]))
    tripled = scipy.signal.resample_poly(tripled, rate // low_rate, 1)
    full = round(loop_s * rate)
    out = tripled[full : 2 * full]
    out *= 0.1 / math.sqrt(float(np.mean(out**2)))
    return out.astype(np.float32)


_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410),
           (300, 870, 2240), (660, 1720, 2410), (490, 1350, 1690))  # fmt: skip


def speech_like(seconds: float = 30.0, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """A speech-like test signal: voiced syllables with formants, fricatives and pauses.

    Roughly 4-5 syllables a second in phrases of 1.5-3 s separated by 0.25-0.6 s pauses, a
    pitch contour around 110-220 Hz, peak-to-loudness ratio like real speech. Not speech.
    """
    rng = np.random.default_rng(seed)
    length = round(seconds * rate)
    out = np.zeros(length, dtype=np.float64)
    base_f0 = rng.uniform(110.0, 200.0)
    pos = round(0.2 * rate)
    while pos < length - round(0.3 * rate):
        phrase_end = min(length - round(0.2 * rate), pos + round(rng.uniform(1.5, 3.0) * rate))
        while pos < phrase_end:
            syllable = round(rng.uniform(0.14, 0.3) * rate)
            seg = _syllable(syllable, rate, base_f0 * rng.uniform(0.85, 1.25), rng)
            end = min(length, pos + len(seg))
            out[pos:end] += seg[: end - pos]
            pos += syllable + round(rng.uniform(0.0, 0.05) * rate)
        pos += round(rng.uniform(0.25, 0.6) * rate)
    out *= 0.25 / max(1e-9, float(np.abs(out).max()))
    return out.astype(np.float32)


def _syllable(n: int, rate: int, f0: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    contour = f0 * (1.0 + 0.12 * np.sin(math.pi * t / t[-1] + rng.uniform(-1, 1)))
    phase = np.cumsum(contour / rate)
    source = np.zeros(n)
    for k in range(1, int(3800 / f0)):
        source += np.sin(2 * math.pi * k * phase) / k
    voiced = np.zeros(n)
    for formant, width in zip(_VOWELS[rng.integers(len(_VOWELS))], (80, 100, 140), strict=True):
        b, a = scipy.signal.iirpeak(formant, formant / width, fs=rate)
        voiced += scipy.signal.lfilter(b, a, source)
    envelope = np.sin(math.pi * np.linspace(0.0, 1.0, n)) ** 0.6
    seg = voiced * envelope
    if rng.random() < 0.4:  # a fricative onset
        k = n // 4
        hiss = scipy.signal.lfilter(
            *scipy.signal.butter(2, 3000, "high", fs=rate), rng.standard_normal(k)
        )
        seg[:k] = seg[:k] * 0.3 + hiss * 0.15 * np.abs(seg).max() * np.hanning(2 * k)[:k]
    return seg


def tone(freq: float, seconds: float, rate: int = RATE, amplitude: float = 0.5) -> np.ndarray:
    """A plain sine tone."""
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * math.pi * freq * t)).astype(np.float32)

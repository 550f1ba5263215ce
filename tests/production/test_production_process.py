"""Processing building blocks: limiter, trimming, fades, ducking, pydub, stock sounds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_manager.production.loudness import integrated_loudness, true_peak_db
from audio_manager.production.pcm import RATE
from audio_manager.production.process import (
    ducking_gain,
    fade,
    from_segment,
    level_to_target,
    limit_true_peak,
    loop_to_length,
    mix_bed,
    resample,
    to_segment,
    voice_bounds,
)
from audio_manager.production.synthetic import BEDS, chime, pad_bed, speech_like, tone
from audio_manager.production.waveform import peaks

ROOT = Path(__file__).resolve().parents[2]


def test_limiter_holds_the_true_peak_ceiling() -> None:
    rng = np.random.default_rng(2)
    signal = speech_like(10.0, RATE, seed=8) * 4.0  # far too hot: peaks well over 0 dBFS
    signal[RATE * 3 : RATE * 3 + 50] += rng.uniform(-2, 2, 50).astype(np.float32)  # clicks
    assert true_peak_db(signal) > 6
    limit_true_peak(signal, RATE, -1.0)
    assert true_peak_db(signal) <= -0.95


def test_level_to_target_meets_loudness_and_peak() -> None:
    signal = speech_like(12.0, RATE, seed=1)
    lufs, peak = level_to_target(signal, RATE, -16.0, -1.5)
    assert lufs == pytest.approx(-16.0, abs=0.2)
    assert integrated_loudness(signal, RATE) == pytest.approx(lufs, abs=1e-3)
    assert peak <= -1.5 + 1e-6
    assert true_peak_db(signal) <= -1.45


def test_voice_bounds_trim_silence() -> None:
    signal = np.zeros(RATE * 5, np.float32)
    signal[RATE * 2 : RATE * 3] = tone(300, 1.0, amplitude=0.3)
    start, end = voice_bounds(signal, RATE)
    assert start == pytest.approx(2 * RATE - 0.04 * RATE, abs=0.011 * RATE)
    assert end == pytest.approx(3 * RATE + 0.04 * RATE, abs=0.011 * RATE)
    assert voice_bounds(np.zeros(RATE, np.float32), RATE) == (0, 0)


def test_fades_are_smooth_ramps() -> None:
    signal = np.ones(RATE, np.float32)
    fade(signal, RATE, fade_in_s=0.5, fade_out_s=0.25)
    assert signal[0] == 0.0 and signal[-1] == 0.0
    assert np.all(np.diff(signal[: RATE // 2]) >= 0)
    assert signal[RATE // 2 + 10] == 1.0
    assert signal[RATE // 4] == pytest.approx(0.5, abs=0.01)


def test_bed_is_ducked_under_the_voice() -> None:
    voice = np.zeros(RATE * 8, np.float32)
    voice[RATE * 2 : RATE * 6] = speech_like(4.0, RATE, seed=2)[: RATE * 4] * 2
    voice_lufs = integrated_loudness(voice, RATE)
    bed = pad_bed(BEDS[1], loop_s=4.0)
    gain = ducking_gain(voice, RATE, under_db=-20, idle_db=-12)
    assert 20 * np.log10(gain[RATE // 2]) == pytest.approx(-12, abs=0.1)  # nobody speaks
    assert 20 * np.log10(gain[RATE * 4]) == pytest.approx(-20, abs=0.1)  # speech
    mixed = mix_bed(voice, bed, RATE, voice_lufs=voice_lufs, under_db=-20, idle_db=-12)
    assert len(mixed) == len(voice)
    alone = mixed[:RATE]  # bed alone, idle level: 12 LU under the voice
    assert integrated_loudness(alone, RATE) == pytest.approx(voice_lufs - 12, abs=1.5)
    under = mixed[RATE * 3 : RATE * 5] - voice[RATE * 3 : RATE * 5]  # the bed during speech
    assert integrated_loudness(under, RATE) == pytest.approx(voice_lufs - 20, abs=1.5)


def test_loop_and_resample() -> None:
    bed = tone(200, 1.0)
    looped = loop_to_length(bed, RATE * 3 + 17, RATE)
    assert len(looped) == RATE * 3 + 17
    assert np.abs(looped).max() < 0.6  # crossfaded joins do not pile up
    down = resample(tone(440, 2.0), RATE, 8000)
    assert len(down) == 16000
    assert integrated_loudness(down, 8000) == pytest.approx(
        integrated_loudness(tone(440, 2.0), RATE), abs=0.2
    )


def test_pydub_round_trip() -> None:
    signal = tone(440, 1.0, amplitude=0.25)
    segment = to_segment(signal, RATE)
    assert segment.frame_rate == RATE and segment.channels == 1
    assert len(segment) == 1000  # ms
    back, rate = from_segment(segment + segment)
    assert rate == RATE and len(back) == 2 * RATE
    assert np.abs(back[:RATE] - signal).max() < 1e-4


def test_waveform_peaks_layout() -> None:
    data = peaks(tone(100, 2.0, amplitude=0.5), RATE, points=100)
    assert data["length"] == 100
    assert data["samples_per_pixel"] == 2 * RATE // 100
    assert max(data["data"]) == pytest.approx(64, abs=1)
    assert min(data["data"]) == pytest.approx(-64, abs=1)
    assert peaks(np.zeros(0, np.float32), RATE)["length"] == 0


def test_synthetic_sounds_are_deterministic_and_loop() -> None:
    assert np.array_equal(chime(), chime())
    bed = pad_bed(BEDS[2], loop_s=4.0)
    assert np.array_equal(bed, pad_bed(BEDS[2], loop_s=4.0))
    # Seamless: the jump from the last sample to the first is an ordinary step.
    assert abs(float(bed[0] - bed[-1])) <= np.abs(np.diff(bed)).max()
    assert np.array_equal(speech_like(2.0, seed=4), speech_like(2.0, seed=4))


def test_make_stock_sounds_script(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "scripts" / "make_stock_sounds.py"), "--loop-seconds",
               "4", "--out"]  # fmt: skip
    subprocess.run([*command, str(tmp_path / "a")], check=True, capture_output=True)
    subprocess.run([*command, str(tmp_path / "b")], check=True, capture_output=True)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    names = {item["file"] for item in manifest}
    assert names == {f"{n}.{ext}" for n in ("chime", *(b.name for b in BEDS)) for ext in
                     ("wav", "mp3")}  # fmt: skip
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    beds = [item for item in manifest if item["kind"] == "bed"]
    assert all(item["loop"] and item["duration_s"] == pytest.approx(4.0, abs=0.05) for item in beds)

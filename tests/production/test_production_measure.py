"""Measurement: BS.1770 loudness against pyloudnorm, true peak, stream facts from ffmpeg."""

from __future__ import annotations

import math
import re
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from audio_manager.production import ffmpeg
from audio_manager.production.loudness import (
    LoudnessMeter,
    integrated_loudness,
    oversampled_envelope,
    true_peak_db,
)
from audio_manager.production.measure import measure
from audio_manager.production.pcm import RATE, read_mono, to_int16, write_wav
from audio_manager.production.synthetic import speech_like, tone


@pytest.mark.parametrize("rate", [8000, 22050, 24000, 44100, 48000])
def test_loudness_matches_pyloudnorm(rate: int) -> None:
    signal = speech_like(6.0, rate, seed=rate)
    ours = integrated_loudness(signal, rate)
    reference = pyloudnorm.Meter(rate).integrated_loudness(signal.astype(np.float64))
    assert ours == pytest.approx(reference, abs=0.02)


def test_loudness_is_the_same_however_the_stream_is_chunked() -> None:
    signal = speech_like(5.0, RATE, seed=9)
    meter = LoudnessMeter(RATE)
    for start in range(0, len(signal), 7919):
        meter.feed(signal[start : start + 7919])
    assert meter.integrated() == pytest.approx(integrated_loudness(signal, RATE), abs=1e-4)


def test_reference_tone_loudness() -> None:
    # A 997 Hz sine at full scale measures -3.01 LUFS (EBU Tech 3341); 0.1 is 20 dB lower.
    assert integrated_loudness(tone(997, 5.0, amplitude=0.1), RATE) == pytest.approx(-23.0, abs=0.1)
    assert math.isinf(integrated_loudness(np.zeros(RATE * 2, np.float32), RATE))
    assert math.isinf(integrated_loudness(np.ones(100, np.float32), RATE))  # under 400 ms


def test_true_peak_finds_peaks_between_samples() -> None:
    # fs/4 sine sampled at 45 degrees: samples at 0.707 (-3 dBFS), the wave itself reaches 1.0.
    n = np.arange(RATE)
    signal = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.abs(signal).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(signal) == pytest.approx(0.0, abs=0.2)
    assert float(oversampled_envelope(signal).max()) == pytest.approx(1.0, abs=0.03)


def test_true_peak_agrees_with_ffmpeg_ebur128(tmp_path: Path) -> None:
    signal = speech_like(6.0, RATE, seed=4) * 3.0
    path = write_wav(tmp_path / "s.wav", signal, RATE)
    stderr = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = stderr[stderr.rindex("Summary:") :]
    ffmpeg_peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    ffmpeg_lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    measured = measure(path)
    assert measured.true_peak_dbtp == pytest.approx(ffmpeg_peak, abs=0.3)
    assert measured.lufs == pytest.approx(ffmpeg_lufs, abs=0.2)


def test_measure_reports_stream_facts(
    encoded: dict[str, Path], speech_total_s: float, run_ffmpeg: Callable[..., None], tmp_path: Path
) -> None:
    mp3 = measure(encoded["mp3"])
    assert (mp3.codec, mp3.sample_rate, mp3.channels, mp3.bitrate) == ("mp3", 44100, 1, 96000)
    assert mp3.duration_s == pytest.approx(speech_total_s, abs=0.05)
    assert mp3.size == encoded["mp3"].stat().st_size
    assert len(mp3.sha256) == 64
    alaw = tmp_path / "alaw.wav"
    run_ffmpeg("-i", str(encoded["wav"]), "-ar", "8000", "-c:a", "pcm_alaw", str(alaw))
    tel = measure(alaw)
    assert (tel.codec, tel.sample_rate, tel.bitrate) == ("pcm_alaw", 8000, 64000)
    assert measure(alaw.read_bytes()) == tel


def test_measure_keeps_channels(tmp_path: Path) -> None:
    signal = tone(997, 3.0, amplitude=0.1)
    mono = write_wav(tmp_path / "m.wav", signal, RATE)
    stereo = tmp_path / "st.wav"
    with wave.open(str(stereo), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.repeat(to_int16(signal), 2).tobytes())
    measured = measure(stereo)
    assert measured.channels == 2
    # Two identical channels carry twice the power: +3 dB over the mono file.
    assert measured.lufs == pytest.approx(measure(mono).lufs + 3.01, abs=0.1)
    assert read_mono(stereo).shape == read_mono(mono).shape


def test_parse_stream_info() -> None:
    banner = (
        "Input #0, mp3, from 'x.mp3':\n"
        "  Duration: 00:01:02.50, start: 0.025057, bitrate: 129 kb/s\n"
        "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, mono, fltp, 128 kb/s\n"
    )
    info = ffmpeg.parse_stream_info(banner)
    assert info.codec == "mp3"
    assert info.sample_rate == 44100
    assert info.channels == 1
    assert info.bitrate == 128000
    assert info.declared_duration_s == pytest.approx(62.5)
    assert info.container == "mp3"

"""Renditions: decode every output and check what a listener would get."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from audio_manager.production.bulletin import bulletin
from audio_manager.production.errors import (
    MissingAssetError,
    ProductionError,
    ProfileError,
    SilentAudioError,
    TooShortError,
)
from audio_manager.production.measure import measure
from audio_manager.production.pcm import RATE, read_mono, write_wav
from audio_manager.production.process import voice_bounds
from audio_manager.production.profiles import DEFAULT_PROFILES, Profile, load_profiles
from audio_manager.production.render import RenderAssets, RenderedFile, discard, render
from audio_manager.production.synthetic import speech_like, tone

Decode = Callable[..., tuple[np.ndarray, int]]
Level = Callable[[np.ndarray], float]


def independent_lufs(samples: np.ndarray, rate: int) -> float:
    return pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))


def trimmed_s(path: Path) -> float:
    """Length of the sound in a file once leading and trailing silence is removed."""
    samples = read_mono(path)
    start, end = voice_bounds(samples, RATE)
    return (end - start) / RATE


@pytest.mark.parametrize("name", ["loudspeaker", "ringback", "telephony", "preview"])
def test_levels_meet_the_profile(
    name: str, rendered: dict[str, RenderedFile], decode: Decode
) -> None:
    item = rendered[name]
    profile = DEFAULT_PROFILES[name]
    samples, rate = decode(item.path)
    assert independent_lufs(samples, rate) == pytest.approx(-16.0, abs=1.0)
    assert item.measurement.lufs == pytest.approx(-16.0, abs=0.5)
    assert item.measurement.true_peak_dbtp is not None
    assert item.measurement.true_peak_dbtp <= profile.true_peak_dbtp
    assert item.measurement.sample_rate == rate == profile.sample_rate
    assert item.measurement.channels == 1


def test_loudspeaker_file(
    rendered: dict[str, RenderedFile], decode: Decode, level: Level, speech_wav: Path
) -> None:
    item = rendered["loudspeaker"]
    m = item.measurement
    assert item.path.suffix == ".mp3"
    assert item.mime == "audio/mpeg"
    assert (m.codec, m.bitrate, m.sample_rate) == ("mp3", 128000, 44100)
    # the source's silence is trimmed; then 0.3 s lead-in and 0.3 s tail
    assert trimmed_s(speech_wav) < 8.0
    assert m.duration_s == pytest.approx(trimmed_s(speech_wav) + 0.6, abs=0.05)
    assert m.size == pytest.approx(128000 / 8 * m.duration_s, rel=0.05)  # constant bitrate
    samples, rate = decode(item.path)
    middle = samples[len(samples) // 2 - rate // 2 : len(samples) // 2 + rate // 2]
    assert level(samples[: rate // 20]) < level(middle) - 40  # the lead-in is silent
    assert level(samples[-rate // 20 :]) < level(middle) - 30


def test_preview_is_the_loudspeaker_at_64k(rendered: dict[str, RenderedFile]) -> None:
    preview, speaker = rendered["preview"].measurement, rendered["loudspeaker"].measurement
    assert (preview.codec, preview.bitrate) == ("mp3", 64000)
    assert preview.duration_s == pytest.approx(speaker.duration_s, abs=0.03)
    assert preview.size < speaker.size * 0.6


def test_ringback_has_fades_and_a_bed(
    rendered: dict[str, RenderedFile], decode: Decode, level: Level, speech_wav: Path
) -> None:
    item = rendered["ringback"]
    m = item.measurement
    assert (m.codec, m.bitrate) == ("mp3", 128000)
    assert m.duration_s is not None and m.duration_s <= 30.0
    # 0.1 s silence + 1 s bed intro + the trimmed voice + 1.5 s bed outro
    assert m.duration_s == pytest.approx(0.1 + 1.0 + trimmed_s(speech_wav) + 1.5, abs=0.05)
    samples, rate = decode(item.path)
    middle = samples[len(samples) // 2 - rate // 2 : len(samples) // 2 + rate // 2]
    assert level(samples[: rate // 20]) < level(middle) - 30  # silence, then fade-in
    assert level(samples[-rate // 20 :]) < level(middle) - 20  # fade-out
    intro = samples[round(0.7 * rate) : round(1.05 * rate)]  # the bed alone, before the voice
    assert level(middle) - 25 < level(intro) < level(middle) - 5


def test_telephony_is_8k_alaw_from_the_ringback(rendered: dict[str, RenderedFile]) -> None:
    item = rendered["telephony"]
    m = item.measurement
    assert item.path.suffix == ".wav"
    assert item.path.read_bytes()[:4] == b"RIFF"
    assert (m.codec, m.sample_rate, m.channels, m.bitrate) == ("pcm_alaw", 8000, 1, 64000)
    assert m.duration_s == pytest.approx(rendered["ringback"].measurement.duration_s, abs=0.05)


def test_waveform_peaks(rendered: dict[str, RenderedFile]) -> None:
    item = rendered["waveform"]
    assert item.mime == "application/json"
    data = json.loads(item.path.read_text())
    assert data["length"] <= 1000
    assert len(data["data"]) == 2 * data["length"]
    assert all(-128 <= v <= 127 for v in data["data"])
    lows, highs = data["data"][0::2], data["data"][1::2]
    assert all(lo <= hi for lo, hi in zip(lows, highs, strict=True))
    assert data["duration"] == pytest.approx(rendered["loudspeaker"].measurement.duration_s, 0.05)


def test_measurements_describe_the_files(rendered: dict[str, RenderedFile]) -> None:
    for item in rendered.values():
        data = item.path.read_bytes()
        assert item.measurement.size == len(data)
        assert item.measurement.sha256 == hashlib.sha256(data).hexdigest()
        assert item.warnings == ()


def test_rendering_is_deterministic(
    speech_wav: Path, stock: RenderAssets, rendered: dict[str, RenderedFile], tmp_path: Path
) -> None:
    again = render(speech_wav, ["loudspeaker", "telephony"], stock, workdir=tmp_path)
    assert again[0].measurement.sha256 == rendered["loudspeaker"].measurement.sha256
    assert again[1].measurement.sha256 == rendered["telephony"].measurement.sha256


def test_ringback_is_capped_at_30_seconds(
    long_speech_wav: Path, stock: RenderAssets, decode: Decode, level: Level, tmp_path: Path
) -> None:
    ringback, telephony = render(
        long_speech_wav, ["ringback", "telephony"], stock, workdir=tmp_path
    )
    assert ringback.measurement.duration_s == pytest.approx(30.0, abs=0.05)
    assert telephony.measurement.duration_s == pytest.approx(30.0, abs=0.05)
    assert any("30 s" in w for w in ringback.warnings)
    samples, rate = decode(ringback.path)
    assert level(samples[-rate // 20 :]) < level(samples[rate * 10 : rate * 11]) - 20


def test_carrier_profile_from_config(
    long_speech_wav: Path, stock: RenderAssets, tmp_path: Path
) -> None:
    profiles = load_profiles(
        {"ringback_viettel": {"extends": "ringback", "max_duration_s": 45, "bitrate_kbps": 96}}
    )
    (item,) = render(
        long_speech_wav, ["ringback_viettel"], stock, workdir=tmp_path, available=profiles
    )
    assert 30 < item.measurement.duration_s <= 45
    assert item.measurement.bitrate == 96000
    assert item.measurement.lufs == pytest.approx(-16, abs=1)
    assert item.warnings == ()


def test_chime_before_the_loudspeaker_message(
    speech_wav: Path, stock: RenderAssets, rendered: dict[str, RenderedFile], tmp_path: Path,
    decode: Decode, level: Level,
) -> None:  # fmt: skip
    with_chime = dataclasses.replace(DEFAULT_PROFILES["loudspeaker"], name="ls_chime", chime=True)
    (item,) = render(speech_wav, [with_chime], stock, workdir=tmp_path)
    plain = rendered["loudspeaker"].measurement.duration_s
    assert item.measurement.duration_s == pytest.approx(plain + 2.6 + 0.5, abs=0.1)
    assert item.measurement.lufs == pytest.approx(-16, abs=1)
    samples, rate = decode(item.path)
    assert level(samples[round(0.35 * rate) : round(0.6 * rate)]) > -40  # the chime rings


def test_any_source_rate_or_format(encoded: dict[str, Path], tmp_path: Path) -> None:
    (item,) = render(encoded["amr"], ["loudspeaker"], workdir=tmp_path)
    assert item.measurement.sample_rate == 44100
    assert item.measurement.lufs == pytest.approx(-16, abs=1)


def test_missing_bed_fails_cleanly(speech_wav: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingAssetError) as caught:
        render(speech_wav, ["loudspeaker", "ringback"], RenderAssets(), workdir=tmp_path)
    assert caught.value.code == "missing_asset"
    assert list(tmp_path.iterdir()) == []


def test_silent_or_tiny_sources_are_refused(tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", np.zeros(RATE * 2, np.float32), RATE)
    with pytest.raises(SilentAudioError):
        render(silent, ["loudspeaker"])
    blip = np.zeros(RATE * 2, np.float32)
    blip[RATE : RATE + RATE // 10] = tone(440, 0.1)
    tiny = write_wav(tmp_path / "tiny.wav", blip, RATE)
    with pytest.raises(TooShortError):
        render(tiny, ["loudspeaker"])


def test_discard_removes_the_files(speech_wav: Path) -> None:
    files = render(speech_wav, ["waveform"])
    folder = files[0].path.parent
    discard(files)
    assert not folder.exists()


def test_profiles_are_data() -> None:
    ringback = DEFAULT_PROFILES["ringback"]
    assert Profile.from_dict(ringback.to_dict()) == ringback
    assert (
        DEFAULT_PROFILES["preview"].program_key() == DEFAULT_PROFILES["loudspeaker"].program_key()
    )
    assert DEFAULT_PROFILES["telephony"].encoder_args()[:2] == ["-c:a", "pcm_alaw"]
    with pytest.raises(ProfileError) as caught:
        Profile.from_dict({"name": "x", "loudness": -16})
    assert caught.value.code == "invalid_profile"
    with pytest.raises(ProfileError):
        Profile.from_dict({"name": "x", "codec": "wma"})
    with pytest.raises(ProfileError):
        load_profiles({"odd": {"source": "nowhere"}})
    with pytest.raises(ProfileError):
        render(Path("unused.wav"), ["no-such-profile"])


def test_bulletin_joins_versions_with_gaps(
    tmp_path: Path, encoded: dict[str, Path], decode: Decode, level: Level
) -> None:
    quiet = write_wav(tmp_path / "quiet.wav", speech_like(3.0, RATE, seed=11) * 0.1, RATE)
    loud = write_wav(tmp_path / "loud.wav", speech_like(4.0, RATE, seed=12), RATE)
    parts = [loud, quiet, encoded["ogg"]]
    joined = bulletin(parts, gap_seconds=1.0, dest=tmp_path / "b.wav")
    m = measure(joined)
    lengths = [trimmed_s(p) for p in parts]
    assert m.duration_s == pytest.approx(sum(lengths) + 2 * 1.0, abs=0.1)
    samples, rate = decode(joined)
    first = samples[: round(lengths[0] * rate)]
    second_start = round((lengths[0] + 1.0) * rate)
    second = samples[second_start : second_start + round(lengths[1] * rate)]
    assert abs(level(first) - level(second)) < 4  # each part brought to the same loudness
    (item,) = render(joined, ["loudspeaker"], workdir=tmp_path)
    assert item.measurement.lufs == pytest.approx(-16, abs=1)


def test_bulletin_errors_leave_nothing(tmp_path: Path, encoded: dict[str, Path]) -> None:
    with pytest.raises(ProductionError) as empty:
        bulletin([])
    assert empty.value.code == "empty_bulletin"
    with pytest.raises(ProductionError) as gap:
        bulletin([encoded["wav"]], gap_seconds=-1)
    assert gap.value.code == "invalid_gap"
    silent = write_wav(tmp_path / "silent.wav", np.zeros(RATE, np.float32), RATE)
    dest = tmp_path / "b.wav"
    with pytest.raises(SilentAudioError) as caught:
        bulletin([encoded["wav"], silent], dest=dest)
    assert caught.value.details == {"part": 2}
    assert not dest.exists()

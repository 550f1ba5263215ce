"""Social videos, decoded and measured with the bundled ffmpeg: codecs, sizes, duration equal
to the audio, loudness on target, captions burned in where they are heard (a Khmer frame is
saved under test-output/ to be looked at), and SRT/WebVTT files read by independent parsers.

Sizes are small and the encoder fast so the module stays quick; the real sizes are the same
code with other numbers."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt

from audio_manager.production import ffmpeg
from audio_manager.production.measure import measure_file
from audio_manager.production.pcm import RATE, write_wav
from audio_manager.production.profiles import (
    SOCIAL_SQUARE,
    SOCIAL_VERTICAL,
    SOCIAL_WIDE,
    Profile,
)
from audio_manager.production.render import RenderAssets, render
from audio_manager.production.social.video import CaptionPart, Layout, SocialSpec
from audio_manager.production.synthetic import speech_like

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LEAD_S = SOCIAL_SQUARE.lead_in_s
PAD_S = 0.6
GAP_S = 0.9
SENTENCE_S = (2.2, 3.0, 1.6)
KHMER = (
    "ប្រាក់សោធននិវត្តន៍ការពារអ្នកនៅវ័យចាស់។ "
    "សូមចូលរួមធានារាប់រងសង្គមស្ម័គ្រចិត្ត ដើម្បីសុខភាព និងអនាគតរបស់គ្រួសារ។ "
    "ទូរស័ព្ទ ១៩០០ ៩០៦៨។"
)
SIZES = {"social_square": (540, 540), "social_vertical": (270, 480), "social_wide": (480, 270)}


def small(profile: Profile) -> Profile:
    width, height = SIZES[profile.name]
    return dataclasses.replace(
        profile, width=width, height=height, fps=10, video_preset="ultrafast"
    )


PROFILES = [small(p) for p in (SOCIAL_SQUARE, SOCIAL_VERTICAL, SOCIAL_WIDE)]
# An audio profile with the same program as the videos: its WAV is "the audio" they carry.
REFERENCE = dataclasses.replace(
    SOCIAL_SQUARE, name="reference", kind="audio", codec="pcm_s16le", bitrate_kbps=None
)


def sentence_audio() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Three spoken sentences with pauses between them; where each is, in the source."""
    pieces, spans, at = [np.zeros(round(PAD_S * RATE), np.float32)], [], PAD_S
    for index, seconds in enumerate(SENTENCE_S):
        if index:
            pieces.append(np.zeros(round(GAP_S * RATE), np.float32))
            at += GAP_S
        voice = speech_like(seconds, seed=index + 3)
        nz = np.flatnonzero(np.abs(voice) > 1e-3)
        spans.append((at + nz[0] / RATE, at + nz[-1] / RATE))
        pieces.append(voice)
        at += seconds
    pieces.append(np.zeros(round(PAD_S * RATE), np.float32))
    return np.concatenate(pieces), spans


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("social")
    samples, spans = sentence_audio()
    source = write_wav(folder / "source.wav", samples, RATE)
    spec = SocialSpec(
        title="Bảo hiểm xã hội tự nguyện",
        parts=(CaptionPart(KHMER, "km", 0.0, len(samples) / RATE),),
    )
    out = folder / "with"
    out.mkdir()
    files = render(source, [*PROFILES, REFERENCE], RenderAssets(social=spec), workdir=out)
    plain = folder / "without"
    plain.mkdir()
    no_captions = dataclasses.replace(spec, burn_captions=False)
    bare = render(source, [PROFILES[0]], RenderAssets(social=no_captions), workdir=plain)
    return {
        "files": {f.profile: f for f in files},
        "bare": bare[0],
        "spans": spans,
        "first_voice": spans[0][0],
    }


def banner(path: Path) -> str:
    done = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    )
    return done.stderr


def video_seconds(path: Path, fps: int) -> float:
    done = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    frames = int(re.findall(r"frame=\s*(\d+)", done.stderr)[-1])
    return frames / fps


def frame(path: Path, at: float, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-ss", f"{at:.3f}", "-i", str(path),
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3).astype(np.int16)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_each_video_is_h264_and_aac_at_its_size_as_long_as_the_audio_and_on_target(
    rendered: dict, profile: Profile
) -> None:
    item = rendered["files"][profile.name]
    assert item.mime == "video/mp4"
    info = banner(item.path)
    size = rf"\b{profile.width}x{profile.height}\b"
    assert re.search(r"Video: h264 .*yuv420p.*" + size, info)
    assert "Audio: aac" in info
    data = item.path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # +faststart: the index comes first
    audio = rendered["files"]["reference"].measurement.duration_s
    measured = measure_file(item.path)
    assert measured.duration_s == pytest.approx(audio, abs=0.1)
    assert video_seconds(item.path, profile.fps) == pytest.approx(audio, abs=0.1)
    assert measured.lufs == pytest.approx(profile.loudness_lufs, abs=1.0)
    assert measured.true_peak_dbtp < 0  # AAC overshoots the -1 dBTP aim a little; no clipping


def caption_times(rendered: dict) -> list[tuple[float, float]]:
    text = rendered["files"]["captions_srt"].path.read_text(encoding="utf-8")
    return [(c.start.total_seconds(), c.end.total_seconds()) for c in srt.parse(text)]


def clock(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_srt_and_vtt_parse_and_their_cues_follow_the_speech(rendered: dict) -> None:
    files = rendered["files"]
    cues = list(srt.parse(files["captions_srt"].path.read_text(encoding="utf-8")))
    vtt = webvtt.read(str(files["captions_vtt"].path))
    assert [c.content.replace("\n", "") for c in cues] == [c.text.replace("\n", "") for c in vtt]
    assert [c.content.replace("\n", " ").replace("  ", " ") for c in cues] == [
        s.strip() for s in re.split(r"(?<=។)\s*", KHMER) if s.strip()
    ]
    assert [clock(c.start) for c in vtt] == pytest.approx(
        [c.start.total_seconds() for c in cues], abs=0.002
    )
    assert [clock(c.end) for c in vtt] == pytest.approx(
        [c.end.total_seconds() for c in cues], abs=0.002
    )
    # Where each sentence is heard in the video: its place in the source, moved by the
    # trimmed silence and the lead-in.
    shift = LEAD_S - rendered["first_voice"]
    for cue, (start, end) in zip(cues, rendered["spans"], strict=True):
        assert cue.start.total_seconds() == pytest.approx(start + shift, abs=0.5)
        assert cue.end.total_seconds() == pytest.approx(end + shift, abs=0.5)


def test_a_caption_is_burned_into_the_caption_region(rendered: dict) -> None:
    square = PROFILES[0]
    layout = Layout(square.width, square.height)
    start, end = caption_times(rendered)[1]
    at = (start + end) / 2
    shown = frame(rendered["files"]["social_square"].path, at, square.width, square.height)
    bare = frame(rendered["bare"].path, at, square.width, square.height)
    region = slice(layout.caption_top, square.height)
    assert np.abs(shown[region] - bare[region]).mean() > 5  # text and its box
    title = slice(0, round(square.height * 0.3))
    assert np.abs(shown[title] - bare[title]).mean() < 1  # the rest is the same picture
    OUTPUT.mkdir(exist_ok=True)
    subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{at:.3f}",
         "-i", str(rendered["files"]["social_square"].path), "-frames:v", "1",
         str(OUTPUT / "social-video-khmer-caption.png")],
        check=True,
    )  # fmt: skip

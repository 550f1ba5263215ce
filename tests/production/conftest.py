"""Generated audio fixtures: speech-like signals as WAV, encoded by ffmpeg into every format
people upload, plus broken files. Nothing is downloaded; nothing reaches the network."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio_manager.production import ffmpeg
from audio_manager.production.pcm import RATE, write_wav
from audio_manager.production.render import RenderAssets, RenderedFile, render
from audio_manager.production.synthetic import BEDS, chime, pad_bed, speech_like

SPEECH_S = 8.0
PAD_S = 1.0  # silence around the speech in the source, to be trimmed

ENCODINGS: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "96k", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-b:a", "96k", "-f", "ipod"],
    "ogg": ["-c:a", "libopus", "-b:a", "48k", "-f", "ogg"],
    "webm": ["-c:a", "libopus", "-b:a", "48k", "-f", "webm"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "amr": ["-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k", "-f", "amr"],
    "aac": ["-c:a", "aac", "-b:a", "96k", "-f", "adts"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
}


def ffmpeg_cmd(*args: str) -> None:
    subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def speech_wav(audio_dir: Path) -> Path:
    """8 s of speech-like sound with 1 s of silence either side, 44.1 kHz mono, ~-26 LUFS."""
    speech = speech_like(SPEECH_S, RATE, seed=3)
    pad = np.zeros(round(PAD_S * RATE), np.float32)
    return write_wav(audio_dir / "speech.wav", np.concatenate([pad, speech, pad]), RATE)


@pytest.fixture(scope="session")
def long_speech_wav(audio_dir: Path) -> Path:
    """40 s of speech: longer than a ringback tone may be."""
    return write_wav(audio_dir / "long.wav", speech_like(40.0, RATE, seed=5), RATE)


@pytest.fixture(scope="session")
def encoded(audio_dir: Path, speech_wav: Path) -> dict[str, Path]:
    """The speech fixture in every accepted upload format."""
    out = {}
    for name, args in ENCODINGS.items():
        dest = audio_dir / f"upload.{name}"
        ffmpeg_cmd("-i", str(speech_wav), "-ac", "1", *args, str(dest))
        out[name] = dest
    return out


@pytest.fixture(scope="session")
def bad_files(audio_dir: Path, encoded: dict[str, Path]) -> dict[str, Path]:
    """Files that must be refused, each named to look like audio."""
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        out[name] = audio_dir / name
        out[name].write_bytes(data)

    put("png.mp3", tiny_png())
    put("random.wav", np.random.default_rng(0).bytes(20000))
    put("empty.mp3", b"")
    put("text.m4a", b"hello, this is not a recording\n" * 50)
    for kind in ("wav", "m4a", "flac", "webm"):
        data = encoded[kind].read_bytes()
        put(f"truncated.{kind}", data[: len(data) // 3])
    put("garbage_after_id3.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00\x11" * 3000)
    out["zero.wav"] = write_wav(audio_dir / "zero.wav", np.zeros(0, np.float32), RATE)
    silence = audio_dir / "silence.wav"
    write_wav(silence, np.zeros(RATE * 3, np.float32), RATE)
    out["silence.wav"] = silence
    quiet = audio_dir / "quiet.wav"
    noise = np.random.default_rng(1).standard_normal(RATE * 3).astype(np.float32) * 1e-4
    write_wav(quiet, noise, RATE)  # peaks around -68 dBFS
    out["quiet.wav"] = quiet
    video = audio_dir / "video_only.mp4"
    ffmpeg_cmd("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-an", "-c:v",
               "libx264", "-f", "mp4", str(video))  # fmt: skip
    out["video_only.mp4"] = video
    return out


@pytest.fixture(scope="session")
def stock(audio_dir: Path) -> RenderAssets:
    stock_dir = audio_dir / "stock"
    stock_dir.mkdir()
    return RenderAssets(
        chime=write_wav(stock_dir / "chime.wav", chime(), RATE),
        bed=write_wav(stock_dir / "bed.wav", pad_bed(BEDS[0], loop_s=16.0), RATE),
    )


@pytest.fixture(scope="session")
def rendered(
    speech_wav: Path, stock: RenderAssets, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, RenderedFile]:
    """The speech fixture rendered once into every default profile."""
    out_dir = tmp_path_factory.mktemp("rendered")
    files = render(
        speech_wav,
        ["loudspeaker", "ringback", "telephony", "preview", "waveform"],
        stock,
        workdir=out_dir,
    )
    return {f.profile: f for f in files}


def decode_samples(path: Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """Decode any file with ffmpeg (independently of the code under test) to mono float32."""
    info = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    parsed = ffmpeg.parse_stream_info(info)
    rate = rate or parsed.sample_rate or RATE
    raw = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", str(path), "-ac", "1",
         "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<f4").copy(), rate


def rms_db(samples: np.ndarray) -> float:
    value = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0
    return 20 * np.log10(value) if value > 0 else -200.0


@pytest.fixture(scope="session")
def speech_total_s() -> float:
    """Length of the speech fixture, silence included."""
    return SPEECH_S + 2 * PAD_S


@pytest.fixture(scope="session")
def run_ffmpeg() -> Callable[..., None]:
    """``run_ffmpeg(*args)``: plain ffmpeg, for making fixtures."""
    return ffmpeg_cmd


@pytest.fixture(scope="session")
def decode() -> Callable[..., tuple[np.ndarray, int]]:
    """``decode(path, rate=None)``: samples decoded by plain ffmpeg, for independent checks."""
    return decode_samples


@pytest.fixture(scope="session")
def level() -> Callable[[np.ndarray], float]:
    """``level(samples)``: RMS in dBFS."""
    return rms_db

"""Uploads: sniffing by content, decoding every format, and every kind of bad input."""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from audio_manager.production import decode as decode_module
from audio_manager.production.decode import (
    MAX_DURATION_S,
    MAX_UPLOAD_BYTES,
    decode_to_wav,
    spool_stream,
)
from audio_manager.production.errors import (
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
    ProductionError,
    SilentAudioError,
    TooLargeError,
    TooLongError,
    TruncatedAudioError,
)
from audio_manager.production.sniff import sniff_file

EXPECTED_KIND = {
    "mp3": "mp3", "m4a": "mp4", "ogg": "ogg", "webm": "webm", "flac": "flac", "amr": "amr",
    "aac": "aac", "wav": "wav",
}  # fmt: skip


def test_defaults_match_the_issue() -> None:
    assert MAX_DURATION_S == 600
    assert MAX_UPLOAD_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize("fmt", sorted(EXPECTED_KIND))
def test_every_upload_format_decodes(
    fmt: str, encoded: dict[str, Path], tmp_path: Path, speech_total_s: float
) -> None:
    decoded = decode_to_wav(encoded[fmt], tmp_path / "out.wav")
    assert decoded.kind.name == EXPECTED_KIND[fmt]
    assert decoded.sample_rate == 44100
    assert decoded.channels == 1
    assert decoded.duration_s == pytest.approx(speech_total_s, abs=0.15)
    assert decoded.path.stat().st_size > 0
    assert -35 < decoded.lufs < -20
    assert decoded.source.codec


def test_sniffing_ignores_the_file_name(encoded: dict[str, Path], tmp_path: Path) -> None:
    disguised = tmp_path / "recording.wav"
    shutil.copy(encoded["mp3"], disguised)
    assert sniff_file(disguised).name == "mp3"
    assert decode_to_wav(disguised, tmp_path / "out.wav").kind.name == "mp3"


def test_png_named_mp3_is_refused(bad_files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(NotAudioError) as caught:
        decode_to_wav(bad_files["png.mp3"], tmp_path / "out.wav")
    assert caught.value.code == "not_audio"
    assert "PNG image" in caught.value.message
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("random.wav", NotAudioError, "not_audio"),
        ("text.m4a", NotAudioError, "not_audio"),
        ("empty.mp3", EmptyAudioError, "empty_audio"),
        ("zero.wav", EmptyAudioError, "empty_audio"),
        ("truncated.wav", TruncatedAudioError, "truncated_audio"),
        ("truncated.m4a", TruncatedAudioError, "truncated_audio"),
        ("truncated.flac", TruncatedAudioError, "truncated_audio"),
        ("truncated.webm", TruncatedAudioError, "truncated_audio"),
        ("silence.wav", SilentAudioError, "silent_audio"),
        ("quiet.wav", SilentAudioError, "silent_audio"),
        ("video_only.mp4", NotAudioError, "not_audio"),
    ],
)
def test_bad_uploads_get_a_specific_error_and_leave_nothing(
    name: str,
    error: type[ProductionError],
    code: str,
    bad_files: dict[str, Path],
    tmp_path: Path,
) -> None:
    dest = tmp_path / "out.wav"
    with pytest.raises(error) as caught:
        decode_to_wav(bad_files[name], dest)
    assert caught.value.code == code
    assert caught.value.message
    assert not dest.exists()


def test_garbage_after_an_id3_tag_is_refused(bad_files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises((CorruptAudioError, EmptyAudioError)):
        decode_to_wav(bad_files["garbage_after_id3.mp3"], tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_temporary_output_is_removed_on_error(
    bad_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_module.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(SilentAudioError):
        decode_to_wav(bad_files["silence.wav"])
    assert list(tmp_path.iterdir()) == []


def test_too_long_stops_decoding(encoded: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(TooLongError) as caught:
        decode_to_wav(encoded["mp3"], tmp_path / "out.wav", max_duration_s=5)
    assert caught.value.details == {"max_duration_s": 5}
    assert "5 seconds" in caught.value.message
    assert not (tmp_path / "out.wav").exists()


def test_keeping_channels(
    tmp_path: Path, encoded: dict[str, Path], run_ffmpeg: Callable[..., None]
) -> None:
    stereo = tmp_path / "stereo.flac"
    run_ffmpeg("-i", str(encoded["wav"]), "-ac", "2", str(stereo))
    assert decode_to_wav(stereo, tmp_path / "a.wav").channels == 1
    kept = decode_to_wav(stereo, tmp_path / "b.wav", channels=None)
    assert kept.channels == 2
    assert kept.source.channels == 2


class CountingStream(io.RawIOBase):
    """An endless upload that counts how much was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        buffer[:n] = b"\x01" * n
        self.read_bytes += n
        return n


def test_spool_enforces_the_size_limit_while_streaming(tmp_path: Path) -> None:
    stream = CountingStream()
    with pytest.raises(TooLargeError) as caught:
        spool_stream(stream, max_bytes=3_000_000, directory=tmp_path)
    assert caught.value.code == "too_large"
    assert caught.value.status == 413
    assert "2.86 MB" in caught.value.message
    assert stream.read_bytes <= 3_000_001
    assert list(tmp_path.iterdir()) == []


def test_spool_hashes_on_the_way(tmp_path: Path) -> None:
    data = b"x" * 1000
    spooled = spool_stream(io.BytesIO(data), max_bytes=1000, directory=tmp_path)
    assert spooled.size == 1000
    assert spooled.sha256 == hashlib.sha256(data).hexdigest()
    assert spooled.path.read_bytes() == data
    chunks = spool_stream(iter([b"ab", b"cd"]), directory=tmp_path)
    assert chunks.path.read_bytes() == b"abcd"
    with pytest.raises(TooLargeError):
        spool_stream(io.BytesIO(data + b"!"), max_bytes=1000, directory=tmp_path)


def test_spool_refuses_an_empty_upload(tmp_path: Path) -> None:
    with pytest.raises(EmptyAudioError):
        spool_stream(io.BytesIO(b""), directory=tmp_path)
    assert list(tmp_path.iterdir()) == []

"""Real MP3s for the datasets (the imageio-ffmpeg binary), stored through the app's storage."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import ROOT


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make_mp3(path: Path, seconds: float, frequency: int, *, raw: bool = False) -> bytes:
    """A real MP3 (mono, 44.1 kHz, 64 kb/s); ``raw``: bare frames, no ID3 nor Xing header, so
    copies can be concatenated into one long stream."""
    command = [
        ffmpeg_exe(),
        *("-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"),
        *("-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate=44100"),
        *("-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k"),
    ]
    if raw:
        command += ["-id3v2_version", "0", "-write_xing", "0", "-f", "mp3"]
    subprocess.run([*command, str(path)], check=True, timeout=120)
    return path.read_bytes()


def id3v1(title: str) -> bytes:
    """A 128-byte ID3v1 tag: appended to an MP3 it keeps it valid and makes it distinct."""
    text = title.encode("ascii", "replace")[:30].ljust(30, b"\0")
    return b"TAG" + text + b"\0" * 30 + b"\0" * 30 + b"2025" + b"\0" * 30 + b"\x0c"


class RepeatReader(io.RawIOBase):
    """``total`` bytes of ``unit`` repeated: a long MP3-ish stream without a source file."""

    def __init__(self, unit: bytes, total: int) -> None:
        super().__init__()
        self._unit, self._total, self._pos = unit, total, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = self._total - self._pos
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0:
            return b""
        start = self._pos % len(self._unit)
        reps = (start + size) // len(self._unit) + 1
        chunk = (self._unit * reps)[start : start + size]
        self._pos += size
        return chunk


@dataclass
class StoredAudio:
    sha256: str
    size: int
    duration: float


def build_audio(storage_root: Path, work: Path, sizes: Any, keys: list[tuple[int, str]]) -> Any:
    """One distinct small MP3 per (message, language) and the big files of the ZIP playlist,
    stored through LocalStorage. Returns ({(message, language): StoredAudio}, [StoredAudio])."""
    sys.path.insert(0, str(ROOT))
    from audio_manager.storage import LocalStorage

    store = LocalStorage(storage_root)
    bases = []
    for index, seconds in enumerate((8.0, 15.0, 24.0)):
        data = make_mp3(work / f"base{index}.mp3", seconds, 330 + 110 * index)
        bases.append((data, seconds))
    small: dict[tuple[int, str], StoredAudio] = {}
    for message_id, language in keys:
        data, seconds = bases[(message_id + len(language)) % len(bases)]
        blob = data + id3v1(f"bench m{message_id} {language}")
        key = store.put_bytes(blob, content_type="audio/mpeg")
        small[(message_id, language)] = StoredAudio(key, len(blob), seconds)
    big: list[StoredAudio] = []
    each = sizes.zip_bytes // sizes.zip_files
    for index in range(sizes.zip_files):
        unit = make_mp3(work / f"big{index}.mp3", 60.0, 500 + 37 * index, raw=True)
        key = store.put_stream(RepeatReader(unit, each), content_type="audio/mpeg")
        big.append(StoredAudio(key, each, each * 8 / 64_000))
    return small, big

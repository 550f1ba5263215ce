"""A render's source audio, read from disk in chunks instead of held in memory.

The source is a 16-bit mono WAV at 44.1 kHz (anything else is converted once by ffmpeg into
a temporary one). Trimming bounds are found in one streaming pass; programs copy only the
samples they need straight into their own float32 arrays.
"""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from . import ffmpeg
from .errors import CorruptAudioError
from .pcm import INT16_SCALE, RATE
from .process import FRAME_S, bounds_from_levels, frame_rms_db

FRAMES_PER_CHUNK = 1500  # 10 ms frames: 15 s of audio per read


class PcmSource:
    """Random access to a mono 16-bit WAV; use as a context manager (removes any conversion)."""

    def __init__(self, path: str | Path, rate: int = RATE) -> None:
        self.rate = rate
        self._tmp: Path | None = None
        self.path = Path(path)
        if not self._compatible(self.path):
            self.path = self._tmp = self._convert(self.path)
        with wave.open(os.fspath(self.path), "rb") as src:
            self.frames = src.getnframes()
        self._bounds: tuple[int, int] | None = None

    def __enter__(self) -> PcmSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def _compatible(self, path: Path) -> bool:
        try:
            with wave.open(os.fspath(path), "rb") as src:
                return (
                    src.getsampwidth() == 2
                    and src.getnchannels() == 1
                    and src.getframerate() == self.rate
                    and src.getcomptype() == "NONE"
                )
        except (wave.Error, EOFError):
            return False

    def _convert(self, path: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix="am-source-", suffix=".wav")
        os.close(fd)
        try:
            ffmpeg.run(
                [*ffmpeg.SAFE_INPUT, "-i", ffmpeg.path_arg(path), "-map", "0:a:0", "-ac", "1",
                 "-ar", str(self.rate), "-c:a", "pcm_s16le", "-f", "wav", "-y",
                 ffmpeg.path_arg(name)]
            )  # fmt: skip
        except ffmpeg.FFmpegError as exc:
            os.unlink(name)
            raise CorruptAudioError("The source audio could not be read.") from exc
        return Path(name)

    def bounds(self) -> tuple[int, int]:
        """``(start, end)`` of the sound once leading and trailing silence is trimmed."""
        if self._bounds is None:
            frame = round(FRAME_S * self.rate)
            chunk = frame * FRAMES_PER_CHUNK
            levels = []
            with wave.open(os.fspath(self.path), "rb") as src:
                while raw := src.readframes(chunk):
                    levels.append(frame_rms_db(np.frombuffer(raw, dtype="<i2"), self.rate))
            merged = np.concatenate(levels) if levels else np.zeros(0)
            self._bounds = bounds_from_levels(merged, self.frames, self.rate)
        return self._bounds

    def read_into(self, out: np.ndarray, start: int) -> None:
        """Fill the float32 array ``out`` with samples from ``start`` (zeros past the end)."""
        with wave.open(os.fspath(self.path), "rb") as src:
            src.setpos(min(start, self.frames))
            done = 0
            step = round(FRAME_S * self.rate) * FRAMES_PER_CHUNK
            while done < len(out):
                raw = src.readframes(min(step, len(out) - done))
                if not raw:
                    out[done:] = 0.0
                    return
                block = np.frombuffer(raw, dtype="<i2")
                np.multiply(block, 1.0 / INT16_SCALE, out=out[done : done + len(block)],
                            casting="unsafe")  # fmt: skip
                done += len(block)

"""Mono float32 PCM in numpy: reading and writing 16-bit WAV files, chunk by chunk."""

from __future__ import annotations

import io
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from . import ffmpeg
from .errors import CorruptAudioError

RATE = 44100
CHUNK = 1 << 16
INT16_SCALE = 32768.0


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float [-1, 1) to int16 with rounding and clipping."""
    scaled = np.multiply(samples, INT16_SCALE, dtype=np.float32)
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2")


def write_wav(path: str | Path, samples: np.ndarray, rate: int) -> Path:
    """Write mono float32 ``samples`` as a 16-bit PCM WAV file."""
    path = Path(path)
    with wave.open(os.fspath(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for start in range(0, len(samples), CHUNK):
            out.writeframesraw(to_int16(samples[start : start + CHUNK]).tobytes())
    return path


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """Mono float32 ``samples`` as the bytes of a 16-bit PCM WAV file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(to_int16(samples).tobytes())
    return buf.getvalue()


def _read_pcm16(path: Path, rate: int, dtype: type = np.float32) -> np.ndarray | None:
    """Read a 16-bit PCM WAV at ``rate`` straight into mono ``dtype``; None if it is not one.

    ``np.float32`` gives samples in [-1, 1); ``np.int16`` keeps the raw integers (half the
    memory, for long sources that are converted chunk by chunk later).
    """
    try:
        src = wave.open(os.fspath(path), "rb")  # noqa: SIM115 - used as "with src" below
    except (wave.Error, EOFError):
        return None
    with src:
        if src.getsampwidth() != 2 or src.getframerate() != rate or src.getcomptype() != "NONE":
            return None
        channels = src.getnchannels()
        total = src.getnframes()
        out = np.empty(total, dtype=dtype)
        scale = 1.0 / INT16_SCALE if dtype == np.float32 else 1.0
        done = 0
        while done < total:
            raw = src.readframes(min(CHUNK, total - done))
            if not raw:
                break
            block = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)
            n = len(block)
            if channels == 1:
                if dtype == np.int16:
                    out[done : done + n] = block[:, 0]
                else:
                    np.multiply(block[:, 0], scale, out=out[done : done + n], casting="unsafe")
            else:
                mixed = block.mean(axis=1, dtype=np.float32) * np.float32(scale)
                out[done : done + n] = np.rint(mixed) if dtype == np.int16 else mixed
            done += n
        return out[:done]


def read_mono(path: str | Path, rate: int = RATE, dtype: type = np.float32) -> np.ndarray:
    """Any audio file as mono samples at ``rate`` (float32 in [-1, 1), or raw int16).

    16-bit WAV files already at ``rate`` are read directly; anything else is first converted by
    ffmpeg into a temporary WAV, so memory stays one copy of the signal.
    """
    path = Path(path)
    direct = _read_pcm16(path, rate, dtype)
    if direct is not None:
        return direct
    fd, tmp = tempfile.mkstemp(suffix=".wav", prefix="am-pcm-")
    os.close(fd)
    try:
        try:
            ffmpeg.run(
                [*ffmpeg.SAFE_INPUT, "-i", ffmpeg.path_arg(path), "-map", "0:a:0", "-ac", "1",
                 "-ar", str(rate), "-c:a", "pcm_s16le", "-f", "wav", "-y", ffmpeg.path_arg(tmp)]
            )  # fmt: skip
        except ffmpeg.FFmpegError as exc:
            raise CorruptAudioError(
                "The audio file could not be read.", details={"path": os.fspath(path)}
            ) from exc
        converted = _read_pcm16(Path(tmp), rate, dtype)
        if converted is None:  # pragma: no cover - ffmpeg wrote what we asked for
            raise CorruptAudioError("The audio file could not be converted.")
        return converted
    finally:
        os.unlink(tmp)


def read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """Decode 16-bit PCM WAV bytes into mono float32 and its sample rate."""
    with wave.open(io.BytesIO(data), "rb") as src:
        rate = src.getframerate()
        channels = src.getnchannels()
        if src.getsampwidth() != 2:
            raise CorruptAudioError("Only 16-bit WAV data is accepted here.")
        block = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
    mono = block.reshape(-1, channels).mean(axis=1, dtype=np.float32) / INT16_SCALE
    return mono.astype(np.float32), rate

"""Decoding what a provider sent (WAV, MP3…) and joining the parts of a split script.

The parts become one continuous 16-bit mono WAV at one sample rate, with a short pause where
the script was cut (between sentences, as a reader breathes) and 10 ms fades at each cut so no
click is heard. A tempo other than 1 is applied with ffmpeg's ``atempo`` (pitch kept) for
engines that cannot read at the requested speed themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import EngineError
from .base import SpeechAudio

if TYPE_CHECKING:
    import numpy as np

PAUSE_S = 0.25
FADE_S = 0.01


def decode(data: bytes, rate: int, tempo: float = 1.0, *, engine: str = "engine") -> np.ndarray:
    """Audio bytes of any format ffmpeg reads -> mono float32 samples at ``rate``."""
    import numpy as np  # loaded where speech is made, not where pages list voices

    from .. import ffmpeg

    args = [*ffmpeg.SAFE_INPUT, "-i", "pipe:0", "-map", "0:a:0", "-ac", "1", "-ar", str(rate)]
    if abs(tempo - 1.0) > 1e-3:
        args += ["-af", f"atempo={tempo:.4f}"]
    try:
        raw = ffmpeg.run([*args, "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"], input=data)
    except ffmpeg.FFmpegError as exc:
        raise EngineError(
            f"{engine} returned audio that could not be decoded.", details={"engine": engine}
        ) from exc
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if not len(samples) or not np.any(samples):
        raise EngineError(f"{engine} returned silent audio.", details={"engine": engine})
    return samples


def join(
    parts: Sequence[bytes],
    rate: int,
    *,
    tempo: float = 1.0,
    engine: str = "engine",
    pause_s: float = PAUSE_S,
    cached_parts: int = 0,
    sent_chars: int = 0,
) -> SpeechAudio:
    """The parts, decoded, faded at the cuts and joined with pauses, as one WAV."""
    import numpy as np

    from ..pcm import wav_bytes

    pieces = []
    fade = max(1, round(FADE_S * rate))
    gap = np.zeros(round(pause_s * rate), dtype=np.float32)
    for index, data in enumerate(parts):
        samples = decode(data, rate, tempo, engine=engine).copy()
        if len(parts) > 1 and len(samples) > 2 * fade:
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            if index > 0:
                samples[:fade] *= ramp
            if index < len(parts) - 1:
                samples[-fade:] *= ramp[::-1]
        if index:
            pieces.append(gap)
        pieces.append(samples)
    joined = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return SpeechAudio(
        wav=wav_bytes(joined, rate),
        sample_rate=rate,
        duration_s=len(joined) / rate,
        parts=len(parts),
        cached_parts=cached_parts,
        sent_chars=sent_chars,
    )

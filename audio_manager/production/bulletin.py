"""A bulletin: several versions (e.g. Kinh, then Hoa, then Khmer) joined in order with gaps.

Each part is trimmed and brought to the same loudness so no language sounds louder than the
others; the result is a WAV to render like any other version.
"""

from __future__ import annotations

import os
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ProductionError, SilentAudioError
from .pcm import RATE, read_mono, to_int16
from .process import level_to_target, voice_bounds

PART_LUFS = -20.0
MAX_GAP_S = 30.0


def bulletin(
    parts: Sequence[str | Path],
    gap_seconds: float = 1.5,
    *,
    dest: str | Path | None = None,
    part_lufs: float = PART_LUFS,
    trim: bool = True,
    layout: list[tuple[float, float]] | None = None,
) -> Path:
    """Join ``parts`` (audio files, in order) with ``gap_seconds`` of silence between them.

    Returns the path of a 16-bit mono 44.1 kHz WAV (``dest`` or a new temporary file).
    ``layout``, when given, receives each part's (start, end) in the result, in seconds.
    """
    if not parts:
        raise ProductionError("A bulletin needs at least one version.", code="empty_bulletin")
    if not 0 <= gap_seconds <= MAX_GAP_S:
        raise ProductionError(
            f"The gap between versions must be between 0 and {MAX_GAP_S:g} seconds.",
            code="invalid_gap",
            details={"max_s": MAX_GAP_S},
        )
    if dest is None:
        fd, name = tempfile.mkstemp(prefix="am-bulletin-", suffix=".wav")
        os.close(fd)
        dest = name
    dest = Path(dest)
    gap = np.zeros(round(gap_seconds * RATE), dtype=np.float32)
    written = 0
    try:
        # Parts are written as they are made: memory holds one part, not the whole bulletin.
        with wave.open(os.fspath(dest), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            for index, part in enumerate(parts):
                samples = read_mono(part, RATE)
                if trim:
                    start, end = voice_bounds(samples, RATE)
                    samples = samples[start:end]
                if not len(samples):
                    raise SilentAudioError(
                        f"Part {index + 1} of the bulletin is silent.",
                        details={"part": index + 1},
                    )
                level_to_target(samples, RATE, part_lufs, -1.0)
                if index:
                    out.writeframesraw(to_int16(gap).tobytes())
                    written += len(gap)
                out.writeframesraw(to_int16(samples).tobytes())
                if layout is not None:
                    layout.append((written / RATE, (written + len(samples)) / RATE))
                written += len(samples)
                del samples
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return Path(dest)

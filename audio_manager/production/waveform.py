"""Waveform peaks for the web page, in the JSON layout of BBC audiowaveform (peaks.js)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np


def peaks(samples: np.ndarray, rate: int, points: int = 1000, bits: int = 8) -> dict[str, Any]:
    """``points`` min/max pairs over mono float samples, scaled to signed ``bits`` integers.

    Returns ``{"version": 2, "channels": 1, "sample_rate", "samples_per_pixel", "bits",
    "length", "duration", "data": [min0, max0, min1, max1, ...]}``.
    """
    n = len(samples)
    per_pixel = max(1, math.ceil(n / points)) if n else 1
    length = math.ceil(n / per_pixel) if n else 0
    scale = (1 << (bits - 1)) - 1
    data: list[int] = []
    if length:
        full = n // per_pixel
        block = samples[: full * per_pixel].reshape(full, per_pixel)
        lows = [block.min(axis=1)]
        highs = [block.max(axis=1)]
        if n % per_pixel:
            rest = samples[full * per_pixel :]
            lows.append(np.array([rest.min()]))
            highs.append(np.array([rest.max()]))
        low = np.clip(np.rint(np.concatenate(lows) * scale), -scale - 1, scale).astype(int)
        high = np.clip(np.rint(np.concatenate(highs) * scale), -scale - 1, scale).astype(int)
        data = np.column_stack([low, high]).ravel().tolist()
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": rate,
        "samples_per_pixel": per_pixel,
        "bits": bits,
        "length": length,
        "duration": round(n / rate, 3),
        "data": data,
    }


def write_peaks(path: str | Path, samples: np.ndarray, rate: int, points: int = 1000) -> Path:
    path = Path(path)
    path.write_text(json.dumps(peaks(samples, rate, points), separators=(",", ":")))
    return path

"""When each sentence is spoken: the engine's timing where it gives one, otherwise the
sentences aligned to the speech's pauses.

The pauses come from ffmpeg's ``silencedetect`` on the finished program. Sentence ends are
expected where the script's length says (a sentence of a third of the letters takes about a
third of the time); each expected end is moved to the nearest clear pause, chosen for all
sentences at once (longer pauses preferred, order kept), and left where the length says
when no pause is near. A caption then runs from the end of the pause before its sentence to
the start of the pause after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg

SILENCE_DB = -38.0  # below this (dBFS) is a pause; the program sits near -14 LUFS
MIN_PAUSE_S = 0.2
NO_PAUSE_COST = 0.6  # in units of an average sentence's duration
LENGTH_BONUS = 0.35  # how much a long pause is preferred (per 0.5 s, at most one unit)

_START = re.compile(r"silence_start: (-?[\d.]+)")
_END = re.compile(r"silence_end: (-?[\d.]+)")


@dataclass(frozen=True)
class Pause:
    start: float
    end: float

    @property
    def mid(self) -> float:
        return (self.start + self.end) / 2

    @property
    def length(self) -> float:
        return self.end - self.start


def detect_pauses(
    pcm_path: str | Path, rate: int, duration: float, *, noise_db: float = SILENCE_DB
) -> list[Pause]:
    """Pauses of at least ``MIN_PAUSE_S`` in a raw float32 mono file, in seconds."""
    out = ffmpeg.run_stderr(
        [*ffmpeg.SAFE_INPUT, "-f", "f32le", "-ar", str(rate), "-ac", "1",
         "-i", ffmpeg.path_arg(pcm_path),
         "-af", f"silencedetect=noise={noise_db:g}dB:d={MIN_PAUSE_S:g}", "-f", "null", "-"]
    )  # fmt: skip
    pauses: list[Pause] = []
    start: float | None = None
    for line in out.splitlines():
        if (match := _START.search(line)) is not None:
            start = max(0.0, float(match.group(1)))
        elif (match := _END.search(line)) is not None and start is not None:
            pauses.append(Pause(start, min(duration, float(match.group(1)))))
            start = None
    if start is not None:
        pauses.append(Pause(start, duration))
    return pauses


def speech_span(pauses: Sequence[Pause], start: float, end: float) -> tuple[float, float]:
    """Where speech begins and ends inside [start, end] (pauses at either edge removed)."""
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start <= start + 0.05 and pause.end > start:
            start = min(pause.end, end)
    for pause in sorted(pauses, key=lambda p: -p.end):
        if pause.end >= end - 0.05 and pause.start < end:
            end = max(pause.start, start)
    return start, end


def align(
    weights: Sequence[float], pauses: Sequence[Pause], start: float, end: float
) -> list[tuple[float, float]]:
    """(start, end) of each of ``len(weights)`` sentences spoken between ``start`` and
    ``end``, snapped to ``pauses`` (dynamic programming over boundaries x pauses)."""
    count = len(weights)
    if count == 0:
        return []
    start, end = speech_span(pauses, start, end)
    if count == 1:
        return [(round(start, 3), round(end, 3))]
    if end - start < 0.2:
        return _even(count, start, end)
    total = sum(weights)
    average = (end - start) / count
    expected, acc = [], 0.0
    for w in weights[:-1]:
        acc += w
        expected.append(start + (end - start) * acc / total)
    inner = [p for p in sorted(pauses, key=lambda p: p.start) if start < p.mid < end]
    picks = _pick(expected, inner, average)
    bounds: list[tuple[float, float]] = []  # (end of sentence k, start of sentence k+1)
    for k, t in enumerate(expected):
        pick = picks[k]
        bounds.append((inner[pick].start, inner[pick].end) if pick is not None else (t, t))
    out: list[tuple[float, float]] = []
    cursor = start
    for k in range(count):
        stop = bounds[k][0] if k < count - 1 else end
        stop = max(stop, cursor + 0.1)
        out.append((round(cursor, 3), round(stop, 3)))
        cursor = max(bounds[k][1], stop) if k < count - 1 else stop
    return out


def _even(count: int, start: float, end: float) -> list[tuple[float, float]]:
    step = max(end - start, 0.1 * count) / count
    return [(start + i * step, start + (i + 1) * step) for i in range(count)]


def _pick(expected: Sequence[float], pauses: Sequence[Pause], average: float) -> list[int | None]:
    """For each expected boundary, the index of its pause or None; indexes increase."""
    n, m = len(expected), len(pauses)
    inf = float("inf")

    def cost(k: int, j: int) -> float:
        bonus = LENGTH_BONUS * min(pauses[j].length / 0.5, 1.0)
        return abs(pauses[j].mid - expected[k]) / max(average, 0.1) - bonus

    # best[k][j]: least cost of boundaries 0..k-1 using pauses before j (j = 0..m)
    best = [[0.0] * (m + 1)] + [[inf] * (m + 1) for _ in range(n)]
    choice: list[list[tuple[int, int | None]]] = [[(0, None)] * (m + 1) for _ in range(n + 1)]
    for k in range(1, n + 1):
        for j in range(m + 1):
            # boundary k-1 takes no pause
            options = [(best[k - 1][j] + NO_PAUSE_COST, (j, None))]
            if j > 0:  # ... or takes pause j-1
                options.append((best[k - 1][j - 1] + cost(k - 1, j - 1), (j - 1, j - 1)))
                options.append((best[k][j - 1], (j - 1, -1)))  # pause j-1 unused
            value, move = min(options, key=lambda o: o[0])
            best[k][j], choice[k][j] = value, move
    picks: list[int | None] = [None] * n
    k, j = n, m
    while k > 0:
        prev_j, used = choice[k][j]
        if used == -1:
            j = prev_j
            continue
        picks[k - 1] = used
        k, j = k - 1, prev_j
    return picks

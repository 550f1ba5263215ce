"""Caption cues from a script: sentences, display chunks, and the SRT, WebVTT and ASS texts.

Scripts are cut into sentences at the end marks of each script (``.!?…`` and the Chinese and
Khmer ones, ``。！？`` and ``។ ៕``) and at line ends; a sentence too long for two lines on
screen is cut again at commas, then between words (Chinese and Khmer: between characters,
never inside a Khmer cluster). Each chunk is then wrapped into lines that fit the frame.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SENTENCES = re.compile(r"(?<=[.!?…;])\s+|(?<=[。！？；។៕])\s*|\n+")
_CLAUSES = re.compile(r"(?<=[,，、:：])\s*")
KHMER_COENG = "\u17d2"


@dataclass(frozen=True)
class Cue:
    """One caption on screen from ``start`` to ``end`` (seconds), already wrapped (``lines``)."""

    start: float
    end: float
    lines: tuple[str, ...]
    language: str = "vi"  # BCP-47 primary tag: picks the font

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def clean(text: str) -> str:
    """NFC (Vietnamese letters as one code point each), no control characters."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")


def sentences(text: str) -> list[str]:
    """The script's sentences, in order, stripped; empty ones dropped."""
    return [s.strip() for s in _SENTENCES.split(clean(text)) if s and s.strip()]


def weight(text: str) -> float:
    """How long a piece takes to say, roughly: letters and digits, marks not counted."""
    return float(sum(1 for c in text if unicodedata.category(c)[0] in "LN")) or 1.0


def _em(char: str) -> float:
    """Width of a character in ems, roughly (for wrapping; the font decides the truth)."""
    if unicodedata.category(char)[0] == "M" or char == KHMER_COENG:
        return 0.0
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if "\u1780" <= char <= "\u17ff":
        return 0.75
    return 0.3 if char == " " else 0.56


def width_em(text: str) -> float:
    return sum(_em(c) for c in text)


_NO_LINE_START = set("。，、！？；：」』）》〉,.!?;:)]}…។៕")


def _clusters(word: str) -> list[str]:
    """A word cut between its clusters: a mark, a Khmer coeng and the letter after it stay
    with their base; closing punctuation stays with what it closes."""
    out: list[str] = []
    for char in word:
        joins = unicodedata.category(char)[0] == "M" or char == KHMER_COENG
        joins = joins or char in _NO_LINE_START or (bool(out) and out[-1].endswith(KHMER_COENG))
        if out and joins:
            out[-1] += char
        else:
            out.append(char)
    return out


def _units(text: str, max_em: float) -> list[str]:
    """Pieces a line may break between: words, and clusters of a word wider than a line or
    written without spaces (Chinese, where a line may break between any two characters)."""
    units: list[str] = []
    for word in re.split(r"(\s+)", text):
        if not word:
            continue
        if word.isspace():
            units.append(" ")
        elif width_em(word) > max_em or any(_em(c) == 1.0 for c in word):
            units += _clusters(word)
        else:
            units.append(word)
    return units


def wrap(text: str, max_em: float) -> list[str]:
    """Lines of at most ``max_em`` (a unit wider than that gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for unit in _units(text, max_em):
        if unit == " ":
            if current:
                current += " "
            continue
        if current.strip() and width_em(current + unit) > max_em:
            lines.append(current.strip())
            current = ""
        current += unit
    if current.strip():
        lines.append(current.strip())
    return lines


def chunks(sentence: str, max_em: float, max_lines: int = 2) -> list[list[str]]:
    """A sentence as one or more screens of at most ``max_lines`` wrapped lines."""
    lines = wrap(sentence, max_em)
    if len(lines) <= max_lines:
        return [lines]
    pieces = [c.strip() for c in _CLAUSES.split(sentence) if c.strip()]
    screens: list[list[str]] = []
    current: list[str] = []
    for piece in pieces:
        trial = wrap(" ".join([*current, piece]) if current else piece, max_em)
        if current and len(trial) > max_lines:
            screens.append(wrap(" ".join(current), max_em))
            current = []
        current.append(piece)
    if current:
        screens.append(wrap(" ".join(current), max_em))
    out: list[list[str]] = []
    for screen in screens:  # a clause longer than a screen: cut it every max_lines lines
        out += [screen[i : i + max_lines] for i in range(0, len(screen), max_lines)]
    return out


def cues_for(
    sentence_times: Sequence[tuple[str, float, float]],
    *,
    language: str,
    max_em: float,
    max_lines: int = 2,
) -> list[Cue]:
    """Cues for timed sentences; a sentence shown in several screens shares its time among
    them by their length."""
    out: list[Cue] = []
    for sentence, start, end in sentence_times:
        screens = chunks(sentence, max_em, max_lines)
        total = sum(weight(" ".join(s)) for s in screens)
        at = start
        for screen in screens:
            span = (end - start) * weight(" ".join(screen)) / total
            out.append(Cue(round(at, 3), round(at + span, 3), tuple(screen), language))
            at += span
    return out


def _clock(seconds: float, sep: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n"
        for n, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: Iterable[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        text = cue.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}\n")
    return "\n".join(blocks)


def ass_text(text: str) -> str:
    """Text safe inside an ASS event: no override blocks, no backslash escapes."""
    text = text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")
    return text.replace("\n", "\\N")


def ass_clock(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6000)
    secs, centis = divmod(centis, 100)
    return f"{hours:d}:{minutes:02d}:{secs:02d}.{centis:02d}"

"""A readable diff of two scripts: by word where words are spaced (Vietnamese), by character
where they are not (Chinese, Khmer)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

SPACED = {"kinh"}
WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Chunk:
    kind: str  # equal | insert | delete
    text: str


def tokens(text: str, language: str) -> list[str]:
    return WORDS.findall(text) if language in SPACED else list(text)


def script_diff(old: str, new: str, language: str) -> list[Chunk]:
    a, b = tokens(old or "", language), tokens(new or "", language)
    # (kind, removed text, added text); a change split only by spaces reads better as one change.
    spans: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        kind = "equal" if op == "equal" else "change"
        spans.append((kind, removed, added))
    merged: list[tuple[str, str, str]] = []
    for index, (kind, removed, added) in enumerate(spans):
        between_changes = (
            kind == "equal"
            and not removed.strip()
            and 0 < index < len(spans) - 1
            and spans[index - 1][0] == spans[index + 1][0] == "change"
        )
        if between_changes:
            kind = "change"
        if merged and merged[-1][0] == kind == "change":
            _, old_removed, old_added = merged.pop()
            removed, added = old_removed + removed, old_added + added
        merged.append((kind, removed, added))
    chunks: list[Chunk] = []
    for kind, removed, added in merged:
        if kind == "equal":
            chunks.append(Chunk("equal", removed))
            continue
        if removed:
            chunks.append(Chunk("delete", removed))
        if added:
            chunks.append(Chunk("insert", added))
    return chunks

"""Splitting a long script into requests an engine accepts, at sentence boundaries.

Each provider caps one request (FPT.AI 5,000 characters, Zalo 2,000, Google 5,000 bytes of
UTF-8…). A script longer than that is sent sentence by sentence, as many sentences per request
as fit; a sentence longer than a request is cut at commas, then between words, and only as a
last resort inside a word (Chinese and Khmer write no spaces).
"""

from __future__ import annotations

import re

_SENTENCES = re.compile(r"(?<=[.!?…;:])\s+|(?<=[。！？；។៕])\s*|\n+")
_CLAUSES = re.compile(r"(?<=[,，、])\s*")


def _fits(text: str, max_chars: int, max_bytes: int | None) -> bool:
    return len(text) <= max_chars and (max_bytes is None or len(text.encode("utf-8")) <= max_bytes)


def _hard_cut(text: str, max_chars: int, max_bytes: int | None) -> list[str]:
    out, current = [], ""
    for char in text:
        if current and not _fits(current + char, max_chars, max_bytes):
            out.append(current)
            current = ""
        current += char
    return out + ([current] if current else [])


def _pack(pieces: list[str], max_chars: int, max_bytes: int | None) -> list[str]:
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}" if current else piece
        if _fits(candidate, max_chars, max_bytes):
            current = candidate
            continue
        if current:
            out.append(current)
        current = piece
    return out + ([current] if current else [])


def _pieces(sentence: str, max_chars: int, max_bytes: int | None) -> list[str]:
    if _fits(sentence, max_chars, max_bytes):
        return [sentence]
    out: list[str] = []
    for clause in (c.strip() for c in _CLAUSES.split(sentence) if c.strip()):
        if _fits(clause, max_chars, max_bytes):
            out.append(clause)
            continue
        for word in clause.split():
            out += (
                [word]
                if _fits(word, max_chars, max_bytes)
                else _hard_cut(word, max_chars, max_bytes)
            )
    return _pack(out, max_chars, max_bytes)


def split_text(text: str, max_chars: int, max_bytes: int | None = None) -> list[str]:
    """``text`` as requests of at most ``max_chars`` characters (and ``max_bytes`` UTF-8
    bytes), cut between sentences wherever possible."""
    text = text.strip()
    if _fits(text, max_chars, max_bytes):
        return [text] if text else []
    pieces: list[str] = []
    for sentence in (s.strip() for s in _SENTENCES.split(text) if s and s.strip()):
        pieces += _pieces(sentence, max_chars, max_bytes)
    return _pack(pieces, max_chars, max_bytes)

"""Which of our areas an upstream alert names: by official code (a ``<geocode>`` whose
valueName is one we accept), else by name: each ``;``-separated part of an ``<areaDesc>``,
with or without its level word ("Xã An Bình", "An Bình"), where "Xã An, Tỉnh Thử" means Xã An
inside Tỉnh Thử (the form our own alerts use). A name that several of our areas share, and that
its parents do not tell apart, is not guessed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...capxml import document
from ...extensions import db
from ...models import Area

LEVEL_WORDS = (
    "Tỉnh", "Thành phố", "TP.", "TP", "Huyện", "Quận", "Thị xã", "Xã", "Phường", "Thị trấn",
    "Ấp", "Khóm", "Thôn", "Bản", "Tổ dân phố",
)  # fmt: skip
MAX_NAMES = 200  # parts of areaDesc looked at, at most
_SPLIT = re.compile(r"[;\n]+")


@dataclass
class Match:
    areas: list[Area] = field(default_factory=list)
    by_code: list[str] = field(default_factory=list)
    by_name: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def _nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _bare(name: str) -> str:
    for word in sorted(LEVEL_WORDS, key=len, reverse=True):
        if name.lower().startswith(word.lower() + " "):
            return name[len(word) + 1 :].strip()
    return name


def _variants(name: str) -> set[str]:
    bare = _bare(name)
    out = {name, bare, bare[:1].upper() + bare[1:]}
    out.update(f"{word} {bare}" for word in LEVEL_WORDS)
    return {v for v in out if v}


def _outermost(areas: Iterable[Area]) -> list[Area]:
    """Drop areas that lie inside another one found (the larger one already reaches them)."""
    found = sorted({a.id: a for a in areas}.values(), key=lambda a: a.path)
    kept: list[Area] = []
    for area in found:
        if not any(area.path.startswith(other.path) for other in kept):
            kept.append(area)
    return kept


def _by_name(text: str) -> Area | bool:
    """The one area "Name[, Parent[, Grandparent…]]" stands for; True when several could."""
    first, *parents = [_nfc(p) for p in text.split(",") if p.strip()] or [""]
    hits = list(
        db.session.scalars(db.select(Area).where(Area.name.in_(_variants(first))).limit(50))
    )
    if len(hits) > 1 and parents:
        wanted = [_variants(p) for p in parents]
        ids = {i for a in hits for i in a.ancestor_ids()}
        names = {a.id: a.name for a in db.session.scalars(db.select(Area).where(Area.id.in_(ids)))}
        hits = [
            a for a in hits if all(any(names.get(i) in w for i in a.ancestor_ids()) for w in wanted)
        ]
    if len(hits) == 1:
        return hits[0]
    return len(hits) > 1


def match(infos: Iterable[document.Info], geocode_names: Iterable[str]) -> Match:
    accepted = {n.strip().upper() for n in geocode_names}
    codes: set[str] = set()
    names: list[str] = []
    for info in infos:
        for block in info.areas:
            codes.update(
                g.value.strip()
                for g in block.geocodes
                if g.name.strip().upper() in accepted and g.value.strip()
            )
            names += [_nfc(part) for part in _SPLIT.split(block.description) if part.strip()]
    result = Match()
    found: list[Area] = []
    if codes:
        by_code = list(db.session.scalars(db.select(Area).where(Area.code.in_(sorted(codes)))))
        found += by_code
        result.by_code = sorted(a.code or "" for a in by_code)
    for name in [] if found else list(dict.fromkeys(names))[:MAX_NAMES]:
        hit = _by_name(name)
        if isinstance(hit, Area):
            found.append(hit)
            result.by_name.append(name)
        elif hit:
            result.ambiguous.append(name)
    result.areas = _outermost(found)
    return result

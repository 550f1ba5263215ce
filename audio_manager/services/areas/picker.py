"""The area picker's tree: the areas a user may see, in tree order, each with its depth, its
languages (hamlets) and a folded search key, so "hoa tu" finds "Hòa Tú"."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, true
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Area, User
from .area_levels import Levels, level_label
from .areas import restrict
from .folding import fold

LIMIT = 1500  # areas drawn at most: beyond, the deepest levels are left out (see ``tree``)


@dataclass(frozen=True)
class Node:
    id: int
    code: str | None
    name: str
    level: str
    level_label: str
    path: str
    depth: int
    languages: tuple[str, ...]
    selectable: bool
    selected: bool
    has_children: bool

    @property
    def search_key(self) -> str:
        return fold(f"{self.name} {self.code or ''} {self.level_label}")


@dataclass(frozen=True)
class Tree:
    nodes: list[Node]
    truncated: bool  # deeper levels left out (too many areas): the fallback field names them

    @property
    def selected(self) -> list[Node]:
        return [n for n in self.nodes if n.selected]


def tree(
    user: User,
    selected_ids: Collection[int] = (),
    *,
    levels: Collection[str] | None = None,
    within: Sequence[Area] | None = None,
    limit: int = LIMIT,
) -> Tree:
    """The areas ``user`` may see, in tree order, down to the hamlets (or to the deepest level
    that keeps the tree within ``limit`` areas). ``levels``: the levels that may be chosen
    (default all); levels below the deepest of them are not drawn. ``within``: only these
    subtrees (e.g. an editor's own areas)."""
    order = Levels.from_config().order
    wanted = [lv for lv in order if levels is None or lv in levels]
    deepest = max((order.index(lv) for lv in wanted), default=len(order) - 1)
    shown = list(order[: deepest + 1])
    truncated = False
    inside = or_(*(Area.subtree(a.path) for a in within)) if within else true()
    while True:
        query = restrict(
            db.select(db.func.count(Area.id)).where(Area.level.in_(shown), inside), user
        )
        if (db.session.scalar(query) or 0) <= limit or len(shown) == 1:
            break
        shown.pop()
        truncated = True
    rows = list(
        db.session.scalars(
            restrict(db.select(Area).where(Area.level.in_(shown), inside), user)
            .options(selectinload(Area.language_rows))
            .order_by(Area.path)
        )
    )
    names = {a.id: fold(a.name) for a in rows}
    rows.sort(key=lambda a: [(names.get(int(p), ""), int(p)) for p in a.path.strip("/").split("/")])
    parents = {a.parent_id for a in rows}
    base = min((a.path.count("/") for a in rows), default=0)
    chosen = set(selected_ids)
    nodes = [
        Node(
            id=a.id,
            code=a.code,
            name=a.name,
            level=a.level,
            level_label=level_label(a.level),
            path=a.path,
            depth=a.path.count("/") - base,
            languages=tuple(a.languages),
            selectable=a.level in wanted,
            selected=a.id in chosen,
            has_children=a.id in parents,
        )
        for a in rows
    ]
    return Tree(nodes, truncated)

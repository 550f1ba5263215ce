"""Area levels come from settings; only their order carries meaning."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

LEVEL_LABELS = {
    "province": _l("Province"),
    "district": _l("District"),
    "commune": _l("Commune"),
    "hamlet": _l("Hamlet"),
}


@dataclass(frozen=True)
class Levels:
    order: tuple[str, ...]
    optional: frozenset[str]

    @classmethod
    def from_config(cls) -> Levels:
        config = current_app.config
        return cls(tuple(config["AREA_LEVELS"]), frozenset(config["OPTIONAL_AREA_LEVELS"]))

    @property
    def top(self) -> str:
        return self.order[0]

    @property
    def leaf(self) -> str:
        """The level that broadcasts and carries languages (hamlets)."""
        return self.order[-1]

    def index(self, level: str) -> int:
        return self.order.index(level)

    def may_hold(self, parent_level: str, child_level: str) -> bool:
        """A child sits below its parent, skipping only optional levels."""
        if parent_level not in self.order or child_level not in self.order:
            return False
        parent_index, child_index = self.index(parent_level), self.index(child_level)
        if child_index <= parent_index:
            return False
        return all(level in self.optional for level in self.order[parent_index + 1 : child_index])


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))

"""The summary table every bench closes with: one row per measure, its target, a cell per
column (database, …), and the load average of the machine under it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .common import command_line, load_average, log


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


class Summary:
    """Rows of figures, one column per result set; a cell whose figure is missing shows n/a."""

    def __init__(
        self, results: Mapping[str, Mapping[str, Any]], label_width: int = 44, cell: int = 22
    ) -> None:
        self.results = results
        self.label_width, self.cell = label_width, cell
        header = f"{'measure':<{label_width}}{'target':>12}" + "".join(
            f"{k:>{cell}}" for k in results
        )
        log(header)
        log("-" * len(header))

    def line(self, label: str, target: str, cells: list[str]) -> None:
        log(
            f"{label:<{self.label_width}}{target:>12}" + "".join(f"{c:>{self.cell}}" for c in cells)
        )

    def row(self, label: str, target: str, fn: Callable[[str, Mapping[str, Any]], str]) -> None:
        """``fn(column, results)`` gives the cell; a missing figure shows n/a."""
        out = []
        for kind, r in self.results.items():
            try:
                out.append(fn(kind, r))
            except (KeyError, TypeError, ZeroDivisionError):
                out.append("n/a")
        self.line(label, target, out)

    def check(
        self, label: str, target: str, value: Callable[[Mapping[str, Any]], float], ok: Any
    ) -> None:
        """A row whose cell is the figure and whether it meets the target (``ok(figure)``)."""
        self.row(label, target, lambda k, r: f"{value(r):,.3f} {verdict(ok(value(r)))}")


def closing(note: str = "") -> None:
    """The lines under every summary: the load average and the command that printed it."""
    if note:
        log(note)
    log(f"load average at the end: {load_average()}")
    log(f"command: {command_line()}")

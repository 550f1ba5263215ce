"""The benches' shared library: small modules, and databases a run may drop only if it made them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

from benchlib import pg  # noqa: E402


@pytest.mark.parametrize(
    "path",
    [*SCRIPTS.glob("bench_*.py"), *(SCRIPTS / "benchlib").glob("*.py")],
    ids=lambda p: p.name,
)
def test_bench_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 420


def test_database_names_are_unique_and_safe() -> None:
    first, second = pg.unique_name("am_bench"), pg.unique_name("am_bench")
    assert first != second and first.startswith("am_bench_")
    assert pg.check_name(first) == first
    for bad in ("test", "postgres", "am-bench; DROP", "Am_bench"):
        with pytest.raises(ValueError):
            pg.check_name(bad)


def test_a_run_never_drops_a_database_it_did_not_create() -> None:
    with pytest.raises(RuntimeError, match="not created by this run"):
        pg.drop(pg.DEFAULT_SERVER, "test_wt15")

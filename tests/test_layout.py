"""The package's layout keeps its layers: each part imports only the parts below it.

Layers, lowest first (a module may import its own layer and the ones below):

    pure       scheduling, production, storage, config, languages, capxml (no Flask, no database)
    base       extensions, lru, models, database, bulk
    services   the domain rules, in their own order (see services/__init__.py)
    jobs       queue backends and task entry points
    top        web, api, cli, access, auth, errors, templating, demo, the package itself

Imports are read from the source (including imports inside functions), so a lazy import is
held to the same rule as one at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "audio_manager"
MAX_LINES = 400

LAYERS = {
    "scheduling": 0,
    "production": 0,
    "storage": 0,
    "config": 0,
    "languages": 0,
    "station": 0,
    "signed_links": 0,
    "capxml": 0,
    "extensions": 1,
    "lru": 1,
    "models": 1,
    "database": 1,
    "bulk": 1,
    "services": 2,
    "jobs": 3,
}
TOP = 4  # everything else: web, api, cli, access, auth, errors, templating, demo, __init__

SERVICE_KERNEL = {
    "context",
    "errors",
    "audit",
    "data_versions",
    "tables",
    "spreadsheets",
    "uploads",
}
SERVICE_ORDER = [
    "accounts", "areas", "audio", "speech", "messages", "broadcast", "reports", "ringback", "cap",
]  # fmt: skip

# Deliberate upward imports, each with its reason.
ALLOWED_UP = {
    # An RQ worker process has no app: the task entry point builds one (the composition root).
    ("jobs", "audio_manager.create_app"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every ``audio_manager`` name imported by the file, as absolute dotted names."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("audio_manager"):
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name.startswith("audio_manager")
            ]
    return found


def layer_of(dotted: str) -> int:
    parts = dotted.split(".")
    return LAYERS.get(parts[1], TOP) if len(parts) > 1 else TOP


def service_rank(dotted: str) -> int | None:
    """-1 for the services kernel, the package's index in SERVICE_ORDER, None outside."""
    parts = dotted.split(".")
    if len(parts) < 3 or parts[1] != "services":
        return None
    return -1 if parts[2] in SERVICE_KERNEL else SERVICE_ORDER.index(parts[2])


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_services_package_is_ranked() -> None:
    packages = {p.name for p in (PACKAGE / "services").iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in (PACKAGE / "services").glob("*.py")} - {"__init__"}
    assert packages == set(SERVICE_ORDER)
    assert modules == SERVICE_KERNEL


def test_no_package_imports_a_higher_layer() -> None:
    wrong = []
    for path in SOURCES:
        here = module_name(path)
        top = here.split(".")[1] if "." in here else ""
        for line, target in imports_of(path):
            if layer_of(target) > layer_of(here) and (top, target) not in ALLOWED_UP:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert wrong == []


def test_services_import_only_the_kernel_and_earlier_packages() -> None:
    wrong = []
    for path in (PACKAGE / "services").rglob("*.py"):
        here = service_rank(module_name(path))
        for line, target in imports_of(path):
            there = service_rank(target)
            if here is None or there is None:
                continue
            if there > here or (here == -1 and there != -1):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("package", SERVICE_ORDER)
def test_each_services_package_says_what_it_holds_and_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / "services" / package / "__init__.py").read_text()))
    assert doc and "May import" in doc


def test_no_module_is_a_god_module() -> None:
    long = [
        f"{path.relative_to(PACKAGE.parent)}: {count} lines"
        for path in SOURCES
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []


def test_the_station_agent_imports_nothing_of_the_server() -> None:
    """``python -m audio_manager.station`` on a PC without Flask, SQLAlchemy or numpy."""
    import json
    import subprocess
    import sys

    heavy = ("flask", "flask_babel", "sqlalchemy", "numpy", "pydub", "scipy", "werkzeug")
    script = (
        "import json, sys\n"
        "import audio_manager.station.__main__, audio_manager.station.agent, "
        "audio_manager.station.status\n"
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    station = [p for p in SOURCES if module_name(p).startswith("audio_manager.station")]
    assert station and all(
        target.startswith("audio_manager.station") or target == "audio_manager.station"
        for path in station
        for _line, target in imports_of(path)
    )

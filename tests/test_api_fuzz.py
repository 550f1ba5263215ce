"""API fuzzing: schemathesis against the service's own OpenAPI, on PostgreSQL, as each role.

Every phase but the stateful one runs (explicit examples, coverage: boundary and wrong-typed
values, huge integers, empty and odd strings; fuzzing: generated valid and invalid requests),
with a fixed seed and a bounded number of examples so a run takes a few minutes. It fails on
any 5xx, an exception in the app, and any answer the OpenAPI does not describe (status code,
content type, body schema). The figures (operations, requests, answers by status) are printed
at the end of the module and written to test-output/api-fuzz.json.
"""

from __future__ import annotations

import json
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from audio_manager.extensions import db

pytestmark = pytest.mark.postgres_only

ROLES = ("admin", "editor", "approver", "operator", "viewer")
SEED = 20261202
MAX_EXAMPLES = 5
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
FIGURES: dict[str, Any] = {}


@pytest.fixture
def clean_tables() -> Any:
    """The world below lives for the whole module; it is cleaned once, at its end."""
    yield


@pytest.fixture(scope="module")
def fuzz_world(
    app: Any, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Any:
    """Areas, a message approved in two languages and scheduled, people of every role (the
    viewer limited to one commune) and a token for each."""
    from audio_manager import jobs
    from audio_manager.api import production
    from audio_manager.models import Role
    from audio_manager.services.accounts import accounts
    from audio_manager.services.areas import areas as area_service
    from audio_manager.services.context import Actor

    from .conftest import make_user
    from .schedule_helpers import world

    with app.app_context():
        world(tmp_path_factory.mktemp("fuzz"))
        make_user("admin", Role.ADMIN)
        accounts.update_user(
            Actor.system("fuzz"),
            accounts.find_user("viewer"),
            display_name="Viewer",
            roles=[Role.VIEWER],
            areas=[area_service.by_code("94201")],
            active=True,
        )
        tokens = {}
        for name in ROLES:
            _token, plain = accounts.create_token(
                Actor.system("fuzz"), accounts.find_user(name), "f"
            )
            tokens[name] = plain
        db.session.commit()
    # Versions the fuzzer makes are rendered by nobody: rendering is not what is tested here.
    patch = pytest.MonkeyPatch()
    patch.setattr(production, "enqueue_render", lambda _job_id: None)
    patch.setattr(jobs, "enqueue_render", lambda _job_id: None)
    patch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    yield tokens
    patch.undo()
    _report(request.config)
    with app.app_context():
        from .conftest import reset_tables

        reset_tables()


def _report(config: pytest.Config) -> None:
    if not FIGURES:
        return
    statuses: Counter[str] = Counter()
    for figures in FIGURES.values():
        statuses.update(figures["statuses"])
    summary = {
        "operations": max(f["operations"] for f in FIGURES.values()),
        "roles": len(FIGURES),
        "requests": sum(f["requests"] for f in FIGURES.values()),
        "server_errors": sum(n for code, n in statuses.items() if code.startswith("5")),
        "statuses": dict(sorted(statuses.items())),
        "by_role": FIGURES,
    }
    out = Path(__file__).resolve().parent.parent / "test-output"
    out.mkdir(exist_ok=True)
    (out / "api-fuzz.json").write_text(json.dumps(summary, indent=1))
    line = (
        f"schemathesis: {summary['operations']} operations x {summary['roles']} roles, "
        f"{summary['requests']} requests, {summary['server_errors']} 5xx, "
        f"statuses {summary['statuses']}"
    )
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if terminal is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # into the run's output, past the capture
            terminal.write_line("")
            terminal.write_line(line)


def run(app: Any, token: str, *, methods: bool) -> dict[str, Any]:
    """One role's run; with ``methods`` the coverage phase also sends every method a path does
    not take (405 with Allow), which needs doing once, not per role."""
    coverage = {} if methods else {"unexpected-methods": []}
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},  # every run starts afresh (and writes nothing here)
            # The WSGI transport hands schemathesis the raw body: ask for it uncompressed
            # (gzip of JSON answers is tested in tests/test_static_caching.py).
            "headers": {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"enabled": False}, "coverage": coverage},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    statuses: Counter[str] = Counter()
    operations: set[str] = set()
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    statuses[str(interaction.response.status_code)] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(f"{event.recorder.label}: {check.name}: {failure}"[:1500])
        elif isinstance(event, events.NonFatalError):
            trace = "".join(traceback.format_exception(event.value))[-1500:]
            failures.append(f"{event.label}: {trace}")
        elif isinstance(event, events.FatalError):
            failures.append("".join(traceback.format_exception(event.exception))[-1500:])
    return {
        "operations": len(operations),
        "requests": sum(statuses.values()),
        "statuses": dict(statuses),
        "failures": failures,
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_documented(app: Any, fuzz_world: dict[str, str], role: str) -> None:
    result = run(app, fuzz_world[role], methods=role == "admin")
    FIGURES[role] = {k: v for k, v in result.items() if k != "failures"}
    assert result["operations"] >= 40, result["operations"]
    unique = list(dict.fromkeys(result["failures"]))
    assert not unique, f"{len(unique)} failures as {role}:\n" + "\n---\n".join(unique[:20])

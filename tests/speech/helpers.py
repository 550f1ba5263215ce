"""Helpers of the speech app tests: engines pointed at the fakes, a job queue that records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audio_manager.extensions import db
from audio_manager.production.engines import health
from audio_manager.services.context import Actor
from audio_manager.services.speech import providers

from ..conftest import bearer
from .fakes import KEY, FakeProviders

ROLES = ["admin", "editor", "approver", "operator", "viewer"]


@dataclass
class RecordedJobs:
    """Stands in for the job backend: what would be queued (no audio is rendered)."""

    name: str = "recorded"
    external: bool = False
    calls: list[tuple[int, str]] = field(default_factory=list)

    def push(self, task: str, job_id: int) -> None:
        self.calls.append((job_id, task))

    def start(self) -> None:
        pass

    def maintain(self) -> dict[str, int]:
        return {}

    def is_waiting(self, task: str, job_id: int) -> bool:
        return False


def configure(fakes: FakeProviders, *names: str, key: str = KEY) -> None:
    for name in names:
        providers.update(Actor.system("test"), name, key=key, endpoint=fakes.url(name))
    db.session.commit()


@dataclass
class SpeechApi:
    client: Any
    tokens: dict[str, dict[str, str]]
    jobs: RecordedJobs

    def call(self, role: str, method: str, url: str, **kw: Any) -> Any:
        headers = self.tokens.get(role, {})
        return self.client.open(url, method=method, headers=headers, **kw)

    def message(self, title: str = "BHXH tự nguyện") -> int:
        response = self.call("editor", "POST", "/api/v1/messages", json={"title": title})
        assert response.status_code == 201, response.json
        return response.json["id"]

    def speak(self, message_id: int, **body: Any) -> Any:
        body.setdefault("language", "kinh")
        return self.call("editor", "POST", f"/api/v1/messages/{message_id}/versions", json=body)


def start(app: Any, client: Any, token_for: Any, monkeypatch: Any) -> SpeechApi:
    monkeypatch.setitem(app.config, "TTS_TIMEOUT_SECONDS", 2.0)
    monkeypatch.setitem(app.config, "TTS_JOB_TIMEOUT_SECONDS", 2.0)
    jobs = RecordedJobs()
    monkeypatch.setitem(app.extensions, "audio_manager.jobs", jobs)
    app.extensions["audio_manager.speech_registries"].clear()
    health.forget()
    tokens = {role: bearer(token_for(role)) for role in ROLES}
    return SpeechApi(client, tokens, jobs)

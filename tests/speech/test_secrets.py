"""Provider keys never appear in logs, job payloads, audit details or API answers: with every
engine set up (keys saved on the admin page), the whole path is walked: saving keys, listing
and probing engines, making speech with each provider, a provider that echoes the key in its
error, voice samples, the commands; then everything the app wrote or said is searched."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, RenderJob, SpeechProvider, Version

from .fakes import KEY, FakeProviders
from .helpers import start

VOICES = {
    "fpt": "banmai",
    "viettel": "hcm-diemmy",
    "zalo": "1",
    "google": "vi-VN-Wavenet-A",
    "azure": "vi-VN-HoaiMyNeural",
}


def test_a_key_appears_nowhere(
    app, app_ctx, users, client, token_for, login_as, monkeypatch, caplog, fakes: FakeProviders
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3, requests, werkzeug, the app: everything
    api = start(app, client, token_for, monkeypatch)
    admin = login_as("admin")
    said: list[str] = []  # every answer the app gave
    for name in VOICES:
        form = {"key": KEY, "endpoint": fakes.url(name), "region": "eastasia", "enabled": "1"}
        response = admin.submit(f"/admin/speech/providers/{name}", form, page="/admin/speech/")
        assert response.status_code == 302
        said.append(response.get_data(as_text=True))
    said.append(admin.get("/admin/speech/?probe=1").get_data(as_text=True))
    for role in ("editor", "admin"):
        response = api.call(role, "GET", "/api/v1/speech/engines?probe=true")
        said.append(response.get_data(as_text=True))
        assert all(e["configured"] for e in response.json["engines"])
    message = api.message()
    for name, voice in VOICES.items():
        response = api.speak(message, text=f"Thử {name}.", engine=name, voice=voice)
        assert response.status_code == 202, response.json
        assert response.json["version"]["engine"] == name
        said.append(response.get_data(as_text=True))
        version = f"/api/v1/versions/{response.json['version']['id']}"
        said.append(api.call("editor", "GET", version).get_data(as_text=True))
    for name in VOICES:  # a provider that puts the key it was sent into its error message
        fakes[name].mode = "echo_key"
        sample = f"/api/v1/speech/voices/{name}/{VOICES[name]}/sample?language=kinh"
        refused = api.call("editor", "GET", sample)
        assert refused.status_code == 502 and refused.json["error"]["code"] == "engine_refused"
        said.append(refused.get_data(as_text=True))
    fell_back = api.speak(message, text="Lộ khóa?", engine="fpt", voice="banmai")
    assert fell_back.json["version"]["fallback_reason"] == "engine_refused"  # then eSpeak NG
    said.append(fell_back.get_data(as_text=True))
    nobody = api.speak(message, language="khmer", text="សួស្តី។", engine="azure")
    assert nobody.status_code == 422 and nobody.json["error"]["code"] == "no_voice"
    said.append(nobody.get_data(as_text=True))
    said.append(api.call("admin", "GET", "/api/v1/speech/usage").get_data(as_text=True))
    said.append(api.call("editor", "GET", "/api/v1/openapi.json").get_data(as_text=True))
    runner = app.test_cli_runner()
    said.append(runner.invoke(args=["speech", "engines", "--probe"]).output)
    said.append(
        runner.invoke(args=["speech", "set-key", "zalo", "--key-stdin"], input=KEY + "\n").output
    )

    db.session.expire_all()
    assert all(KEY not in text for text in said)
    assert KEY not in caplog.text
    assert len(api.jobs.calls) == len(VOICES) + 1  # the fallback version too
    assert KEY not in repr(api.jobs.calls)  # job payloads: (id, task) only
    jobs = db.session.scalars(sa.select(RenderJob)).all()
    assert all(KEY not in f"{j.error} {j.error_code}" for j in jobs)
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert {"speech.provider", "version.create"} <= {e.action for e in events}
    assert all(KEY not in json.dumps(e.detail, ensure_ascii=False) for e in events)
    assert all(KEY not in f"{e.object_label} {e.reason}" for e in events)
    versions = db.session.scalars(sa.select(Version)).all()
    assert all(KEY not in f"{v.script_text} {v.spoken_text} {v.voice}" for v in versions)
    for row in db.session.scalars(sa.select(SpeechProvider)):
        assert row.key_cipher and KEY not in row.key_cipher

"""Production settings: audio kept in S3 (moto's real HTTP server on 127.0.0.1), custom profiles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from audio_manager.extensions import db
from audio_manager.models import Role
from audio_manager.production.measure import measure
from audio_manager.services.audio import stock
from audio_manager.services.audio.assets import build_storage
from audio_manager.services.context import Actor

from .conftest import bearer, make_user
from .storage.conftest import moto_endpoint, s3_bucket  # noqa: F401


@pytest.fixture
def s3_app(app: Any, moto_endpoint: str, s3_bucket: str) -> Iterator[Any]:  # noqa: F811
    saved = dict(app.config), app.extensions["audio_manager.storage"]
    app.config.update(
        STORAGE_BACKEND="s3",
        S3_BUCKET=s3_bucket,
        S3_PREFIX="am",
        S3_ENDPOINT_URL=moto_endpoint,
        S3_REGION="us-east-1",
    )
    app.extensions["audio_manager.storage"] = build_storage(app)
    yield app
    app.config.clear()
    app.config.update(saved[0])
    app.extensions["audio_manager.storage"] = saved[1]


def test_render_and_download_from_s3(s3_app, app_ctx, client, token_for) -> None:
    stock.install_generated(Actor.system())
    db.session.commit()
    make_user("editor", Role.EDITOR)
    headers = bearer(token_for("editor"))
    message = client.post("/api/v1/messages", json={"title": "Bão"}, headers=headers).json
    response = client.post(
        f"/api/v1/messages/{message['id']}/versions",
        headers=headers,
        json={"language": "kinh", "text": "Bão đang đến gần.", "engine": "espeak"},
    )
    assert response.status_code == 202 and response.json["job"]["status"] == "done"
    rendition = {r["profile"]: r for r in response.json["version"]["renditions"]}["loudspeaker"]
    redirect = client.get(rendition["download_url"], headers=headers)
    assert redirect.status_code == 302
    url = redirect.headers["Location"]
    assert url.startswith("http://127.0.0.1:")
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200
    assert abs(measure(whole.content).lufs + 16) <= 1
    part = requests.get(url, headers={"Range": "bytes=100-"}, timeout=10)
    assert part.status_code == 206 and part.content == whole.content[100:]


def test_a_carrier_profile_from_the_profiles_file(app, app_ctx, tmp_path) -> None:
    """Profiles are configuration: a carrier's 45 s ringback with a quieter bed."""
    import json

    from audio_manager.services.audio.assets import build_profiles
    from audio_manager.services.messages import messages, versions

    path = tmp_path / "profiles.json"
    path.write_text(
        json.dumps(
            {
                "ringback_vinaphone": {
                    "extends": "ringback",
                    "max_duration_s": 45,
                    "bed_under_db": -24,
                    "description": "VinaPhone upload profile",
                }
            }
        )
    )
    saved = dict(app.config), app.extensions["audio_manager.profiles"]
    app.config.update(
        PROFILES_FILE=str(path), RENDER_PROFILES=["loudspeaker", "ringback_vinaphone"]
    )
    app.extensions["audio_manager.profiles"] = build_profiles(app)
    try:
        actor = Actor.system()
        stock.install_generated(actor)
        message = messages.create(actor, "Nhạc chờ")
        version, job = versions.create_from_speech(
            actor, message, "kinh", "Xin chào.", engine="espeak"
        )
        db.session.commit()
        from audio_manager.jobs import enqueue_render

        enqueue_render(job.id)
        db.session.refresh(version)
        assert {r.profile for r in version.renditions} == {"loudspeaker", "ringback_vinaphone"}
        app.config["RENDER_PROFILES"] = ["nope"]
        with pytest.raises(RuntimeError, match="unknown profiles"):
            build_profiles(app)
    finally:
        app.config.clear()
        app.config.update(saved[0])
        app.extensions["audio_manager.profiles"] = saved[1]

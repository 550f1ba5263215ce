"""A served playlist for tools that speak HTTP (ffmpeg, a cut download): the app on a real
server in a thread, on a free port of 127.0.0.1, stopped by the fixture."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from werkzeug.serving import make_server

from audio_manager.scheduling import LOCAL_TZ

from ..conftest import bearer
from ..schedule_helpers import world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The app answering on http://127.0.0.1:<port> (threaded), for the length of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def playlist(app_ctx: Any, client: Any, token_for: Any, tmp_path: Any) -> dict[str, Any]:
    """Commune 94101 with two daily times of a message approved in Kinh and Khmer (and missing
    in Hoa): items of measured durations, some sharing a file."""
    data = world(tmp_path)
    data["token"] = bearer(token_for("operator"))
    created = client.post(
        "/api/v1/schedules",
        headers=bearer(token_for("editor")),
        json={
            "message_id": data["message"].id,
            "areas": ["94101"],
            "times": ["06:30", "17:00"],
            "start_date": (TODAY - timedelta(days=1)).isoformat(),
            "end_date": (TODAY + timedelta(days=30)).isoformat(),
            "recurrence": {"kind": "daily"},
        },
    )
    assert created.status_code == 201, created.json
    data["path"] = f"/api/v1/playlists?area=94101&date={TODAY}"
    items = client.get(data["path"], headers=data["token"]).json["days"][0]["items"]
    data["items"] = [i for i in items if i["status"] == "ok"]
    assert len(data["items"]) >= 4 and len(data["items"]) < len(items)  # some are missing
    return data

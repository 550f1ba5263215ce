"""/healthz checks each dependency (database, storage, the RQ queue when configured) and names
the failing one with a 503; /healthz?shallow=1 and /livez touch nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from audio_manager import create_app
from audio_manager.storage import S3Storage

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLOSED = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert (body["status"], body["database"], body["storage"]) == ("ok", "ok", "ok")
    assert body["failing"] == []
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert "queue" not in body  # not RQ


def test_healthz_names_the_failing_part(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
            "STORAGE_ROOT": blocker / "audio",
            "JOBS_BACKEND": "inline",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "error"
    assert body["database"].startswith("error") and body["storage"].startswith("error")
    assert body["failing"] == ["database", "storage"]
    # the shallow probe touches neither
    shallow = app.test_client().get("/healthz?shallow=1")
    assert shallow.status_code == 200 and shallow.json["status"] == "ok"


@pytest.fixture
def moto() -> Iterator[dict[str, Any]]:
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="health-bucket"
    )
    state = {"endpoint": endpoint, "server": server, "running": True}
    try:
        yield state
    finally:
        if state["running"]:
            server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def with_s3(app: Any, monkeypatch: Any, endpoint: str, bucket: str = "health-bucket") -> None:
    storage = S3Storage(bucket, endpoint_url=endpoint, region="us-east-1")
    monkeypatch.setitem(app.extensions, "audio_manager.storage", storage)


def test_s3_checked_by_a_head_on_the_bucket(app, client, moto, monkeypatch) -> None:
    with_s3(app, monkeypatch, moto["endpoint"])
    assert client.get("/healthz").status_code == 200
    with_s3(app, monkeypatch, moto["endpoint"], bucket="no-such-bucket")
    missing = client.get("/healthz")
    assert missing.status_code == 503 and missing.json["failing"] == ["storage"]
    assert "no-such-bucket does not exist" in missing.json["storage"]
    with_s3(app, monkeypatch, moto["endpoint"])
    moto["server"].stop()
    moto["running"] = False
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json["failing"] == ["storage"]
    assert down.json["storage"].startswith("error: S3 unreachable")


def test_the_rq_queue_is_checked_with_its_oldest_job(app, client, monkeypatch) -> None:
    from redis import Redis
    from rq import Queue

    name = f"am-health-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "RQ_QUEUE", name)
    from audio_manager.jobs.backends import RQBackend

    monkeypatch.setitem(app.extensions, "audio_manager.jobs", RQBackend(app))
    queue = Queue(name, connection=Redis.from_url(REDIS_URL))
    try:
        queue.enqueue("audio_manager.jobs.tasks.rq_run", "render", 1)
        body = client.get("/healthz").json
        assert body["queue"] == "ok"
        assert body["checks"]["queue"]["depth"] == 1
        assert body["checks"]["queue"]["oldest_job_seconds"] >= 0
    finally:
        queue.delete(delete_jobs=True)
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED)
    monkeypatch.setitem(app.extensions, "audio_manager.jobs", RQBackend(app))
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json["failing"] == ["queue"]
    assert down.json["queue"].startswith("error")

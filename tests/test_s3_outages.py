"""S3 (moto's server, its own instance, stopped by the test): a render whose storage goes away
fails cleanly and succeeds on retry; `storage init` creates a missing bucket or says why it
cannot; downloads proxied through the app (S3_PROXY_DOWNLOADS) answer the bytes, or 503 when S3
is away, never a redirect to an endpoint devices may not reach."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from audio_manager.extensions import db
from audio_manager.jobs import tasks
from audio_manager.models import JobStatus, Rendition
from audio_manager.production import render as render_module
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages, versions
from audio_manager.storage import S3Storage

from .conftest import bearer
from .job_helpers import job_state

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
BUCKET = "audio-outage"


class Moto:
    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, self.port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{self.port}"
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False

    def start(self) -> None:  # same port; moto keeps its buckets in this process
        if not self.running:
            self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self.server.start()
            self.running = True


@pytest.fixture
def moto() -> Iterator[Moto]:
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    server = Moto()
    try:
        yield server
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def s3(app: Any, app_ctx: Any, moto: Moto, monkeypatch: Any) -> S3Storage:
    """The app's storage swapped for a bucket on the moto server."""
    boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1").create_bucket(
        Bucket=BUCKET
    )
    storage = S3Storage(BUCKET, prefix="audio", endpoint_url=moto.endpoint, region="us-east-1")
    monkeypatch.setitem(app.extensions, "audio_manager.storage", storage)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", BUCKET)
    return storage


def speech_job() -> tuple[int, int]:
    actor = Actor.system()
    stock.install_generated(actor)
    message = messages.create(actor, "Thông báo")
    version, job = versions.create_from_speech(
        actor, message, "kinh", "Xin chào bà con.", engine="espeak"
    )
    db.session.commit()
    return version.id, job.id


def test_s3_lost_during_a_render_fails_cleanly_and_retry_succeeds(
    app, s3, moto, users, token_for, monkeypatch, tmp_path
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    version_id, job_id = speech_job()
    real_render = render_module.render

    def render_then_lose_s3(*args: Any, **kwargs: Any) -> Any:
        files = real_render(*args, **kwargs)
        moto.stop()  # the source was read; storing the renditions will fail
        return files

    monkeypatch.setattr(render_module, "render", render_then_lose_s3)
    tasks.run_render_job(job_id)
    job = job_state(job_id)
    assert job.status == JobStatus.FAILED
    assert job.error_code == "storage_unavailable"
    assert not db.session.scalar(
        sa.select(sa.func.count(Rendition.id)).where(Rendition.version_id == version_id)
    )
    assert not list(tmp_path.glob("am-job-*"))

    monkeypatch.setattr(render_module, "render", real_render)
    moto.start()
    answer = app.test_client().post(
        f"/api/v1/jobs/{job_id}/retry", headers=bearer(token_for("editor"))
    )
    assert answer.status_code == 202, answer.json
    assert job_state(job_id).status == JobStatus.DONE
    assert db.session.scalar(
        sa.select(sa.func.count(Rendition.id)).where(Rendition.version_id == version_id)
    ) == len(app.config["RENDER_PROFILES"])


def test_storage_init_creates_the_bucket(app, app_ctx, moto, monkeypatch) -> None:
    storage = S3Storage("made-by-init", endpoint_url=moto.endpoint, region="us-east-1")
    monkeypatch.setitem(app.extensions, "audio_manager.storage", storage)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "made-by-init")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["storage", "init"])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    storage.check()  # the bucket is there
    again = runner.invoke(args=["storage", "init"])
    assert again.exit_code == 0 and "already there" in again.output


def test_audio_stock_on_a_fresh_deployment_creates_the_bucket(app, app_ctx, moto, monkeypatch):
    """The first step at scale: `audio stock` on a bucket not made yet (was NoSuchBucket)."""
    storage = S3Storage("made-by-stock", endpoint_url=moto.endpoint, region="us-east-1")
    monkeypatch.setitem(app.extensions, "audio_manager.storage", storage)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "made-by-stock")
    result = app.test_cli_runner().invoke(args=["audio", "stock"])
    assert result.exit_code == 0, result.output
    assert "stock sounds:" in result.output
    storage.check()
    keys = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1").list_objects_v2(
        Bucket="made-by-stock"
    )
    assert keys.get("KeyCount", 0) >= 1  # the chime and beds were stored in it


def test_storage_init_says_when_it_may_not(app, app_ctx, monkeypatch) -> None:
    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    storage = S3Storage("not-mine", client=client)
    with Stubber(client) as stub:
        stub.add_client_error("head_bucket", "404", http_status_code=404)
        stub.add_client_error("create_bucket", "AccessDenied", http_status_code=403)
        monkeypatch.setitem(app.extensions, "audio_manager.storage", storage)
        monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
        monkeypatch.setitem(app.config, "S3_BUCKET", "not-mine")
        result = app.test_cli_runner().invoke(args=["storage", "init"])
    assert result.exit_code == 1
    assert "cannot create bucket not-mine: AccessDenied" in result.output
    assert "s3:CreateBucket" in result.output


def test_downloads_proxied_through_the_app(app, s3, moto, users, token_for, monkeypatch) -> None:
    version_id, job_id = speech_job()
    tasks.run_render_job(job_id)
    rendition = db.session.scalar(
        sa.select(Rendition).where(
            Rendition.version_id == version_id, Rendition.profile == "preview"
        )
    )
    url = f"/api/v1/renditions/{rendition.id}/file"
    headers = bearer(token_for("editor"))
    client = app.test_client()
    assert client.get(url, headers=headers).status_code == 302  # the default: presigned S3 URL
    monkeypatch.setitem(app.config, "S3_PROXY_DOWNLOADS", True)
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200
    assert whole.data == s3.read(rendition.asset.storage_key)
    part = client.get(url, headers={**headers, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == whole.data[10:20]
    moto.stop()
    away = client.get(url, headers=headers)
    assert away.status_code == 503
    assert away.json["error"]["code"] == "storage_unavailable"

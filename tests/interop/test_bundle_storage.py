"""A bundle whose audio lives in S3 (moto's server, its own instance, stopped by the test): every
file is checked before answering, so a storage that fails before the request gives an error
status, not a 200; a failure in the middle ends the connection, and the Content-Length lets the
client see that the body is short."""

from __future__ import annotations

import http.client
import os
import urllib.parse
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from audio_manager.extensions import db
from audio_manager.models import Asset
from audio_manager.storage import S3Storage

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def s3(app: Any, playlist: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The playlist's audio copied into a bucket of a moto server of its own, the app's storage
    swapped for it while the test runs."""
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="bundles")
    local = app.extensions["audio_manager.storage"]
    remote = S3Storage("bundles", prefix="audio", endpoint_url=endpoint, region="us-east-1")
    for asset in db.session.scalars(db.select(Asset)):
        with local.open(asset.storage_key) as src:
            remote.put_stream(src, content_type=asset.mime)
    app.extensions["audio_manager.storage"] = remote
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            server.stop()
            stopped = True

    try:
        yield {"storage": remote, "stop": stop, "endpoint": endpoint}
    finally:
        app.extensions["audio_manager.storage"] = local
        stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def zip_path(playlist: dict[str, Any]) -> str:
    return playlist["path"] + "&format=zip"


def test_a_complete_bundle_from_s3(playlist, s3, client) -> None:
    response = client.get(zip_path(playlist), headers=playlist["token"])
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.data)
    local = client.get(zip_path(playlist), headers=playlist["token"])
    assert local.data == response.data  # the same bytes, wherever the audio is kept


def test_a_missing_object_gives_an_error_before_any_byte(playlist, s3, client) -> None:
    s3["storage"].delete(playlist["items"][0]["sha256"])
    response = client.get(zip_path(playlist), headers=playlist["token"])
    assert response.status_code == 503
    assert response.json["error"]["code"] == "storage_unavailable"
    assert response.json["error"]["details"] == {"sha256": playlist["items"][0]["sha256"]}


def test_storage_down_before_the_request_gives_an_error(playlist, s3, client) -> None:
    s3["stop"]()
    response = client.get(zip_path(playlist), headers=playlist["token"])
    assert response.status_code == 503
    assert "endpoint" not in response.get_data(as_text=True).lower()


def test_storage_failing_midway_ends_the_connection_short(playlist, s3, served) -> None:
    """The check passes, then the storage goes away while the archive streams: the client gets
    fewer bytes than the Content-Length it was promised, and the connection ends."""
    storage = s3["storage"]
    real_open = storage.open
    calls = {"n": 0}

    def failing_open(key: str, start: int = 0, length: int | None = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second audio file: the storage is gone
            s3["stop"]()
        return real_open(key, start, length)

    storage.open = failing_open  # type: ignore[method-assign]
    url = urllib.parse.urlsplit(served)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("GET", zip_path(playlist), headers=playlist["token"])
        response = conn.getresponse()
        assert response.status == 200
        promised = int(response.getheader("Content-Length"))
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert len(cut.value.partial) < promised
    finally:
        conn.close()

"""The Storage contract: every backend passes the same tests."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from pathlib import Path

import pytest
import requests

from audio_manager.storage import (
    InvalidKeyError,
    LocalStorage,
    ObjectNotFoundError,
    S3Storage,
    Storage,
)

DATA = b"RIFF" + bytes(range(256)) * 64


def test_put_bytes_returns_sha256_key(storage: Storage) -> None:
    key = storage.put_bytes(DATA, content_type="audio/wav")
    assert key == hashlib.sha256(DATA).hexdigest()
    assert storage.exists(key)
    assert storage.size(key) == len(DATA)
    assert storage.read(key) == DATA


def test_put_file_and_stream_are_content_addressed(storage: Storage, tmp_path: Path) -> None:
    path = tmp_path / "user-supplied name ..%2Fetc.wav"
    path.write_bytes(DATA)
    key = storage.put_file(path)
    assert key == hashlib.sha256(DATA).hexdigest()
    assert "etc" not in key
    assert storage.put_stream(io.BytesIO(DATA)) == key


def test_identical_content_is_stored_once(storage: Storage, tmp_path: Path) -> None:
    first = storage.put_bytes(DATA)
    second = storage.put_bytes(DATA)
    path = tmp_path / "again.bin"
    path.write_bytes(DATA)
    third = storage.put_file(path)
    assert first == second == third
    assert list(storage.keys()) == [first]


def test_open_reads_a_range(storage: Storage) -> None:
    key = storage.put_bytes(DATA)
    with storage.open(key, start=10, length=20) as src:
        assert src.read() == DATA[10:30]
    with storage.open(key, start=len(DATA) - 5) as src:
        assert src.read() == DATA[-5:]
    with storage.open(key) as src:
        assert src.read(4) == b"RIFF"


def test_keys_lists_everything(storage: Storage) -> None:
    keys = {storage.put_bytes(bytes([i]) * (i + 1)) for i in range(5)}
    assert set(storage.keys()) == keys


def test_delete_is_idempotent(storage: Storage) -> None:
    key = storage.put_bytes(DATA)
    assert storage.delete(key) is True
    assert not storage.exists(key)
    assert storage.delete(key) is False
    assert list(storage.keys()) == []


def test_missing_objects_raise_not_found(storage: Storage) -> None:
    missing = "0" * 64
    assert not storage.exists(missing)
    with pytest.raises(ObjectNotFoundError):
        storage.size(missing)
    with pytest.raises(ObjectNotFoundError):
        storage.read(missing)


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "ABC", "g" * 64, "A" * 64, "0" * 63, "0" * 64 + "/x", ""]
)
def test_keys_must_be_sha256_hex(storage: Storage, bad: str) -> None:
    for call in (storage.exists, storage.size, storage.read, storage.delete):
        with pytest.raises(InvalidKeyError):
            call(bad)


def test_download_location(storage: Storage) -> None:
    key = storage.put_bytes(DATA, content_type="audio/wav")
    local = storage.local_path(key)
    url = storage.presigned_url(key, expires_in=60, filename="loa.wav", content_type="audio/wav")
    if isinstance(storage, LocalStorage):
        assert local is not None and local.read_bytes() == DATA
        assert url is None
    else:
        assert local is None
        assert url is not None
        answer = requests.get(url, timeout=10)
        assert answer.status_code == 200
        assert answer.content == DATA
        assert answer.headers["Content-Type"] == "audio/wav"
        assert "loa.wav" in answer.headers["Content-Disposition"]
        resumed = requests.get(url, headers={"Range": "bytes=100-"}, timeout=10)
        assert resumed.status_code == 206
        assert resumed.content == DATA[100:]


def test_local_layout_and_atomic_writes(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put_bytes(DATA)
    assert (tmp_path / key[:2] / key[2:4] / key).read_bytes() == DATA
    assert list((tmp_path / ".tmp").iterdir()) == []  # no temporary file left behind


def test_s3_records_the_sha256_checksum(moto_endpoint: str, s3_bucket: str) -> None:
    store = S3Storage(s3_bucket, prefix="p/", endpoint_url=moto_endpoint, region="us-east-1")
    key = store.put_bytes(DATA)
    assert store.checksum(key) == base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    listed = store.client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"p/{key[:2]}/{key[2:4]}/{key}"]


def test_local_concurrent_writers_of_the_same_content(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    data = DATA * 50
    keys: list[str] = []
    threads = [
        threading.Thread(target=lambda: keys.append(store.put_bytes(data))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert store.read(keys[0]) == data
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_local_failed_upload_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            raise OSError("connection reset")

    store = LocalStorage(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(Broken())
    assert list(store.keys()) == []
    assert list((tmp_path / ".tmp").iterdir()) == []

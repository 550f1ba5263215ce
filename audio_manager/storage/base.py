"""The storage interface: content-addressed blobs (key = sha256 of the bytes, hex).

Keys are derived from content only, never from user input: every method refuses anything but
64 lowercase hex digits, so a key can never name a path or an object outside the store.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
COPY_CHUNK = 1 << 20


class StorageError(Exception):
    code = "storage_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidKeyError(StorageError, ValueError):
    code = "invalid_key"


class ObjectNotFoundError(StorageError, LookupError):
    code = "not_found"


class ChecksumMismatchError(StorageError):
    code = "checksum_mismatch"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidKeyError("A storage key is the sha256 of the content (64 hex digits).")
    return key


def key_layout(key: str) -> str:
    """``ab/cd/abcd...``: two levels of fan-out keep directories and listings small."""
    check_key(key)
    return f"{key[:2]}/{key[2:4]}/{key}"


def sha256_file(path: str | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as src:
        while chunk := src.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class RangeReader(io.RawIOBase):
    """A read-only stream over at most ``length`` bytes of another stream."""

    def __init__(self, raw: BinaryIO, length: int | None) -> None:
        super().__init__()
        self._raw = raw
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        want = len(view) if self._left is None else min(len(view), self._left)
        if want <= 0:
            return 0
        data = self._raw.read(want)
        n = len(data)
        view[:n] = data
        if self._left is not None:
            self._left -= n
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class Storage(ABC):
    """Where asset bytes live. Implementations: :class:`LocalStorage`, :class:`S3Storage`."""

    @abstractmethod
    def put_file(self, path: str | Path, *, content_type: str | None = None) -> str:
        """Store the file's bytes; return their key. Storing identical bytes again is a no-op."""

    def put_bytes(self, data: bytes, *, content_type: str | None = None) -> str:
        fd, name = tempfile.mkstemp(prefix="am-put-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            return self.put_file(name, content_type=content_type)
        finally:
            os.unlink(name)

    def put_stream(self, stream: BinaryIO, *, content_type: str | None = None) -> str:
        fd, name = tempfile.mkstemp(prefix="am-put-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(COPY_CHUNK):
                    out.write(chunk)
            return self.put_file(name, content_type=content_type)
        finally:
            os.unlink(name)

    @abstractmethod
    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        """A binary stream of the object's bytes from ``start`` (for HTTP Range/resume)."""

    def read(self, key: str) -> bytes:
        with self.open(key) as src:
            return src.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the object; True if it existed. Deleting a missing key is not an error."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every key in the store (order unspecified)."""

    def local_path(self, key: str) -> Path | None:
        """A filesystem path to serve the object from, when the store has one."""
        return None

    def check(self) -> None:
        """Raise StorageError if the store cannot be used now (health checks)."""
        return None

    def create_bucket(self) -> bool:
        """Make the store's container if missing (``storage init``); True when created."""
        return False

    def presigned_url(
        self,
        key: str,
        *,
        expires_in: int = 3600,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str | None:
        """A time-limited download URL, when the store can make one (S3)."""
        return None

"""Content-addressed files under a root folder: ``<root>/ab/cd/<sha256>``.

Writes go to a temporary file in the same filesystem, are fsynced, then atomically renamed
into place (and the folder fsynced), so a reader never sees a partial object.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .base import (
    COPY_CHUNK,
    KEY_PATTERN,
    ObjectNotFoundError,
    RangeReader,
    Storage,
    StorageError,
    check_key,
    key_layout,
)

TMP_DIR = ".tmp"


class LocalStorage(Storage):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder: {exc.strerror}") from exc
        if not os.access(self.root, os.W_OK):
            raise StorageError("the folder is not writable")

    def create_bucket(self) -> bool:
        existed = self.root.is_dir()
        self.check()
        return not existed

    def _path(self, key: str) -> Path:
        return self.root / key_layout(key)

    def _tmp_dir(self) -> Path:
        tmp = self.root / TMP_DIR
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp

    def put_file(self, path: str | Path, *, content_type: str | None = None) -> str:
        with Path(path).open("rb") as src:
            return self._put_stream(src)

    def put_bytes(self, data: bytes, *, content_type: str | None = None) -> str:
        key = hashlib.sha256(data).hexdigest()
        if self._path(key).exists():
            return key
        fd, name = tempfile.mkstemp(dir=self._tmp_dir(), prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            self._commit(Path(name), key)
        finally:
            Path(name).unlink(missing_ok=True)
        return key

    def put_stream(self, stream: BinaryIO, *, content_type: str | None = None) -> str:
        return self._put_stream(stream)

    def _put_stream(self, src: BinaryIO) -> str:
        """Copy to a temporary file while hashing, then move it to the hash's place."""
        digest = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=self._tmp_dir(), prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := src.read(COPY_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            if not self._path(key).exists():
                self._commit(Path(name), key)
        finally:
            Path(name).unlink(missing_ok=True)
        return key

    def _commit(self, tmp: Path, key: str) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
        _fsync_dir(final.parent)

    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFoundError(f"No stored object {key}.") from None
        if start:
            handle.seek(start)
        if length is None:
            return handle
        return RangeReader(handle, length)  # type: ignore[return-value]

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectNotFoundError(f"No stored object {key}.") from None

    def delete(self, key: str) -> bool:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        for folder in (path.parent, path.parent.parent):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
        return True

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for item in sorted(second.iterdir()):
                    name = item.name
                    if KEY_PATTERN.match(name) and name.startswith(first.name + second.name):
                        yield name

    def local_path(self, key: str) -> Path | None:
        path = self._path(check_key(key))
        return path if path.is_file() else None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

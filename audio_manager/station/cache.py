"""The audio cache in DIR/cache: files named by their SHA-256, downloaded with resume, checked
against the playlist's checksum before they count, and read back (and checked again) in one
piece right before they play. A half or damaged file is never played: it is fetched again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .api import Client, Unreachable
from .store import Store

SUFFIX = ".mp3"
PART = ".part"


class CacheError(Exception):
    pass


@dataclass
class CacheState:
    used_bytes: int
    files: int
    limit_bytes: int
    disk_free_bytes: int


class Cache:
    def __init__(self, folder: Path, store: Store, limit_bytes: int) -> None:
        self.folder = folder / "cache"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store, self.limit = store, limit_bytes

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise CacheError(f"not a SHA-256: {sha256!r}")
        return self.folder / f"{sha256}{SUFFIX}"

    def part(self, sha256: str) -> Path:
        return self.folder / f"{sha256}{PART}"

    # --- what is there ---------------------------------------------------------------------

    def files(self) -> dict[str, int]:
        found = {}
        for entry in self.folder.iterdir():
            if entry.suffix in (SUFFIX, PART):
                found[entry.name] = entry.stat().st_size
        return found

    def state(self) -> CacheState:
        sizes = self.files()
        return CacheState(
            sum(sizes.values()),
            sum(1 for name in sizes if name.endswith(SUFFIX)),
            self.limit,
            shutil.disk_usage(self.folder).free,
        )

    def ready(self, sha256: str) -> bool:
        """Present and verified, and unchanged on disk since (size and mtime)."""
        path = self.path(sha256)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        known = self.store.verified().get(sha256)
        if known == (stat.st_size, stat.st_mtime_ns):
            return True
        return self._verify(sha256, path)

    def _verify(self, sha256: str, path: Path) -> bool:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            self.discard(sha256)
            return False
        stat = path.stat()
        self.store.set_verified(sha256, stat.st_size, stat.st_mtime_ns, "")
        return True

    def read_verified(self, sha256: str) -> bytes | None:
        """The file's bytes if they match the checksum (read once: what is checked is what is
        played). A mismatch removes the file so it is fetched again."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            self.discard(sha256)
            return None
        return data

    def discard(self, sha256: str) -> None:
        for path in (self.path(sha256), self.part(sha256)):
            path.unlink(missing_ok=True)
        self.store.forget_file(sha256)

    # --- keeping it to what is needed --------------------------------------------------------

    def prune(self, needed: Iterable[str]) -> int:
        """Remove every file no playlist needs (and stale partial downloads)."""
        keep = set(needed)
        removed = 0
        for entry in list(self.folder.iterdir()):
            sha = entry.name.split(".")[0]
            if entry.suffix in (SUFFIX, PART) and sha not in keep:
                entry.unlink(missing_ok=True)
                self.store.forget_file(sha)
                removed += 1
        return removed

    # --- downloads ---------------------------------------------------------------------------

    def fetch(self, client: Client, url: str, sha256: str, size: int) -> int:
        """Download into the partial file, resuming from what it holds; verify, then move into
        place. Returns the bytes transferred. Raises Unreachable (try again later) or
        CacheError (the finished file did not match: it was thrown away)."""
        part = self.part(sha256)
        offset = part.stat().st_size if part.exists() else 0
        if size and offset > size:
            part.unlink()
            offset = 0
        digest = hashlib.sha256()
        if offset:
            with part.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        download = client.download(url, offset)
        if download.offset == -1:  # our part is longer than the file: start again
            part.unlink(missing_ok=True)
            return self.fetch(client, url, sha256, size)
        if download.offset != offset:  # the server sent the whole file
            offset, digest = 0, hashlib.sha256()
        transferred = 0
        with part.open("r+b" if offset else "wb") as handle:
            handle.seek(offset)
            handle.truncate()
            for chunk in download.chunks():
                handle.write(chunk)
                digest.update(chunk)
                transferred += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        got = offset + transferred
        expected = download.total or size
        if expected and got < expected:
            raise Unreachable(f"download cut at {got} of {expected} bytes")
        if digest.hexdigest() != sha256:
            part.unlink(missing_ok=True)
            raise CacheError(f"checksum mismatch for {sha256[:12]}… ({got} bytes): fetched again")
        os.replace(part, self.path(sha256))
        stat = self.path(sha256).stat()
        self.store.set_verified(sha256, stat.st_size, stat.st_mtime_ns, "")
        return transferred

"""Where audio bytes are kept: a :class:`Storage` interface, local files or S3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import (
    ChecksumMismatchError,
    InvalidKeyError,
    ObjectNotFoundError,
    Storage,
    StorageError,
    check_key,
    key_layout,
    sha256_file,
)
from .local import LocalStorage
from .s3 import S3Storage


def make_storage(backend: str = "local", **options: Any) -> Storage:
    """``make_storage("local", root=...)`` or ``make_storage("s3", bucket=..., prefix=...,
    endpoint_url=..., region=..., access_key_id=..., secret_access_key=...)``."""
    if backend == "local":
        return LocalStorage(Path(options["root"]))
    if backend == "s3":
        return S3Storage(**options)
    raise ValueError(f"Unknown storage backend {backend!r} (local or s3).")


__all__ = [
    "ChecksumMismatchError",
    "InvalidKeyError",
    "LocalStorage",
    "ObjectNotFoundError",
    "S3Storage",
    "Storage",
    "StorageError",
    "check_key",
    "key_layout",
    "make_storage",
    "sha256_file",
]

"""Content-addressed objects in an S3-compatible bucket (AWS, MinIO, any endpoint).

Objects live at ``<prefix>ab/cd/<sha256>``. Uploads carry their SHA-256 checksum so the
server verifies what it stored; downloads are served by presigned GET URLs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .base import (
    COPY_CHUNK,
    KEY_PATTERN,
    ChecksumMismatchError,
    ObjectNotFoundError,
    RangeReader,
    Storage,
    StorageError,
    key_layout,
)


class S3Storage(Storage):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.region = region
        self._settings = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "aws_session_token": session_token,
        }
        self._probe: Any = None if client is None else client
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                aws_session_token=session_token,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}),
            )
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _probe_client(self) -> Any:
        """A client with short timeouts and no retries, for health checks."""
        if self._probe is None:
            import boto3
            from botocore.config import Config

            self._probe = boto3.client(
                "s3",
                **self._settings,
                config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1}),
            )
        return self._probe

    def check(self) -> None:
        """A HEAD on the bucket: raises StorageError saying what is wrong."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._probe_client().head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise StorageError(f"bucket {self.bucket} does not exist") from exc
            if code in ("403", "AccessDenied", "Forbidden"):
                raise StorageError(f"access to bucket {self.bucket} denied") from exc
            raise StorageError(f"S3 answered {code or 'an error'}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable ({type(exc).__name__})") from exc

    def create_bucket(self) -> bool:
        """Create the bucket if it is missing. True when created, False when it was there;
        StorageError when it cannot be (no permission, a name taken by someone else)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.check()
            return False
        except StorageError as missing:
            if "does not exist" not in missing.message:
                raise
        extra: dict[str, Any] = {}
        if self.region and self.region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(Bucket=self.bucket, **extra)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "BucketAlreadyOwnedByYou":
                return False
            raise StorageError(
                f"cannot create bucket {self.bucket}: {code or 'refused'}"
                + (" (the credentials may not create buckets)" if code == "AccessDenied" else "")
            ) from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 unreachable ({type(exc).__name__})") from exc
        return True

    def _object(self, key: str) -> str:
        return self.prefix + key_layout(key)

    def _error(self, exc: Exception, key: str) -> StorageError:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                return ObjectNotFoundError(f"No stored object {key}.")
            if code in ("BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"):
                return ChecksumMismatchError("The storage rejected the upload's checksum.")
        return StorageError(f"Object storage failed: {exc}")

    def put_file(self, path: str | Path, *, content_type: str | None = None) -> str:
        digest = hashlib.sha256()
        with Path(path).open("rb") as src:
            while chunk := src.read(COPY_CHUNK):
                digest.update(chunk)
            key = digest.hexdigest()
            if self.exists(key):
                return key
            src.seek(0)
            self._upload(src, key, digest.digest(), content_type)
        return key

    def put_bytes(self, data: bytes, *, content_type: str | None = None) -> str:
        raw = hashlib.sha256(data)
        key = raw.hexdigest()
        if not self.exists(key):
            self._upload(data, key, raw.digest(), content_type)
        return key

    def _upload(
        self, body: BinaryIO | bytes, key: str, digest: bytes, content_type: str | None
    ) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=body,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                **extra,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from exc

    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object(key)}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            params["Range"] = f"bytes={start}-{end}"
        if length == 0:
            self.size(key)  # still report a missing object
            return RangeReader(_Empty(), 0)  # type: ignore[return-value]
        try:
            body = self.client.get_object(**params)["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from exc
        return RangeReader(body, length)  # type: ignore[return-value]

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except (ClientError, BotoCoreError) as exc:
            error = self._error(exc, key)
            if isinstance(error, ObjectNotFoundError):
                return None
            raise error from exc

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise ObjectNotFoundError(f"No stored object {key}.")
        return int(head["ContentLength"])

    def delete(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        existed = self.exists(key)
        if existed:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, key) from exc
        return existed

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                key = name.rsplit("/", 1)[-1]
                if KEY_PATTERN.match(key) and name == key_layout(key):
                    yield key

    def presigned_url(
        self,
        key: str,
        *,
        expires_in: int = 3600,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str | None:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object(key)}
        if filename:
            safe = "".join(c for c in filename if c.isalnum() or c in "._- ") or "download"
            params["ResponseContentDisposition"] = f'attachment; filename="{safe}"'
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def checksum(self, key: str) -> str | None:
        """The SHA-256 the server recorded for the object (base64), if any."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            head = self.client.head_object(
                Bucket=self.bucket, Key=self._object(key), ChecksumMode="ENABLED"
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from exc
        return head.get("ChecksumSHA256")


class _Empty:
    def read(self, n: int = -1) -> bytes:
        return b""

    def close(self) -> None:
        return None

"""A playlist's bundle (ZIP) ready to serve: every file it will stream checked first, the CRC-32
of older assets filled in, the audio read through the storage by byte range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from ... import scheduling as sched
from ...extensions import db
from ...models import Asset
from ...scheduling.bundle import Bundle
from ...scheduling.exports import ExportContext
from ...storage import StorageError
from ..audio.assets import storage, stream_crc32
from ..errors import ServiceError


class StorageUnavailable(ServiceError):
    """A file the answer needs cannot be read now: nothing is sent (503)."""

    status = 503
    code = "storage_unavailable"


@dataclass
class ReadyBundle:
    bundle: Bundle
    open_audio: Callable[[sched.PlaylistItem, int, int], BinaryIO]

    @property
    def length(self) -> int:
        return self.bundle.length


def prepare(items: list[sched.PlaylistItem], ctx: ExportContext) -> ReadyBundle:
    """The bundle of these items, after checking that the storage holds every audio file it
    will stream, at its size (``StorageUnavailable`` otherwise: the client gets an error
    status, never a 200 that breaks off)."""
    shas = sorted({item.sha256 for item in items if item.status == "ok" and item.sha256})
    assets = {
        a.sha256: a for a in db.session.scalars(db.select(Asset).where(Asset.sha256.in_(shas)))
    }
    store = storage()
    for sha in shas:
        asset = assets.get(sha)
        try:
            if asset is None or store.size(asset.storage_key) != asset.size:
                raise StorageError(f"{sha} is missing or has another size")
        except StorageError as error:
            raise StorageUnavailable(
                _l("An audio file of this playlist cannot be read now; try again later."),
                details={"sha256": sha},
            ) from error
    missing = [a for a in assets.values() if a.crc32 is None]
    for asset in missing:  # assets stored before migration 0011: once each
        try:
            asset.crc32 = stream_crc32(asset)
        except StorageError as error:
            raise StorageUnavailable(
                _l("An audio file of this playlist cannot be read now; try again later."),
                details={"sha256": asset.sha256},
            ) from error
    if missing:
        db.session.commit()
    keys = {sha: a.storage_key for sha, a in assets.items()}

    def open_audio(item: sched.PlaylistItem, start: int, length: int) -> BinaryIO:
        return store.open(keys[item.sha256 or ""], start, length)

    crcs = {sha: int(a.crc32 or 0) for sha, a in assets.items()}
    return ReadyBundle(Bundle(items, ctx, crcs), open_audio)

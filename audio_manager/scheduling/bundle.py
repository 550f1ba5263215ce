"""A playlist's bundle: one ZIP with the playlist, its manifest, a printable page and the audio,
streamed in constant memory."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from .exports import (
    ZIP_MANIFEST,
    ZIP_PLAYLIST,
    ZIP_SCHEDULE,
    ExportContext,
    ExportIntegrityError,
    Items,
    assign_file_names,
    local_time,
    m3u8,
    manifest,
    schedule_html,
)
from .playlist import PlaylistItem


class _Sink(io.RawIOBase):
    """An unseekable sink: zipfile writes into it, the generator drains it after each chunk."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)  # no copy when zipfile hands over bytes
        if chunk:
            self._parts.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        parts, self._parts = self._parts, []
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _zip_info(name: str, when: datetime, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=local_time(when).timetuple()[:6])
    info.compress_type = compress_type
    info.create_system = 3  # Unix, whatever the platform, for identical bytes
    info.external_attr = 0o644 << 16
    return info


def zip_stream(
    items: Items,
    ctx: ExportContext,
    open_audio: Callable[[PlaylistItem], BinaryIO],
    chunk_size: int = 1 << 16,
    *,
    verify: bool = True,
) -> Iterator[bytes]:
    """The ZIP of a playlist, produced chunk by chunk in constant memory.

    Entries, in this order: ``playlist.m3u8`` (relative names), ``manifest.json``,
    ``schedule.html`` (deflated), then the audio of every "ok" item in playlist order, stored,
    ZIP64, each sha256 once (see ``assign_file_names``). ``open_audio`` is called once per
    distinct file and the stream is closed after use. With ``verify``, a file whose size or
    sha256 differs from the item's raises ``ExportIntegrityError`` (the archive is left
    incomplete, so a client never receives a corrupt file as good).
    """
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    names = assign_file_names(items)
    sink = _Sink()
    texts = (
        (ZIP_PLAYLIST, m3u8(items, lambda _item, index: names[index - 1] or "", ctx)),
        (ZIP_MANIFEST, json.dumps(manifest(items, ctx, names), ensure_ascii=False, indent=2)),
        (ZIP_SCHEDULE, schedule_html(items, ctx, names)),
    )
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        for name, text in texts:
            info = _zip_info(name, ctx.generated_at, zipfile.ZIP_DEFLATED)
            archive.writestr(info, text.encode("utf-8"))
        yield sink.drain()
        written: set[str] = set()
        for item, name in zip(items, names, strict=True):
            if name is None or name in written:
                continue
            written.add(name)
            info = _zip_info(name, item.at, zipfile.ZIP_STORED)
            digest, size = hashlib.sha256(), 0
            source = open_audio(item)
            try:
                with archive.open(info, mode="w", force_zip64=True) as entry:
                    while chunk := source.read(chunk_size):
                        entry.write(chunk)
                        size += len(chunk)
                        if verify:
                            digest.update(chunk)
                        yield sink.drain()
                    expected = (item.size, (item.sha256 or "").lower())
                    if verify and (size, digest.hexdigest()) != expected:
                        raise ExportIntegrityError(
                            f"{name}: read {size} bytes, expected {item.size} with sha256 "
                            f"{item.sha256}"
                        )
            finally:
                source.close()
    tail = sink.drain()
    if tail:
        yield tail

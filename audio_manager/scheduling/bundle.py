"""A playlist's bundle: one ZIP with the playlist, its manifest, a printable page and the audio.

Every byte of the archive is known before any audio is read: entries are stored (MP3s do not
compress), their CRC-32 and sizes come from the assets, their times from the data (an audio
file: its item's time; the text files: when the playlist's data last changed), names and order
from the playlist. So unchanged data gives the same bytes every time (a strong validator holds),
the length is known up front (Content-Length) and any byte range can be produced on its own,
in constant memory (Range: a download cut short resumes where it stopped). ZIP64 records are
written when sizes or offsets need them.

Pure code: no Flask, no database, no storage: audio is read through ``open_audio(item, start,
length)``.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

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

OpenAudio = Callable[[PlaylistItem, int, int], BinaryIO]  # (item, start, length)
LIMIT = 0xFFFFFFFF
UTF8_NAMES = 0x0800
CHUNK = 1 << 16


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    crc32: int
    when: datetime
    text: bytes | None = None  # the bytes of a text entry
    item: PlaylistItem | None = None  # the item whose audio an entry holds


def _dos_time(when: datetime) -> tuple[int, int]:
    t = local_time(when)
    year = min(max(t.year, 1980), 2107)
    return (t.hour << 11) | (t.minute << 5) | (t.second // 2), ((year - 1980) << 9) | (
        t.month << 5
    ) | t.day


class Bundle:
    """The archive of a playlist: its length and any range of its bytes.

    ``crc32s`` gives the CRC-32 of each item's audio by sha256 (``ValueError`` if one is
    missing). ``zip64`` forces ZIP64 records (they are used anyway past 4 GiB).
    """

    def __init__(
        self,
        items: Items,
        ctx: ExportContext,
        crc32s: dict[str, int],
        *,
        zip64: bool = False,
    ) -> None:
        names = assign_file_names(items)
        texts = (
            (ZIP_PLAYLIST, m3u8(items, lambda _item, index: names[index - 1] or "", ctx)),
            (ZIP_MANIFEST, json.dumps(manifest(items, ctx, names), ensure_ascii=False, indent=2)),
            (ZIP_SCHEDULE, schedule_html(items, ctx, names)),
        )
        entries = []
        for name, text in texts:
            data = text.encode("utf-8")
            entries.append(Entry(name, len(data), zlib.crc32(data), ctx.revised_at, data))
        written: set[str] = set()
        for item, name in zip(items, names, strict=True):
            if name is None or name in written:
                continue
            written.add(name)
            sha = (item.sha256 or "").lower()
            if sha not in crc32s or item.size is None:
                raise ValueError(f"{name}: no CRC-32 or size known for its audio")
            entries.append(Entry(name, int(item.size), crc32s[sha], item.at, item=item))
        self.entries: Sequence[Entry] = entries
        total = sum(30 + 46 + 2 * len(e.name.encode()) + e.size for e in entries) + 22
        self.zip64 = zip64 or total > LIMIT - 1024 or len(entries) >= 0xFFFF
        self._segments: list[tuple[int, int, bytes | Entry]] = []  # (offset, length, what)
        self._layout()

    @property
    def length(self) -> int:
        offset, length, _ = self._segments[-1]
        return offset + length

    def audio(self) -> list[PlaylistItem]:
        """The items whose audio the archive holds, once each, in archive order."""
        return [e.item for e in self.entries if e.item is not None]

    # --- layout ---------------------------------------------------------------------------

    def _add(self, what: bytes | Entry, length: int) -> int:
        offset = self.length if self._segments else 0
        self._segments.append((offset, length, what))
        return offset

    def _layout(self) -> None:
        offsets = []
        for entry in self.entries:
            header = self._local_header(entry)
            offsets.append(self._add(header, len(header)))
            self._add(entry.text if entry.text is not None else entry, entry.size)
        directory = b"".join(
            self._central_header(e, offset) for e, offset in zip(self.entries, offsets, strict=True)
        )
        start = self._add(directory, len(directory))
        end = b""
        if self.zip64:
            count = len(self.entries)
            record = struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, 0x032D, 45, 0, 0, count, count, len(directory), start
            )
            locator = struct.pack("<IIQI", 0x07064B50, 0, start + len(directory), 1)
            end = record + locator
            count16, size32, start32 = 0xFFFF, LIMIT, LIMIT
        else:
            count16, size32, start32 = len(self.entries), len(directory), start
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count16, count16, size32, start32, 0)
        self._add(end, len(end))

    def _local_header(self, entry: Entry) -> bytes:
        name = entry.name.encode("utf-8")
        mtime, mdate = _dos_time(entry.when)
        size32 = LIMIT if self.zip64 else entry.size
        extra = struct.pack("<HHQQ", 1, 16, entry.size, entry.size) if self.zip64 else b""
        version = 45 if self.zip64 else 20
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, version, UTF8_NAMES, 0, mtime, mdate,
            entry.crc32, size32, size32, len(name), len(extra),
        )  # fmt: skip
        return header + name + extra

    def _central_header(self, entry: Entry, offset: int) -> bytes:
        name = entry.name.encode("utf-8")
        mtime, mdate = _dos_time(entry.when)
        if self.zip64:
            extra = struct.pack("<HHQQQ", 1, 24, entry.size, entry.size, offset)
            size32, offset32, version = LIMIT, LIMIT, 45
        else:
            extra, size32, offset32, version = b"", entry.size, offset, 20
        header = struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0300 | version, version, UTF8_NAMES, 0, mtime,
            mdate, entry.crc32, size32, size32, len(name), len(extra), 0, 0, 0, 0o100644 << 16,
            offset32,
        )  # fmt: skip
        return header + name + extra

    # --- bytes ----------------------------------------------------------------------------

    def stream(
        self, open_audio: OpenAudio, start: int = 0, stop: int | None = None
    ) -> Iterator[bytes]:
        """The bytes ``[start, stop)`` of the archive, chunk by chunk. Audio read whole is
        checked against the item's size and sha256; a short read or a mismatch raises
        ``ExportIntegrityError`` (the download then ends early: never a corrupt file as good)."""
        stop = self.length if stop is None else min(stop, self.length)
        for offset, length, what in self._segments:
            lo, hi = max(start, offset), min(stop, offset + length)
            if lo >= hi:
                continue
            if isinstance(what, bytes):
                yield what[lo - offset : hi - offset]
            else:
                yield from self._audio(what, open_audio, lo - offset, hi - lo)

    def _audio(
        self, entry: Entry, open_audio: OpenAudio, start: int, length: int
    ) -> Iterator[bytes]:
        assert entry.item is not None
        whole = start == 0 and length == entry.size
        digest = hashlib.sha256()
        left = length
        source = open_audio(entry.item, start, length)
        try:
            while left > 0:
                chunk = source.read(min(CHUNK, left))
                if not chunk:
                    raise ExportIntegrityError(
                        f"{entry.name}: the audio ended {left} bytes early ({entry.size} expected)"
                    )
                left -= len(chunk)
                if whole:
                    digest.update(chunk)
                yield chunk
        finally:
            source.close()
        if whole and digest.hexdigest() != (entry.item.sha256 or "").lower():
            raise ExportIntegrityError(f"{entry.name}: the audio's sha256 differs from the item's")


def zip_bytes(
    items: Items, ctx: ExportContext, crc32s: dict[str, int], open_audio: OpenAudio
) -> bytes:
    """The whole archive in memory (tests and small tools)."""
    return b"".join(Bundle(items, ctx, crc32s).stream(open_audio))

"""The bundle ZIP: deterministic bytes, any range on its own, audio checked, constant memory."""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import tracemalloc
import zipfile
import zlib
from dataclasses import replace
from typing import Any, BinaryIO

import pytest

from audio_manager.scheduling import PlaylistItem
from audio_manager.scheduling.bundle import Bundle
from audio_manager.scheduling.exports import ExportIntegrityError, assign_file_names, file_name

from .test_exports import AUDIO, BY_SHA, CTX, ITEMS, SHA, at

CRCS = {sha: zlib.crc32(data) for sha, data in BY_SHA.items()}


class Opener:
    """open_audio for the tests: serves AUDIO by sha256 from an offset, records what it opened."""

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self.data = data if data is not None else BY_SHA
        self.opened: list[tuple[str, int, int]] = []
        self.streams: list[io.BytesIO] = []

    def __call__(self, it: PlaylistItem, start: int, length: int) -> BinaryIO:
        assert it.sha256 is not None
        self.opened.append((it.sha256, start, length))
        stream = io.BytesIO(self.data[it.sha256][start : start + length])
        self.streams.append(stream)
        return stream


def whole(items: list[PlaylistItem] = ITEMS, opener: Opener | None = None, **kw: Any) -> bytes:
    return b"".join(Bundle(items, CTX, CRCS, **kw).stream(opener or Opener()))


@pytest.mark.parametrize("zip64", [False, True])
def test_contents_order_and_stored_entries(zip64: bool) -> None:
    opener = Opener()
    bundle = Bundle(ITEMS, CTX, CRCS, zip64=zip64)
    data = b"".join(bundle.stream(opener))
    assert len(data) == bundle.length
    assert all(stream.closed for stream in opener.streams)
    assert [o[0] for o in opener.opened] == [SHA["alpha"], SHA["bravo"], SHA["charlie"]]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = assign_file_names(ITEMS)
    audio = [names[0], names[1], names[4]]
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html", *audio]
    for name, sha in zip(audio, (SHA["alpha"], SHA["bravo"], SHA["charlie"]), strict=True):
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.read(name) == BY_SHA[sha]
        assert local_header_has_zip64(archive, info) == zip64
    assert archive.getinfo(names[0]).date_time == (2025, 6, 2, 7, 0, 0)  # the item's time
    for name in ("playlist.m3u8", "manifest.json", "schedule.html"):
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (2025, 6, 2, 3, 15, 30)  # revised_at, local time
    playlist = archive.read("playlist.m3u8").decode("utf-8")
    referenced = [line for line in playlist.splitlines() if not line.startswith("#")]
    assert referenced == [names[0], names[1], names[3], names[4]]
    assert "# MISSING: khmer" in playlist and playlist.endswith("#EXT-X-ENDLIST\n")
    assert [row["file"] for row in json.loads(archive.read("manifest.json"))["items"]] == names
    page = archive.read("schedule.html").decode("utf-8")
    assert "&lt;script&gt;" in page and names[4] in page


def local_header_has_zip64(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    fp = archive.fp
    assert fp is not None
    fp.seek(info.header_offset)
    header = fp.read(30)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    extra = fp.read(name_len + extra_len)[name_len:]
    assert header[:4] == b"PK\x03\x04"
    return extra[:2] == b"\x01\x00"


def test_same_data_same_bytes() -> None:
    assert whole() == whole()
    assert whole() != whole([replace(ITEMS[0], at=at("07:01")), *ITEMS[1:]])


def test_every_range_is_the_same_bytes_as_the_whole() -> None:
    data = whole()
    bundle = Bundle(ITEMS, CTX, CRCS)
    rng = random.Random(5)
    cuts = [0, 1, len(data) // 2, len(data) - 1, *(rng.randrange(len(data)) for _ in range(40))]
    for start in cuts:
        stop = min(len(data), start + rng.choice((1, 7, 500, 4000, len(data))))
        opener = Opener()
        assert b"".join(bundle.stream(opener, start, stop)) == data[start:stop]
        for sha, offset, length in opener.opened:  # only the audio the range covers is read
            assert offset >= 0 and offset + length <= len(BY_SHA[sha])


def test_no_playable_item() -> None:
    opener = Opener()
    archive = zipfile.ZipFile(io.BytesIO(whole(ITEMS[2:3], opener)))
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html"]
    assert opener.opened == []


def test_audio_that_does_not_match_ends_the_download() -> None:
    opener = Opener({SHA["alpha"]: b"x" * len(AUDIO["alpha"])})
    with pytest.raises(ExportIntegrityError, match="sha256"):
        whole(ITEMS[:1], opener)
    assert opener.streams[0].closed
    with pytest.raises(ExportIntegrityError, match="early"):
        whole(ITEMS[:1], Opener({SHA["alpha"]: b"short"}))


def test_an_unknown_crc_is_refused_before_any_byte() -> None:
    with pytest.raises(ValueError, match="CRC-32"):
        Bundle(ITEMS, CTX, {})


def test_the_source_is_closed_when_the_client_goes_away() -> None:
    opener = Opener()
    stream = Bundle(ITEMS, CTX, CRCS).stream(opener)
    while not opener.opened:
        next(stream)
    stream.close()
    assert opener.streams and all(s.closed for s in opener.streams)
    assert file_name(ITEMS[0], 1).endswith(".mp3")


# --- memory ------------------------------------------------------------------------------------

FILE_SIZE = 50 * 1024 * 1024  # four of them: 200 MB streamed


class Generated(io.RawIOBase):
    """``size`` bytes made on the fly from a 64 KiB pattern; never materialised."""

    def __init__(self, size: int, seed: int) -> None:
        super().__init__()
        self.remaining = size
        self.block = bytes((seed * 7 + i * 31) % 251 for i in range(1 << 16))

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = min(self.remaining, len(self.block) if n < 0 else min(n, len(self.block)))
        self.remaining -= n
        return memoryview(self.block)[:n].tobytes()  # a fresh object, as a real read returns


def generated_sums(size: int, seed: int) -> tuple[int, str]:
    source, crc, digest = Generated(size, seed), 0, hashlib.sha256()
    while chunk := source.read():
        crc = zlib.crc32(chunk, crc)
        digest.update(chunk)
    return crc, digest.hexdigest()


def test_200_mb_in_constant_memory() -> None:
    sums = [generated_sums(FILE_SIZE, n + 1) for n in range(4)]
    items = [
        replace(
            ITEMS[0],
            at=at(f"{6 + n:02d}:00"),
            schedule_id=n + 1,
            sha256=sums[n][1],
            size=FILE_SIZE,
        )
        for n in range(4)
    ]
    items.append(replace(items[0], language="hoa"))  # same audio: stored once
    opened: list[int] = []

    def open_audio(it: PlaylistItem, start: int, length: int) -> BinaryIO:
        opened.append(it.schedule_id)
        assert (start, length) == (0, FILE_SIZE)
        return Generated(FILE_SIZE, it.schedule_id)  # type: ignore[return-value]

    bundle = Bundle(items, CTX, {sha: crc for crc, sha in sums})
    total, tail = 0, b""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for chunk in bundle.stream(open_audio):
            total += len(chunk)
            tail = (tail + chunk)[-(256 * 1024) :]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert opened == [1, 2, 3, 4]
    assert total == bundle.length and 4 * FILE_SIZE < total < 4 * FILE_SIZE + 64 * 1024
    archive = zipfile.ZipFile(TailFile(total, tail))
    names = assign_file_names(items)
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html", *names[:4]]
    for n, name in enumerate(names[:4]):
        info = archive.getinfo(name)
        assert (info.file_size, info.compress_size, info.CRC) == (FILE_SIZE, FILE_SIZE, sums[n][0])


class TailFile(io.RawIOBase):
    """A seekable view of a ``size``-byte file of which only the last bytes are known: enough
    for zipfile to read the central directory without the archive ever being held in memory."""

    def __init__(self, size: int, tail: bytes) -> None:
        super().__init__()
        self.size, self.tail, self.pos = size, tail, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        start = self.pos - (self.size - len(self.tail))
        assert start >= 0, "read outside the known tail"
        data = self.tail[start : start + len(buffer)]
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

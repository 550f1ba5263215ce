"""Playlist exports (M3U8, manifest, printable page, iCalendar, streamed ZIP) from literal items."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

import pytest

from audio_manager.scheduling import LOCAL_TZ, PlaylistItem
from audio_manager.scheduling.bundle import zip_stream
from audio_manager.scheduling.exports import (
    ExportContext,
    ExportIntegrityError,
    assign_file_names,
    file_name,
    m3u8,
    manifest,
    schedule_html,
)
from audio_manager.scheduling.ical import ics, ics_escape, ics_fold

DAY = date(2025, 6, 2)
AUDIO = {name: name.encode() * 997 for name in ("alpha", "bravo", "charlie")}
SHA = {name: hashlib.sha256(data).hexdigest() for name, data in AUDIO.items()}
BY_SHA = {SHA[name]: data for name, data in AUDIO.items()}
CTX = ExportContext(
    area_code="94101",
    area_name="Xã An <Thạnh>",
    hamlet_names={1: "Ấp Sóc Vồ", 2: "Khóm 3 & 4"},
    language_names={"kinh": "Tiếng Việt", "hoa": "中文", "khmer": "ភាសាខ្មែរ"},
    generated_at=datetime(2025, 6, 1, 20, 15, 30, tzinfo=UTC),
    days=(DAY,),
)
EVIL = "Tin <script>alert(1)</script>\r\n#EXTINF:1,pwned\nhttp://evil.example/x.mp3"


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


MISSING = PlaylistItem(
    at("06:30"), 1, 10, "BHXH tự nguyện", "normal", "kinh", (1, 2), *(None,) * 6, "missing", False
)


def item(hhmm: str, schedule_id: int, language: str, audio: str | None, **kw: Any) -> PlaylistItem:
    fields: dict[str, Any] = {"at": at(hhmm), "schedule_id": schedule_id, "language": language}
    fields["message_id"] = schedule_id * 10
    if audio is not None:
        fields.update(
            version_id=schedule_id * 100,
            version_number=3,
            rendition_id=schedule_id * 1000,
            sha256=SHA[audio],
            size=len(AUDIO[audio]),
            duration_s=30.2,
            status="ok",
        )
    return replace(MISSING, **{**fields, **kw})


ITEMS = [
    item("07:00", 3, "kinh", "alpha", priority="emergency", play_now=True, title="Bão số 5"),
    item("06:30", 1, "kinh", "bravo", title=EVIL),
    item("06:30", 1, "khmer", None, hamlet_ids=(1,)),
    item("17:00", 1, "kinh", "bravo", title=EVIL),  # same audio as item 2
    item("17:00", 1, "hoa", "charlie", duration_s=12.0, title="Gia hạn; thẻ, BHYT\\"),
    item("18:00", 2, "kinh", None, status="expired", title="Cũ"),
]


# --- file names --------------------------------------------------------------------------------


def test_file_name_is_ascii_deterministic_and_never_uses_the_title() -> None:
    name = file_name(ITEMS[1], 2)
    assert name == f"002_0630_kinh_v3_{SHA['bravo'][:8]}.mp3"
    assert name.isascii() and "script" not in name
    odd = replace(ITEMS[1], language="tiếng/../x", at=ITEMS[1].at.astimezone(UTC))
    assert file_name(odd, 1) == f"001_0630_ti-ng-x_v3_{SHA['bravo'][:8]}.mp3"
    with pytest.raises(ValueError):
        file_name(ITEMS[2], 3)


def test_assign_file_names_dedups_by_sha256() -> None:
    names = assign_file_names(ITEMS)
    assert names[2] is None and names[5] is None
    assert names[1] == names[3] == file_name(ITEMS[1], 2)
    assert len({n for n in names if n}) == 3


# --- M3U8 --------------------------------------------------------------------------------------


def test_m3u8_lists_ok_items_in_order_with_missing_as_comments() -> None:
    text = m3u8(ITEMS, lambda it, i: f"https://x.example/a/{i}.mp3", CTX)
    assert text.endswith("\n") and "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [line for line in lines if not line.startswith("#")]
    assert entries == [f"https://x.example/a/{i}.mp3" for i in (1, 2, 4, 5)]
    extinf = [line for line in lines if line.startswith("#EXTINF:")]
    assert extinf[0] == "#EXTINF:31,Bão số 5 [Tiếng Việt]"  # 30.2 s rounded up
    assert extinf[3] == "#EXTINF:12,Gia hạn; thẻ, BHYT\\ [中文]"
    assert "# MISSING: khmer (ភាសាខ្មែរ) at 2025-06-02 06:30 — BHXH tự nguyện" in lines
    assert any(
        line.startswith("# EXPIRED: kinh (Tiếng Việt) at 2025-06-02 18:00") for line in lines
    )


def test_m3u8_titles_cannot_inject_lines() -> None:
    text = m3u8(ITEMS, lambda it, i: f"{i}.mp3\r\n#EXTINF:9,x", CTX)
    lines = text.split("\n")
    assert sum(line.startswith("#EXTINF:") for line in lines) == 4
    assert not any(line.startswith("http://evil") for line in lines)
    assert "#EXTINF:31,Tin <script>alert(1)</script> #EXTINF:1,pwned http://evil" in text
    for separator in ("\u2028", "\x85", "\x0b"):
        one = m3u8([replace(ITEMS[0], title=f"a{separator}b")], lambda it, i: "u", CTX)
        assert one.splitlines()[3] == "#EXTINF:31,a b [Tiếng Việt]"


def test_m3u8_unknown_duration_is_minus_one() -> None:
    text = m3u8([replace(ITEMS[0], duration_s=None)], lambda it, i: "a.mp3", CTX)
    assert "#EXTINF:-1,Bão số 5 [Tiếng Việt]" in text


# --- manifest ----------------------------------------------------------------------------------


def test_manifest_fields() -> None:
    names = assign_file_names(ITEMS)
    data = json.loads(json.dumps(manifest(ITEMS, CTX, names)))
    assert data["area"] == {"code": "94101", "name": "Xã An <Thạnh>"}
    assert data["days"] == ["2025-06-02"]
    assert data["generated_at"] == "2025-06-01T20:15:30+00:00"
    assert data["timezone"] == "Asia/Ho_Chi_Minh"
    assert data["counts"] == {"items": 6, "ok": 4, "missing": 1, "expired": 1}
    first, missing = data["items"][0], data["items"][2]
    assert first == {
        "index": 1,
        "time": "2025-06-02T07:00:00+07:00",
        "hamlets": [{"id": 1, "name": "Ấp Sóc Vồ"}, {"id": 2, "name": "Khóm 3 & 4"}],
        "language": "kinh",
        "language_name": "Tiếng Việt",
        "title": "Bão số 5",
        "priority": "emergency",
        "play_now": True,
        "status": "ok",
        "schedule_id": 3,
        "message_id": 30,
        "version_id": 300,
        "version_number": 3,
        "file": names[0],
        "sha256": SHA["alpha"],
        "size": len(AUDIO["alpha"]),
        "duration_s": 30.2,
    }
    assert (missing["status"], missing["file"], missing["sha256"], missing["size"]) == (
        "missing",
        None,
        None,
        None,
    )
    assert data["items"][1]["file"] == data["items"][3]["file"]
    assert all(row["file"] is None for row in manifest(ITEMS, CTX)["items"])
    with pytest.raises(ValueError):
        manifest(ITEMS, CTX, names[:2])


# --- printable page ----------------------------------------------------------------------------


def test_schedule_html_is_self_contained_and_escaped() -> None:
    page = schedule_html(ITEMS, CTX)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Xã An &lt;Thạnh&gt;" in page and "Khóm 3 &amp; 4" in page
    for header in ("Giờ", "Ấp/Khóm", "Ngôn ngữ", "Thông điệp", "Thời lượng", "Trạng thái"):
        assert f"<th>{header}</th>" in page
    assert "<th>Đã phát</th>" in page
    assert page.count("☐") == 4  # one box per playable item
    assert "ភាសាខ្មែរ" in page and "Thiếu bản phát" in page and "0:31" in page
    assert "PHÁT NGAY" in page
    for external in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert external not in page.replace("http://evil.example", "")
    assert page.index("Bão số 5") < page.index("06:30")  # playlist order: play-now first


def test_schedule_html_shows_empty_days_and_file_names() -> None:
    ctx = replace(CTX, days=(DAY, date(2025, 6, 3)))
    page = schedule_html(ITEMS[:2], ctx, assign_file_names(ITEMS[:2]))
    assert "Thứ Hai, 02/06/2025" in page and "Thứ Ba, 03/06/2025" in page
    assert "Không có mục nào." in page
    assert file_name(ITEMS[1], 2) in page


# --- iCalendar ---------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_ics_escape() -> None:
    assert ics_escape("a\\b;c,d\r\ne\rf\x07g") == "a\\\\b\\;c\\,d\\ne\\nf g"


@pytest.mark.parametrize("prefix", range(8))
def test_ics_fold_never_splits_a_character(prefix: int) -> None:
    line = "SUMMARY:" + "x" * prefix + "ភាសាខ្មែរ😀中文Tiếng Việt" * 12
    folded = ics_fold(line)
    physical = folded.encode("utf-8").split(b"\r\n")
    assert len(physical) > 1
    for number, raw in enumerate(physical):
        assert len(raw) <= 75
        assert raw.decode("utf-8")  # strict: a split character would raise
        assert raw.startswith(b" ") == (number > 0)
    assert folded.replace("\r\n ", "") == line
    assert ics_fold("SHORT:x") == "SHORT:x"


def test_ics_calendar() -> None:
    long_title = "Thông báo " + "ភាសាខ្មែរ " * 20
    items = [*ITEMS, replace(ITEMS[4], title=long_title, schedule_id=7)]
    text = ics(items, CTX)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for raw in text.encode("utf-8").split(b"\r\n"):
        assert len(raw) <= 75
        raw.decode("utf-8")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "X-WR-TIMEZONE:Asia/Ho_Chi_Minh" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(items)
    events = [dict(line.split(":", 1) for line in chunk.split("\n")) for chunk in vevents(lines)]
    first = events[0]
    assert first["DTSTART"] == "20250602T000000Z" and first["DTEND"] == "20250602T000031Z"
    assert first["DTSTAMP"] == "20250601T201530Z"
    assert first["UID"] == "20250602T070000-94101-s3-kinh@audio-manager.local"
    assert first["SUMMARY"] == "Bão số 5 (Tiếng Việt)"
    assert "Ấp Sóc Vồ\\, Khóm 3 & 4" in first["DESCRIPTION"]
    assert "\\n" in first["DESCRIPTION"] and first["PRIORITY"] == "1"
    assert events[4]["SUMMARY"] == "Gia hạn\\; thẻ\\, BHYT\\\\ (中文)"
    assert "\\n#EXTINF:1\\,pwned\\nhttp://evil" in events[1]["SUMMARY"]
    missing = events[2]
    assert "DTEND" not in missing and missing["SUMMARY"].startswith("[Thiếu bản phát]")
    assert events[-1]["SUMMARY"] == ics_escape(f"{long_title} (中文)")
    uids = [event["UID"] for event in events]
    assert len(set(uids)) == len(uids)
    assert ics(items, CTX) == text  # stable
    assert "@b-c.example" in ics(ITEMS[:1], CTX, uid_domain="b c.example\r\nX:1")


def vevents(lines: list[str]) -> Iterable[str]:
    chunk: list[str] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            chunk = []
        elif line == "END:VEVENT":
            yield "\n".join(chunk)
        else:
            chunk.append(line)


# --- ZIP ---------------------------------------------------------------------------------------


class Opener:
    """open_audio for the tests: serves AUDIO by sha256 and records what was opened/closed."""

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self.data = data if data is not None else BY_SHA
        self.opened: list[str] = []
        self.streams: list[io.BytesIO] = []

    def __call__(self, it: PlaylistItem) -> BinaryIO:
        assert it.sha256 is not None
        self.opened.append(it.sha256)
        stream = io.BytesIO(self.data[it.sha256])
        self.streams.append(stream)
        return stream


def test_zip_contents_dedup_and_references() -> None:
    opener = Opener()
    chunks = list(zip_stream(ITEMS, CTX, opener, chunk_size=1000))
    assert all(stream.closed for stream in opener.streams)
    assert opener.opened == [SHA["alpha"], SHA["bravo"], SHA["charlie"]]  # bravo once
    assert max(len(c) for c in chunks[1:]) < 1000 + 200  # the first holds the text files
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = assign_file_names(ITEMS)
    audio = [names[0], names[1], names[4]]
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html", *audio]
    for name, sha in zip(audio, (SHA["alpha"], SHA["bravo"], SHA["charlie"]), strict=True):
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.read(name) == BY_SHA[sha]
        assert local_header_has_zip64(archive, info)
    assert archive.getinfo(names[0]).date_time == (2025, 6, 2, 7, 0, 0)
    for name in ("playlist.m3u8", "manifest.json", "schedule.html"):
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.date_time == (2025, 6, 2, 3, 15, 30)  # generated_at, local time
    playlist = archive.read("playlist.m3u8").decode("utf-8")
    referenced = [line for line in playlist.splitlines() if not line.startswith("#")]
    assert referenced == [names[0], names[1], names[3], names[4]]
    assert set(referenced) <= set(archive.namelist())
    assert "# MISSING: khmer" in playlist
    data = json.loads(archive.read("manifest.json"))
    assert [row["file"] for row in data["items"]] == names
    page = archive.read("schedule.html").decode("utf-8")
    assert "&lt;script&gt;" in page and names[4] in page
    again = b"".join(zip_stream(ITEMS, CTX, Opener(), chunk_size=1000))
    assert again == b"".join(chunks)  # deterministic bytes


def local_header_has_zip64(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    fp = archive.fp
    assert fp is not None
    fp.seek(info.header_offset)
    header = fp.read(30)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    extra = fp.read(name_len + extra_len)[name_len:]
    return header[:4] == b"PK\x03\x04" and extra[:2] == b"\x01\x00"


def test_zip_with_no_playable_item() -> None:
    opener = Opener()
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zip_stream(ITEMS[2:3], CTX, opener))))
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html"]
    assert opener.opened == []


def test_zip_rejects_audio_that_does_not_match() -> None:
    opener = Opener({SHA["alpha"]: b"tampered"})
    with pytest.raises(ExportIntegrityError, match="expected"):
        b"".join(zip_stream(ITEMS[:1], CTX, opener))
    assert opener.streams[0].closed
    same_size = Opener({SHA["alpha"]: b"x" * len(AUDIO["alpha"])})
    with pytest.raises(ExportIntegrityError):
        b"".join(zip_stream(ITEMS[:1], CTX, same_size))
    unchecked = b"".join(zip_stream(ITEMS[:1], CTX, Opener({SHA["alpha"]: b"t"}), verify=False))
    assert zipfile.ZipFile(io.BytesIO(unchecked)).read(file_name(ITEMS[0], 1)) == b"t"


def test_zip_closes_the_source_when_the_client_goes_away() -> None:
    opener = Opener()
    stream = zip_stream(ITEMS, CTX, opener, chunk_size=100)
    next(stream), next(stream)
    stream.close()
    assert opener.streams and all(s.closed for s in opener.streams)


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


def generated_crc(size: int, seed: int) -> int:
    block, crc = Generated(0, seed).block, 0
    for _ in range(size // len(block)):
        crc = zlib.crc32(block, crc)
    return zlib.crc32(block[: size % len(block)], crc)


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


def test_zip_streams_200_mb_in_constant_memory() -> None:
    items = [
        replace(
            ITEMS[0],
            at=at(f"{6 + n:02d}:00"),
            schedule_id=n + 1,
            sha256=f"{n + 1:064x}",
            size=FILE_SIZE,
        )
        for n in range(4)
    ]
    items.append(replace(items[0], language="hoa"))  # same audio: stored once
    opened: list[int] = []

    def open_audio(it: PlaylistItem) -> BinaryIO:
        opened.append(it.schedule_id)
        return Generated(FILE_SIZE, it.schedule_id)  # type: ignore[return-value]

    total, tail = 0, b""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for chunk in zip_stream(items, CTX, open_audio, verify=False):
            total += len(chunk)
            tail = (tail + chunk)[-(256 * 1024) :]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert opened == [1, 2, 3, 4]
    assert 4 * FILE_SIZE < total < 4 * FILE_SIZE + 64 * 1024
    archive = zipfile.ZipFile(TailFile(total, tail))
    names = assign_file_names(items)
    assert archive.namelist() == ["playlist.m3u8", "manifest.json", "schedule.html", *names[:4]]
    for n, name in enumerate(names[:4]):
        info = archive.getinfo(name)
        expected = (FILE_SIZE, FILE_SIZE, generated_crc(FILE_SIZE, n + 1))
        assert (info.file_size, info.compress_size, info.CRC) == expected
    last = archive.getinfo(names[3])
    end_of_data = last.header_offset + 30 + len(names[3]) + 20 + FILE_SIZE + 24
    assert end_of_data == archive.start_dir  # the central directory follows the last entry

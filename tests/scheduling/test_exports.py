"""Playlist exports (M3U8, manifest, printable page, iCalendar, streamed ZIP) from literal items."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from audio_manager.scheduling import LOCAL_TZ, PlaylistItem
from audio_manager.scheduling.exports import (
    ExportContext,
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
    revised_at=datetime(2025, 6, 1, 20, 15, 30, tzinfo=UTC),
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
    assert extinf[0] == "#EXTINF:30.200,Bão số 5 [Tiếng Việt]"  # the measured duration
    assert extinf[3].startswith("#EXTINF:") and extinf[3].endswith(",Gia hạn; thẻ, BHYT\\ [中文]")
    # HLS: players (ffmpeg, mpv, VLC) treat it as a finished list and play it all, in order
    assert lines[1:5] == [
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:31",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    assert lines[-1] == "#EXT-X-ENDLIST"
    assert "# MISSING: khmer (ភាសាខ្មែរ) at 2025-06-02 06:30 — BHXH tự nguyện" in lines
    assert any(
        line.startswith("# EXPIRED: kinh (Tiếng Việt) at 2025-06-02 18:00") for line in lines
    )


def test_m3u8_titles_cannot_inject_lines() -> None:
    text = m3u8(ITEMS, lambda it, i: f"{i}.mp3\r\n#EXTINF:9,x", CTX)
    lines = text.split("\n")
    assert sum(line.startswith("#EXTINF:") for line in lines) == 4
    assert not any(line.startswith("http://evil") for line in lines)
    assert ",Tin <script>alert(1)</script> #EXTINF:1,pwned http://evil" in text
    for separator in ("\u2028", "\x85", "\x0b"):
        one = m3u8([replace(ITEMS[0], title=f"a{separator}b")], lambda it, i: "u", CTX)
        assert "#EXTINF:30.200,a b [Tiếng Việt]" in one.splitlines()


def test_m3u8_unknown_duration_is_minus_one() -> None:
    text = m3u8([replace(ITEMS[0], duration_s=None)], lambda it, i: "a.mp3", CTX)
    assert "#EXTINF:-1,Bão số 5 [Tiếng Việt]" in text


# --- manifest ----------------------------------------------------------------------------------


def test_manifest_fields() -> None:
    names = assign_file_names(ITEMS)
    data = json.loads(json.dumps(manifest(ITEMS, CTX, names)))
    assert data["area"] == {"code": "94101", "name": "Xã An <Thạnh>"}
    assert data["days"] == ["2025-06-02"]
    assert data["revised_at"] == "2025-06-01T20:15:30+00:00"
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
    assert "ភាសាខ្មែរ" in page and "Thiếu bản phát" in page and "0:30" in page  # 30.2 s
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
    assert first["DTSTART"] == "20250602T000000Z" and first["DTEND"] == "20250602T000030Z"
    assert first["DTSTAMP"] == "20250601T201530Z"  # when the data last changed
    assert "METHOD" not in "".join(lines)  # libical wants an ORGANIZER with a METHOD
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

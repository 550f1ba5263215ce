"""A resolved playlist as files for commune operators: M3U8, manifest JSON, a printable schedule
page, iCalendar and a ZIP of all of them with the audio, streamed in constant memory.

Pure code: no Flask, no database. Every function takes the ``PlaylistItem``s in playlist order
and an ``ExportContext`` with the names the items only refer to by id or code. Output is
deterministic for identical inputs (no ``now()``): the same playlist gives the same bytes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .playlist import PlaylistItem
from .recurrence import LOCAL_TZ

TIMEZONE_NAME = "Asia/Ho_Chi_Minh"
MANIFEST_FORMAT = "audio_manager.playlist/1"
ZIP_PLAYLIST, ZIP_MANIFEST, ZIP_SCHEDULE = "playlist.m3u8", "manifest.json", "schedule.html"

STATUS_LABELS = {"ok": "Sẵn sàng", "missing": "Thiếu bản phát", "expired": "Hết hiệu lực"}
PRIORITY_LABELS = {"normal": "Thông thường", "priority": "Ưu tiên", "emergency": "Khẩn cấp"}
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
ICS_PRIORITY = {"emergency": 1, "priority": 5, "normal": 9}

# Control characters and everything str.splitlines() treats as a line break.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9_-]+")

Items = Sequence[PlaylistItem]  # in playlist order
FileNames = Sequence[str | None]  # parallel to the items, see assign_file_names


class ExportIntegrityError(RuntimeError):
    """Audio read for the ZIP does not match the item's size or sha256: the stream is aborted."""


@dataclass(frozen=True)
class ExportContext:
    area_code: str
    area_name: str
    hamlet_names: Mapping[int, str]
    language_names: Mapping[str, str]  # code -> native name, e.g. {"khmer": "ភាសាខ្មែរ"}
    revised_at: datetime  # aware
    days: Sequence[date]

    def __post_init__(self) -> None:
        if self.revised_at.tzinfo is None:
            raise ValueError("revised_at must be an aware datetime")

    def language_name(self, code: str) -> str:
        return self.language_names.get(code, code)

    def hamlets(self, item: PlaylistItem) -> list[str]:
        return [self.hamlet_names.get(h, f"#{h}") for h in item.hamlet_ids]


def _one_line(text: str) -> str:
    """``text`` with line breaks and control characters turned into single spaces."""
    return _BREAKS.sub(" ", text).strip()


def ascii_token(text: str, default: str) -> str:
    return _UNSAFE_ASCII.sub("-", text).strip("-") or default


def local_time(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def clock(seconds: float | None) -> str:
    """``m:ss`` of a measured duration, to the nearest second ("—" when unknown). Totals are
    added up before rounding, so a day of 21 items of 10.0 s reads 3:30, not 3:51."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


# --- file names --------------------------------------------------------------------------------


def file_name(item: PlaylistItem, index: int) -> str:
    """``{index:03d}_{HHMM}_{language}_v{version_number}_{sha256[:8]}.mp3``, ASCII only.

    ``index`` is the 1-based position of the item in the playlist. Never built from the title.
    Raises ``ValueError`` for an item without audio (no sha256 or version number).
    """
    sha = (item.sha256 or "").lower()
    if item.version_number is None or not re.fullmatch(r"[0-9a-f]{8,}", sha):
        raise ValueError(f"item {index} has no audio to name (status {item.status!r})")
    hhmm = local_time(item.at).strftime("%H%M")
    language = ascii_token(item.language, "und")
    return f"{index:03d}_{hhmm}_{language}_v{int(item.version_number)}_{sha[:8]}.mp3"


def assign_file_names(items: Items) -> list[str | None]:
    """The ZIP file name of each item (parallel to ``items``), ``None`` for items not "ok".

    Audio is deduplicated by sha256: later items with the same content reuse the name given to
    the first one, so one file in the archive may be referenced by several items.
    """
    by_sha: dict[str, str] = {}
    names: list[str | None] = []
    for index, item in enumerate(items, start=1):
        if item.status != "ok" or not item.sha256:
            names.append(None)
            continue
        key = item.sha256.lower()
        if key not in by_sha:
            by_sha[key] = file_name(item, index)
        names.append(by_sha[key])
    return names


# --- M3U8 --------------------------------------------------------------------------------------


def m3u8(
    items: Items,
    url_for: Callable[[PlaylistItem, int], str],
    ctx: ExportContext,
    title: str | None = None,
) -> str:
    """An HLS media playlist (VOD, ended) that players open as a list of whole files: ffmpeg,
    mpv and VLC play every item in order. UTF-8, ``\\n`` line ends; ``url_for(item, index)``
    gets the 1-based index. ``#EXTINF`` carries the measured duration to the millisecond.

    Only "ok" items are playable entries; every other item becomes a ``#`` comment line naming
    the language and time that is missing, so nothing disappears silently.
    """
    playable = [item for item in items if item.status == "ok"]
    longest = max((item.duration_s or 0.0 for item in playable), default=1.0)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(longest))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#PLAYLIST:{_one_line(title or ctx.area_name)} {', '.join(map(str, ctx.days))}",
        f"# {_one_line(ctx.area_code)} · revised {ctx.revised_at.isoformat()}",
    ]
    for index, item in enumerate(items, start=1):
        title_text = _one_line(item.title)
        language = _one_line(ctx.language_name(item.language))
        when = local_time(item.at).strftime("%Y-%m-%d %H:%M")
        if item.status != "ok":  # a comment, so the gap is visible to whoever reads the file
            lines.append(
                f"# {item.status.upper()}: {item.language} ({language}) at {when} — {title_text}"
            )
        else:
            duration = "-1" if item.duration_s is None else f"{item.duration_s:.3f}"
            lines.append(f"#EXTINF:{duration},{title_text} [{language}]")
            lines.append(_one_line(url_for(item, index)))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


# --- manifest ----------------------------------------------------------------------------------

_MANIFEST_FIELDS = (
    "title", "priority", "play_now", "status", "schedule_id", "message_id", "version_id",
    "version_number", "sha256", "size", "duration_s",
)  # fmt: skip


def manifest(
    items: Items, ctx: ExportContext, file_names: FileNames | None = None
) -> dict[str, Any]:
    """A JSON-able description of the playlist. ``file_names`` is parallel to ``items`` (see
    ``assign_file_names``); without it every ``file`` is ``None`` (e.g. for the JSON API)."""
    if file_names is not None and len(file_names) != len(items):
        raise ValueError("file_names must have one entry per item")
    counts = {status: 0 for status in STATUS_LABELS}
    rows = []
    for index, item in enumerate(items, start=1):
        counts[item.status] = counts.get(item.status, 0) + 1
        row: dict[str, Any] = {
            "index": index,
            "time": local_time(item.at).isoformat(),
            "hamlets": [{"id": h, "name": ctx.hamlet_names.get(h)} for h in item.hamlet_ids],
            "language": item.language,
            "language_name": ctx.language_name(item.language),
        }
        row.update((name, getattr(item, name)) for name in _MANIFEST_FIELDS)
        row["file"] = file_names[index - 1] if file_names is not None else None
        rows.append(row)
    return {
        "format": MANIFEST_FORMAT,
        "area": {"code": ctx.area_code, "name": ctx.area_name},
        "days": [day.isoformat() for day in ctx.days],
        "timezone": TIMEZONE_NAME,
        "revised_at": ctx.revised_at.isoformat(),
        "counts": {"items": len(rows), **counts},
        "items": rows,
    }


# --- printable schedule ------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 12mm; }
body { font: 11pt "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 0; color: #000; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 4pt; }
table { width: 100%; border-collapse: collapse; } thead { display: table-header-group; }
tr { page-break-inside: avoid; } th { background: #eee; }
th, td { border: 1px solid #000; padding: 3pt 5pt; text-align: left; vertical-align: top; }
td.num { white-space: nowrap; } td.box { text-align: center; font-size: 16pt; }
tr.missing td, tr.expired td { color: #555; font-style: italic; background: #f4f4f4; }
.badge { font-weight: bold; font-style: normal; } .sign { margin-top: 24pt; display: flex;
  justify-content: space-between; } .file { font: 8pt monospace; color: #333; }
"""

_HEADERS = ("Giờ", "Ấp/Khóm", "Ngôn ngữ", "Thông điệp", "Thời lượng", "Trạng thái", "Đã phát")


def _row(item: PlaylistItem, ctx: ExportContext, name: str | None, link: str | None) -> str:
    e = html.escape
    title = e(item.title)
    if item.play_now:
        title = f'<span class="badge">KHẨN CẤP – PHÁT NGAY</span><br>{title}'
    elif item.priority == "priority":
        title = f'<span class="badge">Ưu tiên</span><br>{title}'
    if name:
        title += f'<br><span class="file">{e(name)}</span>'
    if link:
        title += f'<br><a class="file" href="{e(link)}">▶ {e(ctx.language_name(item.language))}</a>'
    cells = (
        f'<td class="num">{local_time(item.at):%H:%M}</td>',
        f"<td>{e(', '.join(ctx.hamlets(item)))}</td>",
        f"<td>{e(ctx.language_name(item.language))}</td>",
        f"<td>{title}</td>",
        f'<td class="num">{clock(item.duration_s)}</td>',
        f"<td>{e(STATUS_LABELS.get(item.status, item.status))}</td>",
        f'<td class="box">{"☐" if item.status == "ok" else "—"}</td>',
    )
    return f'<tr class="{e(item.status)}">{"".join(cells)}</tr>'


def schedule_html(
    items: Items,
    ctx: ExportContext,
    file_names: FileNames | None = None,
    url_for: Callable[[PlaylistItem, int], str] | None = None,
) -> str:
    """A self-contained printable page (inline CSS, no external resource), one table per day.
    With ``file_names`` (as for the ZIP) each row also shows the audio file to play; with
    ``url_for(item, index)`` each playable row links to its audio (signed links)."""
    e = html.escape
    by_day: dict[date, list[str]] = {day: [] for day in ctx.days}
    for index, item in enumerate(items):
        name = file_names[index] if file_names is not None else None
        link = url_for(item, index + 1) if url_for is not None and item.status == "ok" else None
        by_day.setdefault(local_time(item.at).date(), []).append(_row(item, ctx, name, link))
    header = "".join(f"<th>{h}</th>" for h in _HEADERS)
    sections = []
    for day in sorted(by_day):
        rows = by_day[day] or [f'<tr><td colspan="{len(_HEADERS)}">Không có mục nào.</td></tr>']
        sections.append(
            f"<h2>{WEEKDAYS_VI[day.weekday()]}, {day:%d/%m/%Y}</h2>\n"
            f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
            + "\n".join(rows)
            + "\n</tbody>\n</table>"
        )
    missing = sum(1 for item in items if item.status != "ok")
    total = sum(item.duration_s or 0.0 for item in items if item.status == "ok")
    revised = local_time(ctx.revised_at)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Lịch phát – {e(ctx.area_name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>Lịch phát loa – {e(ctx.area_name)} ({e(ctx.area_code)})</h1>\n"
        f'<p class="meta">{len(items)} mục · tổng thời lượng {clock(total)}'
        f" · {missing} mục không phát được · cập nhật {revised:%H:%M %d/%m/%Y}</p>\n"
        + "\n".join(sections)
        + '\n<div class="sign"><span>Ghi chú: ....................................</span>'
        "<span>Người phát (ký, ghi rõ họ tên)</span></div>\n</body>\n</html>\n"
    )

"""A playlist as an RFC 5545 calendar: one event per item, in UTC, CRLF lines folded at 75
octets."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .exports import (
    ICS_PRIORITY,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TIMEZONE_NAME,
    ExportContext,
    Items,
    ascii_token,
    local_time,
)
from .playlist import PlaylistItem


def ics_escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped; other controls dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def ics_fold(line: str, limit: int = 75) -> str:
    """Fold a content line so no physical line exceeds ``limit`` octets (continuations start
    with a space), never splitting a UTF-8 character."""
    if len(line.encode("utf-8")) <= limit:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, room = 0, limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > room:
            parts.append("".join(current))
            current, size, room = [], 0, limit - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(
    items: Items,
    ctx: ExportContext,
    uid_domain: str = "audio-manager.local",
    url_for: Callable[[PlaylistItem, int], str] | None = None,
) -> str:
    """An RFC 5545 calendar with one VEVENT per item (CRLF line ends, folded lines).

    UIDs are stable: area code, local date and time, schedule id and language. DTSTAMP is when
    the playlist's data last changed (``ctx.revised_at``), so unchanged data gives the same
    bytes. DTEND is the start plus the measured duration, to the second; it is left out when
    the duration is unknown (a missing item): the event then has no length. No METHOD: a
    published calendar, not a scheduling message (libical requires an ORGANIZER with one). With
    ``url_for(item, index)`` a playable event carries its audio as ``ATTACH`` (a signed link).
    """
    domain = re.sub(r"[^A-Za-z0-9.-]+", "-", uid_domain).strip("-.") or "audio-manager.local"
    area = ascii_token(ctx.area_code, "area")
    stamp = _utc(ctx.revised_at)
    lines = [
        *("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//audio_manager//playlist//VI"),
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_escape(f'Lịch phát – {ctx.area_name}')}",
        f"X-WR-TIMEZONE:{TIMEZONE_NAME}",
    ]
    for index, item in enumerate(items, start=1):
        local = local_time(item.at)
        language = ctx.language_name(item.language)
        status = STATUS_LABELS.get(item.status, item.status)
        summary = f"{'' if item.status == 'ok' else f'[{status}] '}{item.title} ({language})"
        description = (
            f"Ấp/Khóm: {', '.join(ctx.hamlets(item))}\nNgôn ngữ: {language}\n"
            f"Trạng thái: {status}\nPhiên bản: v{item.version_number or '—'}\n"
            f"Mức ưu tiên: {PRIORITY_LABELS.get(item.priority, item.priority)}"
            + (" – phát ngay" if item.play_now else "")
        )
        uid = (
            f"{local:%Y%m%dT%H%M%S}-{area}-s{item.schedule_id}"
            f"-{ascii_token(item.language, 'und')}@{domain}"
        )
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART:{_utc(item.at)}"]
        if item.duration_s:
            end = item.at + timedelta(seconds=max(1, round(item.duration_s)))
            lines.append(f"DTEND:{_utc(end)}")
        lines += [
            f"SUMMARY:{ics_escape(summary)}",
            f"DESCRIPTION:{ics_escape(description)}",
            f"LOCATION:{ics_escape(ctx.area_name)}",
            f"PRIORITY:{ICS_PRIORITY.get(item.priority, 0)}",
            "TRANSP:TRANSPARENT",
        ]
        if url_for is not None and item.status == "ok":
            lines.append(f"ATTACH;FMTTYPE=audio/mpeg:{url_for(item, index)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)

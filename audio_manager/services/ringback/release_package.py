"""The ZIP sent to a carrier: the audio in the carrier's upload profile and a metadata sheet
(XLSX, Vietnamese headers) describing it."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...models import Carrier, Version
from ...production.profiles import Profile
from ..spreadsheets import append_row, new_workbook, set_widths, workbook_bytes

if TYPE_CHECKING:
    from ...production.measure import Measurement

METADATA_NAME = "metadata.xlsx"
# Fixed entry times: the same audio and sheet make the same archive.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackageInfo:
    version: Version
    carrier: Carrier
    profile: Profile
    audio_name: str
    audio: Measurement
    content_code: str | None
    prepared_at: datetime


def audio_name(version: Version, carrier: Carrier, profile: Profile) -> str:
    """An ASCII file name made only of ids and validated codes."""
    variant = version.variant
    return (
        f"{carrier.code}-m{variant.message_id}-{variant.language}-v{version.number}."
        f"{profile.extension}"
    )


def metadata_rows(info: PackageInfo) -> list[tuple[str, object]]:
    version, audio = info.version, info.audio
    message = version.variant.message
    approver = version.decided_by
    return [
        ("Nhà mạng", info.carrier.name),
        ("Mã nhạc chờ", info.content_code or ""),
        ("Tên nội dung", message.title),
        ("Chủ đề", message.topic),
        ("Ngôn ngữ", version.variant.language),
        ("Phiên bản", version.number),
        ("Tệp âm thanh", info.audio_name),
        ("Định dạng", info.profile.codec),
        ("Thời lượng (giây)", round(audio.duration_s or 0.0, 2)),
        ("Tần số lấy mẫu (Hz)", audio.sample_rate),
        ("Tốc độ bit (kbit/s)", round(audio.bitrate / 1000) if audio.bitrate else ""),
        ("Độ lớn (LUFS)", round(audio.lufs, 1) if audio.lufs is not None else ""),
        ("SHA-256", audio.sha256),
        ("Kịch bản", version.script_text or ""),
        ("Người duyệt", (approver.display_name or approver.username) if approver else ""),
        ("Ngày duyệt", f"{version.decided_at:%d/%m/%Y}" if version.decided_at else ""),
        ("Ngày chuẩn bị", f"{info.prepared_at:%d/%m/%Y}"),
    ]


def metadata_xlsx(info: PackageInfo) -> bytes:
    """One header row and one row for the file, as carriers' content systems import them."""
    from openpyxl.styles import Font

    rows = metadata_rows(info)
    book = new_workbook()
    sheet = book.active
    sheet.title = "Nhạc chờ"
    header = [name for name, _ in rows]
    values = [value for _, value in rows]
    append_row(sheet, header)
    append_row(sheet, values)  # title, topic, script: people's text, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    set_widths(sheet, [header, values])
    return workbook_bytes(book)


def write_zip(dest: Path, info: PackageInfo, audio_path: Path) -> Path:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(info.audio_name, date_time=ZIP_TIME)
        entry.compress_type = zipfile.ZIP_STORED  # audio does not compress
        with audio_path.open("rb") as src, archive.open(entry, "w") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        sheet = zipfile.ZipInfo(METADATA_NAME, date_time=ZIP_TIME)
        sheet.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(sheet, metadata_xlsx(info))
    return dest

"""The station agent as a wheel, built from this server's own sources (standard library only).

The station PC installs it with pip alone: ``audio_manager/__init__.py`` (which imports
nothing at import time) and ``audio_manager/station/``, depending only on ``miniaudio``.
The bytes are the same for the same sources (fixed timestamps, sorted entries), so the
download has a stable validator.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from functools import cache
from pathlib import Path

from ..station import __version__

PACKAGE = Path(__file__).resolve().parent.parent
DISTRIBUTION = "audio_manager_station"
REQUIRES = ("miniaudio>=1.59",)
STAMP = (2020, 1, 1, 0, 0, 0)


def file_name() -> str:
    return f"{DISTRIBUTION}-{__version__}-py3-none-any.whl"


def _sources() -> list[tuple[str, bytes]]:
    files = [PACKAGE / "__init__.py", *sorted((PACKAGE / "station").glob("*.py"))]
    return [(f"audio_manager/{p.relative_to(PACKAGE).as_posix()}", p.read_bytes()) for p in files]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


@cache
def build() -> bytes:
    info = f"{DISTRIBUTION}-{__version__}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: audio-manager-station",
            f"Version: {__version__}",
            "Summary: The commune station agent of audio_manager: plays the schedule on time, "
            "offline too, and reports every play.",
            "Requires-Python: >=3.11",
            *(f"Requires-Dist: {r}" for r in REQUIRES),
            "",
        ]
    )
    wheel = "Wheel-Version: 1.0\nGenerator: audio_manager\nRoot-Is-Purelib: true\n"
    wheel += "Tag: py3-none-any\n"
    entry = "[console_scripts]\naudio-manager-station = audio_manager.station.__main__:main\n"
    files = [
        *_sources(),
        (f"{info}/METADATA", metadata.encode()),
        (f"{info}/WHEEL", wheel.encode()),
        (f"{info}/entry_points.txt", entry.encode()),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    files.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            entry_info = zipfile.ZipInfo(name, STAMP)
            entry_info.external_attr = 0o644 << 16
            entry_info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry_info, data)
    return buffer.getvalue()

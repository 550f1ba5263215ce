"""An office's logo or background image: recognised by its bytes, bounded, re-encoded.

Only PNG, JPEG and WebP are accepted, known by their first bytes (never by the file's name);
the pixel size is read from the header before anything decodes it (a small file can claim a
huge picture), and the image is re-encoded by ffmpeg into a plain PNG no larger than
``MAX_OUTPUT_SIDE`` so what is stored and rendered is always a picture we made.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg
from ..errors import FFmpegError, ProductionError

MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
MAX_OUTPUT_SIDE = 1920


class ImageError(ProductionError):
    code = "bad_image"


@dataclass(frozen=True)
class ImageKind:
    name: str
    width: int
    height: int


def _png(head: bytes) -> tuple[int, int] | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    if not (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        return width, int.from_bytes(head[27:30], "little") + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def sniff_image(data: bytes) -> ImageKind:
    """What the bytes are (PNG, JPEG or WebP) and their pixel size; refuses anything else,
    and pictures over ``MAX_SIDE`` a side or ``MAX_PIXELS`` in all."""
    for name, reader in (("png", _png), ("webp", _webp), ("jpeg", _jpeg)):
        size = reader(data)
        if size is None:
            continue
        width, height = size
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE) or width * height > MAX_PIXELS:
            raise ImageError(
                f"The image is {width}x{height} pixels: at most {MAX_SIDE} a side.",
                details={"width": width, "height": height, "max_side": MAX_SIDE},
            )
        return ImageKind(name, width, height)
    raise ImageError("This is not a PNG, JPEG or WebP image.")


def normalise_image(data: bytes, dest: str | Path) -> ImageKind:
    """Check ``data`` and write it to ``dest`` as a PNG of at most ``MAX_OUTPUT_SIDE`` a side
    (transparency kept). Returns the written picture's kind and size."""
    kind = sniff_image(data)
    scale = min(1.0, MAX_OUTPUT_SIDE / max(kind.width, kind.height))
    width = max(2, round(kind.width * scale))
    height = max(2, round(kind.height * scale))
    demuxer = {"png": "png_pipe", "jpeg": "jpeg_pipe", "webp": "webp_pipe"}[kind.name]
    try:
        ffmpeg.run(
            ["-f", demuxer, "-i", "pipe:0", "-frames:v", "1",
             "-vf", f"scale={width}:{height}:flags=lanczos,format=rgba",
             "-f", "image2", "-c:v", "png", "-y", ffmpeg.path_arg(dest)],
            input=data,
            timeout=60,
        )  # fmt: skip
    except FFmpegError as exc:
        Path(dest).unlink(missing_ok=True)
        raise ImageError("The image could not be read: it may be damaged.") from exc
    return ImageKind("png", width, height)

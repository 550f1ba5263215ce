#!/usr/bin/env python3
"""Write audio_manager/static/favicon.ico: a loudspeaker horn with two sound waves, white on
blue, at 16, 32 and 48 px (PNG images inside the ICO container; standard library only).

    python3 scripts/make_favicon.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "audio_manager" / "static" / "favicon.ico"
BLUE = (29, 78, 216)
WHITE = (255, 255, 255)


def coverage(x: float, y: float) -> bool:
    """The picture on a unit square: True where it is white."""
    # loudspeaker: a small box and a horn widening to the right
    if 0.18 <= x <= 0.32 and 0.40 <= y <= 0.60:
        return True
    if 0.32 <= x <= 0.52:
        half = 0.10 + (x - 0.32) * 0.9
        if abs(y - 0.5) <= half:
            return True
    # two arcs (sound waves) centred on the horn's mouth
    r = math.hypot(x - 0.52, y - 0.5)
    angle = abs(math.atan2(y - 0.5, x - 0.52))
    if x > 0.55 and angle < 0.8:
        return 0.12 <= r <= 0.18 or 0.25 <= r <= 0.31
    return False


def pixel(size: int, px: int, py: int) -> tuple[int, int, int, int]:
    samples = 4
    inside_circle = white = 0
    for sx in range(samples):
        for sy in range(samples):
            x = (px + (sx + 0.5) / samples) / size
            y = (py + (sy + 0.5) / samples) / size
            if math.hypot(x - 0.5, y - 0.5) <= 0.5:
                inside_circle += 1
                white += coverage(x, y)
    total = samples * samples
    if not inside_circle:
        return (0, 0, 0, 0)
    share = white / inside_circle
    rgb = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE, strict=True))
    return (*rgb, round(255 * inside_circle / total))


def png(size: int) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(size, x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    images = [(size, png(size)) for size in (16, 32, 48)]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, data in images:
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    OUT.write_bytes(
        struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(d for _s, d in images)
    )
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()

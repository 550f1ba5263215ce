"""Sound out: decoding MP3 with miniaudio, and the three outputs.

* ``default``: the PC's sound card through miniaudio (its own native code: WASAPI/DirectSound on
  Windows, PulseAudio/ALSA on Linux; nothing to install beyond the wheel).
* ``null``: plays nothing, takes the time the audio lasts (tests, a PC without a sound card).
* ``wav:FILE``: writes what would be heard, one play after another, each preceded by a short
  silence and marked with a RIFF cue point whose label is the (simulated) time it started, the
  language and the title: any audio editor shows the markers. A day of silence between plays is
  not written out, so a simulated day stays a few megabytes.

``miniaudio`` is imported when audio is first decoded or played, so ``setup``, ``sync`` and
``status`` work without it.
"""

from __future__ import annotations

import array
import struct
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

RATE = 44_100  # loudspeaker renditions are 44.1 kHz mono
GAP_WRITTEN_S = 0.5  # silence written before each play in a WAV


class OutputError(Exception):
    """The sound could not be decoded or played: the message says why."""


@dataclass
class Pcm:
    samples: array.array  # signed 16-bit, mono, RATE
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def decode(data: bytes) -> Pcm:
    try:
        import miniaudio
    except ImportError:  # pragma: no cover - the wheel declares it
        raise OutputError("miniaudio is not installed: pip install miniaudio") from None
    try:
        decoded = miniaudio.decode(
            data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=RATE
        )
    except miniaudio.DecodeError as exc:
        raise OutputError(f"undecodable audio: {exc}") from None
    samples = decoded.samples
    if not isinstance(samples, array.array):
        samples = array.array("h", samples)
    return Pcm(samples, RATE)


class Output:
    """Plays one sound at a time: ``start`` at a moment, ``stop`` when it ended or is cut."""

    name = "null"

    def start(self, pcm: Pcm, at: datetime, label: str) -> None:
        self._playing = (pcm, at)

    def stop(self, at: datetime) -> float:
        """Stop (or note the end); returns the seconds that were heard."""
        pcm, started = getattr(self, "_playing", (None, at))
        self._playing = (None, at)
        if pcm is None:
            return 0.0
        return max(0.0, min(pcm.seconds, (at - started).total_seconds()))

    def close(self) -> None:
        return None

    def probe(self) -> str | None:
        """Why this output cannot play now, or None."""
        return None


class NullOutput(Output):
    name = "null"


class WavOutput(Output):
    """A mono 16-bit WAV of every play, with a cue point and a label at each start."""

    def __init__(self, path: Path) -> None:
        self.name = f"wav:{path}"
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = path.open("wb")
        self._file.write(_header(0))
        self._frames = 0
        self._cues: list[tuple[int, str]] = []

    def stop(self, at: datetime) -> float:
        pcm, started = getattr(self, "_playing", (None, at))
        heard = super().stop(at)
        if pcm is None:
            return heard
        gap = array.array("h", bytes(2 * int(GAP_WRITTEN_S * RATE)))
        self._write(gap)
        label = getattr(self, "_label", "")
        self._cues.append((self._frames, f"{started.isoformat(timespec='milliseconds')} {label}"))
        self._write(pcm.samples[: round(heard * pcm.rate)])
        return heard

    def start(self, pcm: Pcm, at: datetime, label: str) -> None:
        super().start(pcm, at, label)
        self._label = label

    def _write(self, samples: array.array) -> None:
        if sys.byteorder != "little":  # pragma: no cover - WAV is little-endian
            samples = array.array("h", samples)
            samples.byteswap()
        self._file.write(samples.tobytes())
        self._frames += len(samples)

    def close(self) -> None:
        if self._file.closed:
            return
        data_bytes = self._frames * 2
        if data_bytes % 2:
            self._file.write(b"\0")
        extra = _cue_chunks(self._cues)
        self._file.write(extra)
        self._file.seek(0)
        self._file.write(_header(data_bytes, len(extra)))
        self._file.close()


def _header(data_bytes: int, extra: int = 0) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    riff_size = 4 + (8 + len(fmt)) + (8 + data_bytes) + extra
    return (
        b"RIFF"
        + struct.pack("<I", riff_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def _cue_chunks(cues: list[tuple[int, str]]) -> bytes:
    if not cues:
        return b""
    points = b"".join(
        struct.pack("<II4sIII", n, frame, b"data", 0, 0, frame)
        for n, (frame, _label) in enumerate(cues, start=1)
    )
    cue = struct.pack("<I", len(cues)) + points
    labels = b""
    for n, (_frame, text) in enumerate(cues, start=1):
        body = struct.pack("<I", n) + text.encode("utf-8") + b"\0"
        labels += b"labl" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")
    adtl = b"adtl" + labels
    cue_chunk = b"cue " + struct.pack("<I", len(cue)) + cue
    return cue_chunk + b"LIST" + struct.pack("<I", len(adtl)) + adtl


class DeviceOutput(Output):
    """The default sound card, through miniaudio."""

    name = "default"

    def __init__(self) -> None:
        try:
            import miniaudio
        except ImportError:  # pragma: no cover
            raise OutputError("miniaudio is not installed: pip install miniaudio") from None
        self._miniaudio = miniaudio
        self._device: Any = None

    def _open(self) -> Any:
        if self._device is None:
            try:
                self._device = self._miniaudio.PlaybackDevice(
                    output_format=self._miniaudio.SampleFormat.SIGNED16,
                    nchannels=1,
                    sample_rate=RATE,
                    app_name="audio_manager station",
                )
            except self._miniaudio.MiniaudioError as exc:
                raise OutputError(f"no sound card: {exc}") from None
        return self._device

    def probe(self) -> str | None:
        try:
            self._open()
        except OutputError as exc:
            return str(exc)
        return None

    def start(self, pcm: Pcm, at: datetime, label: str) -> None:
        device = self._open()
        super().start(pcm, at, label)
        stream = _frames(pcm.samples)
        next(stream)
        try:
            device.start(stream)
        except self._miniaudio.MiniaudioError as exc:
            self.close()
            raise OutputError(f"the sound card refused to play: {exc}") from None

    def stop(self, at: datetime) -> float:
        heard = super().stop(at)
        if self._device is not None:
            self._device.stop()
        return heard

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None


def _frames(samples: array.array) -> Any:
    """miniaudio's generator protocol: it sends how many frames it wants next."""
    position = 0
    wanted = yield b""
    while position < len(samples):
        chunk = samples[position : position + wanted]
        position += wanted
        wanted = yield chunk
    while True:  # silence until stopped
        wanted = yield array.array("h", bytes(2 * wanted))


def open_output(spec: str) -> Output:
    if spec == "null":
        return NullOutput()
    if spec == "default":
        return DeviceOutput()
    if spec.startswith("wav:") and len(spec) > 4:
        return WavOutput(Path(spec[4:]))
    raise OutputError(f"unknown output {spec!r}: use default, null or wav:FILE")

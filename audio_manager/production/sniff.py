"""Recognise audio files by their first bytes, never by their name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import EmptyAudioError, NotAudioError

HEAD_BYTES = 4096


@dataclass(frozen=True)
class AudioKind:
    """A recognised container: ``name`` is ours, ``demuxer`` is the ffmpeg ``-f`` to force."""

    name: str
    demuxer: str
    mime: str
    extension: str
    label: str


WAV = AudioKind("wav", "wav", "audio/wav", "wav", "WAV")
MP3 = AudioKind("mp3", "mp3", "audio/mpeg", "mp3", "MP3")
MP4 = AudioKind("mp4", "mov", "audio/mp4", "m4a", "MPEG-4 audio (m4a/aac)")
ADTS = AudioKind("aac", "aac", "audio/aac", "aac", "AAC (ADTS)")
OGG = AudioKind("ogg", "ogg", "audio/ogg", "ogg", "Ogg (Opus/Vorbis)")
WEBM = AudioKind("webm", "matroska", "audio/webm", "webm", "WebM/Matroska")
FLAC = AudioKind("flac", "flac", "audio/flac", "flac", "FLAC")
AMR = AudioKind("amr", "amr", "audio/amr", "amr", "AMR")
AIFF = AudioKind("aiff", "aiff", "audio/aiff", "aiff", "AIFF")

KINDS = {k.name: k for k in (WAV, MP3, MP4, ADTS, OGG, WEBM, FLAC, AMR, AIFF)}

# Common files people upload by mistake, named so the error can say what the file is.
_NOT_AUDIO: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\xd0\xcf\x11\xe0", "an office document"),
    (b"{\\rtf", "a text document"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _mpeg_audio_frame(head: bytes) -> bool:
    """A plausible MPEG-1/2/2.5 Layer I-III frame header at the start of ``head``."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 3
    layer = (head[1] >> 1) & 3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _adts_frame(head: bytes) -> bool:
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def sniff_bytes(head: bytes) -> AudioKind | None:
    """The audio container ``head`` starts with, or None if it is not one we accept."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"OggS":
        return OGG
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    if head[:4] == b"fLaC":
        return FLAC
    if head.startswith(b"#!AMR"):
        return AMR
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    if head[:3] == b"ID3":
        return MP3
    if _adts_frame(head):
        return ADTS
    if _mpeg_audio_frame(head):
        return MP3
    return None


def describe_non_audio(head: bytes) -> str | None:
    """What a non-audio file looks like ("a PNG image"), if we can tell."""
    for magic, label in _NOT_AUDIO:
        if head.startswith(magic):
            return label
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"AVI "):
        return "a WebP image" if head[8:12] == b"WEBP" else "an AVI video"
    text = head[:256].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "a web page"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an XML or SVG document"
    return None


def sniff_file(path: str | Path) -> AudioKind:
    """Identify the container of the file at ``path`` by content.

    ID3v2 tags are skipped to look at what follows (an ID3 tag may precede ADTS AAC).
    Raises :class:`EmptyAudioError` for an empty file, :class:`NotAudioError` otherwise.
    """
    path = Path(path)
    with path.open("rb") as src:
        head = src.read(HEAD_BYTES)
        if not head:
            raise EmptyAudioError("The file is empty.")
        kind = sniff_bytes(head)
        if kind is MP3 and head[:3] == b"ID3" and len(head) >= 10:
            src.seek(10 + _syncsafe(head[6:10]))
            after = src.read(16)
            if _adts_frame(after):
                kind = ADTS
    if kind is None:
        what = describe_non_audio(head)
        if what:
            raise NotAudioError(
                f"This file is {what}, not audio. Upload a recording "
                "(wav, mp3, m4a/aac, ogg/opus, webm, flac or amr).",
                details={"detected": what},
            )
        raise NotAudioError(
            "This file is not a recognised audio format "
            "(wav, mp3, m4a/aac, ogg/opus, webm, flac or amr).",
        )
    return kind

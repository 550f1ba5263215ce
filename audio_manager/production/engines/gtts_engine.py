"""Google Translate's text-to-speech through gTTS (online, free, unofficial).

gTTS calls an unofficial Google Translate endpoint with no service agreement and no quota: it
may stop working or be blocked at any time. It stays as a free fallback; offices that contract
speech use the official Google Cloud Text-to-Speech engine instead.

gTTS only knows "normal" and "slow"; other speeds are made with ffmpeg's ``atempo`` on the
normal reading, which keeps the pitch. Network failures and timeouts become
:class:`EngineUnavailableError` / :class:`EngineTimeoutError` so callers can fall back.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ..errors import (
    EngineError,
    EngineRefusedError,
    EngineTimeoutError,
    EngineUnavailableError,
    QuotaExceededError,
)
from .base import HAN, KHMER, LATIN, ClipCache, Engine, SpeechAudio, Voice

if TYPE_CHECKING:
    import requests

# requests, numpy and ffmpeg are imported when speech is made: listing voices on a page must
# not load them.

DEFAULT_TIMEOUT_S = 15.0
OUTPUT_RATE = 24000

VOICES = (
    Voice("vi", "vi", "vi", "Vietnamese", frozenset({LATIN}), locale="vi"),
    Voice("zh-CN", "zh", "cmn", "Mandarin, simplified", frozenset({HAN, LATIN}), locale="zh-CN"),
    Voice("zh-TW", "zh", "cmn", "Mandarin, Taiwan", frozenset({HAN, LATIN}), locale="zh-TW"),
    Voice("zh", "zh", "cmn", "Mandarin", frozenset({HAN, LATIN}), locale="zh"),
    Voice("yue", "zh", "yue", "Cantonese", frozenset({HAN, LATIN}), locale="yue"),
    Voice("km", "km", "km", "Khmer", frozenset({KHMER, LATIN}), locale="km"),
)


class GTTSEngine(Engine):
    name = "gtts"
    label = "Google Translate voice (free, unofficial)"
    online = True
    kind = "unofficial"

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_S, tld: str = "com") -> None:
        self.timeout = timeout
        self.tld = tld

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def synthesize(
        self, text: str, voice: Voice, speed: float = 1.0, *, cache: ClipCache | None = None
    ) -> SpeechAudio:
        mp3 = self._fetch(text, voice)
        return _decode_mp3(mp3, speed)

    def _fetch(self, text: str, voice: Voice) -> bytes:
        import requests
        from gtts import gTTS
        from gtts.tts import gTTSError

        buf = io.BytesIO()
        try:
            tts = gTTS(
                text, lang=voice.id, slow=False, lang_check=False, tld=self.tld,
                timeout=self.timeout,
            )  # fmt: skip
            tts.write_to_fp(buf)
        except gTTSError as exc:
            raise self._classify(exc.__context__ or exc, getattr(exc, "rsp", None)) from exc
        except requests.exceptions.RequestException as exc:
            raise self._classify(exc, None) from exc
        data = buf.getvalue()
        if not data:
            raise EngineError("Google returned no audio for this text.")
        return data

    def _classify(
        self, cause: BaseException, response: requests.Response | None
    ) -> EngineUnavailableError | EngineError:
        import requests

        if isinstance(cause, requests.exceptions.Timeout):
            return EngineTimeoutError(
                f"Google speech did not answer within {self.timeout:g} s.",
                details={"timeout_s": self.timeout},
            )
        if isinstance(cause, requests.exceptions.ConnectionError):
            return EngineUnavailableError("Google speech cannot be reached (no connection).")
        status = response.status_code if response is not None else None
        if status == 429:
            return QuotaExceededError(
                "Google speech refused: too many requests (HTTP 429).", details={"status": status}
            )
        if status is not None and status >= 500:
            return EngineUnavailableError(
                f"Google speech is unavailable (HTTP {status}).", details={"status": status}
            )
        if status is None and isinstance(cause, requests.exceptions.RequestException):
            return EngineUnavailableError("Google speech cannot be reached.")
        if status == 200:
            return EngineError("Google answered without audio for this text.")
        return EngineRefusedError(
            f"Google speech refused the request (HTTP {status}).", details={"status": status}
        )


def _decode_mp3(mp3: bytes, speed: float) -> SpeechAudio:
    """MP3 bytes to 16-bit mono WAV bytes at 24 kHz, changing tempo when ``speed`` != 1."""
    import numpy as np

    from .. import ffmpeg
    from ..pcm import wav_bytes

    args = ["-f", "mp3", "-i", "pipe:0", "-map", "0:a:0", "-ac", "1", "-ar", str(OUTPUT_RATE)]
    if abs(speed - 1.0) > 1e-3:
        args += ["-af", f"atempo={speed:.4f}"]
    try:
        raw = ffmpeg.run([*args, "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"], input=mp3)
    except ffmpeg.FFmpegError as exc:
        raise EngineError("Google returned audio that could not be decoded.") from exc
    samples = np.frombuffer(raw, dtype="<i2")
    if not len(samples) or not np.any(samples):
        raise EngineError("Google returned silent audio for this text.")
    return SpeechAudio(
        wav=wav_bytes(samples.astype(np.float32) / 32768.0, OUTPUT_RATE),
        sample_rate=OUTPUT_RATE,
        duration_s=len(samples) / OUTPUT_RATE,
    )

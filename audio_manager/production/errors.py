"""Errors raised by audio production.

Every error carries a stable ``code`` (for the API and for tests), a human ``message`` in
English (the web layer may translate by ``code`` using ``details``), optional ``details``
(plain, JSON-serialisable values) and an HTTP ``status`` hint.
"""

from __future__ import annotations

from typing import Any


class ProductionError(Exception):
    """Base class of every error raised by :mod:`audio_manager.production`."""

    code = "production_error"
    status = 422

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


# --- scripts and speech engines -------------------------------------------------------------


class EmptyScriptError(ProductionError):
    code = "empty_script"


class ScriptTooLongError(ProductionError):
    code = "script_too_long"


class UnsupportedScriptError(ProductionError):
    """The text is written in a script the chosen voice cannot read."""

    code = "unsupported_script"


class UnsupportedLanguageError(ProductionError):
    code = "unsupported_language"


class InvalidSpeedError(ProductionError):
    code = "invalid_speed"


class UnknownEngineError(ProductionError):
    code = "unknown_engine"


class UnknownVoiceError(ProductionError):
    code = "unknown_voice"


class VoiceNotOfferedError(ProductionError):
    """The voice exists but is not offered (offline Mandarin, unfit for broadcast)."""

    code = "voice_not_offered"


class NoVoiceError(ProductionError):
    """No usable voice for the language (e.g. Khmer offline): record or upload one instead."""

    code = "no_voice"


class EngineUnavailableError(ProductionError):
    """The engine cannot be reached (network down, service error); another may be tried."""

    code = "engine_unavailable"
    status = 503


class EngineTimeoutError(EngineUnavailableError):
    code = "tts_timeout"
    status = 504


class EngineNotConfiguredError(EngineUnavailableError):
    """The engine has no key: an admin sets it on the speech engines page."""

    code = "engine_not_configured"


class EngineRefusedError(EngineUnavailableError):
    """The engine answered but refused the request (key rejected, text refused)."""

    code = "engine_refused"
    status = 502


class QuotaExceededError(EngineRefusedError):
    """The engine refused because the account's quota or rate limit is used up."""

    code = "quota_exceeded"
    status = 429


class EngineError(ProductionError):
    """The engine answered but produced no usable audio."""

    code = "engine_failed"
    status = 502


# --- uploads and decoding -------------------------------------------------------------------


class TooLargeError(ProductionError):
    code = "too_large"
    status = 413


class EmptyAudioError(ProductionError):
    code = "empty_audio"


class NotAudioError(ProductionError):
    code = "not_audio"
    status = 415


class CorruptAudioError(ProductionError):
    code = "corrupt_audio"


class TruncatedAudioError(CorruptAudioError):
    code = "truncated_audio"


class SilentAudioError(ProductionError):
    code = "silent_audio"


class TooLongError(ProductionError):
    code = "too_long"


class TooShortError(ProductionError):
    code = "too_short"


# --- rendering ------------------------------------------------------------------------------


class ProfileError(ProductionError):
    code = "invalid_profile"


class MissingAssetError(ProductionError):
    code = "missing_asset"


class RenderError(ProductionError):
    code = "render_failed"
    status = 500


class FFmpegError(RenderError):
    code = "ffmpeg_failed"

"""User-facing, translatable messages for audio production errors, by their stable code.

What ffmpeg or a speech engine printed is for the server log only: it can hold paths and heap
addresses, so no message or detail shown to a user carries it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l

from ...production.errors import ProductionError

MESSAGES = {
    "empty_script": _l("The script is empty."),
    "script_too_long": _l("The script is too long (at most %(max_chars)s characters)."),
    "unsupported_script": _l("The chosen voice cannot read this text: check the language."),
    "unsupported_language": _l("There is no speech for this language."),
    "invalid_speed": _l("The speed must be between 0.5 and 2."),
    "unknown_engine": _l("Unknown speech engine."),
    "unknown_voice": _l("Unknown voice for this language."),
    "no_voice": _l(
        "No voice can speak this language right now (there is no offline Khmer voice, and "
        "offline Mandarin is not offered for broadcast). Record or upload a voice instead."
    ),
    "voice_not_offered": _l(
        "This voice is not offered: it is not fit for broadcast (offline Mandarin)."
    ),
    "engine_unavailable": _l("The speech engine cannot be reached. Try again later."),
    "engine_not_configured": _l(
        "This speech engine has no key yet: an admin sets it on the Speech engines page."
    ),
    "engine_refused": _l(
        "The speech engine refused the request (its key may be wrong or expired)."
    ),
    "quota_exceeded": _l(
        "The speech engine's quota is used up for now. Another engine or later, please."
    ),
    "tts_timeout": _l("The speech engine did not answer in time. Try again later."),
    "engine_failed": _l("The speech engine failed. Try again later."),
    "too_large": _l("The file is too large (at most %(mb)s MB)."),
    "empty_audio": _l("The file is empty."),
    "not_audio": _l("This is not an audio file we can read (wav, mp3, m4a, ogg, webm, flac, amr)."),
    "corrupt_audio": _l("The audio file is damaged and cannot be decoded."),
    "truncated_audio": _l("The audio file is incomplete. Upload it again."),
    "silent_audio": _l("The recording is silent."),
    "too_long": _l("The recording is too long (at most %(minutes)s minutes)."),
    "too_short": _l("The recording is too short."),
    "empty_bulletin": _l("A bulletin needs parts with audio."),
    "invalid_gap": _l("The gap must be 0-10 seconds."),
    "worker_lost": _l(
        "The render stopped several times without finishing (its worker was lost: out of "
        "memory, a restart or a crash). Retry it, or upload a shorter recording."
    ),
    "storage_unavailable": _l("The audio store could not be reached. Retry later."),
}
GENERIC = _l("The audio could not be processed. The details have been logged.")
# Details that are ffmpeg's or an engine's own words.
RAW_DETAILS = {"ffmpeg", "stderr", "output", "error", "traceback"}
log = logging.getLogger("audio_manager.production")


def safe_details(details: dict[str, Any]) -> dict[str, Any]:
    """The details a user may see: limits and measurements, never a tool's output."""
    return {k: v for k, v in details.items() if k not in RAW_DETAILS}


def text_for_code(code: str | None) -> str:
    """The message for a stored error code (a failed job's), in the user's language."""
    return str(MESSAGES.get(code or "", GENERIC))


def message_for(error: ProductionError) -> str:
    """The error in the user's language; an error without a message of its own gets a generic
    one (its English text may quote ffmpeg) and is logged in full."""
    template = MESSAGES.get(error.code)
    if template is None:
        log.warning("audio production failed: %s %s %r", error.code, error.message, error.details)
        return str(GENERIC)
    details = dict(error.details)
    if "max_bytes" in details:
        details.setdefault("mb", details["max_bytes"] // (1024 * 1024))
    if "max_duration_s" in details:
        details.setdefault("minutes", round(details["max_duration_s"] / 60, 1))
    text = str(template)
    try:
        return text % details if "%(" in text else text
    except (KeyError, ValueError, TypeError):
        return text

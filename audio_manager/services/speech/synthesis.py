"""Speech for a script: normalised, then spoken by the first engine that can (in the
language's order of preference, from its default voice and speed), with paid requests looked up
in the clip cache first. Voice samples are the same call on the language's sample sentence."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ...production.engines import SpeechResult, clean_text
from . import preferences
from .clips import StoredClips
from .providers import registry
from .spoken import spoken_text


@dataclass(frozen=True)
class Speech:
    """The audio, what the voice read, and what made it (``result.fallback_from``…)."""

    result: SpeechResult
    spoken: str


def speak(
    language: str,
    text: str,
    *,
    engine: str | None = None,
    voice: str | None = None,
    speed: float | None = None,
) -> Speech:
    """Speak ``text`` (a script in kinh, hoa or khmer). With no engine or voice given, the
    language's default voice is tried first (when its engine is set up); with no speed, its
    default speed. Refusals of the script itself (empty, too long) come before any engine."""
    lang = preferences.language(language)
    clean_text(text, int(current_app.config["MAX_SCRIPT_CHARS"]))
    prefs = preferences.get(lang.code)
    engines = registry(lang.code)
    if engine is None and voice is None and prefs.default_voice:
        default = engines.engines.get(prefs.default_engine or "")
        if default is not None and default.configured():
            engine, voice = prefs.default_engine, prefs.default_voice
    spoken = spoken_text(lang.code, text)
    result = engines.synthesize(
        spoken,
        lang.bcp47,
        engine,
        voice,
        prefs.default_speed if speed is None else speed,
        cache=StoredClips(),
    )
    return Speech(result, spoken)


def sample(language: str, engine: str, voice: str) -> Speech:
    """The voice reading the language's sample sentence (cached like any paid synthesis)."""
    lang = preferences.language(language)
    prefs = preferences.get(lang.code)
    spoken = spoken_text(lang.code, prefs.sample_text)
    result = registry(lang.code).synthesize(
        spoken, lang.bcp47, engine, voice, 1.0, allow_fallback=False, cache=StoredClips()
    )
    return Speech(result, spoken)

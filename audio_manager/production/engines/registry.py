"""The engine registry: which engines exist, which voice speaks what, and fallbacks.

``synthesize`` walks a per-language order of preference (Google first, then the offline
voice). When an engine cannot be reached (no connection, timeout, HTTP 5xx) the next one with
a voice for the language is tried; Khmer has no offline voice, so the editor is told to record
or upload one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import (
    EngineUnavailableError,
    InvalidSpeedError,
    NoVoiceError,
    UnknownEngineError,
    UnknownVoiceError,
    UnsupportedLanguageError,
)
from .base import Engine, Voice
from .espeak import EspeakEngine
from .gtts_engine import GTTSEngine
from .scripts import MAX_CHARS, check_readable, clean_text

DEFAULT_PREFERENCES: dict[str, tuple[str, ...]] = {
    "vi": ("gtts", "espeak"),
    "zh": ("gtts", "espeak"),
    "km": ("gtts", "espeak"),
}
MIN_SPEED, MAX_SPEED = 0.5, 2.0

LANGUAGE_NAMES = {"vi": "Vietnamese", "zh": "Chinese", "km": "Khmer"}

# Tags people use for the varieties we have voices for: tag -> (language, variety).
_ALIASES: dict[str, tuple[str, str | None]] = {
    "cmn": ("zh", "cmn"),
    "zh-cmn": ("zh", "cmn"),
    "zh-cn": ("zh", "cmn"),
    "zh-tw": ("zh", "cmn"),
    "zh-hans": ("zh", "cmn"),
    "zh-hant": ("zh", "cmn"),
    "yue": ("zh", "yue"),
    "zh-yue": ("zh", "yue"),
    "zh-hk": ("zh", "yue"),
}


def parse_language(tag: str) -> tuple[str, str | None]:
    """``"zh-CN"`` -> ``("zh", "cmn")``, ``"yue"`` -> ``("zh", "yue")``, ``"vi-VN"`` -> ``("vi",
    None)``: the primary BCP-47 language and, where the tag says, the variety."""
    text = (tag or "").strip().replace("_", "-").lower()
    if text in _ALIASES:
        return _ALIASES[text]
    return text.split("-", 1)[0], None


@dataclass(frozen=True)
class SpeechResult:
    """Speech for a version: WAV bytes and what actually made them."""

    engine: str
    voice: str
    language: str
    speed: float
    wav: bytes
    sample_rate: int
    duration_s: float
    fallback_from: str | None = None  # engine tried first that could not be reached
    fallback_reason: str | None = None  # its error code ("engine_unavailable", "tts_timeout")


@dataclass(frozen=True)
class VoiceChoice:
    engine: str
    voice: str
    label: str
    online: bool


class EngineRegistry:
    """Engines by name, with a per-language order of preference that callers may override."""

    def __init__(
        self,
        engines: Sequence[Engine],
        preferences: Mapping[str, Sequence[str]] | None = None,
        *,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.engines: dict[str, Engine] = {e.name: e for e in engines}
        merged = dict(DEFAULT_PREFERENCES)
        merged.update({k: tuple(v) for k, v in (preferences or {}).items()})
        self.preferences = merged
        self.max_chars = max_chars

    @classmethod
    def default(
        cls,
        *,
        timeout: float = 15.0,
        max_chars: int = MAX_CHARS,
        preferences: Mapping[str, Sequence[str]] | None = None,
    ) -> EngineRegistry:
        return cls([GTTSEngine(timeout=timeout), EspeakEngine()], preferences, max_chars=max_chars)

    # --- lookups ----------------------------------------------------------------------------

    def engine(self, name: str) -> Engine:
        try:
            return self.engines[name]
        except KeyError:
            raise UnknownEngineError(
                f"Unknown speech engine {name!r}.", details={"engine": name}
            ) from None

    def languages(self) -> list[str]:
        found = {v.language for e in self.engines.values() for v in e.voices()}
        return sorted(found | set(self.preferences))

    def order(self, language: str) -> list[str]:
        preferred = [n for n in self.preferences.get(language, ()) if n in self.engines]
        return preferred + [n for n in self.engines if n not in preferred]

    def voice_choices(self, language: str) -> list[VoiceChoice]:
        """Every voice for ``language`` (a BCP-47 tag), best engine first: for forms."""
        lang, _ = parse_language(language)
        return [
            VoiceChoice(name, v.id, v.label, self.engines[name].online)
            for name in self.order(lang)
            for v in self.engines[name].voices_for(lang)
        ]

    def _find_voice(self, voice_id: str) -> Voice | None:
        for engine in self.engines.values():
            found = engine.voice(voice_id)
            if found:
                return found
        return None

    def _pick_voice(
        self, engine: Engine, language: str, variety: str | None, requested: Voice | None
    ) -> Voice | None:
        if requested is not None:
            own = engine.voice(requested.id)
            if own is not None:
                return own
            variety = requested.variety
        candidates = engine.voices_for(language, variety)
        return candidates[0] if candidates else None

    # --- synthesis --------------------------------------------------------------------------

    def synthesize(
        self,
        text: str,
        language: str,
        engine: str | None = None,
        voice: str | None = None,
        speed: float = 1.0,
        *,
        allow_fallback: bool = True,
    ) -> SpeechResult:
        """Speak ``text`` in ``language`` (BCP-47: ``vi``, ``zh``, ``zh-CN``, ``yue``, ``km``).

        ``engine``/``voice`` pick the first engine and voice to try; when that engine cannot
        be reached and ``allow_fallback`` is true, the others follow in order of preference
        with the equivalent voice. Validation errors (empty, too long, wrong script, unknown
        voice) are raised before anything is tried.
        """
        lang, variety = parse_language(language)
        if lang not in self.languages():
            raise UnsupportedLanguageError(
                f"There are no voices for language {language!r}.", details={"language": language}
            )
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise InvalidSpeedError(
                f"Speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}.",
                details={"min": MIN_SPEED, "max": MAX_SPEED},
            )
        cleaned = clean_text(text, self.max_chars)
        requested = self._requested_voice(voice, lang)
        names = self.order(lang)
        if engine is not None:
            self.engine(engine)
            names = [engine] + ([n for n in names if n != engine] if allow_fallback else [])
        plan: list[tuple[Engine, Voice]] = []
        for name in names:
            candidate = self._pick_voice(self.engines[name], lang, variety, requested)
            if candidate is not None:
                plan.append((self.engines[name], candidate))
        if not plan or (engine is not None and plan[0][0].name != engine):
            offline_only = all(not self.engines[n].online for n in names)
            raise self._no_voice(lang, engine, None, offline_only=offline_only)
        for _, candidate in plan:
            check_readable(cleaned, candidate)
        first_failure: EngineUnavailableError | None = None
        for chosen, candidate in plan:
            try:
                audio = chosen.synthesize(cleaned, candidate, speed)
            except EngineUnavailableError as exc:
                first_failure = first_failure or exc
                if not allow_fallback:
                    raise
                continue
            return SpeechResult(
                engine=chosen.name,
                voice=candidate.id,
                language=lang,
                speed=speed,
                wav=audio.wav,
                sample_rate=audio.sample_rate,
                duration_s=audio.duration_s,
                fallback_from=plan[0][0].name if chosen is not plan[0][0] else None,
                fallback_reason=first_failure.code if first_failure else None,
            )
        assert first_failure is not None
        if all(e.online for e, _ in plan) and not any(
            not e.online and e.voices_for(lang) for e in self.engines.values()
        ):
            raise self._no_voice(lang, None, first_failure)
        raise first_failure

    def _requested_voice(self, voice: str | None, lang: str) -> Voice | None:
        if not voice:
            return None
        found = self._find_voice(voice)
        if found is None:
            raise UnknownVoiceError(f"Unknown voice {voice!r}.", details={"voice": voice})
        if found.language != lang:
            raise UnknownVoiceError(
                f"The voice {voice!r} does not speak {LANGUAGE_NAMES.get(lang, lang)}.",
                details={"voice": voice, "language": lang},
            )
        return found

    def _no_voice(
        self,
        lang: str,
        engine: str | None,
        cause: EngineUnavailableError | None,
        *,
        offline_only: bool = False,
    ) -> NoVoiceError:
        name = LANGUAGE_NAMES.get(lang, lang)
        if cause is not None:
            return NoVoiceError(
                f"{cause.message} There is no offline voice for {name}: "
                "record the message or upload a recording instead.",
                details={"language": lang, "cause": cause.code},
            )
        if engine:
            where = f"The {self.engines[engine].label} engine has no voice"
        else:
            where = "There is no offline voice" if offline_only else "There is no voice"
        return NoVoiceError(
            f"{where} for {name}: record the message or upload a recording instead.",
            details={"language": lang, "engine": engine},
        )


_DEFAULT: list[EngineRegistry] = []
_DEFAULT_LOCK = threading.Lock()


def default_registry() -> EngineRegistry:
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            _DEFAULT.append(EngineRegistry.default())
        return _DEFAULT[0]


def synthesize(
    text: str,
    language: str,
    engine: str | None = None,
    voice: str | None = None,
    speed: float = 1.0,
) -> SpeechResult:
    """:meth:`EngineRegistry.synthesize` on the default registry (Google, then eSpeak NG)."""
    return default_registry().synthesize(text, language, engine, voice, speed)

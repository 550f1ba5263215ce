"""The engine registry: which engines exist, which voice speaks what, and fallbacks.

``synthesize`` walks a per-language order of preference (the contracted engines an office has
keys for, then the free unofficial Google voice, then the offline voice). When an engine times
out, cannot be reached, refuses (key rejected, quota used up) or sends unusable audio, the next
one with an equivalent voice (same variety; same gender and accent where it has one) is tried
and the result says so. Khmer has no offline voice, so the editor is told to record or upload
one. Voices not fit for broadcast (offline Mandarin) are offered only when allowed, for drafts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import (
    EngineError,
    EngineUnavailableError,
    InvalidSpeedError,
    NoVoiceError,
    UnknownEngineError,
    UnknownVoiceError,
    UnsupportedLanguageError,
    VoiceNotOfferedError,
)
from . import health
from .base import ClipCache, Engine, Voice
from .espeak import EspeakEngine
from .gtts_engine import GTTSEngine
from .scripts import MAX_CHARS, check_readable, clean_text

ALL_ENGINES = ("fpt", "viettel", "zalo", "google", "azure", "gtts", "espeak")
DEFAULT_PREFERENCES: dict[str, tuple[str, ...]] = {
    "vi": ("fpt", "viettel", "zalo", "google", "azure", "gtts", "espeak"),
    "zh": ("azure", "google", "gtts", "espeak"),
    "km": ("azure", "google", "gtts"),
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
    fallback_from: str | None = None  # engine tried first that could not be used
    fallback_reason: str | None = None  # its error code ("engine_unavailable", "quota_exceeded")
    parts: int = 1
    cached_parts: int = 0
    sent_chars: int = 0
    broadcast: bool = True  # False: a draft-only voice made it


@dataclass(frozen=True)
class VoiceChoice:
    engine: str
    voice: str
    label: str
    online: bool
    item: Voice | None = None
    engine_label: str = ""


class EngineRegistry:
    """Engines by name, with a per-language order of preference that callers may override."""

    def __init__(
        self,
        engines: Sequence[Engine],
        preferences: Mapping[str, Sequence[str]] | None = None,
        *,
        max_chars: int = MAX_CHARS,
        allow_draft_voices: bool = False,
    ) -> None:
        self.engines: dict[str, Engine] = {e.name: e for e in engines}
        merged = dict(DEFAULT_PREFERENCES)
        merged.update({k: tuple(v) for k, v in (preferences or {}).items()})
        self.preferences = merged
        self.max_chars = max_chars
        self.allow_draft_voices = allow_draft_voices

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

    def offered(self, voice: Voice) -> bool:
        return voice.broadcast or self.allow_draft_voices

    def order(self, language: str) -> list[str]:
        """The engines tried for ``language``, in order: the preferred ones that are set up;
        with no preference set, every engine that is set up."""
        listed = self.preferences.get(language) or tuple(self.engines)
        return [n for n in listed if n in self.engines and self.engines[n].configured()]

    def voice_choices(self, language: str) -> list[VoiceChoice]:
        """Every voice offered for ``language`` (a BCP-47 tag), best engine first: for forms."""
        lang, _ = parse_language(language)
        names = self.order(lang)
        names += [n for n, e in self.engines.items() if n not in names and e.configured()]
        return [
            VoiceChoice(name, v.id, v.label, e.online, v, e.label)
            for name in names
            for e in (self.engines[name],)
            for v in e.voices_for(lang)
            if self.offered(v)
        ]

    def find_voice(self, engine: str, voice_id: str) -> Voice | None:
        found = self.engines.get(engine)
        return found.voice(voice_id) if found else None

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
            if own is not None and own.language == requested.language:
                return own if self.offered(own) else None
            variety = requested.variety
        candidates = [v for v in engine.voices_for(language, variety) if self.offered(v)]
        if requested is not None:  # the closest equivalent: same gender, then same accent
            candidates.sort(
                key=lambda v: (v.gender != requested.gender, v.accent != requested.accent)
            )
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
        cache: ClipCache | None = None,
    ) -> SpeechResult:
        """Speak ``text`` in ``language`` (BCP-47: ``vi``, ``zh``, ``zh-CN``, ``yue``, ``km``).

        ``engine``/``voice`` pick the first engine and voice to try; when that engine cannot be
        used and ``allow_fallback`` is true, the others follow in order of preference with the
        equivalent voice. Validation errors (empty, too long, wrong script, unknown voice) are
        raised before anything is tried. Paid engines look each request up in ``cache``.
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
        requested = self._requested_voice(engine, voice, lang)
        names = self.order(lang)
        if engine is not None:
            self.engine(engine)
            names = [engine] + ([n for n in names if n != engine] if allow_fallback else [])
        plan: list[tuple[Engine, Voice]] = []
        anchor = requested  # later engines take the voice most like the first one planned
        for name in names:
            candidate = self._pick_voice(self.engines[name], lang, variety, anchor)
            if candidate is not None:
                plan.append((self.engines[name], candidate))
                anchor = anchor or candidate
        if not plan or (engine is not None and plan[0][0].name != engine):
            offline_only = all(not self.engines[n].online for n in names)
            raise self._no_voice(lang, engine, None, offline_only=offline_only)
        for _, candidate in plan:
            check_readable(cleaned, candidate)
        return self._run(plan, cleaned, lang, speed, allow_fallback, cache)

    def _run(
        self,
        plan: list[tuple[Engine, Voice]],
        text: str,
        lang: str,
        speed: float,
        allow_fallback: bool,
        cache: ClipCache | None,
    ) -> SpeechResult:
        first_failure: EngineUnavailableError | EngineError | None = None
        for chosen, candidate in plan:
            try:
                audio = chosen.synthesize(text, candidate, speed, cache=cache)
            except (EngineUnavailableError, EngineError) as exc:
                health.record(chosen.name, exc.code)
                first_failure = first_failure or exc
                if not allow_fallback:
                    raise
                continue
            health.record(chosen.name)
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
                parts=audio.parts,
                cached_parts=audio.cached_parts,
                sent_chars=audio.sent_chars,
                broadcast=candidate.broadcast,
            )
        assert first_failure is not None
        if all(e.online for e, _ in plan) and not any(
            not e.online and e.voices_for(lang) for e in self.engines.values()
        ):
            raise self._no_voice(lang, None, first_failure)
        raise first_failure

    def _requested_voice(self, engine: str | None, voice: str | None, lang: str) -> Voice | None:
        if not voice:
            return None
        found = (self.find_voice(engine, voice) if engine else None) or self._find_voice(voice)
        if found is None:
            raise UnknownVoiceError(f"Unknown voice {voice!r}.", details={"voice": voice})
        if found.language != lang:
            raise UnknownVoiceError(
                f"The voice {voice!r} does not speak {LANGUAGE_NAMES.get(lang, lang)}.",
                details={"voice": voice, "language": lang},
            )
        if not self.offered(found):
            raise VoiceNotOfferedError(
                f"The voice {voice!r} is not offered: it is not fit for broadcast.",
                details={"voice": voice},
            )
        return found

    def _no_voice(
        self,
        lang: str,
        engine: str | None,
        cause: EngineUnavailableError | EngineError | None,
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

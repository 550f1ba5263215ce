"""Every engine the app knows, configured or not, with its state, languages and voices: for
``GET /api/v1/speech/engines``, the admin page and the voice pickers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ... import languages
from ...production.engines import Engine, Voice
from ...production.engines import health as engine_health
from ...production.errors import ProductionError
from . import labels
from .clips import month_usage
from .providers import registry


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    id: str
    label: str
    name: str
    language: str  # kinh, hoa, khmer
    bcp47: str
    variety: str
    locale: str | None
    gender: str | None
    accent: str | None
    broadcast: bool


@dataclass(frozen=True)
class EngineInfo:
    name: str
    label: str
    kind: str
    kind_label: str
    paid: bool
    online: bool
    robotic: bool
    configured: bool
    reachable: bool | None
    checked_at: datetime | None
    last_error: str | None
    languages: list[str]
    voices: list[VoiceInfo] = field(default_factory=list)
    characters_this_month: int = 0
    requests_this_month: int = 0


def _our_language(bcp47: str) -> str | None:
    return next((lang.code for lang in languages.all_languages() if lang.bcp47 == bcp47), None)


def voice_info(engine: Engine, voice: Voice) -> VoiceInfo:
    return VoiceInfo(
        engine=engine.name,
        id=voice.id,
        label=labels.voice_label(engine, voice),
        name=labels.voice_name(voice),
        language=_our_language(voice.language) or voice.language,
        bcp47=voice.language,
        variety=voice.variety,
        locale=voice.locale,
        gender=voice.gender,
        accent=voice.accent,
        broadcast=voice.broadcast,
    )


def _probe(engine: Engine) -> None:
    try:
        engine.probe()
    except ProductionError as exc:
        engine_health.record(engine.name, exc.code)
    else:
        engine_health.record(engine.name)


def engines(*, probe: bool = False) -> list[EngineInfo]:
    """Every engine; with ``probe``, each one that is set up is asked now (in parallel)."""
    reg = registry()
    if probe:
        usable = [e for e in reg.engines.values() if e.configured()]
        with ThreadPoolExecutor(max_workers=max(1, len(usable))) as pool:
            list(pool.map(_probe, usable))
    usage = month_usage()
    out = []
    for engine in reg.engines.values():
        seen = engine_health.seen(engine.name)
        voices = [voice_info(engine, v) for v in engine.voices()]
        chars, count = usage.get(engine.name, (0, 0))
        out.append(
            EngineInfo(
                name=engine.name,
                label=labels.engine_label(engine),
                kind=engine.kind,
                kind_label=str(labels.KINDS[engine.kind]),
                paid=engine.paid,
                online=engine.online,
                robotic=engine.robotic,
                configured=engine.configured(),
                reachable=seen.reachable if seen else None,
                checked_at=datetime.fromtimestamp(seen.checked_at, UTC) if seen else None,
                last_error=seen.error if seen else None,
                languages=sorted({v.language for v in voices}),
                voices=voices,
                characters_this_month=chars,
                requests_this_month=count,
            )
        )
    return out


def voice_choices(language: str) -> list[tuple[str, str]]:
    """("engine:voice", label) for the voices offered in ``language``, best engine first."""
    lang = languages.get(language)
    if lang is None:
        return []
    reg = registry(lang.code)
    return [
        (f"{c.engine}:{c.voice}", labels.voice_label(reg.engines[c.engine], c.item))
        for c in reg.voice_choices(lang.bcp47)
        if c.item is not None
    ]

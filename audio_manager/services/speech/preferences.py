"""Per-language speech preferences: engines in order, default voice and speed, the sentence
voice samples read, and whether draft-only voices (offline Mandarin) are offered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ... import languages
from ...extensions import db
from ...models import SpeechLanguageSetting
from ...models.base import utcnow
from ...production.engines import ALL_ENGINES, DEFAULT_PREFERENCES
from .. import audit
from ..context import Actor
from ..errors import ValidationFailed

SPEEDS = (0.8, 0.9, 1.0, 1.1, 1.25)
# The sentence each voice reads as its sample. Vietnamese is our own; the Chinese and Khmer
# lines are the greeting of the project's sample ringback script (working translations, see
# ../shared/samples/scripts.json): admins replace them on the speech engines page.
SAMPLES = {
    "kinh": "Xin chào bà con. Đây là giọng đọc mẫu cho thông báo của xã, tổng đài 1900 9068.",
    "hoa": "您好！参加自愿社会保险，晚年更安心。服务热线 1900 9068。",
    "khmer": "សួស្តី! ខ្សែទូរស័ព្ទជំនួយ ១៩០០ ៩០៦៨។",
}


@dataclass(frozen=True)
class Preferences:
    language: str
    engine_order: tuple[str, ...]
    default_engine: str | None
    default_voice: str | None
    default_speed: float
    sample_text: str
    allow_draft_voices: bool
    saved: bool


def language(code: str) -> languages.Language:
    """The broadcast language with this code, or a clear refusal."""
    found = languages.get(code)
    if found is None:
        raise ValidationFailed(
            _l("Unknown language: %(codes)s", codes=code), code="unknown_language"
        )
    return found


def get(code: str) -> Preferences:
    lang = language(code)
    row = db.session.get(SpeechLanguageSetting, lang.code)
    default_order = DEFAULT_PREFERENCES.get(lang.bcp47, ALL_ENGINES)
    if row is None:
        return Preferences(
            lang.code, tuple(default_order), None, None, 1.0,
            SAMPLES.get(lang.code, ""), False, saved=False,
        )  # fmt: skip
    return Preferences(
        lang.code,
        tuple(row.engine_order or default_order),
        row.default_engine,
        row.default_voice,
        row.default_speed,
        row.sample_text or SAMPLES.get(lang.code, ""),
        row.allow_draft_voices,
        saved=True,
    )


def all_preferences() -> list[Preferences]:
    return [get(lang.code) for lang in languages.all_languages()]


def update(
    actor: Actor,
    code: str,
    *,
    engine_order: Sequence[str],
    default_voice: str | None,
    default_speed: float,
    sample_text: str,
    allow_draft_voices: bool,
) -> Preferences:
    """Save a language's preferences (the caller commits). ``default_voice`` is
    "engine:voice" or empty for automatic."""
    lang = language(code)
    unknown = [name for name in engine_order if name not in ALL_ENGINES]
    if unknown or len(set(engine_order)) != len(engine_order):
        raise ValidationFailed(
            _l("Unknown or repeated speech engine: %(names)s", names=", ".join(unknown)),
            code="bad_engine_order",
        )
    if default_speed not in SPEEDS:
        raise ValidationFailed(_l("Choose one of the offered speeds."), code="bad_speed")
    engine, _, voice = (default_voice or "").partition(":")
    if default_voice:
        from .providers import registry  # the voice must exist and speak the language

        found = registry().find_voice(engine, voice)
        if found is None or found.language != lang.bcp47:
            raise ValidationFailed(
                _l("The default voice does not speak this language."), code="bad_voice"
            )
    if len(sample_text) > 500:
        raise ValidationFailed(_l("The sample sentence is too long."), code="bad_sample")
    row = db.session.get(SpeechLanguageSetting, lang.code)
    if row is None:
        row = SpeechLanguageSetting(language=lang.code)
        db.session.add(row)
    before = get(code)
    row.engine_order = list(engine_order)
    row.default_engine, row.default_voice = (engine, voice) if default_voice else (None, None)
    row.default_speed = default_speed
    row.sample_text = sample_text.strip()
    row.allow_draft_voices = allow_draft_voices
    row.updated_at = utcnow()
    row.updated_by_id = actor.user.id if actor.user else None
    audit.record(
        actor,
        "speech.preferences",
        object_type="speech_language",
        object_id=lang.code,
        object_label=lang.code,
        detail={
            "engine_order": list(engine_order),
            "default_voice": default_voice or None,
            "default_speed": default_speed,
            "allow_draft_voices": allow_draft_voices,
            "before": {
                "engine_order": list(before.engine_order),
                "allow_draft_voices": before.allow_draft_voices,
            },
        },
    )
    db.session.flush()
    return get(code)

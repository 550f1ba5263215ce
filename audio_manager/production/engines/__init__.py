"""Text-to-speech engines and their registry."""

from .base import HAN, KHMER, LATIN, Engine, SpeechAudio, Voice
from .espeak import EspeakEngine
from .gtts_engine import GTTSEngine
from .registry import (
    DEFAULT_PREFERENCES,
    EngineRegistry,
    SpeechResult,
    VoiceChoice,
    default_registry,
    parse_language,
    synthesize,
)
from .scripts import MAX_CHARS, check_readable, clean_text, count_scripts

__all__ = [
    "DEFAULT_PREFERENCES",
    "HAN",
    "KHMER",
    "LATIN",
    "MAX_CHARS",
    "Engine",
    "EngineRegistry",
    "EspeakEngine",
    "GTTSEngine",
    "SpeechAudio",
    "SpeechResult",
    "Voice",
    "VoiceChoice",
    "check_readable",
    "clean_text",
    "count_scripts",
    "default_registry",
    "parse_language",
    "synthesize",
]

"""Text-to-speech engines and their registry."""

from .base import HAN, KHMER, LATIN, ClipCache, ClipKey, Engine, SpeechAudio, Voice
from .espeak import EspeakEngine
from .factory import PROVIDERS, build_registry
from .gtts_engine import GTTSEngine
from .registry import (
    ALL_ENGINES,
    DEFAULT_PREFERENCES,
    EngineRegistry,
    SpeechResult,
    VoiceChoice,
    default_registry,
    parse_language,
    synthesize,
)
from .remote import ProviderSettings, RemoteEngine
from .scripts import MAX_CHARS, check_readable, clean_text, count_scripts
from .split import split_text

__all__ = [
    "ALL_ENGINES",
    "DEFAULT_PREFERENCES",
    "HAN",
    "KHMER",
    "LATIN",
    "MAX_CHARS",
    "PROVIDERS",
    "ClipCache",
    "ClipKey",
    "Engine",
    "EngineRegistry",
    "EspeakEngine",
    "GTTSEngine",
    "ProviderSettings",
    "RemoteEngine",
    "SpeechAudio",
    "SpeechResult",
    "Voice",
    "VoiceChoice",
    "build_registry",
    "check_readable",
    "clean_text",
    "count_scripts",
    "default_registry",
    "parse_language",
    "split_text",
    "synthesize",
]

"""What every speech engine provides: a list of voices and ``synthesize``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

LATIN = "Latin"
HAN = "Han"
KHMER = "Khmer"


@dataclass(frozen=True)
class Voice:
    """One voice of one engine.

    ``id`` is the engine's own voice id ("vi", "zh-CN", "vi-vn-x-south"); ``language`` the
    BCP-47 primary language it speaks ("vi", "zh", "km"); ``variety`` says which voices of
    other engines are equivalent for fallback ("vi", "cmn", "yue", "km"); ``scripts`` are the
    writing systems it reads (Latin letters are tolerated everywhere for names and acronyms).
    """

    id: str
    language: str
    variety: str
    label: str
    scripts: frozenset[str]


@dataclass(frozen=True)
class SpeechAudio:
    """Raw output of an engine: 16-bit mono WAV bytes."""

    wav: bytes
    sample_rate: int
    duration_s: float


class Engine(ABC):
    """A text-to-speech engine. Implementations must be safe to call from several threads."""

    name: str = ""
    label: str = ""
    online: bool = False
    timeout: float | None = None

    @abstractmethod
    def voices(self) -> tuple[Voice, ...]:
        """Voices in order of preference (the first for a language is its default)."""

    @abstractmethod
    def synthesize(self, text: str, voice: Voice, speed: float = 1.0) -> SpeechAudio:
        """Speak ``text`` (already validated) with ``voice`` at ``speed`` (1.0 = normal).

        Raises :class:`~audio_manager.production.errors.EngineUnavailableError` (or its
        timeout subclass) when the engine cannot be reached, so a caller may fall back.
        """

    def voice(self, voice_id: str) -> Voice | None:
        wanted = voice_id.lower()
        return next((v for v in self.voices() if v.id.lower() == wanted), None)

    def voices_for(self, language: str, variety: str | None = None) -> list[Voice]:
        found = [v for v in self.voices() if v.language == language]
        if variety:
            preferred = [v for v in found if v.variety == variety]
            return preferred
        return found

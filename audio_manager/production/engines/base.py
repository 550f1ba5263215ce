"""What every speech engine provides: a list of voices and ``synthesize``."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

LATIN = "Latin"
HAN = "Han"
KHMER = "Khmer"

FEMALE, MALE = "female", "male"
NORTHERN, CENTRAL, SOUTHERN = "northern", "central", "southern"


@dataclass(frozen=True)
class Voice:
    """One voice of one engine.

    ``id`` is the engine's own voice id ("banmai", "vi-VN-HoaiMyNeural", "vi-vn-x-south");
    ``language`` the BCP-47 primary language it speaks ("vi", "zh", "km"); ``variety`` says
    which voices of other engines are equivalent for fallback ("vi", "cmn", "yue", "km");
    ``label`` is the voice's own name ("Ban Mai"), shown with its gender and accent, which the
    pages translate; ``scripts`` are the writing systems it reads (Latin letters are tolerated
    everywhere for names and acronyms). ``accent`` is the regional accent of a Vietnamese voice
    (northern, central, southern). A voice that is not ``broadcast`` (offline Mandarin) is
    offered for drafts only, and only when an admin allows it.
    """

    id: str
    language: str
    variety: str
    label: str
    scripts: frozenset[str]
    gender: str | None = None
    accent: str | None = None
    broadcast: bool = True
    locale: str | None = None


def vietnamese_voice(voice_id: str, name: str, gender: str, accent: str) -> Voice:
    """A Vietnamese voice of a contracted engine (Latin script, vi-VN)."""
    return Voice(voice_id, "vi", "vi", name, frozenset({LATIN}), gender, accent, locale="vi-VN")


@dataclass(frozen=True)
class SpeechAudio:
    """Raw output of an engine: 16-bit mono WAV bytes, and what it cost.

    ``sent_chars`` counts the characters actually sent to the engine (a part found in the
    clip cache costs nothing); ``parts`` is how many requests the text was split into.
    """

    wav: bytes
    sample_rate: int
    duration_s: float
    parts: int = 1
    cached_parts: int = 0
    sent_chars: int = 0


@dataclass(frozen=True)
class ClipKey:
    """One request to a paid engine: the same key is never paid for twice."""

    engine: str
    voice: str
    setting: str  # the engine's own speed setting, as sent
    text: str

    def digest(self) -> str:
        raw = "\x1f".join((self.engine, self.voice, self.setting, self.text))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ClipCache(Protocol):
    """Where the audio of paid requests is kept (the app keeps it in storage)."""

    def get(self, key: ClipKey) -> bytes | None: ...

    def put(self, key: ClipKey, audio: bytes) -> None: ...


class Engine(ABC):
    """A text-to-speech engine. Implementations must be safe to call from several threads.

    ``kind`` is "contracted" (a paid service with a key), "unofficial" (gTTS) or "offline";
    ``robotic`` marks a draft-quality voice.
    """

    name: str = ""
    label: str = ""
    online: bool = False
    paid: bool = False
    kind: str = "offline"
    robotic: bool = False
    timeout: float | None = None

    @abstractmethod
    def voices(self) -> tuple[Voice, ...]:
        """Voices in order of preference (the first for a language is its default)."""

    @abstractmethod
    def synthesize(
        self, text: str, voice: Voice, speed: float = 1.0, *, cache: ClipCache | None = None
    ) -> SpeechAudio:
        """Speak ``text`` (already validated) with ``voice`` at ``speed`` (1.0 = normal).

        Raises :class:`~audio_manager.production.errors.EngineUnavailableError` (or a
        subclass: timeout, refused, quota) when the engine cannot be used, so a caller may
        fall back. Paid engines look every request up in ``cache`` first.
        """

    def configured(self) -> bool:
        """Whether the engine has what it needs (its key) to be used."""
        return True

    def probe(self) -> None:  # noqa: B027 - most engines have nothing to check
        """Check that the engine can be reached; raise EngineUnavailableError if not."""

    def voice(self, voice_id: str) -> Voice | None:
        wanted = voice_id.lower()
        return next((v for v in self.voices() if v.id.lower() == wanted), None)

    def voices_for(self, language: str, variety: str | None = None) -> list[Voice]:
        found = [v for v in self.voices() if v.language == language]
        if variety:
            preferred = [v for v in found if v.variety == variety]
            return preferred
        return found

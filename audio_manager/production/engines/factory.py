"""Building a registry from settings: every engine the app knows, configured or not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .azure import AzureEngine
from .base import Engine
from .espeak import EspeakEngine
from .fpt import FptEngine
from .google_cloud import GoogleCloudEngine
from .gtts_engine import GTTSEngine
from .registry import EngineRegistry
from .remote import ProviderSettings, RemoteEngine
from .scripts import MAX_CHARS
from .viettel import ViettelEngine
from .zalo import ZaloEngine

PROVIDERS: dict[str, type[RemoteEngine]] = {
    "fpt": FptEngine,
    "viettel": ViettelEngine,
    "zalo": ZaloEngine,
    "google": GoogleCloudEngine,
    "azure": AzureEngine,
}


def build_registry(
    providers: Mapping[str, ProviderSettings],
    *,
    timeout: float = 20.0,
    max_chars: int = MAX_CHARS,
    preferences: Mapping[str, Sequence[str]] | None = None,
    allow_draft_voices: bool = False,
) -> EngineRegistry:
    """The contracted engines (each with its settings; one without a key is listed but not
    used), the free unofficial Google voice and the offline eSpeak NG voice."""
    engines: list[Engine] = [
        cls(providers.get(name) or ProviderSettings(timeout=timeout))
        for name, cls in PROVIDERS.items()
    ]
    engines += [GTTSEngine(timeout=timeout), EspeakEngine()]
    return EngineRegistry(
        engines, preferences, max_chars=max_chars, allow_draft_voices=allow_draft_voices
    )

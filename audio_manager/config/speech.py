"""The contracted speech engines' settings: a key and an endpoint override each."""

from __future__ import annotations

from .base import Setting

# Contracted speech engines: (setting prefix, name). Each has a key and an endpoint override.
SPEECH_PROVIDERS = (
    ("FPT_TTS", "FPT.AI"),
    ("VIETTEL_TTS", "Viettel AI"),
    ("ZALO_TTS", "Zalo AI"),
    ("GOOGLE_TTS", "Google Cloud Text-to-Speech"),
    ("AZURE_SPEECH", "Microsoft Azure AI Speech"),
)


def speech_settings() -> tuple[Setting, ...]:
    out = []
    for env, name in SPEECH_PROVIDERS:
        out.append(
            Setting(
                f"{env}_KEY", f"{env}_KEY", str, lambda: "",
                f"{name} key; an admin may set it on the Speech engines page instead.",
            )
        )  # fmt: skip
        out.append(
            Setting(
                f"{env}_URL", f"{env}_URL", str, lambda: "",
                f"{name} endpoint, to go through a proxy; empty for the provider's own.",
            )
        )  # fmt: skip
    return tuple(out)

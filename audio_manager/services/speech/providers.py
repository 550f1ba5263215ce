"""The contracted engines' settings (admin page, or AUDIO_MANAGER_* settings) and the engine
registry built from them.

A key saved on the page is encrypted in the database and wins over the setting; it is never
read back to anyone: pages and the API say only whether a key is set and where it came from.
Audit events record that a key was set or cleared, never the key. The registry is rebuilt when
any provider or language setting changes (one small query tells), in every process.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import languages
from ...extensions import db
from ...models import SpeechLanguageSetting, SpeechProvider
from ...models.base import utcnow
from ...production.engines import PROVIDERS, EngineRegistry, ProviderSettings, build_registry
from .. import audit
from ..context import Actor
from ..errors import NotFound, ValidationFailed
from . import keys, preferences

# Engine name -> its AUDIO_MANAGER_* settings prefix (see config.SPEECH_PROVIDERS).
SETTING_PREFIX = {
    "fpt": "FPT_TTS",
    "viettel": "VIETTEL_TTS",
    "zalo": "ZALO_TTS",
    "google": "GOOGLE_TTS",
    "azure": "AZURE_SPEECH",
}
MAX_KEY_LENGTH = 500
_REGION = re.compile(r"^[a-z0-9-]{0,64}$")

_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProviderState:
    """What the admin page shows of a provider: never the key itself."""

    engine: str
    label: str
    key_source: str | None  # "page", "settings" or None
    key_unreadable: bool  # saved on the page, but this server's secret cannot read it
    region: str
    endpoint: str
    enabled: bool
    updated_at: datetime | None


def _row(engine: str) -> SpeechProvider | None:
    return db.session.get(SpeechProvider, engine)


def _check_engine(engine: str) -> None:
    if engine not in PROVIDERS:
        raise NotFound(_l("No such speech engine."), code="engine_not_found")


def state(engine: str) -> ProviderState:
    _check_engine(engine)
    row = _row(engine)
    config = current_app.config
    prefix = SETTING_PREFIX[engine]
    unreadable = bool(row and row.key_cipher and keys.unseal(row.key_cipher) is None)
    if row is not None and row.key_cipher and not unreadable:
        source: str | None = "page"
    elif config.get(f"{prefix}_KEY"):
        source = "settings"
    else:
        source = None
    region = (row.region if row else "") or (
        config["AZURE_SPEECH_REGION"] if engine == "azure" else ""
    )
    return ProviderState(
        engine=engine,
        label=PROVIDERS[engine].label,
        key_source=source,
        key_unreadable=unreadable,
        region=region,
        endpoint=(row.endpoint if row else "") or config.get(f"{prefix}_URL", ""),
        enabled=row.enabled if row else True,
        updated_at=row.updated_at if row else None,
    )


def states() -> list[ProviderState]:
    return [state(engine) for engine in PROVIDERS]


def settings_for(engine: str) -> ProviderSettings:
    """How to reach ``engine`` now: the page's key, else the setting's; none when disabled."""
    row = _row(engine)
    config = current_app.config
    prefix = SETTING_PREFIX[engine]
    key = (keys.unseal(row.key_cipher) if row and row.key_cipher else None) or config.get(
        f"{prefix}_KEY", ""
    )
    if row is not None and not row.enabled:
        key = ""
    current = state(engine)
    return ProviderSettings(
        key=key or "",
        region=current.region,
        endpoint=current.endpoint,
        timeout=float(config["TTS_TIMEOUT_SECONDS"]),
        job_timeout=float(config["TTS_JOB_TIMEOUT_SECONDS"]),
    )


def update(
    actor: Actor,
    engine: str,
    *,
    key: str | None = None,
    clear_key: bool = False,
    region: str | None = None,
    endpoint: str | None = None,
    enabled: bool | None = None,
) -> ProviderState:
    """Change a provider's settings (the caller commits). ``key`` None keeps the saved key."""
    _check_engine(engine)
    changes: dict[str, object] = {}
    key = (key or "").strip() or None
    if key is not None and (len(key) > MAX_KEY_LENGTH or any(c.isspace() for c in key)):
        raise ValidationFailed(_l("This does not look like a key."), code="bad_key")
    region = (region or "").strip().lower() if region is not None else None
    if region is not None and not _REGION.match(region):
        raise ValidationFailed(_l("The region is a name such as southeastasia."), code="bad_region")
    endpoint = (endpoint or "").strip() if endpoint is not None else None
    if endpoint and not re.match(r"^https?://[^\s/]+", endpoint):
        raise ValidationFailed(_l("The endpoint must be an http(s) address."), code="bad_endpoint")
    row = _row(engine)
    if row is None:
        row = SpeechProvider(engine=engine, region="", endpoint="", enabled=True)
        db.session.add(row)
    if clear_key:
        changes["key"] = "cleared"
        row.key_cipher = None
    elif key is not None:
        changes["key"] = "set"
        row.key_cipher = keys.seal(key)
    if region is not None and region != row.region:
        changes["region"] = region
        row.region = region
    if endpoint is not None and endpoint != row.endpoint:
        changes["endpoint"] = endpoint
        row.endpoint = endpoint
    if enabled is not None and enabled != row.enabled:
        changes["enabled"] = enabled
        row.enabled = enabled
    row.updated_at = utcnow()
    row.updated_by_id = actor.user.id if actor.user else None
    audit.record(
        actor,
        "speech.provider",
        object_type="speech_provider",
        object_id=engine,
        object_label=PROVIDERS[engine].label,
        detail=changes,
    )
    db.session.flush()
    return state(engine)


def _stamp() -> tuple[object, ...]:
    """Changes whenever a provider or a language setting changes."""
    providers = db.session.execute(
        db.select(db.func.max(SpeechProvider.updated_at), db.func.count())
    ).one()
    settings = db.session.execute(
        db.select(db.func.max(SpeechLanguageSetting.updated_at), db.func.count())
    ).one()
    return (*providers, *settings)


def registry(language: str | None = None) -> EngineRegistry:
    """The engines as configured now; with ``language`` (kinh, hoa, khmer), draft-only voices
    are offered when the admin allowed them for that language."""
    allow = bool(language) and preferences.get(language).allow_draft_voices  # type: ignore[arg-type]
    key = (_stamp(), allow)
    cache = current_app.extensions.setdefault("audio_manager.speech_registries", {})
    with _LOCK:
        found = cache.get(key)
    if found is not None:
        return found
    config = current_app.config
    order = {
        lang.bcp47: preferences.get(lang.code).engine_order for lang in languages.all_languages()
    }
    built = build_registry(
        {engine: settings_for(engine) for engine in PROVIDERS},
        timeout=float(config["TTS_TIMEOUT_SECONDS"]),
        max_chars=4 * int(config["MAX_SCRIPT_CHARS"]),  # spoken text runs longer than the script
        preferences=order,
        allow_draft_voices=allow,
    )
    with _LOCK:
        if len(cache) > 8:  # old settings: drop them
            cache.clear()
        cache[key] = built
    return built

"""Settings, read from ``AUDIO_MANAGER_*`` environment variables with embedded defaults.

Every setting is typed and documented here; the README lists them. ``load_settings`` returns a
plain mapping of Flask config keys so ``create_app(config=...)`` can override any of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import (
    PREFIX,
    PROJECT_ROOT,
    Setting,
    default_database_url,
    default_phone_key,
    default_secret_key,
    default_speech_secret,
    instance_path,
    parse_bool,
    parse_list,
)
from .cap import cap_settings
from .jobs import jobs_settings
from .speech import SPEECH_PROVIDERS, speech_settings

__all__ = ["PREFIX", "PROJECT_ROOT", "SETTINGS", "SPEECH_PROVIDERS", "Setting", "instance_path"]

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        str,
        default_database_url,
        "SQLAlchemy URL; default a SQLite file in instance/.",
    ),
    Setting(
        "SECRET_KEY",
        "SECRET_KEY",
        str,
        default_secret_key,
        "Signs sessions and CSRF tokens; default a random key kept in instance/secret_key.",
    ),
    Setting(
        "STORAGE_ROOT",
        "STORAGE_ROOT",
        Path,
        lambda: PROJECT_ROOT / "audio",
        "Root folder of the local audio storage.",
    ),
    Setting(
        "DEFAULT_LOCALE",
        "BABEL_DEFAULT_LOCALE",
        str,
        lambda: "vi",
        "UI language when the user has not chosen one (vi or en).",
    ),
    Setting(
        "TIMEZONE",
        "BABEL_DEFAULT_TIMEZONE",
        str,
        lambda: "Asia/Ho_Chi_Minh",
        "Local time zone for dates shown and days counted.",
    ),
    Setting(
        "SECURE_COOKIES",
        "SESSION_COOKIE_SECURE",
        parse_bool,
        lambda: False,
        "Send session cookies over HTTPS only (turn on behind TLS).",
    ),
    Setting("SESSION_HOURS", "SESSION_HOURS", int, lambda: 12, "How long a login lasts, in hours."),
    Setting(
        "LOGIN_MAX_FAILURES",
        "LOGIN_MAX_FAILURES",
        int,
        lambda: 5,
        "Failed logins allowed per account and address within the window.",
    ),
    Setting(
        "LOGIN_WINDOW_MINUTES",
        "LOGIN_WINDOW_MINUTES",
        int,
        lambda: 15,
        "Window for counting failed logins, in minutes.",
    ),
    Setting(
        "AREA_LEVELS",
        "AREA_LEVELS",
        parse_list,
        lambda: ["province", "district", "commune", "hamlet"],
        "Area levels from the top down; the last one is the hamlet that broadcasts.",
    ),
    Setting(
        "OPTIONAL_AREA_LEVELS",
        "OPTIONAL_AREA_LEVELS",
        parse_list,
        lambda: ["district"],
        "Levels that may be skipped between a parent and a child.",
    ),
    Setting(
        "AREA_IMPORT_MAX_BYTES",
        "AREA_IMPORT_MAX_BYTES",
        int,
        lambda: 5 * 1024 * 1024,
        "Largest area CSV accepted, in bytes.",
    ),
    Setting(
        "MAX_UPLOAD_BYTES",
        "MAX_CONTENT_LENGTH",
        int,
        lambda: 60 * 1024 * 1024,
        "Largest request body accepted, in bytes.",
    ),
    Setting(
        "DEMO_DATA",
        "DEMO_DATA",
        parse_bool,
        lambda: True,
        "Load demo areas and logins on the first start of an empty database.",
    ),
    Setting(
        "STORAGE",
        "STORAGE_BACKEND",
        str,
        lambda: "local",
        "Where audio is kept: local (STORAGE_ROOT) or s3.",
    ),
    Setting("S3_BUCKET", "S3_BUCKET", str, lambda: "", "S3 bucket for audio (with STORAGE=s3)."),
    Setting("S3_PREFIX", "S3_PREFIX", str, lambda: "audio/", "Key prefix inside the bucket."),
    Setting(
        "S3_ENDPOINT_URL",
        "S3_ENDPOINT_URL",
        str,
        lambda: "",
        "S3-compatible endpoint (MinIO, etc.); empty for AWS.",
    ),
    Setting(
        "S3_REGION",
        "S3_REGION",
        str,
        lambda: "",
        "S3 region; credentials come from the usual AWS_* variables.",
    ),
    Setting(
        "JOBS",
        "JOBS_BACKEND",
        str,
        lambda: "thread",
        "How render jobs run: thread (in the web process), rq (Redis workers) or inline.",
    ),
    Setting(
        "REDIS_URL",
        "REDIS_URL",
        str,
        lambda: "redis://127.0.0.1:6379/0",
        "Redis for the rq job backend.",
    ),
    Setting("RQ_QUEUE", "RQ_QUEUE", str, lambda: "audio_manager", "RQ queue name."),
    Setting(
        "RENDER_TIMEOUT_SECONDS",
        "RENDER_TIMEOUT_SECONDS",
        int,
        lambda: 900,
        "Longest a render job may run on an rq worker, in seconds.",
    ),
    *jobs_settings(),
    Setting(
        "MAX_AUDIO_BYTES",
        "MAX_AUDIO_BYTES",
        int,
        lambda: 50 * 1024 * 1024,
        "Largest audio upload, enforced while it streams in (default 50 MB).",
    ),
    Setting(
        "MAX_AUDIO_SECONDS",
        "MAX_AUDIO_SECONDS",
        float,
        lambda: 600.0,
        "Longest audio accepted, in seconds (default 10 minutes).",
    ),
    Setting(
        "MAX_SCRIPT_CHARS",
        "MAX_SCRIPT_CHARS",
        int,
        lambda: 3000,
        "Longest script accepted for speech, in characters.",
    ),
    Setting(
        "TTS_TIMEOUT_SECONDS",
        "TTS_TIMEOUT_SECONDS",
        float,
        lambda: 20.0,
        "How long to wait for the online speech engine before falling back, in seconds.",
    ),
    Setting(
        "BULLETIN_GAP_SECONDS",
        "BULLETIN_GAP_SECONDS",
        float,
        lambda: 1.5,
        "Default silence between the parts of a bulletin, in seconds.",
    ),
    Setting(
        "ALLOW_SELF_APPROVAL",
        "ALLOW_SELF_APPROVAL",
        parse_bool,
        lambda: False,
        "Let an approver approve a version they made (one-person offices); off by default.",
    ),
    Setting(
        "RENDER_PROFILES",
        "RENDER_PROFILES",
        parse_list,
        lambda: ["loudspeaker", "ringback", "telephony", "preview", "waveform"],
        "Profiles every version is rendered into, comma separated.",
    ),
    Setting(
        "SOCIAL_PROFILES",
        "SOCIAL_PROFILES",
        parse_list,
        lambda: ["social_square", "social_vertical", "social_wide"],
        "Video profiles rendered for messages that opt in to social videos, comma separated.",
    ),
    Setting(
        "BRAND_IMAGE_MAX_BYTES",
        "BRAND_IMAGE_MAX_BYTES",
        int,
        lambda: 5 * 1024 * 1024,
        "Largest logo or background image an admin may upload for social videos, in bytes.",
    ),
    Setting(
        "PLAYLIST_CACHE_MB",
        "PLAYLIST_CACHE_MB",
        float,
        lambda: 16.0,
        "Memory each web process may use to keep built playlists and, in a quarter of it (at "
        "most 4 MB), validators and areas by code (0 turns the caches off).",
    ),
    Setting(
        "MEDIA_LINK_HOURS",
        "MEDIA_LINK_HOURS",
        int,
        lambda: 48,
        "How long the signed audio links in downloaded playlists, calendars and printable "
        "pages stay valid, in hours (at least; they are renewed every 6 hours).",
    ),
    Setting(
        "PROFILES_FILE",
        "PROFILES_FILE",
        str,
        lambda: "",
        "JSON file of audio profiles overriding or adding to the defaults.",
    ),
    Setting(
        "PHONE_HMAC_KEY",
        "PHONE_HMAC_KEY",
        str,
        default_phone_key,
        "Key of the HMAC that stands for each phone number (never stored in clear); default a "
        "random key kept in instance/phone_hmac_key. Keep it: a new key counts old phones anew.",
    ),
    *speech_settings(),
    *cap_settings(),
    Setting(
        "AZURE_SPEECH_REGION",
        "AZURE_SPEECH_REGION",
        str,
        lambda: "",
        "Region of the Azure Speech resource (e.g. southeastasia).",
    ),
    Setting(
        "SPEECH_KEYS_SECRET",
        "SPEECH_KEYS_SECRET",
        str,
        default_speech_secret,
        "Encrypts the speech engine keys admins save; default a random key kept in "
        "instance/speech_keys_secret. Keep it: with another one, saved keys must be set again.",
    ),
    Setting(
        "TTS_JOB_TIMEOUT_SECONDS",
        "TTS_JOB_TIMEOUT_SECONDS",
        float,
        lambda: 120.0,
        "How long to wait for audio an engine makes asynchronously (FPT.AI, Zalo AI), in seconds.",
    ),
    Setting(
        "INSTALL_IMPORT_MAX_BYTES",
        "INSTALL_IMPORT_MAX_BYTES",
        int,
        lambda: 30 * 1024 * 1024,
        "Largest list of ringback installs (CSV or XLSX) accepted, in bytes (default 30 MB).",
    ),
    Setting(
        "STATION_OFFLINE_MINUTES",
        "STATION_OFFLINE_MINUTES",
        float,
        lambda: 15.0,
        "A station silent for longer than this (no heartbeat) is offline and flagged.",
    ),
    Setting(
        "STATION_PLAY_GRACE_MINUTES",
        "STATION_PLAY_GRACE_MINUTES",
        float,
        lambda: 15.0,
        "A scheduled play still unconfirmed this long after its time counts as missing.",
    ),
)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from the environment, falling back to its default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.env)
        if raw is None:
            values[setting.key] = setting.default()
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{PREFIX}{setting.env}: {exc}") from exc
    return values


def static_defaults() -> dict[str, Any]:
    """Flask and extension settings that are not meant to be changed per deployment."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_CHECK_DEFAULT": False,  # auth.csrf_guard checks it unless bearer-authenticated
        "WTF_CSRF_TIME_LIMIT": None,  # the session lifetime bounds the token
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parents[1] / "translations"),
        "LANGUAGES": ["vi", "en"],
        "API_TITLE": "audio_manager API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,  # our own docs page serves vendored Swagger UI
    }

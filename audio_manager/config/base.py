"""What every setting is made of: its parsing, the instance folder and the secrets kept there."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PREFIX = "AUDIO_MANAGER_"


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    parse: Callable[[str], Any]
    default: Callable[[], Any]
    help: str


def instance_path() -> Path:
    return Path(os.environ.get(PREFIX + "INSTANCE_PATH", PROJECT_ROOT / "instance"))


def default_database_url() -> str:
    return f"sqlite:///{instance_path() / 'audio_manager.sqlite3'}"


def instance_secret(name: str) -> str:
    """A per-installation secret kept in ``instance/<name>`` (created on first use)."""
    path = instance_path() / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def default_secret_key() -> str:
    return instance_secret("secret_key")


def default_phone_key() -> str:
    return instance_secret("phone_hmac_key")


def default_speech_secret() -> str:
    return instance_secret("speech_keys_secret")

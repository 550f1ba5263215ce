"""The station's settings, kept in ``DIR/station.json`` (readable by its owner only)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FILE_NAME = "station.json"
TOKEN_PREFIX = "amt_"


class SettingsError(Exception):
    """Missing or unusable settings: the message says what to do."""


@dataclass
class Settings:
    server: str  # base URL, e.g. https://loa.example.gov.vn
    token: str  # the station's API token (amt_...)
    uid: str = field(default_factory=lambda: secrets.token_hex(4))  # in every client id
    areas: list[str] = field(default_factory=list)  # commune codes (the token's scope)
    installed_at: str = ""  # ISO time of setup: nothing scheduled before it is ours to report
    days: int = 2  # today and the next days
    poll_seconds: float = 20.0
    heartbeat_seconds: float = 60.0
    late_minutes: float = 10.0  # later than this an item is reported missed, not played
    cache_mb: float = 1024.0

    def validate(self) -> None:
        parts = urlsplit(self.server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"The server must be an http(s) URL, not {self.server!r}.")
        if not self.token.startswith(TOKEN_PREFIX) or len(self.token) < 12:
            raise SettingsError("The token must be an API token starting with amt_.")
        if not 1 <= self.days <= 14:
            raise SettingsError("Days must be between 1 and 14.")
        if not 1 <= self.poll_seconds <= 3600:
            raise SettingsError("The poll interval must be between 1 and 3600 seconds.")
        if self.late_minutes < 0 or self.cache_mb <= 0:
            raise SettingsError("Late minutes and the cache size must be positive.")

    @property
    def cache_bytes(self) -> int:
        return int(self.cache_mb * 1024 * 1024)


def path_of(folder: Path) -> Path:
    return folder / FILE_NAME


def load(folder: Path) -> Settings:
    path = path_of(folder)
    if not path.exists():
        raise SettingsError(
            f"{folder} is not set up: run `python -m audio_manager.station setup "
            f"--server URL --token TOKEN --dir {folder}` first."
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Settings)}
        settings = Settings(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{path} is damaged ({exc}); run setup again.") from None
    settings.validate()
    return settings


def save(folder: Path, settings: Settings) -> Path:
    """Atomically, owner-only: the file holds the token."""
    settings.validate()
    folder.mkdir(parents=True, exist_ok=True)
    path = path_of(folder)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(settings), handle, indent=2, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path

"""The actor behind a change: a user (or a device's token) and the address it came from."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import User


@dataclass(frozen=True)
class Actor:
    user: User | None
    ip: str | None = None
    via: str = "web"  # web | api | cli | system

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.username
        return self.via

    @classmethod
    def system(cls, via: str = "system") -> Actor:
        return cls(user=None, ip=None, via=via)

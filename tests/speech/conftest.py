"""Speech tests: the fake providers, and a guard that nothing here reaches the internet."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from audio_manager.production.engines import ProviderSettings

from .fakes import KEY, FakeProviders

LOCAL = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection or name lookup beyond this machine fails the test at once."""
    real_connect = socket.socket.connect
    real_lookup = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not host.startswith("/") and host not in LOCAL:
            raise AssertionError(f"a test tried to reach {host}")
        return real_connect(self, address)

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode()
        if host is not None and host not in LOCAL:
            raise socket.gaierror(f"a test tried to look up {host}")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProviders]:
    fakes = FakeProviders()
    yield fakes
    fakes.close()


@pytest.fixture
def fakes(fake_server: FakeProviders) -> FakeProviders:
    fake_server.reset()
    return fake_server


def settings_for(fakes: FakeProviders, name: str, **overrides: Any) -> ProviderSettings:
    values: dict[str, Any] = {
        "key": KEY,
        "endpoint": fakes.url(name),
        "timeout": 0.5,
        "job_timeout": 1.0,
        "poll_interval": 0.02,
    }
    values.update(overrides)
    return ProviderSettings(**values)

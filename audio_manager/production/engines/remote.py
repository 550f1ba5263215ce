"""What the contracted (paid) engines share: HTTP, keys kept out of every message, splitting,
the clip cache, polling for audio that is made asynchronously, and errors a caller can fall
back on.

An engine is built from :class:`ProviderSettings` (its key, region and endpoint, set by an
admin). The key goes only into the request that needs it: never into an error message, a
log line or an exception's details (:meth:`RemoteEngine.redact` scrubs anything a provider
sends back, in case it echoes the key).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import (
    EngineError,
    EngineNotConfiguredError,
    EngineRefusedError,
    EngineTimeoutError,
    EngineUnavailableError,
    QuotaExceededError,
)
from .base import ClipCache, ClipKey, Engine, SpeechAudio, Voice
from .join import join
from .split import split_text

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

OUTPUT_RATE = 24000
USER_AGENT = "audio_manager (public information for commune loudspeakers)"


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach one provider. ``endpoint`` overrides the documented URL (a proxy, or a
    local fake in tests); ``job_timeout`` bounds the wait for audio made asynchronously."""

    key: str = field(default="", repr=False)
    region: str = ""
    endpoint: str = ""
    timeout: float = 20.0
    job_timeout: float = 120.0
    poll_interval: float = 1.0


class RemoteEngine(Engine):
    """A paid HTTP engine. Subclasses describe one request: :meth:`request_audio`."""

    online = True
    paid = True
    kind = "contracted"
    default_endpoint = ""
    max_chars = 2000
    max_bytes: int | None = None

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings()
        self.timeout = self.settings.timeout
        self._local = threading.local()

    # --- configuration ------------------------------------------------------------------

    def configured(self) -> bool:
        return bool(self.settings.key)

    @property
    def endpoint(self) -> str:
        return (self.settings.endpoint or self.default_endpoint).rstrip("/")

    def redact(self, text: str) -> str:
        """``text`` with the key (and anything after "key=") removed, shortened."""
        key = self.settings.key
        if key:
            text = text.replace(key, "***")
        return text[:300]

    # --- HTTP ---------------------------------------------------------------------------

    def session(self) -> requests.Session:
        import requests

        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        return session

    def http(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP call; network failures become errors a caller can fall back on."""
        import requests

        kwargs.setdefault("timeout", self.settings.timeout)
        try:
            return self.session().request(method, url, **kwargs)
        except requests.exceptions.Timeout:
            # "from None": the library's exception may quote the request; keep it out of logs.
            raise EngineTimeoutError(
                f"{self.label} did not answer within {self.settings.timeout:g} s.",
                details={"engine": self.name, "timeout_s": self.settings.timeout},
            ) from None
        except requests.exceptions.RequestException:
            raise EngineUnavailableError(
                f"{self.label} cannot be reached.", details={"engine": self.name}
            ) from None

    def provider_message(self, response: requests.Response) -> str:
        """The provider's own words about a failure, without the key."""
        try:
            body: Any = response.json()
        except ValueError:
            return self.redact(response.text.strip())
        return self.redact(self.message_from(body) or json.dumps(body, ensure_ascii=False))

    def message_from(self, body: Any) -> str:
        """Where the provider puts its error message in a JSON body."""
        if isinstance(body, dict):
            for name in ("message", "error_message", "en_message", "msg"):
                value = body.get(name)
                if isinstance(value, str) and value:
                    return value
            if isinstance(body.get("error"), dict):
                return self.message_from(body["error"])
        return ""

    def refusal(self, status: int, message: str) -> EngineUnavailableError:
        """The error for an HTTP failure: quota (429), key or text refused (4xx), or down."""
        details = {"engine": self.name, "status": status}
        said = f": {message}" if message else ""
        if status == 429:
            return QuotaExceededError(
                f"{self.label} refused: quota or rate limit reached (HTTP 429){said}",
                details=details,
            )
        if status in (401, 403):
            return EngineRefusedError(
                f"{self.label} rejected the key (HTTP {status}){said}", details=details
            )
        if status >= 500:
            return EngineUnavailableError(
                f"{self.label} is unavailable (HTTP {status}){said}", details=details
            )
        return EngineRefusedError(
            f"{self.label} refused the request (HTTP {status}){said}", details=details
        )

    def check(self, response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            raise self.refusal(response.status_code, self.provider_message(response))
        return response

    def poll(self, url: str, **kwargs: Any) -> bytes:
        """Fetch audio the provider is still making: retry "not there yet" (404, 403 from
        object storage, 202) until it comes or ``job_timeout`` passes."""
        deadline = time.monotonic() + self.settings.job_timeout
        if not url.startswith(("https://", "http://")):
            raise EngineError(f"{self.label} answered with an unusable audio address.")
        while True:
            response = self.http("GET", url, **kwargs)
            if response.status_code == 200 and response.content:
                return response.content
            if response.status_code not in (202, 403, 404) and response.status_code >= 400:
                raise self.refusal(response.status_code, self.provider_message(response))
            if time.monotonic() + self.settings.poll_interval > deadline:
                raise EngineTimeoutError(
                    f"{self.label} did not finish the audio within "
                    f"{self.settings.job_timeout:g} s.",
                    details={"engine": self.name, "timeout_s": self.settings.job_timeout},
                )
            time.sleep(self.settings.poll_interval)

    # --- synthesis ----------------------------------------------------------------------

    def speed_setting(self, speed: float) -> tuple[str, float]:
        """(the engine's own speed setting, the tempo still to apply afterwards)."""
        return "1", speed

    @staticmethod
    def native_speed(speed: float, lowest: float, highest: float) -> tuple[float, float]:
        """The nearest speed the engine reads at, and the tempo that makes up the rest."""
        native = min(highest, max(lowest, round(speed, 2)))
        return native, speed / native

    @abstractmethod
    def request_audio(self, text: str, voice: Voice, setting: str) -> bytes:
        """Ask the provider for one part; return the audio bytes it sends."""

    def probe_request(self) -> requests.Response:
        """A cheap request that shows whether the provider answers."""
        return self.http("GET", self.endpoint)

    def probe(self) -> None:
        if not self.configured():
            raise EngineNotConfiguredError(
                f"{self.label} has no key.", details={"engine": self.name}
            )
        response = self.probe_request()
        if response.status_code in (401, 403, 429) or response.status_code >= 500:
            raise self.refusal(response.status_code, self.provider_message(response))
        self.probe_answer(response)

    def probe_answer(self, response: requests.Response) -> None:
        """Look at a probe's answer for a refusal the HTTP status does not show."""

    def synthesize(
        self, text: str, voice: Voice, speed: float = 1.0, *, cache: ClipCache | None = None
    ) -> SpeechAudio:
        if not self.configured():
            raise EngineNotConfiguredError(
                f"{self.label} has no key: an admin sets it on the speech engines page.",
                details={"engine": self.name},
            )
        setting, tempo = self.speed_setting(speed)
        parts, cached, sent = [], 0, 0
        for chunk in split_text(text, self.max_chars, self.max_bytes):
            key = ClipKey(self.name, voice.id, setting, chunk)
            audio = cache.get(key) if cache is not None else None
            if audio is None:
                audio = self.request_audio(chunk, voice, setting)
                if not audio:
                    raise EngineError(f"{self.label} returned no audio.")
                sent += len(chunk)
                if cache is not None:
                    cache.put(key, audio)
            else:
                cached += 1
            parts.append(audio)
        if not parts:
            raise EngineError(f"{self.label} was given no text.")
        return join(
            parts, OUTPUT_RATE, tempo=tempo, engine=self.label, cached_parts=cached, sent_chars=sent
        )

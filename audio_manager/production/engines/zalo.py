"""Zalo AI Text to Audio Converter (https://zalo.ai/docs/api/text-to-audio-converter).

``POST https://api.zalo.ai/v1/tts/synthesize`` with the key in the ``apikey`` header and form
data: ``input`` (at most 2,000 characters), ``speaker_id`` (1 southern woman, 2 northern woman,
3 southern man, 4 northern man, 5 northern woman 2, 6 southern woman 2), ``speed`` (0.8–1.2),
``encode_type`` (0 WAV, 1 MP3, 2 AAC). The answer is JSON: ``{"error_code": 0, "data": {"url":
…}}``; the audio is fetched from ``url`` (polled while it is being made). Error codes: 150
invalid parameter, 155 input over 2,000 characters, 401 wrong apikey, 500 server error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineError, EngineRefusedError, EngineUnavailableError, QuotaExceededError
from .base import FEMALE, MALE, NORTHERN, SOUTHERN, Voice, vietnamese_voice
from .remote import RemoteEngine

if TYPE_CHECKING:
    import requests

MIN_SPEED, MAX_SPEED = 0.8, 1.2


_vi = vietnamese_voice


VOICES = (
    _vi("2", "Northern woman 1", FEMALE, NORTHERN),
    _vi("5", "Northern woman 2", FEMALE, NORTHERN),
    _vi("4", "Northern man", MALE, NORTHERN),
    _vi("1", "Southern woman 1", FEMALE, SOUTHERN),
    _vi("6", "Southern woman 2", FEMALE, SOUTHERN),
    _vi("3", "Southern man", MALE, SOUTHERN),
)


class ZaloEngine(RemoteEngine):
    name = "zalo"
    label = "Zalo AI"
    default_endpoint = "https://api.zalo.ai/v1/tts/synthesize"
    max_chars = 2000

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def speed_setting(self, speed: float) -> tuple[str, float]:
        native, tempo = self.native_speed(speed, MIN_SPEED, MAX_SPEED)
        return f"{native:g}", tempo

    def request_audio(self, text: str, voice: Voice, setting: str) -> bytes:
        response = self.http(
            "POST",
            self.endpoint,
            data={"input": text, "speaker_id": voice.id, "speed": setting, "encode_type": "0"},
            headers={"apikey": self.settings.key},
        )
        self.check(response)
        return self.poll(self._url(response))

    def _url(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            raise EngineError(f"{self.label} answered without JSON.") from None
        code = body.get("error_code", 0)
        if code != 0:
            message = self.redact(str(body.get("error_message", "")))
            details = {"engine": self.name, "error_code": code}
            if code in (401, 403):
                raise EngineRefusedError(
                    f"{self.label} rejected the key: {message}", details=details
                )
            if code == 429:
                raise QuotaExceededError(f"{self.label} quota reached: {message}", details=details)
            if isinstance(code, int) and code >= 500:
                raise EngineUnavailableError(f"{self.label} failed: {message}", details=details)
            raise EngineRefusedError(f"{self.label} refused the text: {message}", details=details)
        url = (body.get("data") or {}).get("url") if isinstance(body.get("data"), dict) else None
        if not isinstance(url, str) or not url:
            raise EngineError(f"{self.label} answered without an audio address.")
        return url

    def probe_request(self) -> requests.Response:
        return self.http("POST", self.endpoint, data={}, headers={"apikey": self.settings.key})

    def probe_answer(self, response: requests.Response) -> None:
        try:
            code = response.json().get("error_code")
        except (ValueError, AttributeError):
            return
        if code in (401, 403):  # an empty input is refused (150) only once the key is accepted
            raise EngineRefusedError(
                f"{self.label} rejected the key.", details={"engine": self.name}
            )

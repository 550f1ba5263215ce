"""Google Cloud Text-to-Speech, the official API (https://cloud.google.com/text-to-speech).

``POST https://texttospeech.googleapis.com/v1/text:synthesize`` with the API key in the
``X-Goog-Api-Key`` header (never in the URL, where proxies and logs would keep it) and a JSON
body ``{"input": {"text"}, "voice": {"languageCode", "name"}, "audioConfig": {"audioEncoding":
"LINEAR16", "speakingRate", "sampleRateHertz"}}``; the answer is ``{"audioContent": <base64>}``
(LINEAR16 comes with a WAV header). Input is limited to 5,000 bytes per request. Errors are
``{"error": {"code", "message", "status"}}``: INVALID_ARGUMENT (400), PERMISSION_DENIED (403),
RESOURCE_EXHAUSTED (429, quota), UNAVAILABLE (503). The asynchronous long-audio API writes to a
Cloud Storage bucket and needs a service account, not an API key: it is not used (scripts are
at most a few thousand characters and are split at sentence boundaries instead).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from ..errors import EngineError
from .base import FEMALE, HAN, KHMER, LATIN, MALE, NORTHERN, Voice
from .remote import OUTPUT_RATE, RemoteEngine

if TYPE_CHECKING:
    import requests

MIN_RATE, MAX_RATE = 0.25, 4.0


def _voice(name: str, gender: str) -> Voice:
    locale = name.rsplit("-", 2)[0]
    language, variety, scripts, accent = {
        "vi-VN": ("vi", "vi", frozenset({LATIN}), NORTHERN),
        "cmn-CN": ("zh", "cmn", frozenset({HAN, LATIN}), None),
        "yue-HK": ("zh", "yue", frozenset({HAN, LATIN}), None),
        "km-KH": ("km", "km", frozenset({KHMER, LATIN}), None),
    }[locale]
    return Voice(name, language, variety, name, scripts, gender, accent, locale=locale)


VOICES = (
    _voice("vi-VN-Neural2-A", FEMALE),
    _voice("vi-VN-Neural2-D", MALE),
    _voice("vi-VN-Wavenet-A", FEMALE),
    _voice("vi-VN-Wavenet-B", MALE),
    _voice("vi-VN-Wavenet-C", FEMALE),
    _voice("vi-VN-Wavenet-D", MALE),
    _voice("vi-VN-Standard-A", FEMALE),
    _voice("vi-VN-Standard-B", MALE),
    _voice("cmn-CN-Wavenet-A", FEMALE),
    _voice("cmn-CN-Wavenet-B", MALE),
    _voice("cmn-CN-Standard-A", FEMALE),
    _voice("cmn-CN-Standard-B", MALE),
    _voice("yue-HK-Standard-A", FEMALE),
    _voice("yue-HK-Standard-B", MALE),
    _voice("yue-HK-Standard-C", FEMALE),
    _voice("yue-HK-Standard-D", MALE),
    _voice("km-KH-Standard-A", FEMALE),
    _voice("km-KH-Standard-B", MALE),
)


class GoogleCloudEngine(RemoteEngine):
    name = "google"
    label = "Google Cloud Text-to-Speech"
    default_endpoint = "https://texttospeech.googleapis.com"
    max_chars = 5000
    max_bytes = 5000

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def speed_setting(self, speed: float) -> tuple[str, float]:
        native, tempo = self.native_speed(speed, MIN_RATE, MAX_RATE)
        return f"{native:g}", tempo

    def request_audio(self, text: str, voice: Voice, setting: str) -> bytes:
        response = self.http(
            "POST",
            f"{self.endpoint}/v1/text:synthesize",
            json={
                "input": {"text": text},
                "voice": {"languageCode": voice.locale, "name": voice.id},
                "audioConfig": {
                    "audioEncoding": "LINEAR16",
                    "speakingRate": float(setting),
                    "sampleRateHertz": OUTPUT_RATE,
                },
            },
            headers={"X-Goog-Api-Key": self.settings.key},
        )
        self.check(response)
        try:
            return base64.b64decode(response.json()["audioContent"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise EngineError(f"{self.label} answered without audio.") from None

    def message_from(self, body: object) -> str:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            return " ".join(str(error.get(k, "")) for k in ("status", "message")).strip()
        return super().message_from(body)

    def probe_answer(self, response: requests.Response) -> None:
        if response.status_code == 400:  # Google answers a key it does not know with 400
            raise self.refusal(response.status_code, self.provider_message(response))

    def probe_request(self) -> requests.Response:
        return self.http(
            "GET",
            f"{self.endpoint}/v1/voices",
            params={"languageCode": "vi-VN"},
            headers={"X-Goog-Api-Key": self.settings.key},
        )

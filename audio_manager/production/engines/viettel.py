"""Viettel AI Text-to-Speech (https://viettelai.vn, API "tts/speech_synthesis").

``POST https://viettelai.vn/tts/speech_synthesis`` with a JSON body: ``text``, ``voice``
("hn-quynhanh", "hue-maingoc", "hcm-diemmy"…), ``speed`` (0.8–1.2; 1.0 normal),
``tts_return_option`` (2 = WAV, 3 = MP3), ``token`` (the key) and ``without_filter``. A success
answers the audio itself; a failure answers JSON with a ``code`` and a message (``vi_message``,
``en_message`` or ``message``). The published documentation states no per-request length: parts
of at most 2,000 characters are sent, a conservative choice (``max_chars``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineRefusedError
from .base import CENTRAL, FEMALE, MALE, NORTHERN, SOUTHERN, Voice, vietnamese_voice
from .remote import RemoteEngine

if TYPE_CHECKING:
    import requests

MIN_SPEED, MAX_SPEED = 0.8, 1.2


_vi = vietnamese_voice


VOICES = (
    _vi("hn-quynhanh", "Quỳnh Anh", FEMALE, NORTHERN),
    _vi("hn-phuongtrang", "Phương Trang", FEMALE, NORTHERN),
    _vi("hn-thanhha", "Thanh Hà", FEMALE, NORTHERN),
    _vi("hn-thanhtung", "Thanh Tùng", MALE, NORTHERN),
    _vi("hue-maingoc", "Mai Ngọc", FEMALE, CENTRAL),
    _vi("hue-baoquoc", "Bảo Quốc", MALE, CENTRAL),
    _vi("hcm-diemmy", "Diễm My", FEMALE, SOUTHERN),
    _vi("hcm-phuongly", "Phương Ly", FEMALE, SOUTHERN),
    _vi("hcm-thuydung", "Thùy Dung", FEMALE, SOUTHERN),
    _vi("hcm-minhquan", "Minh Quân", MALE, SOUTHERN),
)


class ViettelEngine(RemoteEngine):
    name = "viettel"
    label = "Viettel AI"
    default_endpoint = "https://viettelai.vn/tts/speech_synthesis"
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
            json={
                "text": text,
                "voice": voice.id,
                "speed": float(setting),
                "tts_return_option": 2,
                "token": self.settings.key,
                "without_filter": False,
            },
            headers={"Accept": "audio/wav, application/json"},
        )
        self.check(response)
        if _is_json(response):
            # A 200 with a JSON body is a refusal (an invalid token, an unknown voice).
            raise EngineRefusedError(
                f"{self.label} refused the request: {self.provider_message(response)}",
                details={"engine": self.name},
            )
        return response.content

    def message_from(self, body: object) -> str:
        if isinstance(body, dict):
            for name in ("en_message", "vi_message", "message"):
                if isinstance(body.get(name), str) and body[name]:
                    return str(body[name])
        return super().message_from(body)

    def probe_request(self) -> requests.Response:
        return self.http("POST", self.endpoint, json={"text": "", "token": self.settings.key})


def _is_json(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    return "json" in kind or response.content[:1] in (b"{", b"[")

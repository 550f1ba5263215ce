"""FPT.AI Text-to-Speech v5 (https://docs.fpt.ai/docs/en/speech/api/text-to-speech).

``POST https://api.fpt.ai/hmi/tts/v5`` with the key in the ``api-key`` header (the
documentation's table spells it ``api_key``; both are sent), the voice, ``speed`` (-3…+3) and
``format`` (mp3 or wav) as headers, and the text (3 to 5,000 characters) as the raw body. The
answer is JSON: ``{"error": 0, "async": "<audio URL>", "message": …, "request_id": …}``; the
audio appears at the ``async`` URL 5 seconds to 2 minutes later, so it is polled until it is
there. ``error`` other than 0 is a refusal with its ``message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineError, EngineRefusedError
from .base import CENTRAL, FEMALE, MALE, NORTHERN, SOUTHERN, Voice, vietnamese_voice
from .remote import RemoteEngine

if TYPE_CHECKING:
    import requests


_vi = vietnamese_voice


VOICES = (
    _vi("banmai", "Ban Mai", FEMALE, NORTHERN),
    _vi("thuminh", "Thu Minh", FEMALE, NORTHERN),
    _vi("leminh", "Lê Minh", MALE, NORTHERN),
    _vi("myan", "Mỹ An", FEMALE, CENTRAL),
    _vi("giahuy", "Gia Huy", MALE, CENTRAL),
    _vi("lannhi", "Lan Nhi", FEMALE, SOUTHERN),
    _vi("linhsan", "Linh San", FEMALE, SOUTHERN),
)


class FptEngine(RemoteEngine):
    name = "fpt"
    label = "FPT.AI"
    default_endpoint = "https://api.fpt.ai/hmi/tts/v5"
    max_chars = 5000

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def speed_setting(self, speed: float) -> tuple[str, float]:
        # FPT's -3…+3 steps are not documented as a rate: read at 0 and set the tempo exactly.
        return "0", speed

    def request_audio(self, text: str, voice: Voice, setting: str) -> bytes:
        # The documented minimum is 3 characters: a shorter part is padded with a pause.
        body = text if len(text) >= 3 else f"{text} ..."
        response = self.http(
            "POST",
            self.endpoint,
            data=body.encode("utf-8"),
            headers={
                "api-key": self.settings.key,
                "api_key": self.settings.key,
                "voice": voice.id,
                "speed": setting,
                "format": "wav",
                "Content-Type": "text/plain; charset=utf-8",
            },
        )
        answer = self._answer(self.check(response))
        return self.poll(answer)

    def probe_request(self) -> requests.Response:
        # An empty text is refused (error != 0) without making audio; a wrong key gets 401.
        return self.http("POST", self.endpoint, data=b"", headers={"api-key": self.settings.key})

    def _answer(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            raise EngineError(f"{self.label} answered without JSON.") from None
        if body.get("error", 0) != 0:
            raise EngineRefusedError(
                f"{self.label} refused the text: {self.redact(str(body.get('message', '')))}",
                details={"engine": self.name, "error": body.get("error")},
            )
        url = body.get("async")
        if not isinstance(url, str) or not url:
            raise EngineError(f"{self.label} answered without an audio address.")
        return url

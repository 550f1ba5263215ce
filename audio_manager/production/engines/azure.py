"""Microsoft Azure AI Speech, text to speech REST API with SSML.

``POST https://<region>.tts.speech.microsoft.com/cognitiveservices/v1`` with the resource key in
``Ocp-Apim-Subscription-Key``, ``Content-Type: application/ssml+xml``,
``X-Microsoft-OutputFormat: riff-24khz-16bit-mono-pcm`` and a ``User-Agent``; the body is SSML
(``<speak><voice name="vi-VN-HoaiMyNeural"><prosody rate="+10%">…``) and the answer is the audio.
Errors: 400 (bad SSML), 401 (bad key or region), 429 (too many requests or quota), 502/503
(service). A real-time request may produce at most 10 minutes of audio: parts of at most 3,000
characters are sent (well under it). The voice list is ``GET …/cognitiveservices/voices/list``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .base import FEMALE, HAN, KHMER, LATIN, MALE, NORTHERN, Voice
from .remote import RemoteEngine

if TYPE_CHECKING:
    import requests

MIN_SPEED, MAX_SPEED = 0.5, 2.0


def _voice(name: str, display: str, gender: str) -> Voice:
    locale = "-".join(name.split("-")[:2])
    language, variety, scripts, accent = {
        "vi-VN": ("vi", "vi", frozenset({LATIN}), NORTHERN),
        "zh-CN": ("zh", "cmn", frozenset({HAN, LATIN}), None),
        "zh-HK": ("zh", "yue", frozenset({HAN, LATIN}), None),
        "km-KH": ("km", "km", frozenset({KHMER, LATIN}), None),
    }[locale]
    return Voice(name, language, variety, display, scripts, gender, accent, locale=locale)


VOICES = (
    _voice("vi-VN-HoaiMyNeural", "Hoài My", FEMALE),
    _voice("vi-VN-NamMinhNeural", "Nam Minh", MALE),
    _voice("zh-CN-XiaoxiaoNeural", "Xiaoxiao", FEMALE),
    _voice("zh-CN-YunxiNeural", "Yunxi", MALE),
    _voice("zh-CN-YunyangNeural", "Yunyang", MALE),
    _voice("zh-HK-HiuMaanNeural", "HiuMaan", FEMALE),
    _voice("zh-HK-WanLungNeural", "WanLung", MALE),
    _voice("zh-HK-HiuGaaiNeural", "HiuGaai", FEMALE),
    _voice("km-KH-SreymomNeural", "Sreymom", FEMALE),
    _voice("km-KH-PisethNeural", "Piseth", MALE),
)


class AzureEngine(RemoteEngine):
    name = "azure"
    label = "Microsoft Azure AI Speech"
    max_chars = 3000

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def configured(self) -> bool:
        return bool(self.settings.key and (self.settings.region or self.settings.endpoint))

    @property
    def endpoint(self) -> str:
        if self.settings.endpoint:
            return self.settings.endpoint.rstrip("/")
        return f"https://{self.settings.region}.tts.speech.microsoft.com"

    def speed_setting(self, speed: float) -> tuple[str, float]:
        native, tempo = self.native_speed(speed, MIN_SPEED, MAX_SPEED)
        return f"{round((native - 1) * 100):+d}%", tempo

    def ssml(self, text: str, voice: Voice, rate: str) -> str:
        return (
            f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' "
            f"xml:lang={quoteattr(voice.locale or 'vi-VN')}>"
            f"<voice name={quoteattr(voice.id)}><prosody rate={quoteattr(rate)}>"
            f"{escape(text)}</prosody></voice></speak>"
        )

    def request_audio(self, text: str, voice: Voice, setting: str) -> bytes:
        response = self.http(
            "POST",
            f"{self.endpoint}/cognitiveservices/v1",
            data=self.ssml(text, voice, setting).encode("utf-8"),
            headers={
                "Ocp-Apim-Subscription-Key": self.settings.key,
                "Content-Type": "application/ssml+xml",
                "X-Microsoft-OutputFormat": "riff-24khz-16bit-mono-pcm",
            },
        )
        return self.check(response).content

    def probe_request(self) -> requests.Response:
        return self.http(
            "GET",
            f"{self.endpoint}/cognitiveservices/voices/list",
            headers={"Ocp-Apim-Subscription-Key": self.settings.key},
        )

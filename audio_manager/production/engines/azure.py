"""Microsoft Azure AI Speech, text to speech REST API with SSML.

``POST https://<region>.tts.speech.microsoft.com/cognitiveservices/v1`` with the resource key in
``Ocp-Apim-Subscription-Key``, ``Content-Type: application/ssml+xml``,
``X-Microsoft-OutputFormat: riff-24khz-16bit-mono-pcm`` and a ``User-Agent``; the body is SSML
(``<speak><voice name="vi-VN-HoaiMyNeural"><prosody rate="+10%">…``) and the answer is the audio.
Errors: 400 (bad SSML), 401 (bad key or region), 429 (too many requests or quota), 502/503
(service). A real-time request may produce at most 10 minutes of audio, so a script longer than
3,000 characters goes to the asynchronous batch synthesis API instead: ``PUT
https://<region>.api.cognitive.microsoft.com/texttospeech/batchsyntheses/<id>?api-version=
2024-04-01`` with ``{"inputKind": "SSML", "inputs": [{"content": <SSML>}, …], "properties":
{"outputFormat", "concatenateResult": true}}`` (the script cut at sentences, 3,000 characters
an input), then ``GET`` the same address until ``status`` is ``Succeeded`` (or ``Failed``), then
download ``outputs.result``, a ZIP holding the one concatenated WAV, and ``DELETE`` the job. The
voice list is ``GET …/cognitiveservices/voices/list``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import time
import uuid
import zipfile
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from ..errors import (
    EngineError,
    EngineNotConfiguredError,
    EngineRefusedError,
    EngineTimeoutError,
    EngineUnavailableError,
)
from .base import FEMALE, HAN, KHMER, LATIN, MALE, NORTHERN, ClipCache, ClipKey, SpeechAudio, Voice
from .join import join
from .remote import OUTPUT_RATE, RemoteEngine
from .split import split_text

if TYPE_CHECKING:
    import requests

MIN_SPEED, MAX_SPEED = 0.5, 2.0
BATCH_API_VERSION = "2024-04-01"
OUTPUT_FORMAT = "riff-24khz-16bit-mono-pcm"


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
                "X-Microsoft-OutputFormat": OUTPUT_FORMAT,
            },
        )
        return self.check(response).content

    def probe_request(self) -> requests.Response:
        return self.http(
            "GET",
            f"{self.endpoint}/cognitiveservices/voices/list",
            headers={"Ocp-Apim-Subscription-Key": self.settings.key},
        )

    # --- long scripts: the asynchronous batch synthesis API --------------------------------

    @property
    def batch_endpoint(self) -> str:
        if self.settings.endpoint:
            return self.settings.endpoint.rstrip("/")
        return f"https://{self.settings.region}.api.cognitive.microsoft.com"

    def synthesize(
        self, text: str, voice: Voice, speed: float = 1.0, *, cache: ClipCache | None = None
    ) -> SpeechAudio:
        if len(text) <= self.max_chars:
            return super().synthesize(text, voice, speed, cache=cache)
        if not self.configured():
            raise EngineNotConfiguredError(
                f"{self.label} has no key: an admin sets it on the speech engines page.",
                details={"engine": self.name},
            )
        setting, tempo = self.speed_setting(speed)
        parts = split_text(text, self.max_chars)
        key = ClipKey(self.name, voice.id, setting, text)
        audio = cache.get(key) if cache is not None else None
        sent = 0
        if audio is None:
            audio = self.batch([self.ssml(p, voice, setting) for p in parts])
            sent = len(text)
            if cache is not None:
                cache.put(key, audio)
        joined = join([audio], OUTPUT_RATE, tempo=tempo, engine=self.label, sent_chars=sent)
        return dataclasses.replace(joined, parts=len(parts), cached_parts=0 if sent else len(parts))

    def batch(self, inputs: list[str]) -> bytes:
        """One batch synthesis job: create it, wait for it, fetch the WAV, delete the job."""
        url = f"{self.batch_endpoint}/texttospeech/batchsyntheses/am-{uuid.uuid4().hex}"
        options: dict[str, Any] = {
            "params": {"api-version": BATCH_API_VERSION},
            "headers": {"Ocp-Apim-Subscription-Key": self.settings.key},
        }
        body = {
            "inputKind": "SSML",
            "inputs": [{"content": content} for content in inputs],
            "properties": {"outputFormat": OUTPUT_FORMAT, "concatenateResult": True},
        }
        self.check(self.http("PUT", url, json=body, **options))
        try:
            result = self._wait(url, options)
            archive = self.check(self.http("GET", result)).content  # a SAS address: no key
        finally:  # tidy up; the service deletes old jobs itself anyway
            with contextlib.suppress(EngineUnavailableError, EngineError):
                self.http("DELETE", url, **options)
        return self._wav_in(archive)

    def _wait(self, url: str, options: dict[str, Any]) -> str:
        deadline = time.monotonic() + self.settings.job_timeout
        while True:
            state = self.check(self.http("GET", url, **options)).json()
            status = state.get("status")
            if status == "Succeeded":
                result = (state.get("outputs") or {}).get("result")
                if not isinstance(result, str) or not result.startswith(("https://", "http://")):
                    raise EngineError(f"{self.label} finished without an audio address.")
                return result
            if status == "Failed":
                raise EngineRefusedError(
                    f"{self.label} could not make the audio (the batch synthesis failed).",
                    details={"engine": self.name},
                )
            if time.monotonic() + self.settings.poll_interval > deadline:
                raise EngineTimeoutError(
                    f"{self.label} did not finish the audio within "
                    f"{self.settings.job_timeout:g} s.",
                    details={"engine": self.name, "timeout_s": self.settings.job_timeout},
                )
            time.sleep(self.settings.poll_interval)

    def _wav_in(self, archive: bytes) -> bytes:
        try:
            with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
                names = sorted(n for n in bundle.namelist() if n.lower().endswith(".wav"))
                if not names:
                    raise EngineError(f"{self.label} sent a result without audio.")
                return bundle.read(names[0])
        except zipfile.BadZipFile:
            raise EngineError(f"{self.label} sent a result that is not a ZIP.") from None

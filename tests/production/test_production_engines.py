"""Speech engines: real eSpeak NG offline; Google (gTTS) with its HTTP mocked at the boundary."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
import requests
import responses

from audio_manager.production import ffmpeg
from audio_manager.production.engines import (
    EngineRegistry,
    EspeakEngine,
    GTTSEngine,
    SpeechResult,
    parse_language,
)
from audio_manager.production.errors import (
    EmptyScriptError,
    EngineTimeoutError,
    EngineUnavailableError,
    InvalidSpeedError,
    NoVoiceError,
    ScriptTooLongError,
    UnknownEngineError,
    UnknownVoiceError,
    UnsupportedLanguageError,
    UnsupportedScriptError,
    VoiceNotOfferedError,
)
from audio_manager.production.pcm import read_wav_bytes

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "scripts.json"
GOOGLE = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")
FALLBACK_SCRIPTS = {
    "kinh": "Bảo hiểm xã hội tự nguyện. Mọi thắc mắc xin gọi tổng đài 1900 9068.",
    "hoa": "自愿社会保险是国家的政策。请拨打热线 1900 9068。",
    "khmer": "ធានារ៉ាប់រងសង្គមស្ម័គ្រចិត្ត។ សូមទូរស័ព្ទមកលេខ ១៩០០ ៩០៦៨។",
}


@pytest.fixture(scope="module")
def scripts() -> dict[str, str]:
    if SAMPLES.exists():
        return json.loads(SAMPLES.read_text())["messages"][0]["scripts"]
    return FALLBACK_SCRIPTS


@pytest.fixture(scope="module")
def google_mp3() -> bytes:
    """A real small MP3 (1 s of a voice-band tone) such as Google would send."""
    return subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         "sine=f=220:d=1,volume=0.3", "-ar", "24000", "-ac", "1", "-c:a", "libmp3lame",
         "-b:a", "32k", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def google_answer(mp3: bytes) -> str:
    """The body of Google's batchexecute answer carrying ``mp3`` (as gTTS parses it)."""
    audio = base64.b64encode(mp3).decode()
    return ')]}\'\n\n[["wrb.fr","jQ1olc","[\\"' + audio + '\\"]",null,null,null,"generic"]]\n'


def wav_samples(result: SpeechResult) -> np.ndarray:
    samples, rate = read_wav_bytes(result.wav)
    assert rate == result.sample_rate
    return samples


def registry(timeout: float = 2.0) -> EngineRegistry:
    return EngineRegistry([GTTSEngine(timeout=timeout), EspeakEngine()])


# --- eSpeak NG, for real ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "key", "voice"), [("vi", "kinh", "vi-vn-x-south"), ("zh", "hoa", "yue")]
)
def test_espeak_speaks_offline(
    language: str, key: str, voice: str, scripts: dict[str, str]
) -> None:
    result = EngineRegistry([EspeakEngine()]).synthesize(scripts[key], language)
    assert (result.engine, result.voice, result.language) == ("espeak", voice, language)
    assert result.sample_rate == 22050
    assert result.duration_s > 0.5
    samples = wav_samples(result)
    assert len(samples) / 22050 == pytest.approx(result.duration_s)
    assert 20 * np.log10(np.abs(samples).max()) > -20  # not silent
    assert result.fallback_from is None


def test_offline_mandarin_is_for_drafts_only(scripts: dict[str, str]) -> None:
    # Every syllable comes out on the same tone: never offered unless an admin allows drafts.
    offline = EngineRegistry([EspeakEngine()])
    assert "cmn" not in {c.voice for c in offline.voice_choices("zh")}
    with pytest.raises(VoiceNotOfferedError):
        offline.synthesize(scripts["hoa"], "zh", voice="cmn")
    with pytest.raises(NoVoiceError):  # Mandarin asked for, none fit to give
        offline.synthesize(scripts["hoa"], "zh-CN")
    drafts = EngineRegistry([EspeakEngine()], allow_draft_voices=True)
    result = drafts.synthesize(scripts["hoa"], "zh", voice="cmn")
    assert (result.voice, result.broadcast) == ("cmn", False)
    assert drafts.synthesize(scripts["kinh"], "vi").broadcast is True


def test_espeak_cantonese_and_speed(scripts: dict[str, str]) -> None:
    offline = EngineRegistry([EspeakEngine()])
    assert offline.synthesize(scripts["hoa"], "yue").voice == "yue"
    normal = offline.synthesize(scripts["kinh"], "vi", speed=1.0)
    fast = offline.synthesize(scripts["kinh"], "vi", speed=1.5)
    assert fast.speed == 1.5
    assert fast.duration_s < normal.duration_s * 0.8


def test_espeak_is_safe_from_several_threads(scripts: dict[str, str]) -> None:
    offline = EngineRegistry([EspeakEngine()])
    results: list[float] = []
    errors: list[BaseException] = []

    def speak(lang: str, text: str) -> None:
        try:
            results.append(offline.synthesize(text, lang).duration_s)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=speak, args=(lang, scripts[key]))
        for lang, key in (("vi", "kinh"), ("zh", "hoa")) * 3
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 6 and min(results) > 0.5


def test_khmer_offline_tells_the_editor_to_record(scripts: dict[str, str]) -> None:
    with pytest.raises(NoVoiceError) as caught:
        EngineRegistry([EspeakEngine()]).synthesize(scripts["khmer"], "km")
    assert caught.value.code == "no_voice"
    assert "Khmer" in caught.value.message
    assert "record" in caught.value.message and "upload" in caught.value.message
    with pytest.raises(NoVoiceError) as explicit:
        registry().synthesize(scripts["khmer"], "km", engine="espeak")
    assert "eSpeak" in explicit.value.message


# --- validation ---------------------------------------------------------------------------


def test_script_validation(scripts: dict[str, str]) -> None:
    reg = EngineRegistry([EspeakEngine()], max_chars=100)
    with pytest.raises(EmptyScriptError):
        reg.synthesize("   \n ", "vi")
    with pytest.raises(EmptyScriptError):
        reg.synthesize("... !!", "vi")
    with pytest.raises(ScriptTooLongError) as long_error:
        reg.synthesize("a" * 101, "vi")
    assert long_error.value.details == {"length": 101, "max_chars": 100}
    assert EngineRegistry([EspeakEngine()]).max_chars == 3000
    with pytest.raises(UnsupportedScriptError) as khmer_to_vi:
        reg.synthesize(scripts["khmer"][:90], "vi")
    assert "Khmer" in khmer_to_vi.value.message
    with pytest.raises(UnsupportedScriptError):
        reg.synthesize(scripts["hoa"][:50], "vi")
    with pytest.raises(UnsupportedScriptError):
        reg.synthesize("Bảo hiểm xã hội", "zh")
    assert reg.synthesize("Gọi BHXH số 1900 9068", "vi").duration_s > 0.5


def test_options_are_checked() -> None:
    reg = registry()
    with pytest.raises(InvalidSpeedError):
        reg.synthesize("xin chào", "vi", speed=3.0)
    with pytest.raises(UnknownEngineError):
        reg.synthesize("xin chào", "vi", engine="polly")
    with pytest.raises(UnknownVoiceError):
        reg.synthesize("xin chào", "vi", voice="en-GB")
    with pytest.raises(UnknownVoiceError):
        reg.synthesize("xin chào", "vi", voice="km")  # a Khmer voice for Vietnamese text
    with pytest.raises(UnsupportedLanguageError):
        reg.synthesize("bonjour", "fr")


def test_language_tags() -> None:
    assert parse_language("vi-VN") == ("vi", None)
    assert parse_language("zh-CN") == ("zh", "cmn")
    assert parse_language("yue") == ("zh", "yue")
    assert parse_language("km") == ("km", None)
    choices = registry().voice_choices("zh")
    assert [c.engine for c in choices][:1] == ["gtts"]
    assert {"zh-CN", "zh-TW", "zh", "yue"} <= {c.voice for c in choices}
    assert "cmn" not in {c.voice for c in choices}  # offline Mandarin: drafts only, if allowed
    assert [c.voice for c in registry().voice_choices("km")] == ["km"]


# --- Google, mocked ------------------------------------------------------------------------


@responses.activate
def test_google_speech(google_mp3: bytes, scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, body=google_answer(google_mp3))
    result = registry(timeout=7.5).synthesize(scripts["kinh"], "vi")
    assert (result.engine, result.voice, result.speed) == ("gtts", "vi", 1.0)
    assert result.sample_rate == 24000
    calls = len(responses.calls)
    assert calls >= 1  # gTTS sends long texts in pieces
    assert result.duration_s == pytest.approx(calls * 1.0, abs=0.15 * calls)
    request = responses.calls[0].request
    assert request.req_kwargs["timeout"] == 7.5  # type: ignore[attr-defined]
    assert "%5C%22vi%5C%22" in request.body or '\\"vi\\"' in str(request.body)


@responses.activate
def test_google_speed_uses_atempo(google_mp3: bytes) -> None:
    responses.add(responses.POST, GOOGLE, body=google_answer(google_mp3))
    normal = registry().synthesize("Xin chào bà con", "vi")
    faster = registry().synthesize("Xin chào bà con", "vi", speed=1.25)
    assert faster.speed == 1.25
    assert faster.duration_s == pytest.approx(normal.duration_s / 1.25, abs=0.05)


@responses.activate
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (requests.exceptions.ConnectionError("no route to host"), "engine_unavailable"),
        (requests.exceptions.ReadTimeout("read timed out"), "tts_timeout"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "tts_timeout"),
    ],
)
def test_google_unreachable_falls_back_to_espeak(
    failure: Exception, reason: str, scripts: dict[str, str]
) -> None:
    responses.add(responses.POST, GOOGLE, body=failure)
    result = registry().synthesize(scripts["kinh"], "vi")
    assert (result.engine, result.voice) == ("espeak", "vi-vn-x-south")
    assert (result.fallback_from, result.fallback_reason) == ("gtts", reason)
    assert result.duration_s > 0.5


@responses.activate
def test_fallback_keeps_the_variety(scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ConnectionError())
    reg = registry()
    assert reg.synthesize(scripts["hoa"], "zh", voice="yue").voice == "yue"
    assert reg.synthesize(scripts["hoa"], "yue").voice == "yue"
    with pytest.raises(EngineUnavailableError):  # no offline Mandarin fit for broadcast
        reg.synthesize(scripts["hoa"], "zh", voice="zh-TW")
    drafts = EngineRegistry([GTTSEngine(timeout=2), EspeakEngine()], allow_draft_voices=True)
    assert drafts.synthesize(scripts["hoa"], "zh", voice="zh-TW").voice == "cmn"


@responses.activate
def test_google_server_errors_and_refusals_fall_back(scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, status=503)
    assert registry().synthesize(scripts["kinh"], "vi").engine == "espeak"
    responses.replace(responses.POST, GOOGLE, status=400)
    refused = registry().synthesize(scripts["kinh"], "vi")
    assert (refused.engine, refused.fallback_reason) == ("espeak", "engine_refused")
    responses.replace(responses.POST, GOOGLE, status=429)
    assert registry().synthesize(scripts["kinh"], "vi").fallback_reason == "quota_exceeded"
    with pytest.raises(EngineUnavailableError) as caught:
        registry().synthesize(scripts["kinh"], "vi", engine="gtts", allow_fallback=False)
    assert caught.value.code == "quota_exceeded"


@responses.activate
def test_timeout_without_fallback_is_a_clear_error(scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(EngineTimeoutError) as caught:
        registry(timeout=3).synthesize(scripts["kinh"], "vi", engine="gtts", allow_fallback=False)
    assert caught.value.code == "tts_timeout"
    assert "3 s" in caught.value.message
    assert isinstance(caught.value, EngineUnavailableError)


@responses.activate
def test_khmer_when_google_is_unreachable(scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(NoVoiceError) as caught:
        registry().synthesize(scripts["khmer"], "km")
    assert caught.value.details["cause"] == "tts_timeout"
    assert "no offline voice for Khmer" in caught.value.message
    assert "record" in caught.value.message


@responses.activate
def test_google_answer_without_audio(scripts: dict[str, str]) -> None:
    responses.add(responses.POST, GOOGLE, body=')]}\'\n\n[["wrb.fr","jQ1olc",null]]\n')
    with pytest.raises(NoVoiceError) as caught:
        registry().synthesize(scripts["khmer"], "km")
    assert caught.value.details["cause"] == "engine_failed"


def test_no_network_is_ever_used() -> None:
    # gTTS must only be reached through the mocks above: fail loudly if a test forgets one.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(NoVoiceError):
            registry().synthesize("សួស្តី", "km")
        assert len(mock.calls) == 1

"""eSpeak NG, offline, through ctypes on the library shipped by ``espeakng-loader``.

The C API is process-global and not thread-safe: one lock guards every call and the library
is initialised once (synchronous mode, 22,050 Hz 16-bit mono). eSpeak NG has no Khmer voice.
"""

from __future__ import annotations

import ctypes
import threading
from typing import TYPE_CHECKING

from ..errors import EngineError, EngineUnavailableError
from .base import HAN, LATIN, SOUTHERN, ClipCache, Engine, SpeechAudio, Voice

if TYPE_CHECKING:
    import numpy as np

# numpy is imported when speech is made: listing voices on a page must not load it.

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
PARAM_RATE = 1
EE_OK = 0
NORMAL_RATE_WPM = 175
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

# Offline Mandarin gives every syllable the same flat tone (character error rate 2.67 with an
# offline recogniser): never for broadcast; an admin may allow it for drafts.
VOICES = (
    Voice(
        "vi-vn-x-south", "vi", "vi", "Vietnamese", frozenset({LATIN}), accent=SOUTHERN,
        locale="vi-VN",
    ),
    Voice("yue", "zh", "yue", "Cantonese", frozenset({HAN, LATIN}), locale="yue"),
    Voice("cmn", "zh", "cmn", "Mandarin", frozenset({HAN, LATIN}), broadcast=False, locale="cmn"),
)  # fmt: skip


class _Library:
    """The loaded, initialised library; create only through :func:`_library`."""

    def __init__(self, library_path: str, data_path: str) -> None:
        self.lib = ctypes.CDLL(library_path)
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int
        ]  # fmt: skip
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetVoiceByName.restype = ctypes.c_int
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_SetParameter.restype = ctypes.c_int
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self.lib.espeak_Synth.restype = ctypes.c_int
        rate = self.lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineUnavailableError("The offline speech engine could not start.")
        self.sample_rate = rate
        self.chunks: list[bytes] = []
        self._callback = _CALLBACK(self._collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
        if count > 0 and wav:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # continue

    def speak(self, text: str, voice_id: str, rate_wpm: int) -> np.ndarray:
        if self.lib.espeak_SetVoiceByName(voice_id.encode()) != EE_OK:
            raise EngineError(f"The offline voice {voice_id!r} is not installed.")
        self.lib.espeak_SetParameter(PARAM_RATE, rate_wpm, 0)
        data = text.encode("utf-8")
        buffer = ctypes.create_string_buffer(data)
        self.chunks = []
        result = self.lib.espeak_Synth(buffer, len(data) + 1, 0, 1, 0, CHARS_UTF8, None, None)
        if result != EE_OK:
            raise EngineError(f"The offline speech engine failed (error {result}).")
        import numpy as np

        pcm = b"".join(self.chunks)
        self.chunks = []
        return np.frombuffer(pcm, dtype="<i2")


_LOCK = threading.Lock()
_STATE: dict[str, _Library] = {}


def _library(library_path: str | None, data_path: str | None) -> _Library:
    """The process-wide library (call with ``_LOCK`` held)."""
    if "lib" not in _STATE:
        try:
            if library_path is None or data_path is None:
                import espeakng_loader

                library_path = library_path or espeakng_loader.get_library_path()
                data_path = data_path or espeakng_loader.get_data_path()
            _STATE["lib"] = _Library(library_path, data_path)
        except (OSError, RuntimeError, ImportError) as exc:
            raise EngineUnavailableError(
                "The offline speech engine (eSpeak NG) is not available on this server."
            ) from exc
    return _STATE["lib"]


class EspeakEngine(Engine):
    """Offline voices: southern Vietnamese and Cantonese, a robotic draft voice (word error
    rate 0.77 for Vietnamese with an offline recogniser); Mandarin for drafts only. No Khmer."""

    name = "espeak"
    label = "eSpeak NG (offline, robotic draft voice)"
    online = False
    kind = "offline"
    robotic = True

    def __init__(self, library_path: str | None = None, data_path: str | None = None) -> None:
        self.library_path = library_path
        self.data_path = data_path

    def voices(self) -> tuple[Voice, ...]:
        return VOICES

    def probe(self) -> None:
        with _LOCK:
            _library(self.library_path, self.data_path)

    def synthesize(
        self, text: str, voice: Voice, speed: float = 1.0, *, cache: ClipCache | None = None
    ) -> SpeechAudio:
        import numpy as np

        from ..pcm import wav_bytes

        rate_wpm = max(MIN_RATE_WPM, min(MAX_RATE_WPM, round(NORMAL_RATE_WPM * speed)))
        with _LOCK:
            lib = _library(self.library_path, self.data_path)
            samples = lib.speak(text, voice.id, rate_wpm)
            sample_rate = lib.sample_rate
        if not len(samples) or not np.any(samples):
            raise EngineError("The offline speech engine produced no sound for this text.")
        floats = samples.astype(np.float32) / 32768.0
        return SpeechAudio(
            wav=wav_bytes(floats, sample_rate),
            sample_rate=sample_rate,
            duration_s=len(samples) / sample_rate,
        )

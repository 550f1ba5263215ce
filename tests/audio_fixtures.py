"""Generated audio for tests: speech-like WAV, encoded variants, and a fake Google TTS reply."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import imageio_ffmpeg

from audio_manager.production import synthetic
from audio_manager.production.pcm import RATE, write_wav

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def speech_wav(path: Path, seconds: float = 4.0, seed: int = 1) -> Path:
    return write_wav(path, synthetic.speech_like(seconds, RATE, seed=seed), RATE)


def encode(src: Path, dest: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(src), *args, str(dest)], check=True)
    return dest


def speech_mp3(folder: Path, seconds: float = 3.0) -> bytes:
    wav = speech_wav(folder / "gtts-src.wav", seconds)
    return encode(wav, folder / "gtts.mp3", "-ac", "1", "-b:a", "64k").read_bytes()


def gtts_body(mp3: bytes) -> str:
    """What Google's batchexecute endpoint answers, in the shape gTTS parses."""
    b64 = base64.b64encode(mp3).decode()
    return ")]}'\n\n" + '[["wrb.fr","jQ1olc","[\\"' + b64 + '\\"]",null,null,null,"generic"]]\n'

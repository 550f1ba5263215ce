"""The ffmpeg binary from ``imageio-ffmpeg`` and small helpers around it.

There is no ``ffprobe``: stream facts (codec, bitrate, declared duration) are parsed from the
banner ffmpeg prints on stderr at ``-v info``.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from .errors import FFmpegError

if TYPE_CHECKING:
    from pydub import AudioSegment

# Only local files may be read: no network protocols, no playlists pulling other files.
SAFE_INPUT = ("-protocol_whitelist", "file,pipe,fd")
QUIET = ("-hide_banner", "-nostdin", "-nostats")


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (``AUDIO_MANAGER_FFMPEG`` overrides the bundled one)."""
    override = os.environ.get("AUDIO_MANAGER_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def audio_segment_class() -> type[AudioSegment]:
    """pydub's ``AudioSegment``, pointed at our ffmpeg (pydub only needs it to export)."""
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we set the path ourselves.
        warnings.filterwarnings("ignore", "Couldn't find ff", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def run(args: Sequence[str], *, input: bytes | None = None, timeout: float | None = 600) -> bytes:
    """Run ffmpeg with ``args``; return stdout or raise :class:`FFmpegError` with stderr's tail."""
    cmd = [ffmpeg_exe(), *QUIET, "-v", "error", *args]
    try:
        done = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError("ffmpeg took too long", details={"timeout": timeout}) from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-800:]
        raise FFmpegError(f"ffmpeg failed: {tail}", details={"stderr": tail})
    return done.stdout


def run_stderr(args: Sequence[str], *, timeout: float | None = 600) -> str:
    """Run ffmpeg at ``-v info`` and return what it printed on stderr (filters' reports)."""
    cmd = [ffmpeg_exe(), *QUIET, "-v", "info", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError("ffmpeg took too long", details={"timeout": timeout}) from exc
    text = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        tail = text.strip()[-800:]
        raise FFmpegError(f"ffmpeg failed: {tail}", details={"stderr": tail})
    return text


def stderr_file() -> IO[bytes]:
    """A temporary file to receive ffmpeg's stderr (never a pipe: it could fill and block)."""
    return tempfile.TemporaryFile(prefix="ffmpeg-err-")


def read_tail(handle: IO[bytes], limit: int = 65536) -> str:
    """The last ``limit`` bytes of a stderr file, read without moving the shared offset."""
    fd = handle.fileno()
    size = os.fstat(fd).st_size
    return os.pread(fd, limit, max(0, size - limit)).decode("utf-8", "replace")


@dataclass(frozen=True)
class StreamInfo:
    """What ffmpeg says about the first audio stream of an input."""

    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate: int | None = None  # bits per second: the stream's, else the container's
    declared_duration_s: float | None = None
    container: str | None = None


_INPUT = re.compile(r"^Input #0, ([^,]+(?:,[^,]+)*?), from ", re.M)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)(?:.*?bitrate: (\d+) kb/s)?")
_AUDIO = re.compile(r"Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Audio: (.+)$", re.M)
_RATE = re.compile(r"(\d+) Hz")
_KBPS = re.compile(r"(\d+) kb/s")
_LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}


def parse_stream_info(stderr: str) -> StreamInfo:
    """Parse the input banner of ``ffmpeg -v info -i file`` (first audio stream)."""
    container = None
    match = _INPUT.search(stderr)
    if match:
        container = match.group(1).strip()
    duration = bitrate = None
    match = _DURATION.search(stderr)
    if match:
        hours, minutes, seconds = match.group(1, 2, 3)
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        if match.group(4):
            bitrate = int(match.group(4)) * 1000
    audio = _AUDIO.search(stderr)
    if not audio:
        return StreamInfo(declared_duration_s=duration, bitrate=bitrate, container=container)
    desc = audio.group(1)
    codec = desc.split(",", 1)[0].split(" ", 1)[0].strip()
    rate = _RATE.search(desc)
    channels = None
    for part in (p.strip() for p in desc.split(",")):
        word = part.split(" ")[0]
        if word in _LAYOUTS:
            channels = _LAYOUTS[word]
            break
        if part.endswith("channels") and part.split(" ")[0].isdigit():
            channels = int(part.split(" ")[0])
            break
    kbps = _KBPS.search(desc)
    if kbps:
        bitrate = int(kbps.group(1)) * 1000
    return StreamInfo(
        codec=codec,
        sample_rate=int(rate.group(1)) if rate else None,
        channels=channels,
        bitrate=bitrate,
        declared_duration_s=duration,
        container=container,
    )


def path_arg(path: str | Path) -> str:
    """A path ffmpeg will not mistake for an option or a protocol URL."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        text = os.path.abspath(text)
    return "file:" + text


class PcmReader:
    """Stream an input through ffmpeg as float32 PCM chunks of shape ``(frames, channels)``.

    ``channels``/``sample_rate`` of ``None`` keep the input's own; the banner is parsed when the
    stream ends (see :attr:`info`). Use as a context manager so the process is always reaped.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        sample_rate: int | None = None,
        channels: int | None = None,
        input_format: str | None = None,
        max_seconds: float | None = None,
        chunk_frames: int = 1 << 16,
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.channels = channels
        self.input_format = input_format
        self.max_seconds = max_seconds
        self.chunk_frames = chunk_frames
        self.returncode: int | None = None
        self.stderr = ""
        self._info: StreamInfo | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._err = stderr_file()

    def __enter__(self) -> PcmReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _command(self) -> list[str]:
        cmd = [ffmpeg_exe(), *QUIET, "-v", "info", *SAFE_INPUT]
        if self.input_format:
            cmd += ["-f", self.input_format]
        cmd += ["-i", path_arg(self.path), "-map", "0:a:0", "-vn", "-sn", "-dn"]
        if self.max_seconds is not None:
            cmd += ["-t", f"{self.max_seconds:.3f}"]
        if self.channels:
            cmd += ["-ac", str(self.channels)]
        if self.sample_rate:
            cmd += ["-ar", str(self.sample_rate)]
        return [*cmd, "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]

    def chunks(self) -> Iterator[np.ndarray]:
        """Yield float32 arrays ``(frames, channels)``; the channel count comes from the banner."""
        self._proc = subprocess.Popen(
            self._command(), stdout=subprocess.PIPE, stderr=self._err, stdin=subprocess.DEVNULL
        )
        assert self._proc.stdout is not None
        channels = self.channels
        pending = b""
        while True:
            data = self._proc.stdout.read(self.chunk_frames * 4 * (channels or 2))
            if not data:
                break
            if channels is None:
                channels = self._channels_from_banner()
            data = pending + data
            usable = len(data) - len(data) % (4 * channels)
            pending = data[usable:]
            if usable:
                yield np.frombuffer(data[:usable], dtype="<f4").reshape(-1, channels)
        self._finish()

    def _channels_from_banner(self) -> int:
        info = parse_stream_info(read_tail(self._err))
        return info.channels or 1

    def _finish(self) -> None:
        if self._proc is None:
            return
        self.returncode = self._proc.wait()
        self.stderr = read_tail(self._err)
        self._info = parse_stream_info(self.stderr)
        if self.channels is None and self._info.channels:
            self.channels = self._info.channels

    @property
    def info(self) -> StreamInfo:
        if self._info is None:
            self._info = parse_stream_info(read_tail(self._err))
        return self._info

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        self._err.close()


def encode_pcm(
    samples: np.ndarray,
    sample_rate: int,
    outputs: Sequence[tuple[Sequence[str], Path]],
    *,
    timeout: float | None = 600,
) -> None:
    """Encode mono float32 ``samples`` into one or more files with a single ffmpeg process.

    Each output is ``(codec arguments, destination path)``; the PCM is piped in without copies.
    """
    data = np.ascontiguousarray(samples, dtype="<f4")
    cmd = [ffmpeg_exe(), *QUIET, "-v", "error", "-y"]
    cmd += ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    for args, dest in outputs:
        cmd += ["-map", "0:a", *args, "-map_metadata", "-1", "-fflags", "+bitexact"]
        cmd += [path_arg(dest)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _, err = proc.communicate(memoryview(data).cast("B"), timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.wait()
        raise FFmpegError("ffmpeg took too long to encode") from exc
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip()[-800:]
        raise FFmpegError(f"ffmpeg could not encode: {tail}", details={"stderr": tail})

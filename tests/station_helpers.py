"""A real server in a subprocess, an HTTP proxy that can cut or drop what passes, the station
agent in a subprocess, and reading back the WAV it writes (markers and tones)."""

from __future__ import annotations

import http.client
import http.server
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """waitress serving create_app() against the test database and storage."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log_path = env, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "waitress", "--host", HOST, f"--port={self.port}",
                "--threads=8", "--call", "audio_manager:create_app",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@dataclass
class Seen:
    method: str
    path: str
    range: str | None
    status: int
    sent: int  # body bytes passed to the agent


@dataclass
class Proxy:
    """An HTTP/1.1 proxy in front of the server, with switches a test flips."""

    target_port: int
    port: int = field(default_factory=free_port)
    seen: list[Seen] = field(default_factory=list)
    down: bool = False  # close every connection without an answer
    cut_after: dict[str, int] = field(default_factory=dict)  # path prefix -> bytes, once
    drop_answers: Callable[[str, str], bool] | None = None  # (method, path): answer lost

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Proxy:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _any(self) -> None:
                if proxy.down:
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream = http.client.HTTPConnection(HOST, proxy.target_port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                except OSError:
                    self.close_connection = True
                    return
                finally:
                    upstream.close()
                record = Seen(self.command, self.path, self.headers.get("Range"), answer.status, 0)
                proxy.seen.append(record)
                if proxy.drop_answers and proxy.drop_answers(self.command, self.path):
                    self.close_connection = True  # the server did the work; the answer is lost
                    return
                limit = next(
                    (n for p, n in proxy.cut_after.items() if self.path.startswith(p)), None
                )
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "server", "date"):
                        self.send_header(name, value)
                self.end_headers()
                if limit is not None and limit < len(data):
                    for prefix in [p for p in proxy.cut_after if self.path.startswith(p)]:
                        del proxy.cut_after[prefix]
                    self.wfile.write(data[:limit])
                    self.wfile.flush()
                    record.sent = limit
                    self.close_connection = True
                    return
                self.wfile.write(data)
                record.sent = len(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self._server = http.server.ThreadingHTTPServer((HOST, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class AgentRun:
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if needle in line:
                    return line
            if self.proc.poll() is not None and not any(needle in li for li in self.lines):
                break
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} not seen; agent said:\n" + "\n".join(self.lines[-40:]))

    def finish(self, timeout: float = 120.0) -> int:
        code = self.proc.wait(timeout=timeout)
        time.sleep(0.05)
        return code

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def agent_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIO_MANAGER_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def station(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audio_manager.station", *args],
        cwd=ROOT, env=agent_env(), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def start_agent(*args: str) -> AgentRun:
    proc = subprocess.Popen(
        [sys.executable, "-m", "audio_manager.station", *args],
        cwd=ROOT, env=agent_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    run = AgentRun(proc)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            run.lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return run


# --- the WAV the agent writes ------------------------------------------------------------------


@dataclass
class Burst:
    label: str  # "<ISO time> <language> <title>"
    samples: np.ndarray
    rate: int

    @property
    def at(self) -> str:
        return self.label.split(" ", 1)[0]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def frequency(self) -> float:
        """The strongest frequency of the middle of the burst."""
        middle = self.samples[len(self.samples) // 4 : 3 * len(self.samples) // 4]
        spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
        return float(np.argmax(spectrum) * self.rate / len(middle))


def read_wav(path: Path) -> list[Burst]:
    """The plays in a WAV written by ``--output wav:FILE``: its cue points and labels split the
    samples, each piece ending where the next play's silence begins."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    chunks: dict[bytes, bytes] = {}
    labels: dict[int, str] = {}
    position = 12
    while position + 8 <= len(data):
        name, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        body = data[position + 8 : position + 8 + size]
        if name == b"LIST" and body[:4] == b"adtl":
            inner = 4
            while inner + 8 <= len(body):
                sub, sub_size = (
                    body[inner : inner + 4],
                    struct.unpack_from("<I", body, inner + 4)[0],
                )
                if sub == b"labl":
                    cue_id = struct.unpack_from("<I", body, inner + 8)[0]
                    text = body[inner + 12 : inner + 8 + sub_size].split(b"\0")[0].decode()
                    labels[cue_id] = text
                inner += 8 + sub_size + (sub_size % 2)
        else:
            chunks[name] = body
        position += 8 + size + (size % 2)
    channels, rate = struct.unpack_from("<HI", chunks[b"fmt "], 2)
    assert channels == 1
    samples = np.frombuffer(chunks[b"data"], dtype="<i2").astype(np.float32) / 32768
    cues = []
    if b"cue " in chunks:
        count = struct.unpack_from("<I", chunks[b"cue "], 0)[0]
        for n in range(count):
            cue_id, frame = struct.unpack_from("<II", chunks[b"cue "], 4 + 24 * n)
            cues.append((frame, labels.get(cue_id, "")))
    cues.sort()
    bursts = []
    for index, (frame, label) in enumerate(cues):
        end = cues[index + 1][0] if index + 1 < len(cues) else len(samples)
        piece = samples[frame:end]
        loud = np.nonzero(np.abs(piece) > 0.01)[0]
        piece = piece[: loud[-1] + 1] if len(loud) else piece[:0]
        bursts.append(Burst(label, piece, rate))
    return bursts

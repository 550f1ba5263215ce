# ruff: noqa: E501 - provider error bodies are kept on one line each, as the providers send them
"""Local stand-ins for the speech providers, speaking each one's documented protocol.

One threaded HTTP server on 127.0.0.1 serves all five under a path prefix each (``/fpt``,
``/viettel``, ``/zalo``, ``/google``, ``/azure``). Each fake checks the key where the provider
expects it, enforces the provider's per-request limit, and answers audio (a WAV tone of 10 ms
per character, so lengths can be checked) or the provider's own error shapes. ``mode`` makes a
provider misbehave: ``bad_key`` is answered as the provider answers a wrong key, ``quota`` as
its quota or rate limit, ``down`` as a server error, ``slow`` sleeps past the client's
timeout, ``echo_key`` puts the key the client sent into an error message, ``never_ready`` keeps
asynchronous audio from ever appearing.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import wave
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

KEY = "sk-live-4f7b9c2e-SECRET-do-not-print"
SECONDS_PER_CHAR = 0.01
LIMITS = {"fpt": 5000, "viettel": 2000, "zalo": 2000, "google": 5000, "azure": 3000}


def tone(seconds: float, rate: int = 24000, freq: float = 330.0) -> bytes:
    """A 16-bit mono WAV of a voice-band tone (loud enough never to count as silence)."""
    t = np.arange(max(1, round(seconds * rate))) / rate
    samples = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buf.getvalue()


def audio_for(text: str, rate: int = 24000, speed: float = 1.0) -> bytes:
    """What a provider reads: 10 ms a character, faster or slower at the speed asked for."""
    return tone(max(0.2, len(text) * SECONDS_PER_CHAR) / speed, rate)


@dataclass
class Provider:
    name: str
    mode: str = "ok"
    polls_before_ready: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    pending: dict[str, list[Any]] = field(default_factory=dict)  # id -> [audio, polls left]
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)  # Azure batch jobs

    def texts(self) -> list[str]:
        return [r["text"] for r in self.requests if r.get("text") is not None]


class FakeProviders:
    def __init__(self) -> None:
        self.providers = {name: Provider(name) for name in LIMITS}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.lock = threading.Lock()
        self.counter = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, provider: str) -> str:
        return {
            "fpt": f"{self.base}/fpt/hmi/tts/v5",
            "viettel": f"{self.base}/viettel/tts/speech_synthesis",
            "zalo": f"{self.base}/zalo/v1/tts/synthesize",
            "google": f"{self.base}/google",
            "azure": f"{self.base}/azure",
        }[provider]

    def __getitem__(self, name: str) -> Provider:
        return self.providers[name]

    def reset(self) -> None:
        self.providers = {name: Provider(name) for name in LIMITS}

    def next_id(self) -> str:
        with self.lock:
            self.counter += 1
            return f"r{self.counter:05d}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(fakes: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def reply(
            self, status: int, body: bytes | dict[str, Any] | list[Any], kind: str = ""
        ) -> None:
            if isinstance(body, dict | list):
                body, kind = json.dumps(body).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            name = path.split("/")[1]
            provider = fakes.providers.get(name)
            if provider is None:
                return self.reply(404, {"message": "no such provider"})
            if name in ("fpt", "zalo") and "/files/" in path:
                return self.poll(provider, path.rsplit("/", 1)[-1])
            if name == "google" and path == "/google/v1/voices":
                return self.google_voices(provider)
            if name == "azure" and path.endswith("/voices/list"):
                return self.azure_voices(provider)
            if name == "azure" and "/batchsyntheses/" in path:
                return self.azure_batch_state(provider, path.rsplit("/", 1)[-1])
            if name == "azure" and path.startswith("/azure/results/"):
                return self.azure_batch_result(provider, path.rsplit("/", 1)[-1].split(".")[0])
            return self.reply(405, {"message": "method not allowed"})

        def do_PUT(self) -> None:  # Azure batch synthesis: create a job
            path = urlsplit(self.path).path
            provider = fakes.providers["azure"]
            if not path.startswith("/azure/texttospeech/batchsyntheses/"):
                return self.reply(404, {"message": "no such path"})
            self.azure_batch_create(provider, path.rsplit("/", 1)[-1], self.body())

        def do_DELETE(self) -> None:
            job = fakes.providers["azure"].batches.get(urlsplit(self.path).path.rsplit("/", 1)[-1])
            if job is not None:
                job["deleted"] = True
            self.reply(204, b"")

        def do_POST(self) -> None:
            name = urlsplit(self.path).path.split("/")[1]
            provider = fakes.providers.get(name)
            if provider is None:
                return self.reply(404, {"message": "no such provider"})
            if provider.mode == "slow":
                time.sleep(1.0)
            getattr(self, name)(provider, self.body())

        def poll(self, provider: Provider, item: str) -> None:
            provider.polls += 1
            entry = provider.pending.get(item.split(".")[0])
            if entry is None or provider.mode == "never_ready" or entry[1] > 0:
                if entry is not None:
                    entry[1] -= 1
                return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
            return self.reply(200, entry[0], "audio/wav")

        def stash(self, provider: Provider, text: str, speed: float = 1.0) -> str:
            item = fakes.next_id()
            provider.pending[item] = [audio_for(text, speed=speed), provider.polls_before_ready]
            return f"{fakes.base}/{provider.name}/files/{item}.wav"

        def record(self, provider: Provider, **fields: Any) -> None:
            provider.requests.append({"headers": dict(self.headers), **fields})

        # --- FPT.AI v5: text body, key and options in headers, JSON with an async link ------
        def fpt(self, provider: Provider, raw: bytes) -> None:
            text = raw.decode("utf-8")
            self.record(provider, text=text, voice=self.headers.get("voice"),
                        speed=self.headers.get("speed"), format=self.headers.get("format"))  # fmt: skip
            key = self.headers.get("api-key") or self.headers.get("api_key")
            if provider.mode == "echo_key":
                return self.reply(401, {"message": f"Invalid authentication credentials {key}"})
            if key != KEY or provider.mode == "bad_key":
                return self.reply(401, {"message": "Invalid authentication credentials"})
            if provider.mode == "quota":
                return self.reply(429, {"message": "API rate limit exceeded"})
            if provider.mode == "down":
                return self.reply(502, {"message": "An invalid response was received from the upstream server"})  # fmt: skip
            if not 3 <= len(text) <= LIMITS["fpt"]:
                return self.reply(
                    200, {"error": 1, "message": "Text length is invalid", "async": ""}
                )
            self.reply(200, {"async": self.stash(provider, text), "error": 0, "request_id": "x",
                             "message": "The content will be returned after a few seconds under the 'async' link."})  # fmt: skip

        # --- Viettel AI: JSON with the token in the body, audio in the answer ----------------
        def viettel(self, provider: Provider, raw: bytes) -> None:
            body = json.loads(raw)
            self.record(provider, text=body.get("text"), voice=body.get("voice"),
                        speed=body.get("speed"), format=body.get("tts_return_option"))  # fmt: skip
            if provider.mode == "echo_key":
                return self.reply(401, {"code": 401, "en_message": f"Invalid token {body.get('token')}"})  # fmt: skip
            if body.get("token") != KEY or provider.mode == "bad_key":
                return self.reply(401, {"code": 401, "vi_message": "Token không hợp lệ", "en_message": "Invalid token"})  # fmt: skip
            if provider.mode == "quota":
                return self.reply(429, {"code": 429, "en_message": "Out of characters quota"})
            if provider.mode == "down":
                return self.reply(500, {"code": 500, "en_message": "Internal server error"})
            if not body.get("text") or len(body["text"]) > LIMITS["viettel"]:
                return self.reply(400, {"code": 400, "en_message": "Text is empty or too long"})
            kind = "audio/wav" if body.get("tts_return_option") == 2 else "audio/mpeg"
            self.reply(200, audio_for(body["text"], speed=float(body.get("speed", 1))), kind)

        # --- Zalo AI: form data, apikey header, JSON with a url to fetch ---------------------
        def zalo(self, provider: Provider, raw: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
            self.record(provider, text=form.get("input"), voice=form.get("speaker_id"),
                        speed=form.get("speed"), format=form.get("encode_type"))  # fmt: skip
            key = self.headers.get("apikey")
            if provider.mode == "echo_key":
                return self.reply(200, {"error_code": 401, "error_message": f"Wrong apikey {key}", "data": []})  # fmt: skip
            if key != KEY or provider.mode == "bad_key":
                return self.reply(200, {"error_code": 401, "error_message": "Wrong apikey", "data": []})  # fmt: skip
            if provider.mode == "quota":
                return self.reply(429, {"error_code": 429, "error_message": "Exceeded quota"})
            if provider.mode == "down":
                return self.reply(200, {"error_code": 500, "error_message": "Internal server error", "data": []})  # fmt: skip
            if not form.get("input"):
                return self.reply(200, {"error_code": 150, "error_message": "Invalid parameter value", "data": []})  # fmt: skip
            if len(form["input"]) > LIMITS["zalo"]:
                return self.reply(200, {"error_code": 155, "error_message": "Your input exceeds the allowed limit of 2000 characters", "data": []})  # fmt: skip
            self.reply(200, {"error_code": 0, "error_message": "Successful.",
                             "data": {"url": self.stash(provider, form["input"], float(form.get("speed", 1)))}})  # fmt: skip

        # --- Google Cloud: JSON, X-Goog-Api-Key, base64 LINEAR16 answer ----------------------
        def google(self, provider: Provider, raw: bytes) -> None:
            body = json.loads(raw)
            text = body["input"]["text"]
            self.record(provider, text=text, voice=body["voice"]["name"],
                        locale=body["voice"]["languageCode"],
                        speed=body["audioConfig"].get("speakingRate"),
                        format=body["audioConfig"]["audioEncoding"])  # fmt: skip
            key = self.headers.get("X-Goog-Api-Key")
            if "key" in parse_qs(urlsplit(self.path).query):
                return self.reply(400, {"error": {"code": 400, "message": "key in URL", "status": "INVALID_ARGUMENT"}})  # fmt: skip
            if provider.mode == "echo_key":
                return self.reply(400, {"error": {"code": 400, "message": f"API key not valid: {key}", "status": "INVALID_ARGUMENT"}})  # fmt: skip
            if key != KEY or provider.mode == "bad_key":
                return self.reply(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}})  # fmt: skip
            if provider.mode == "quota":
                return self.reply(429, {"error": {"code": 429, "message": "Quota exceeded for quota metric 'All requests'", "status": "RESOURCE_EXHAUSTED"}})  # fmt: skip
            if provider.mode == "down":
                return self.reply(503, {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}})  # fmt: skip
            if len(text.encode("utf-8")) > 5000:
                return self.reply(400, {"error": {"code": 400, "message": "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes.", "status": "INVALID_ARGUMENT"}})  # fmt: skip
            rate = body["audioConfig"].get("sampleRateHertz", 24000)
            audio = audio_for(text, rate, float(body["audioConfig"].get("speakingRate", 1)))
            self.reply(200, {"audioContent": base64.b64encode(audio).decode()})

        def google_voices(self, provider: Provider) -> None:
            if self.headers.get("X-Goog-Api-Key") != KEY or provider.mode == "bad_key":
                return self.reply(400, {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}})  # fmt: skip
            self.reply(200, {"voices": [{"languageCodes": ["vi-VN"], "name": "vi-VN-Neural2-A", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}]})  # fmt: skip

        # --- Azure: SSML body, Ocp-Apim-Subscription-Key, RIFF answer ------------------------
        def azure(self, provider: Provider, raw: bytes) -> None:
            try:
                root = ET.fromstring(raw)
            except ET.ParseError:
                self.record(provider, text=None)
                return self.reply(400, b"", "text/plain")
            ns = "{http://www.w3.org/2001/10/synthesis}"
            voice = root.find(f"{ns}voice")
            prosody = voice.find(f"{ns}prosody") if voice is not None else None
            text = "".join((prosody if prosody is not None else voice).itertext())
            self.record(provider, text=text, voice=voice.get("name"),
                        speed=prosody.get("rate") if prosody is not None else None,
                        format=self.headers.get("X-Microsoft-OutputFormat"))  # fmt: skip
            key = self.headers.get("Ocp-Apim-Subscription-Key")
            if provider.mode == "echo_key":
                return self.reply(401, {"error": {"code": "401", "message": f"Access denied: invalid subscription key {key}"}})  # fmt: skip
            if key != KEY or provider.mode == "bad_key":
                return self.reply(401, {"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint."}})  # fmt: skip
            if provider.mode == "quota":
                return self.reply(429, b"Too many requests", "text/plain")
            if provider.mode == "down":
                return self.reply(502, b"Bad gateway", "text/plain")
            if (
                self.headers.get("Content-Type") != "application/ssml+xml"
                or len(text) > LIMITS["azure"]
            ):
                return self.reply(400, b"", "text/plain")
            rate = prosody.get("rate", "+0%") if prosody is not None else "+0%"
            self.reply(200, audio_for(text, speed=1 + int(rate.rstrip("%")) / 100), "audio/x-wav")

        def azure_texts(self, ssml: str) -> tuple[str, str | None, str | None]:
            ns = "{http://www.w3.org/2001/10/synthesis}"
            voice = ET.fromstring(ssml).find(f"{ns}voice")
            prosody = voice.find(f"{ns}prosody")
            return "".join(prosody.itertext()), voice.get("name"), prosody.get("rate")

        def azure_batch_create(self, provider: Provider, job: str, raw: bytes) -> None:
            if self.headers.get("Ocp-Apim-Subscription-Key") != KEY or provider.mode == "bad_key":
                return self.reply(401, {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}})  # fmt: skip
            if provider.mode == "quota":
                return self.reply(429, {"error": {"code": "TooManyRequests", "message": "Too many requests"}})  # fmt: skip
            body = json.loads(raw)
            if body.get("inputKind") != "SSML" or not body.get("properties", {}).get("concatenateResult"):  # fmt: skip
                return self.reply(400, {"error": {"code": "InvalidRequest", "message": "bad job"}})
            pieces = []
            for item in body["inputs"]:
                text, voice, rate = self.azure_texts(item["content"])
                self.record(provider, text=text, voice=voice, speed=rate, format="batch")
                speed = 1 + int((rate or "+0%").rstrip("%")) / 100
                with wave.open(io.BytesIO(audio_for(text, speed=speed))) as piece:
                    pieces.append(piece.readframes(piece.getnframes()))
            buf = io.BytesIO()
            with wave.open(buf, "wb") as out:  # concatenateResult: one file
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(24000)
                out.writeframes(b"".join(pieces))
            provider.batches[job] = {"wav": buf.getvalue(), "polls": provider.polls_before_ready, "deleted": False}  # fmt: skip
            self.reply(201, {"id": job, "status": "NotStarted", "inputKind": "SSML"})

        def azure_batch_state(self, provider: Provider, job: str) -> None:
            provider.polls += 1
            state = provider.batches.get(job)
            if state is None:
                return self.reply(404, {"error": {"code": "NotFound", "message": "no such job"}})
            if provider.mode == "batch_fails":
                return self.reply(200, {"id": job, "status": "Failed"})
            if provider.mode == "never_ready" or state["polls"] > 0:
                state["polls"] -= 1
                return self.reply(200, {"id": job, "status": "Running"})
            result = f"{fakes.base}/azure/results/{job}.zip?sv=2024&sig=sas"
            self.reply(200, {"id": job, "status": "Succeeded", "outputs": {"result": result}})

        def azure_batch_result(self, provider: Provider, job: str) -> None:
            if self.headers.get("Ocp-Apim-Subscription-Key"):  # a SAS address wants no key
                return self.reply(400, b"key sent to storage", "text/plain")
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as bundle:
                bundle.writestr("0001.wav", provider.batches[job]["wav"])
                bundle.writestr("summary.json", json.dumps({"jobID": job, "status": "Succeeded"}))
            self.reply(200, buf.getvalue(), "application/zip")

        def azure_voices(self, provider: Provider) -> None:
            if self.headers.get("Ocp-Apim-Subscription-Key") != KEY or provider.mode == "bad_key":
                return self.reply(401, b"", "text/plain")
            self.reply(200, [{"ShortName": "vi-VN-HoaiMyNeural", "Gender": "Female", "Locale": "vi-VN"}])  # fmt: skip

    return Handler

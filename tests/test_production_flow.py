"""Audio production through the API: speech, uploads, bulletins, jobs, downloads, bad input."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
import responses
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Asset, AuditEvent, RenderJob, Rendition, Role, Version
from audio_manager.production.measure import measure
from audio_manager.services.audio import stock
from audio_manager.services.audio.assets import storage
from audio_manager.services.context import Actor

from .audio_fixtures import encode, gtts_body, speech_mp3, speech_wav
from .conftest import bearer, make_user

GOOGLE = re.compile(r"https://translate\.google\.[a-z.]+/.*")
PROFILES = {"loudspeaker", "ringback", "telephony", "preview", "waveform"}


@pytest.fixture
def producer(app_ctx, client, token_for):
    stock.install_generated(Actor.system())
    db.session.commit()
    make_user("editor", Role.EDITOR)
    headers = bearer(token_for("editor"))
    message = client.post(
        "/api/v1/messages", json={"title": "BHXH tự nguyện", "topic": "BHXH"}, headers=headers
    )
    assert message.status_code == 201, message.json
    return {"headers": headers, "message": message.json["id"], "client": client}


def stored_keys() -> set[str]:
    return set(storage().keys())


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Version.id))),
        db.session.scalar(sa.select(sa.func.count(Asset.id))),
        db.session.scalar(sa.select(sa.func.count(RenderJob.id))),
    )


def post_speech(p, **body):
    return p["client"].post(
        f"/api/v1/messages/{p['message']}/versions", json=body, headers=p["headers"]
    )


def post_file(p, data: bytes, name: str, language: str = "kinh"):
    return p["client"].post(
        f"/api/v1/messages/{p['message']}/versions",
        headers=p["headers"],
        data={"language": language, "file": (io.BytesIO(data), name)},
    )


def test_offline_speech_is_rendered_into_every_profile(producer) -> None:
    response = post_speech(
        producer,
        language="kinh",
        engine="espeak",
        text="Bảo hiểm xã hội tự nguyện giúp bà con có lương hưu khi về già.",
    )
    assert response.status_code == 202, response.json
    body = response.json
    assert body["version"]["engine"] == "espeak" and body["version"]["voice"] == "vi-vn-x-south"
    assert body["job"]["status"] == "done"
    version = (
        producer["client"]
        .get(f"/api/v1/versions/{body['version']['id']}", headers=producer["headers"])
        .json
    )
    renditions = {r["profile"]: r for r in version["renditions"]}
    assert set(renditions) == PROFILES
    loud = renditions["loudspeaker"]["asset"]
    assert loud["codec"] == "mp3" and loud["sample_rate"] == 44100
    assert abs(loud["loudness_lufs"] + 16) <= 1 and loud["true_peak_dbtp"] <= -1
    assert renditions["telephony"]["asset"]["codec"] == "pcm_alaw"
    assert renditions["telephony"]["asset"]["sample_rate"] == 8000
    # The download decodes to what the record says.
    data = (
        producer["client"]
        .get(renditions["loudspeaker"]["download_url"], headers=producer["headers"])
        .data
    )
    measured = measure(data)
    assert abs(measured.duration_s - loud["duration"]) < 0.1
    assert abs(measured.lufs + 16) <= 1


@responses.activate
def test_online_speech_through_google(producer, tmp_path) -> None:
    responses.add(responses.POST, GOOGLE, body=gtts_body(speech_mp3(tmp_path)))
    text = "自愿社会保险是国家为自由职业劳动者提供的政策。"
    response = post_speech(producer, language="hoa", text=text)
    assert response.status_code == 202, response.json
    assert response.json["version"]["engine"] == "gtts"
    assert response.json["job"]["status"] == "done"
    assert len(responses.calls) >= 1


@responses.activate
def test_falls_back_to_offline_voice_when_google_is_unreachable(producer) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ConnectionError("offline"))
    response = post_speech(producer, language="hoa", text="如有疑问，请拨打热线。", voice="yue")
    assert response.status_code == 202, response.json
    assert response.json["version"]["engine"] == "espeak"
    assert response.json["version"]["voice"] == "yue"  # Cantonese online -> Cantonese offline
    assert response.json["version"]["fallback_from"] == "gtts"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "version.create"))
    assert event.detail["fallback_from"] == "gtts"


@responses.activate
def test_khmer_offline_says_to_record_and_leaves_nothing(producer) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ConnectionError("offline"))
    before, keys = counts(), stored_keys()
    response = post_speech(producer, language="khmer", text="សូមទូរស័ព្ទមកលេខ ១៩០០ ៩០៦៨។")
    assert response.status_code in (422, 503)
    assert response.json["error"]["code"] == "no_voice"
    assert (
        "Record or upload" in response.json["error"]["message"]
        or "Thu âm" in response.json["error"]["message"]
    )
    assert counts() == before and stored_keys() == keys


@responses.activate
def test_tts_timeout_is_a_clear_error(producer) -> None:
    responses.add(responses.POST, GOOGLE, body=requests.exceptions.ReadTimeout("slow"))
    before, keys = counts(), stored_keys()
    response = post_speech(producer, language="khmer", engine="gtts", text="សូមទូរស័ព្ទ")
    assert response.status_code >= 400
    assert response.json["error"]["code"] in {"tts_timeout", "no_voice"}
    assert counts() == before and stored_keys() == keys


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"language": "kinh", "text": "   "}, "empty_script"),
        ({"language": "kinh", "text": "a" * 3001}, "script_too_long"),
        ({"language": "kinh", "text": "សូមទូរស័ព្ទ", "engine": "espeak"}, "unsupported_script"),
        ({"language": "thai", "text": "xin chào"}, "unknown_language"),
        ({"language": "kinh", "text": "xin chào", "speed": 5}, "invalid"),
        ({"language": "kinh", "text": "xin chào", "engine": "nope"}, "unknown_engine"),
    ],
)
def test_bad_scripts_are_refused_and_leave_nothing(producer, body, code) -> None:
    before, keys = counts(), stored_keys()
    response = post_speech(producer, **body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    assert counts() == before and stored_keys() == keys


@pytest.mark.parametrize(
    "fmt",
    [
        ("mp3", ["-b:a", "96k"]),
        ("m4a", ["-c:a", "aac"]),
        ("ogg", ["-c:a", "libopus"]),
        ("webm", ["-c:a", "libopus"]),
        ("flac", []),
        ("amr", ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb"]),
    ],
    ids=["mp3", "m4a", "opus", "webm", "flac", "amr"],
)
def test_uploads_in_common_phone_formats(producer, tmp_path, fmt) -> None:
    ext, args = fmt
    wav = speech_wav(tmp_path / "voice.wav", 5.0)
    data = encode(wav, tmp_path / f"voice.{ext}", *args).read_bytes()
    response = post_file(producer, data, f"ghi âm.{ext}")
    assert response.status_code == 202, response.json
    version = response.json["version"]
    assert version["source_kind"] == "upload" and version["source_filename"] == f"ghi âm.{ext}"
    assert response.json["job"]["status"] == "done"
    renditions = {r["profile"]: r["asset"] for r in version["renditions"]}
    assert abs(renditions["loudspeaker"]["loudness_lufs"] + 16) <= 1


def test_a_png_named_mp3_is_refused(producer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
    before, keys = counts(), stored_keys()
    response = post_file(producer, png, "voice.mp3")
    assert response.status_code == 415
    assert response.json["error"]["code"] == "not_audio"
    assert counts() == before and stored_keys() == keys


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: b"", "empty_audio"),
        (lambda d: speech_wav(d / "v.wav").read_bytes()[:5000], "truncated_audio"),
        (lambda d: encode(speech_wav(d / "v.wav"), d / "s.wav", "-af", "volume=0"), "silent_audio"),
        (lambda d: b"hello, this is not audio at all" * 50, "not_audio"),
    ],
    ids=["empty", "truncated", "silent", "text"],
)
def test_bad_recordings_are_refused(producer, tmp_path, make, code) -> None:
    data = make(tmp_path)
    data = data.read_bytes() if isinstance(data, Path) else data
    before, keys = counts(), stored_keys()
    response = post_file(producer, data, "voice.wav")
    assert response.status_code == (415 if code == "not_audio" else 422), response.json
    assert response.json["error"]["code"] == code
    assert counts() == before and stored_keys() == keys


def test_size_and_length_limits(app, producer, tmp_path) -> None:
    wav = speech_wav(tmp_path / "long.wav", 8.0).read_bytes()
    before, keys = counts(), stored_keys()
    app.config["MAX_AUDIO_SECONDS"] = 5.0
    try:
        response = post_file(producer, wav, "long.wav")
    finally:
        app.config["MAX_AUDIO_SECONDS"] = 600.0
    assert response.json["error"]["code"] == "too_long"
    app.config["MAX_AUDIO_BYTES"] = 100_000
    try:
        response = post_file(producer, wav, "big.wav")
    finally:
        app.config["MAX_AUDIO_BYTES"] = 50 * 1024 * 1024
    assert response.json["error"]["code"] == "too_large"
    assert counts() == before and stored_keys() == keys


def test_bulletin_joins_languages_with_gaps(producer) -> None:
    kinh = post_speech(producer, language="kinh", engine="espeak", text="Xin chào bà con.").json
    hoa = post_speech(producer, language="hoa", engine="espeak", text="乡亲们好。").json
    response = producer["client"].post(
        f"/api/v1/messages/{producer['message']}/bulletins",
        json={"parts": [kinh["version"]["id"], hoa["version"]["id"]], "gap_seconds": 2.0},
        headers=producer["headers"],
    )
    assert response.status_code == 202, response.json
    version = response.json["version"]
    assert version["language"] == "multi" and version["parts"] == [
        kinh["version"]["id"],
        hoa["version"]["id"],
    ]
    assert response.json["job"]["status"] == "done"
    loud = {r["profile"]: r["asset"] for r in version["renditions"]}["loudspeaker"]
    parts = [
        {r["profile"]: r["asset"] for r in v["version"]["renditions"]}["loudspeaker"]
        for v in (kinh, hoa)
    ]
    expected = sum(p["duration"] for p in parts) + 2.0
    assert abs(loud["duration"] - expected) < 1.5


def test_a_bulletin_takes_only_its_own_messages_versions(producer, app) -> None:
    from audio_manager.extensions import db
    from audio_manager.models import Version

    kinh = post_speech(producer, language="kinh", engine="espeak", text="Xin chào bà con.").json
    other = (
        producer["client"]
        .post("/api/v1/messages", json={"title": "Tin khác"}, headers=producer["headers"])
        .json
    )
    hoa = producer["client"].post(
        f"/api/v1/messages/{other['id']}/versions",
        json={"language": "hoa", "engine": "espeak", "text": "乡亲们好。"},
        headers=producer["headers"],
    )
    assert hoa.status_code == 202, hoa.json
    with app.app_context():
        before = db.session.query(Version).count()
    response = producer["client"].post(
        f"/api/v1/messages/{producer['message']}/bulletins",
        json={"parts": [kinh["version"]["id"], hoa.json["version"]["id"]]},
        headers=producer["headers"],
    )
    assert response.status_code == 404 and response.json["error"]["code"] == "bad_part"
    with app.app_context():
        assert db.session.query(Version).count() == before


def test_downloads_resume_with_range(producer) -> None:
    body = post_speech(producer, language="kinh", engine="espeak", text="Xin chào.").json
    url = {r["profile"]: r for r in body["version"]["renditions"]}["loudspeaker"]["download_url"]
    client, headers = producer["client"], producer["headers"]
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    first = client.get(url, headers={**headers, "Range": "bytes=0-999"})
    rest = client.get(url, headers={**headers, "Range": "bytes=1000-"})
    assert first.status_code == 206 and rest.status_code == 206
    assert first.data + rest.data == whole.data
    assert first.headers["Content-Range"].startswith("bytes 0-999/")


def test_a_failed_job_can_be_retried(producer) -> None:
    body = post_speech(producer, language="kinh", engine="espeak", text="Xin chào.").json
    version = db.session.get(Version, body["version"]["id"])
    source_key = version.source_asset.storage_key
    source_bytes = storage().read(source_key)
    storage().delete(source_key)
    job = RenderJob(version=version)
    db.session.add(job)
    db.session.commit()
    from audio_manager.jobs import enqueue_render

    enqueue_render(job.id)
    state = producer["client"].get(f"/api/v1/jobs/{job.id}", headers=producer["headers"]).json
    assert state["status"] == "failed" and state["error"] and state["attempts"] == 1
    storage().put_bytes(source_bytes)
    response = producer["client"].post(f"/api/v1/jobs/{job.id}/retry", headers=producer["headers"])
    assert response.status_code == 202 and response.json["status"] == "done"
    assert response.json["attempts"] == 2
    again = producer["client"].post(f"/api/v1/jobs/{job.id}/retry", headers=producer["headers"])
    assert again.status_code == 409 and again.json["error"]["code"] == "job_not_failed"


def test_rerunning_a_render_is_safe(producer) -> None:
    from audio_manager.services.audio.rendering import render_version

    body = post_speech(producer, language="kinh", engine="espeak", text="Xin chào.").json
    version = db.session.get(Version, body["version"]["id"])
    assets_before = db.session.scalar(sa.select(sa.func.count(Asset.id)))
    render_version(version)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Rendition.id))) == len(PROFILES)
    assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == assets_before


def test_only_producers_may_create_versions(producer, token_for) -> None:
    make_user("op", Role.VIEWER)
    response = producer["client"].post(
        f"/api/v1/messages/{producer['message']}/versions",
        json={"language": "kinh", "text": "x"},
        headers=bearer(token_for("op")),
    )
    assert response.status_code == 403

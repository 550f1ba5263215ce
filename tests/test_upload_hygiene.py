"""Uploads and downloads: a damaged recording gets a clean message (ffmpeg's words go to the log),
file names lose bidi overrides, and text downloads name their charset once."""

from __future__ import annotations

import io
import logging
import os
from typing import Any

from audio_manager.extensions import db
from audio_manager.models import Version
from audio_manager.services.uploads import clean_filename

from .audio_fixtures import speech_wav
from .conftest import bearer
from .workflow_helpers import new_message

DAMAGED = b"fLaC" + os.urandom(5000)


def upload(client: Any, token: str, message_id: int, body: bytes, name: str) -> Any:
    return client.post(
        f"/api/v1/messages/{message_id}/versions",
        data={"language": "kinh", "file": (io.BytesIO(body), name)},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def test_a_damaged_recording_gets_a_clean_message(client, users, token_for, caplog) -> None:
    message = new_message(users["editor"])
    with caplog.at_level(logging.WARNING):
        response = upload(client, token_for("editor"), message.id, DAMAGED, "voice.flac")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "corrupt_audio"
    text = response.get_data(as_text=True)
    for raw in ("ffmpeg", " @ 0x", "Error opening", "/tmp/", "Invalid data"):
        assert raw not in text, raw
    assert "details" not in response.json["error"]
    assert "Invalid data found" in caplog.text, "what ffmpeg said is logged"


def test_the_page_shows_a_clean_message_too(users, login_as, tmp_path) -> None:
    web = login_as("editor")
    message = new_message(users["editor"])
    html = web.client.get(f"/messages/{message.id}/edit").get_data(as_text=True)
    from .conftest import csrf_from

    response = web.client.post(
        f"/messages/{message.id}/versions",
        data={
            "csrf_token": csrf_from(html),
            "language": "kinh",
            "action": "upload",
            "kinh-recording": (io.BytesIO(DAMAGED), "voice.flac"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert " @ 0x" not in page and "Error opening" not in page


def test_bidi_controls_leave_upload_names(client, users, token_for, tmp_path) -> None:
    message = new_message(users["editor"])
    wav = speech_wav(tmp_path / "v.wav", 1.0).read_bytes()
    name = "thong-bao\u202egnp.wav"
    response = upload(client, token_for("editor"), message.id, wav, name)
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    version = db.session.get(Version, response.json["version"]["id"])
    assert version.source_filename == "thong-baognp.wav"
    assert response.json["version"]["source_filename"] == "thong-baognp.wav"


def test_clean_filename() -> None:
    assert clean_filename("C:\\Users\\an\\ghi\u00e2m\u2066.wav") == "ghi\u00e2m.wav"
    assert clean_filename("../../etc/\u200fpasswd\x00") == "passwd"
    assert clean_filename("a\u202d\u202cb\u2069.xlsx") == "ab.xlsx"
    assert clean_filename(None) == ""


def test_text_downloads_name_their_charset_once(client, users, token_for) -> None:
    token = token_for("admin")
    for fmt, kind in (
        ("ics", "text/calendar; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        ("m3u8", "application/vnd.apple.mpegurl"),  # UTF-8 by definition (RFC 8216)
    ):
        response = client.get(f"/api/v1/playlists?area=94101&format={fmt}", headers=bearer(token))
        assert response.status_code == 200, fmt
        assert response.headers["Content-Type"] == kind
    report = client.get("/api/v1/reports/broadcasts?format=csv", headers=bearer(token))
    assert report.headers["Content-Type"] == "text/csv; charset=utf-8"
    installs = client.get("/api/v1/ringback/report?format=csv", headers=bearer(token))
    assert installs.headers["Content-Type"] == "text/csv; charset=utf-8"
    page = client.get("/login")
    assert page.headers["Content-Type"].count("charset") == 1

"""Making audio on the pages: the studio form, the version page, retry, stock sounds."""

from __future__ import annotations

import io

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import JobStatus, RenderJob, Role, StockSound, Version
from audio_manager.services.audio import stock
from audio_manager.services.audio.assets import storage
from audio_manager.services.context import Actor

from .audio_fixtures import speech_wav
from .conftest import make_user


def setup_editor(login_as):
    stock.install_generated(Actor.system())
    db.session.commit()
    make_user("editor", Role.EDITOR)
    return login_as("editor")


def test_editor_generates_offline_speech_and_sees_the_renditions(app_ctx, login_as) -> None:
    browser = setup_editor(login_as)
    response = browser.submit(
        "/studio",
        {
            "title": "Bảo hiểm y tế hộ gia đình",
            "topic": "BHYT",
            "priority": "normal",
            "language": "kinh",
            "script": "Bảo hiểm y tế hộ gia đình giúp cả nhà yên tâm.",
            "engine": "espeak",
            "speed": "1.0",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên bản 1" in html and "eSpeak NG" in html and "vi-vn-x-south" not in html
    for profile in ("Loa truyền thanh", "Nhạc chờ", "Đường điện thoại", "Nghe thử", "Hình sóng âm"):
        assert f"<td>{profile}</td>" in html
    assert "LUFS" in html and "<audio controls" in html


def test_editor_uploads_a_recording(app_ctx, login_as, tmp_path) -> None:
    browser = setup_editor(login_as)
    wav = speech_wav(tmp_path / "ghi-am.wav", 4.0).read_bytes()
    response = browser.submit(
        "/studio",
        {
            "title": "Thông báo",
            "priority": "priority",
            "language": "khmer",
            "script": "",
            "engine": "",
            "speed": "1.0",
            "recording": (io.BytesIO(wav), "ghi-am.wav"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    version = db.session.scalar(sa.select(Version))
    assert version.source_kind == "upload" and version.language == "khmer"


def test_studio_shows_clear_errors_and_keeps_nothing(app_ctx, login_as) -> None:
    browser = setup_editor(login_as)
    keys = set(storage().keys())
    response = browser.submit(
        "/studio",
        {
            "title": "Thông báo",
            "priority": "normal",
            "language": "kinh",
            "script": "   ",
            "engine": "espeak",
            "speed": "1.0",
        },
    )
    assert response.status_code == 422
    assert "Kịch bản trống" in response.get_data(as_text=True)
    response = browser.submit(
        "/studio",
        {
            "title": "Ảnh",
            "priority": "normal",
            "language": "kinh",
            "engine": "",
            "speed": "1",
            "recording": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 500), "anh.mp3"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "không phải tệp âm thanh" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Version.id))) == 0
    assert set(storage().keys()) == keys


def test_retry_a_failed_job_from_the_page(app_ctx, login_as) -> None:
    browser = setup_editor(login_as)
    response = browser.submit(
        "/studio",
        {
            "title": "T",
            "priority": "normal",
            "language": "kinh",
            "script": "Xin chào.",
            "engine": "espeak",
            "speed": "1",
        },
    )
    version = db.session.scalar(sa.select(Version))
    job = RenderJob(
        version=version,
        status=JobStatus.FAILED,
        error="ffmpeg crashed",
        error_code="render_failed",
        attempts=1,
    )
    db.session.add(job)
    db.session.commit()
    page = response.headers["Location"]
    html = browser.get(page).get_data(as_text=True)
    # What ffmpeg said stays in the log; the page says the audio could not be processed.
    assert "ffmpeg crashed" not in html and "Không xử lý được âm thanh" in html
    assert "Chạy lại" in html
    response = browser.submit(f"/jobs/{job.id}/retry", {}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RenderJob, job.id).status == JobStatus.DONE


def test_admin_uploads_a_licensed_bed(app_ctx, login_as, tmp_path) -> None:
    make_user("admin", Role.ADMIN)
    browser = login_as("admin")
    wav = speech_wav(tmp_path / "bed.wav", 6.0).read_bytes()
    html = browser.submit(
        "/stock-sounds",
        {"kind": "bed", "name": "Đàn bầu", "licence": "", "file": (io.BytesIO(wav), "bed.wav")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(StockSound.id))) == 0
    response = browser.submit(
        "/stock-sounds",
        {
            "kind": "bed",
            "name": "Đàn bầu",
            "licence": "CC BY 4.0, Nhạc viện X",
            "make_default": "y",
            "file": (io.BytesIO(wav), "bed.wav"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html
    sound = db.session.scalar(sa.select(StockSound))
    assert sound.is_default and sound.licence.startswith("CC BY")

"""The officers' pages: list and filters, edit, message page, approval queue, diff, escaping."""

from __future__ import annotations

import io

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Message, Role, Version, VersionStatus

from .audio_fixtures import speech_wav
from .conftest import make_user
from .workflow_helpers import actor, approved_version, new_message, pending_version


def people():
    return make_user("editor", Role.EDITOR), make_user("approver", Role.APPROVER)


def test_list_filters_search_and_waiting_for_me(app_ctx, login_as) -> None:
    editor, approver = people()
    pending = pending_version(
        editor, new_message(editor, "Bão số 5", topic="Thiên tai", priority="emergency")
    )
    approved_version(
        editor, approver, new_message(editor, "BHXH", topic="BHXH"), text="Lương hưu khi về già."
    )
    new_message(editor, "Trống")
    browser = login_as("approver")
    html = browser.get("/messages/").get_data(as_text=True)
    assert all(t in html for t in ("Bão số 5", "BHXH", "Trống"))
    html = browser.get("/messages/?status=pending").get_data(as_text=True)
    assert "Bão số 5" in html and "Trống" not in html and ">BHXH</a>" not in html
    html = browser.get("/messages/?priority=emergency").get_data(as_text=True)
    assert "Bão số 5" in html and "Trống" not in html
    html = browser.get("/messages/?q=lương hưu").get_data(as_text=True)  # script text
    assert ">BHXH</a>" in html and "Bão số 5" not in html
    html = browser.get("/messages/?waiting=1").get_data(as_text=True)
    assert "Bão số 5" in html and "Trống" not in html
    assert "Bão số 5" not in login_as("editor").get("/messages/?waiting=1").get_data(as_text=True)
    assert pending.status == VersionStatus.PENDING


def test_pagination(app_ctx, login_as) -> None:
    editor, _ = people()
    for n in range(30):
        new_message(editor, f"Tin số {n:02d}")
    browser = login_as("editor")
    first = browser.get("/messages/").get_data(as_text=True)
    assert "Tin số 29" in first and "Tin số 04" not in first and "Trang 1 / 2" in first
    second = browser.get("/messages/?page=2").get_data(as_text=True)
    assert "Tin số 04" in second and "Tin số 29" not in second


def test_html_in_titles_and_scripts_is_shown_escaped(app_ctx, login_as) -> None:
    editor, approver = people()
    evil = '<script>alert("x")</script>'
    message = new_message(editor, evil)
    approved_version(editor, approver, message, text=f"Xin chào {evil}")
    browser = login_as("editor")
    for url in ("/messages/", f"/messages/{message.id}", f"/messages/{message.id}/edit"):
        html = browser.get(url).get_data(as_text=True)
        assert evil not in html and "&lt;script&gt;" in html, url


def test_create_and_edit_with_validation_and_stale_forms(app_ctx, login_as) -> None:
    people()
    browser = login_as("editor")
    response = browser.submit(
        "/messages/new",
        {
            "title": "Tiêm chủng",
            "priority": "normal",
            "valid_from": "2026-12-10T08:00",
            "valid_until": "2026-12-01T08:00",
        },
    )
    assert response.status_code == 400 or "phải sau ngày bắt đầu" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
    response = browser.submit(
        "/messages/new",
        {"title": "Tiêm chủng", "priority": "normal", "valid_from": "2026-12-01T08:00"},
    )
    assert response.status_code == 302
    message = db.session.scalar(sa.select(Message))
    assert message.valid_from.isoformat() == "2026-12-01T01:00:00+00:00"  # 08:00 in Vietnam
    edit = f"/messages/{message.id}/edit"
    page = browser.get(edit).get_data(as_text=True)
    other = login_as("editor")
    assert (
        other.submit(
            edit, {"title": "Tiêm chủng mở rộng", "priority": "priority", "revision": "1"}
        ).status_code
        == 302
    )
    from .conftest import csrf_from

    response = browser.client.post(
        edit,
        data={"title": "Cũ", "priority": "normal", "revision": "1", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 409
    assert "Someone changed" in response.get_data(as_text=True) or "thay đổi" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Message, message.id).title == "Tiêm chủng mở rộng"


def test_edit_page_generates_and_uploads_per_language(app_ctx, login_as, tmp_path) -> None:
    from audio_manager.services.audio import stock
    from audio_manager.services.context import Actor

    stock.install_generated(Actor.system())
    editor, _ = people()
    message = new_message(editor, "Ba thứ tiếng")
    browser = login_as("editor")
    edit = f"/messages/{message.id}/edit"
    response = browser.submit(
        f"/messages/{message.id}/versions",
        {
            "language": "hoa",
            "hoa-script": "乡亲们好。",
            "hoa-voice": "espeak:yue",
            "hoa-speed": "1.0",
            "action": "generate",
        },
        page=edit,
    )
    assert response.status_code == 302
    wav = speech_wav(tmp_path / "km.wav", 3.0).read_bytes()
    response = browser.submit(
        f"/messages/{message.id}/versions",
        {
            "language": "khmer",
            "action": "upload",
            "khmer-recording": (io.BytesIO(wav), "khmer.wav"),
        },
        page=edit,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    langs = sorted(v.language for v in db.session.scalars(sa.select(Version)))
    assert langs == ["hoa", "khmer"]
    html = browser.get(edit).get_data(as_text=True)
    assert html.count("Gửi duyệt") == 2  # each language's draft can be submitted
    response = browser.client.post(
        f"/messages/{message.id}/versions",
        data={
            "language": "kinh",
            "kinh-script": "",
            "action": "generate",
            "csrf_token": __import__("tests.conftest", fromlist=["x"]).csrf_from(html),
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422 and response.json["error"]["code"] == "empty_script"


def test_approval_queue_and_decisions_on_pages(app_ctx, login_as) -> None:
    editor, _approver = people()
    version = pending_version(editor, new_message(editor, "Hàng chờ"))
    browser = login_as("approver")
    html = browser.get("/approvals").get_data(as_text=True)
    assert "Hàng chờ" in html and "Phê duyệt" in html
    response = browser.submit(
        f"/versions/{version.id}/reject",
        {"revision": str(version.revision), "reason": "", "next": "/approvals"},
        page="/approvals",
    )
    assert response.status_code == 302
    db.session.refresh(version)
    assert version.status == VersionStatus.PENDING  # a reason is required
    browser.submit(
        f"/versions/{version.id}/approve",
        {"revision": str(version.revision), "next": "/approvals"},
        page="/approvals",
    )
    db.session.refresh(version)
    assert version.status == VersionStatus.APPROVED and version.is_current
    html = browser.get(f"/messages/{version.variant.message_id}").get_data(as_text=True)
    assert "Phiên bản đang dùng" in html and "Duyệt phiên bản 1 (Kinh)" in html


def test_editor_sees_no_approve_button_and_cannot_approve(app_ctx, login_as) -> None:
    editor, _ = people()
    version = pending_version(editor)
    browser = login_as("editor")
    html = browser.get(f"/messages/{version.variant.message_id}").get_data(as_text=True)
    assert "move-approve" not in html
    assert (
        browser.submit(
            f"/versions/{version.id}/approve",
            {"revision": "2"},
            page=f"/messages/{version.variant.message_id}",
        ).status_code
        == 403
    )


def test_diff_between_two_versions(app_ctx, login_as) -> None:
    editor, approver = people()
    old = approved_version(editor, approver, text="Gọi tổng đài 1900 9068 để được tư vấn.")
    new = approved_version(
        editor,
        approver,
        old.variant.message,
        text="Gọi tổng đài 1900 9068 miễn phí để được hỗ trợ.",
    )
    html = (
        login_as("approver")
        .get(f"/messages/{old.variant.message_id}/diff?a={old.id}&b={new.id}")
        .get_data(as_text=True)
    )
    diff = html[html.index('<p class="diff"') :]
    diff = diff[: diff.index("</p>")]
    assert "<ins>miễn phí </ins>" in diff
    assert "<del>tư vấn.</del><ins>hỗ trợ.</ins>" in diff, diff


def test_expired_and_retired_messages_are_marked(app_ctx, login_as) -> None:
    from datetime import UTC, datetime, timedelta

    editor, approver = people()
    now = datetime.now(UTC)
    expired = new_message(
        editor, "Hết hạn", valid_from=now - timedelta(days=10), valid_until=now - timedelta(days=1)
    )
    retired = approved_version(editor, approver, new_message(editor, "Thôi phát")).variant.message
    from audio_manager.services.messages import messages

    messages.retire(actor(approver), retired, reason="xong")
    db.session.commit()
    assert not expired.is_playable_at(now) and not retired.is_playable_at(now)
    html = login_as("editor").get("/messages/?status=expired").get_data(as_text=True)
    assert ">Hết hạn</a>" in html and "Thôi phát" not in html


def test_a_recording_keeps_its_script_and_the_message_page_shows_them_side_by_side(
    app_ctx, login_as, tmp_path
) -> None:
    editor, _ = people()
    message = new_message(editor, "Lời và tiếng")
    browser = login_as("editor")
    edit = f"/messages/{message.id}/edit"
    wav = speech_wav(tmp_path / "km.wav", 2.0).read_bytes()

    def upload(script: str | None) -> None:
        data = {"language": "khmer", "action": "upload"}
        if script is not None:
            data["khmer-script"] = script
        data["khmer-recording"] = (io.BytesIO(wav), "khmer.wav")
        response = browser.submit(
            f"/messages/{message.id}/versions",
            data,
            page=edit,
            content_type="multipart/form-data",
        )
        assert response.status_code == 302

    upload("សួស្តី បងប្អូន។")
    upload("")  # nothing typed: the language's latest script stays with the new recording
    scripts = db.session.scalars(sa.select(Version.script_text).order_by(Version.id)).all()
    assert scripts == ["សួស្តី បងប្អូន។", "សួស្តី បងប្អូន។"]
    assert "សួស្តី បងប្អូន។" in browser.get(edit).get_data(as_text=True)  # the panel keeps it

    html = browser.get(f"/messages/{message.id}").get_data(as_text=True)
    assert html.count('<blockquote class="script" lang="km">សួស្តី បងប្អូន។</blockquote>') == 2
    assert html.count('name="a"') == 2  # two versions with a script: they can be compared

    too_long = browser.submit(
        f"/messages/{message.id}/versions",
        {
            "language": "khmer",
            "action": "upload",
            "khmer-script": "ក" * 20_001,
            "khmer-recording": (io.BytesIO(wav), "khmer.wav"),
        },
        page=edit,
        content_type="multipart/form-data",
    )
    assert too_long.status_code in (302, 422)
    assert db.session.scalar(sa.select(sa.func.count(Version.id))) == 2  # nothing stored


def test_one_pending_version_offers_no_restore_and_no_compare(app_ctx, login_as) -> None:
    editor, _ = people()
    message = new_message(editor, "Mới gửi duyệt", valid_from=None, valid_until=None)
    pending_version(editor, message)
    html = login_as("editor").get(f"/messages/{message.id}").get_data(as_text=True)
    assert "Khôi phục thành bản nháp mới" not in html
    assert 'name="a"' not in html and "So sánh" not in html
    assert "Hiệu lực" not in html  # no dates: nothing to say
    assert "Gửi duyệt phiên bản 1 (Kinh)" in html  # the audit trail in words
    assert "version.submit" not in html

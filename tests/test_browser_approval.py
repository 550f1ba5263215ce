"""The officers' whole path in a real browser: three languages, a rejection, a fix, approval."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_manager.extensions import db
from audio_manager.models import Message, Role, VersionStatus
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor

from .audio_fixtures import speech_wav
from .browser import login, screenshot
from .conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

SCRIPTS = {
    "kinh": "Bảo hiểm xã hội tự nguyện giúp bà con có lương hưu khi về già.",
    "hoa": "自愿社会保险让您老年时有退休金。",
    "hoa_fixed": "自愿社会保险让您老年时有退休金。请拨打热线 1900 9068。",
}


def new_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, viewport={"width": 1400, "height": 1000})
    return context, context.new_page()


def generate(page, language: str, script: str, voice: str) -> None:
    panel = page.locator(f"#lang-{language}")
    panel.locator("textarea").fill(script)
    panel.locator("select[name$='-voice']").select_option(voice)
    panel.locator("button.generate").click()
    panel.locator(".panel-latest .move-submit button").wait_for(timeout=60_000)


def submit(page, language: str) -> None:
    page.locator(f"#lang-{language} .panel-latest .move-submit button").click()
    page.wait_for_load_state("load")
    page.locator(f"#lang-{language} .panel-latest .status-pending").wait_for(timeout=10_000)


def test_trilingual_message_from_draft_to_approval(
    app_ctx,
    chromium,
    live_server,
    tmp_path: Path,
) -> None:
    stock.install_generated(Actor.system())
    db.session.commit()
    make_user("editor", Role.EDITOR)
    make_user("approver", Role.APPROVER)
    recording = speech_wav(tmp_path / "khmer-voice.wav", 4.0)

    editor_ctx, editor = new_page(chromium, live_server)
    login(editor, "editor", PASSWORD)
    editor.goto("/messages/new")
    editor.fill("input[name=title]", "BHXH tự nguyện 2027")
    editor.fill("input[name=topic]", "BHXH")
    editor.select_option("select[name=priority]", "priority")
    editor.click("form button[type=submit]:has-text('Tạo và viết kịch bản')")
    editor.wait_for_url("**/edit")

    generate(editor, "kinh", SCRIPTS["kinh"], "espeak:vi-vn-x-south")
    generate(editor, "hoa", SCRIPTS["hoa"], "espeak:yue")
    khmer = editor.locator("#lang-khmer")
    khmer.locator("input[type=file]").set_input_files(str(recording))
    khmer.locator("button.upload-button").click()
    khmer.locator(".panel-latest .move-submit button").wait_for(timeout=60_000)
    # The waveform and the player appear without reloading the page.
    assert khmer.locator(".panel-latest audio").count() == 1
    for language in ("kinh", "hoa", "khmer"):
        submit(editor, language)
    screenshot(editor, "approval-1-editor-submitted")

    approver_ctx, approver = new_page(chromium, live_server)
    login(approver, "approver", PASSWORD)
    approver.goto("/approvals")
    assert approver.locator("article.pending").count() == 3
    hoa = approver.locator("article.pending", has=approver.locator("span[lang=zh]"))
    hoa.locator(".move-reject button").click()  # no reason: refused by the browser or server
    approver.goto("/approvals")
    hoa = approver.locator("article.pending", has=approver.locator("span[lang=zh]"))
    hoa.locator(".move-reject input[name=reason]").fill("Thiếu số tổng đài 1900 9068")
    hoa.locator(".move-reject button").click()
    approver.wait_for_load_state("load")
    assert "Đã từ chối" in approver.locator(".flash-success").inner_text()
    assert approver.locator("article.pending").count() == 2
    screenshot(approver, "approval-2-approver-rejected-hoa")

    editor.goto(editor.url.split("#")[0])
    assert "Thiếu số tổng đài" in editor.locator("#lang-hoa .rejection").inner_text()
    generate(editor, "hoa", SCRIPTS["hoa_fixed"], "espeak:yue")
    submit(editor, "hoa")

    approver.goto("/approvals")
    while approver.locator("article.pending .move-approve button").count():
        approver.locator("article.pending .move-approve button").first.click()
        approver.wait_for_load_state("load")
    assert "Không có gì đang chờ duyệt" in approver.locator("main").inner_text()

    message = db.session.query(Message).one()
    approver.goto(f"/messages/{message.id}")
    for language in ("kinh", "hoa", "khmer"):
        assert approver.locator(f"#lang-{language} article.current").count() == 1
    assert "phiên bản 2 (Hoa)" in approver.locator("#lang-hoa article.current header").inner_text()
    screenshot(approver, "approval-3-message-page")
    db.session.expire_all()
    statuses = {v.language: v.status for variant in message.variants for v in variant.versions}
    assert statuses == {
        "kinh": VersionStatus.APPROVED,
        "hoa": VersionStatus.APPROVED,
        "khmer": VersionStatus.APPROVED,
    }
    editor_ctx.close()
    approver_ctx.close()


def test_recording_in_the_browser_becomes_a_version(app_ctx, chromium, live_server) -> None:
    """MediaRecorder with Chromium's fake microphone (a beeping tone), uploaded like a file."""
    stock.install_generated(Actor.system())
    db.session.commit()
    make_user("editor", Role.EDITOR)
    context, page = new_page(chromium, live_server)
    context.grant_permissions(["microphone"])
    login(page, "editor", PASSWORD)
    page.goto("/messages/new")
    page.fill("input[name=title]", "Thu âm")
    page.click("form button[type=submit]:has-text('Tạo và viết kịch bản')")
    page.wait_for_url("**/edit")
    khmer = page.locator("#lang-khmer")
    khmer.locator("[data-record]").click()
    page.wait_for_timeout(2500)
    khmer.locator("[data-stop]").click()
    khmer.locator("[data-preview]").wait_for(state="visible", timeout=10_000)
    assert khmer.locator("input[type=file]").evaluate("input => input.files.length") == 1
    khmer.locator("button.upload-button").click()
    khmer.locator(".panel-latest .move-submit button").wait_for(timeout=60_000)
    message = db.session.query(Message).one()
    version = message.variant("khmer").versions[0]
    assert version.source_kind == "upload" and version.source_asset.mime in {
        "audio/webm",
        "audio/ogg",
    }
    assert 1.5 < version.source_asset.duration < 4
    context.close()

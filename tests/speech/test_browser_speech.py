"""In a real browser on a phone-sized screen: "what the voice will read" follows the typing, a
voice is heard before choosing it, and the speech engines page fits the screen."""

from __future__ import annotations

import pytest

from audio_manager.extensions import db
from audio_manager.models import Role
from audio_manager.services.context import Actor
from audio_manager.services.messages import messages
from audio_manager.services.speech import lexicons

from ..browser import login, screenshot
from ..conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_preview_follows_the_script_and_voices_are_heard(
    app_ctx, chromium, live_server
) -> None:
    lexicons.restore_defaults(Actor.system("test"), "kinh")
    editor = make_user("editor", Role.EDITOR)
    make_user("admin", Role.ADMIN)
    message = messages.create(Actor(user=editor), "Thông báo BHXH")
    db.session.commit()
    context = chromium.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    login(page, "editor", PASSWORD)
    page.goto(f"/messages/{message.id}/edit")
    panel = page.locator("#lang-kinh")
    assert panel.locator("[data-preview-button]").is_hidden()  # live instead, with JavaScript
    panel.locator("textarea").fill("UBND xã: gọi BHXH 1900 9068 trước 17h30.")
    spoken = panel.locator("[data-spoken]")
    expected = (
        "ủy ban nhân dân xã: gọi bảo hiểm xã hội một chín không không, chín không sáu tám "
        "trước mười bảy giờ ba mươi phút."
    )
    page.wait_for_function(
        "([el, text]) => el.textContent === text", arg=[spoken.element_handle(), expected]
    )
    panel.locator("select[data-voice]").select_option("espeak:vi-vn-x-south")
    with page.expect_response(lambda r: "/sample?" in r.url) as sample:
        panel.locator("[data-listen]").click()
    assert sample.value.status in (200, 206)  # players ask for ranges
    assert sample.value.headers["content-type"] == "audio/wav"
    assert panel.locator("audio[data-sample]").is_visible()
    screenshot(page, "speech-1-edit-preview-phone")
    context.close()

    admin_context = chromium.new_context(base_url=live_server, viewport=PHONE)
    admin = admin_context.new_page()
    login(admin, "admin", PASSWORD)
    admin.goto("/admin/speech/")
    assert admin.locator("#status-fpt").is_visible()
    # The page's own content fits (wide tables scroll inside their box; the top bar is the
    # layout's, not this page's).
    wider = admin.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => !e.closest('.table-scroll'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert wider == []
    screenshot(admin, "speech-2-engines-phone")
    admin_context.close()

"""In a real browser on a phone's width: the content of the CAP admin pages and of a message made
from an upstream alert fits 390 px (wide tables scroll inside their own box), in Vietnamese.

(The admin's top navigation is wider than a phone on every page; that is the layout's, not
these pages'.)"""

from __future__ import annotations

from typing import Any

import pytest

from audio_manager.extensions import db
from audio_manager.models import Role
from audio_manager.services.cap import ingest, sources
from audio_manager.services.context import Actor

from . import cap_samples as samples
from .browser import login, screenshot
from .cap_helpers import TREE
from .conftest import PASSWORD, load_tree, make_user

pytestmark = pytest.mark.browser

# Elements of the page's content reaching past the screen, outside boxes that scroll by themselves.
OVERFLOW = """(where) => [...document.querySelectorAll(where + ' *')]
  .filter(e => !e.closest('.table-scroll'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.fixture
def phone(chromium: Any, live_server: str) -> Any:
    context = chromium.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_cap_pages_fit_a_phone(app_ctx, phone) -> None:
    load_tree(TREE)
    make_user("admin", Role.ADMIN)
    source, _token = sources.create(Actor.system("test"), "Trung tâm KTTV", "push")
    [row] = ingest.receive(Actor.system("test"), source, samples.alert())
    db.session.commit()
    login(phone, "admin", PASSWORD)
    phone.goto("/admin/cap/")
    assert phone.locator("h1").inner_text() == "Cảnh báo khẩn cấp (CAP)"
    assert phone.evaluate(OVERFLOW, "main") == []
    screenshot(phone, "cap-admin-phone")
    phone.goto("/admin/cap/log")
    assert "thông điệp nháp mới" in phone.locator("table").inner_text()
    assert phone.evaluate(OVERFLOW, "main") == []
    phone.goto(f"/messages/{row.message_id}")
    phone.click("text=Nội dung theo từng thứ tiếng")
    assert "ខ្យល់ខ្លាំងនៅរសៀលនេះ។" in phone.locator("section.cap").inner_text()
    assert phone.evaluate(OVERFLOW, "section.cap") == []  # (the audit table below is not ours)
    screenshot(phone, "cap-message-phone")

"""On a phone, an editor finds a codeless demo hamlet in the area picker by typing its name
without diacritics, schedules it by keyboard, and finds it on the calendar; the operator of its
commune finds it in the day's playlist. No page scrolls sideways at 390 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from audio_manager.demo import demo_csv
from audio_manager.extensions import db
from audio_manager.models import Area, Role, Schedule
from audio_manager.models.base import local_today

from .browser import login, screenshot
from .conftest import PASSWORD, load_tree, make_user
from .workflow_helpers import approved_version, new_message

pytestmark = pytest.mark.browser

HAMLET = "Khóm 2 - Phường Khánh Hòa (demo)"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


WIDEST = """() => {
  let widest = 0, what = "";
  for (const el of document.querySelectorAll("main *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > widest) { widest = box.right; what = el.outerHTML.slice(0, 80); }
  }
  return [widest, what];
}"""


def fits_the_phone(page) -> bool:
    """Nothing in the page's content reaches past 390 px (with is_mobile Chromium widens
    innerWidth to an overflowing page: compare with 390). The navigation above it is left to
    the all-pages sweep."""
    widest, what = page.evaluate(WIDEST)
    assert widest <= 390, what
    return True


def test_a_codeless_hamlet_is_scheduled_through_the_picker(app_ctx, chromium, live_server):
    load_tree(demo_csv())
    editor = make_user("editor", Role.EDITOR)
    approver = make_user("approver", Role.APPROVER)
    make_user("operator", Role.OPERATOR, areas=["99005"])
    message = new_message(editor, "Đóng BHXH tự nguyện")
    approved_version(editor, approver, message, "kinh", "Xin chào bà con.")
    hamlet = db.session.scalar(sa.select(Area).where(Area.name == HAMLET))
    assert hamlet.code is None and hamlet.languages == ["khmer", "kinh"]

    context = chromium.new_context(base_url=live_server, **PHONE)
    page = context.new_page()
    login(page, "editor", PASSWORD)
    page.goto("/schedules/new")
    assert fits_the_phone(page)
    page.select_option("#sf-message", str(message.id))
    search = page.get_by_label("Tìm địa bàn")
    search.fill("khom 2 - phuong khanh hoa")
    visible = page.locator("#sf-areas .ap-node:visible")
    assert visible.count() == 4  # the hamlet, its commune, district and province
    assert page.locator("#sf-areas .ap-node:visible .ap-name").all_inner_texts()[-1] == HAMLET
    row = page.locator(f"#sf-areas label[for='sf-areas-{hamlet.id}']")
    assert "Khmer, Kinh" in row.inner_text()
    assert row.bounding_box()["height"] >= 44  # a finger's width
    search.press("ArrowDown")  # to the first match; up, its commune; down, back
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == f"sf-areas-{hamlet.parent_id}"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == f"sf-areas-{hamlet.id}"
    page.keyboard.press("Space")
    assert page.locator(".ap-chosen").inner_text() == f"Đã chọn: {HAMLET}"
    screenshot(page, "picker-phone")
    page.locator("button[value=save]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/schedules/[0-9]+$"))
    db.session.expire_all()
    schedule = db.session.scalar(sa.select(Schedule))
    assert [a.id for a in schedule.targets] == [hamlet.id]

    today = local_today()
    page.goto(f"/schedules/calendar?view=week&date={today.isoformat()}")
    assert fits_the_phone(page)
    slot = page.locator(".cal-day.cal-today .cal-slot").first
    assert "Đóng BHXH tự nguyện" in slot.inner_text() and HAMLET in slot.inner_text()
    screenshot(page, "calendar-phone")
    slot.locator("a").click()
    page.wait_for_url(f"**/schedules/{schedule.id}")
    page.goto(f"/schedules/calendar?month={(today + timedelta(days=40)).strftime('%Y-%m')}")
    assert fits_the_phone(page)
    context.close()

    # On a wide screen the month is a grid of seven columns, Monday first.
    context = chromium.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, "editor", PASSWORD)
    page.goto(f"/schedules/calendar?month={today.strftime('%Y-%m')}")
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('.cal-month')).gridTemplateColumns"
    )
    assert len(columns.split()) == 7
    assert page.locator(".cal-day").first.locator("time").inner_text().startswith("Thứ Hai")
    screenshot(page, "calendar-month-desktop")
    context.close()

    context = chromium.new_context(base_url=live_server, **PHONE)
    page = context.new_page()
    login(page, "operator", PASSWORD)
    page.goto(f"/today?date={today.isoformat()}")
    assert page.get_by_text(HAMLET).count() >= 1
    page.goto("/schedules/calendar?view=week")
    assert HAMLET in page.locator(".cal-today").inner_text()
    context.close()

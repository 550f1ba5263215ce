"""The printable flyer in a real browser: the instructions with the tone code filled in and a
visible QR code (drawn on the server as SVG); and a staff member's self-report."""

from __future__ import annotations

import pytest
import segno
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Install

from .browser import login, screenshot
from .conftest import PASSWORD
from .ringback_helpers import ringback_world

pytestmark = pytest.mark.browser


def test_the_flyer_renders_with_a_visible_qr_code(app_ctx, page, tmp_path) -> None:
    w = ringback_world(tmp_path)
    tone = w["tones"]["v1"]
    login(page, "staff", PASSWORD)
    page.goto(f"/ringback/releases/{tone.id}/flyer")
    qr = page.locator(".tone figure.qr svg")
    assert qr.count() == 1 and qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 120 and abs(box["width"] - box["height"]) < 1
    text = page.locator(".tone").inner_text()
    assert "111111" in text and "BH 111111" in text and "1221" in text
    assert "{code}" not in page.content() and "{sms}" not in page.content()
    assert page.locator("footer figure.qr svg").is_visible()  # where to report the install
    screenshot(page, "ringback-flyer")
    page.goto(f"/ringback/carriers/{w['carriers']['viettel'].id}/flyer")
    assert page.locator(".tone figure.qr svg").count() == 2  # both live Viettel tones
    page.emulate_media(media="print")
    assert page.locator(".tone figure.qr svg").first.is_visible()
    screenshot(page, "ringback-flyer-carrier-print")


def test_the_qr_code_encodes_the_sms_that_installs_the_tone(app_ctx, tmp_path, login_as) -> None:
    w = ringback_world(tmp_path)
    html = (
        login_as("staff")
        .get(f"/ringback/releases/{w['tones']['v1'].id}/flyer")
        .get_data(as_text=True)
    )
    expected = segno.make("sms:1221?body=BH%20111111", error="m").svg_inline(
        scale=6, border=2, svgclass="qr", omitsize=True
    )
    assert expected in html


def test_a_staff_member_reports_an_install_in_the_browser(app_ctx, page, tmp_path) -> None:
    w = ringback_world(tmp_path)
    login(page, "staff", PASSWORD)
    page.goto("/ringback/")
    page.click("a:has-text('Báo tôi đã cài')")
    page.select_option("select[name=carrier_id]", str(w["carriers"]["viettel"].id))
    page.fill("input[name=code]", "111111")
    page.fill("input[name=phone]", "0912 345 678")
    page.click("form.narrow button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".flash-success").is_visible()
    assert page.locator("td:has-text('09x xxx x678')").count() == 1
    screenshot(page, "ringback-self-report")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Install.id))) == 1

"""In a real browser: log in, see Vietnamese, Khmer and Chinese rendered with the vendored fonts."""

from __future__ import annotations

import pytest

from audio_manager.models import Role

from .browser import login, screenshot
from .conftest import PASSWORD, load_tree, make_user

pytestmark = pytest.mark.browser

FONTS_LOADED = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(f => f.status === "loaded")
    .map(f => f.family.replace(/['"]/g, ""));
}"""


def test_login_and_trilingual_text_renders_with_vendored_fonts(app_ctx, page) -> None:
    load_tree()
    make_user("admin", Role.ADMIN)
    login(page, "admin", PASSWORD)
    assert page.locator("h1").inner_text() == "Xin chào, admin"
    languages = page.locator("ul.languages").inner_text()
    assert "Tiếng Việt" in languages and "中文" in languages and "ភាសាខ្មែរ" in languages
    loaded = set(page.evaluate(FONTS_LOADED))
    assert {"Noto Sans", "Noto Sans Khmer", "Noto Sans SC"} <= loaded, loaded
    # Each script is drawn with a real glyph width, not a zero-width or missing box.
    widths = page.evaluate("""() => [...document.querySelectorAll('.lang-native')]
        .map(e => [e.textContent, e.getBoundingClientRect().width])""")
    assert all(width > 20 for _text, width in widths), widths
    path = screenshot(page, "home-trilingual")
    assert path.stat().st_size > 10_000

    page.click("text=Địa bàn")
    page.click("table a:has-text('Tỉnh Thử')")  # the table's links (the picker is above)
    page.click("table a:has-text('Huyện Một')")
    page.click("table a:has-text('Xã An')")
    assert "ភាសាខ្មែរ" in page.locator("table").inner_text()
    screenshot(page, "areas-commune")


def test_wrong_password_message_in_the_browser(app_ctx, page) -> None:
    make_user("editor", Role.EDITOR)
    page.goto("/login")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.locator(".flash-error").inner_text()


def test_api_docs_page_renders_locally(page) -> None:
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "audio_manager API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/areas").count() >= 1

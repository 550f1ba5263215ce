"""Vietnamese by default, English on request; every UI string has a Vietnamese translation."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from audio_manager.models import Role

from .conftest import make_user

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "audio_manager" / "translations" / "vi" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_ids() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    ids = set()
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "audio_manager"), method_map, options, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_ui_string_has_a_vietnamese_translation() -> None:
    catalog = read_po((CATALOG / "messages.po").open("rb"), locale="vi")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id
        and m.string
        and (any(m.string) if isinstance(m.string, tuple) else True)
        and "fuzzy" not in m.flags
    }
    missing = sorted(extracted_ids() - translated)
    assert missing == [], "run pybabel extract/update and translate: " + repr(missing[:10])


def test_compiled_catalog_matches_the_po_file() -> None:
    po = read_po((CATALOG / "messages.po").open("rb"), locale="vi")
    mo = read_mo(io.BytesIO((CATALOG / "messages.mo").read_bytes()))

    def pairs(catalog) -> dict:
        return {
            tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id: tuple(m.string)
            if isinstance(m.string, (list, tuple))
            else m.string
            for m in catalog
            if m.id and "fuzzy" not in m.flags
        }

    po_pairs, mo_pairs = pairs(po), pairs(mo)
    assert mo_pairs == po_pairs, "run: pybabel compile -d audio_manager/translations"


def test_pages_are_vietnamese_by_default_and_switch_to_english(app_ctx, web) -> None:
    html = web.get("/login").get_data(as_text=True)
    assert '<html lang="vi"' in html and "Đăng nhập" in html
    web.submit("/language", {"lang": "en", "next": "/login"}, page="/login")
    html = web.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in html and "Log in" in html and "Đăng nhập" not in html


def test_a_users_language_choice_is_remembered_across_logins(app, app_ctx, login_as) -> None:
    make_user("editor", Role.EDITOR)
    browser = login_as("editor")
    browser.submit("/language", {"lang": "en", "next": "/"}, page="/")
    assert "Hello, editor" in browser.get("/").get_data(as_text=True)
    again = login_as("editor")
    assert "Hello, editor" in again.get("/").get_data(as_text=True)


def test_api_errors_follow_the_language_too(client) -> None:
    assert (
        client.get("/api/v1/areas").json["error"]["message"]
        == "Hãy đăng nhập hoặc gửi mã truy cập API."
    )
    assert (
        client.get("/api/v1/areas?lang=en").json["error"]["message"]
        == "Log in or send an API token."
    )

"""Light on slow links: fingerprinted static URLs cached for a year, gzip for pages and JSON,
never for audio, archives or byte ranges; a favicon."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from audio_manager.static_files import IMMUTABLE, Fingerprints

GZIP = {"Accept-Encoding": "gzip, deflate"}


def static_urls(client) -> list[str]:
    html = client.get("/login").get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_page_assets_have_fingerprinted_urls_cached_for_a_year(client) -> None:
    urls = static_urls(client)
    assert len(urls) >= 4
    for url in urls:
        assert re.fullmatch(r"/static/[0-9a-f]{12}/.+", url), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
    # the same file under a fingerprint that is not today's: served, but not kept
    stale = re.sub(r"/static/[0-9a-f]{12}/", "/static/000000000000/", urls[0])
    response = client.get(stale)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"


def test_fonts_loaded_relative_to_the_stylesheet_are_immutable_too(client) -> None:
    css_url = next(u for u in static_urls(client) if u.endswith("fonts.css"))
    css = client.get(css_url).get_data(as_text=True)
    font = re.search(r"url\(([^)]+\.woff2)\)", css).group(1)
    font_url = css_url.rsplit("/", 1)[0] + "/" + font
    response = client.get(font_url)
    assert response.status_code == 200 and response.mimetype == "font/woff2"
    assert response.headers["Cache-Control"] == IMMUTABLE
    # but a fingerprint of fonts.css does not vouch for a file it does not point at
    other = css_url.rsplit("/", 3)[0] + "/css/app.css"
    assert client.get(other).headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"one")
    (tmp_path / "fonts.css").write_text("@font-face { src: url(fonts/a.woff2) }")
    (tmp_path / "app.css").write_text("body {}")
    prints = Fingerprints(tmp_path.resolve())
    css, app, font = prints.of("fonts.css"), prints.of("app.css"), prints.of("fonts/a.woff2")
    assert css and app and font and len({css, app, font}) == 3
    assert prints.current(css, "fonts/a.woff2") and not prints.current(app, "fonts/a.woff2")
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"two!")
    assert prints.of("fonts/a.woff2") != font
    assert prints.of("fonts.css") != css  # the stylesheet names the changed font
    assert prints.of("app.css") == app
    assert prints.of("../etc/passwd") is None and prints.of("missing.css") is None


def test_pages_json_and_stylesheets_are_gzipped(client) -> None:
    page = client.get("/login", headers=GZIP)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "<html" in gzip.decompress(page.data).decode()
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers and b"<html" in plain.data
    css_url = next(u for u in static_urls(client) if u.endswith("pico.min.css"))
    css = client.get(css_url, headers=GZIP)
    assert css.headers["Content-Encoding"] == "gzip"
    assert len(css.data) < len(gzip.decompress(css.data)) / 3
    assert css.headers["ETag"].startswith('W/"')
    # the browser sends the weak tag back: still a 304
    again = client.get(css_url, headers={**GZIP, "If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304
    spec = client.get("/api/v1/openapi.json", headers=GZIP)
    assert spec.headers["Content-Encoding"] == "gzip"
    assert b'"openapi"' in gzip.decompress(spec.data)


def test_ranges_are_never_compressed(client) -> None:
    css_url = next(u for u in static_urls(client) if u.endswith("pico.min.css"))
    whole = client.get(css_url).data
    part = client.get(css_url, headers={**GZIP, "Range": "bytes=10-19"})
    assert part.status_code == 206
    assert "Content-Encoding" not in part.headers
    assert part.data == whole[10:20]


@pytest.mark.usefixtures("app_ctx")
def test_audio_downloads_keep_their_bytes_ranges_and_validators(client, tmp_path: Path) -> None:
    from .conftest import make_user
    from .schedule_helpers import world

    w = world(tmp_path)
    make_user("reader", "viewer")
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login).group(1)
    client.post(
        "/login",
        data={"username": "editor", "password": "correct horse battery", "csrf_token": token},
    )
    rendition = w["kinh"].renditions[0]
    url = f"/api/v1/renditions/{rendition.id}/file"
    whole = client.get(url, headers=GZIP)
    assert whole.status_code == 200 and "Content-Encoding" not in whole.headers
    assert whole.headers["ETag"].startswith('"')
    part = client.get(
        url, headers={**GZIP, "Range": "bytes=0-99", "If-Range": whole.headers["ETag"]}
    )
    assert part.status_code == 206 and part.data == whole.data[:100]
    assert "Content-Encoding" not in part.headers


def test_favicon_is_a_real_icon_and_every_page_links_it(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # ICO header
    count = int.from_bytes(response.data[4:6], "little")
    assert count >= 2
    sizes = {response.data[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes
    assert response.headers["Cache-Control"].startswith("public")
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/[0-9a-f]{12}/favicon.ico"', html)


def test_the_vendored_axe_core_is_not_sent_to_users(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "axe" not in html

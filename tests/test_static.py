"""Every asset is served by the app itself: no CDN, and the vendored files exist."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audio_manager"
CDN = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[\w.-]+\.[a-z]{2,}/", re.I)


def test_templates_and_scripts_load_nothing_from_other_hosts() -> None:
    offenders = []
    for path in list((PACKAGE / "templates").rglob("*.html")) + list(
        (PACKAGE / "static" / "js").rglob("*.js")
    ):
        for match in CDN.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == []


def test_font_stylesheets_point_at_vendored_files() -> None:
    folder = PACKAGE / "static" / "vendor" / "fonts"
    css = (folder / "fonts.css").read_text() + (folder / "fonts-scripts.css").read_text()
    urls = re.findall(r"url\(([^)]+)\)", css)
    assert len(urls) > 100  # the CJK font is split by unicode-range
    for url in urls:
        assert (folder / url.strip("'\"")).is_file(), url
    for family in ("Noto Sans", "Noto Sans Khmer", "Noto Sans SC"):
        assert f"font-family: '{family}'" in css or f'font-family: "{family}"' in css
    # Every page loads fonts.css: only Noto Sans, small.
    assert "Khmer" not in (folder / "fonts.css").read_text().replace("Noto Sans Khmer", "")
    assert (folder / "fonts.css").stat().st_size < 5_000


def unicode_ranges(css: str, subset: str) -> set[int]:
    block = re.search(
        rf"{subset}-400-normal.woff2\) format\('woff2'\);\s*unicode-range: ([^;]+);", css
    )
    assert block is not None, subset
    points: set[int] = set()
    for part in block.group(1).split(","):
        low, _, high = part.strip().removeprefix("U+").partition("-")
        points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


def test_vietnamese_text_needs_one_noto_sans_file_not_two() -> None:
    css = (PACKAGE / "static" / "vendor" / "fonts" / "fonts.css").read_text()
    vietnamese = unicode_ranges(css, "vietnamese")
    latin_ext = unicode_ranges(css, "latin-ext")
    assert ord("ư") in vietnamese and ord("Đ") in vietnamese and ord("ạ") in vietnamese
    assert vietnamese & latin_ext == set()
    assert ord("Ł") in latin_ext  # the rest of latin-ext is still there


def test_every_vendored_package_carries_its_licence() -> None:
    vendor = PACKAGE / "static" / "vendor"
    folders = [vendor / "pico", vendor / "swagger-ui", vendor / "axe-core"]
    for folder in [*folders, *(vendor / "fonts").iterdir()]:
        if folder.is_dir():
            assert any(p.name.upper().startswith("LICENSE") for p in folder.iterdir()), folder


def test_base_page_assets_are_served(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    for href in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert client.get(href).status_code == 200, href


def test_api_docs_page_uses_local_swagger_ui(client) -> None:
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert re.search(r"/static/[0-9a-f]{12}/vendor/swagger-ui/swagger-ui-bundle.js", html)
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/areas" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_readme_lists_every_setting() -> None:
    from audio_manager.config import PREFIX, SETTINGS

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    assert readme.split("\n")[2] == "## Quick start"
    missing = [s.env for s in SETTINGS if f"`{PREFIX}{s.env}`" not in readme]
    assert missing == []

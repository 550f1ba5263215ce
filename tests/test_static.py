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


def test_font_stylesheet_points_at_vendored_files() -> None:
    css_path = PACKAGE / "static" / "vendor" / "fonts" / "fonts.css"
    css = css_path.read_text()
    urls = re.findall(r"url\(([^)]+)\)", css)
    assert len(urls) > 100  # the CJK font is split by unicode-range
    for url in urls:
        assert (css_path.parent / url.strip("'\"")).is_file(), url
    for family in ("Noto Sans", "Noto Sans Khmer", "Noto Sans SC"):
        assert f"font-family: '{family}'" in css or f'font-family: "{family}"' in css


def test_every_vendored_package_carries_its_licence() -> None:
    vendor = PACKAGE / "static" / "vendor"
    for folder in [vendor / "pico", vendor / "swagger-ui", *(vendor / "fonts").iterdir()]:
        if folder.is_dir():
            assert any(p.name.upper().startswith("LICENSE") for p in folder.iterdir()), folder


def test_base_page_assets_are_served(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    for href in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert client.get(href).status_code == 200, href


def test_api_docs_page_uses_local_swagger_ui(client) -> None:
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
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

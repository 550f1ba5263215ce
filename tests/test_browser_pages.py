"""Every page of every role in a real browser, on a phone (390×844, touch) and a laptop
(1366×768): nothing wider than the phone, every navigation link reachable, every form control
named, no serious accessibility fault (axe-core), no English word or raw code on a Vietnamese
page; and the weight of a first and a later visit on a slow link.

``scripts/phone_tour.py`` runs ``test_phone_tour_screenshots`` to photograph every page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audio_manager.extensions import db

from . import page_tour
from .browser import OUTPUT
from .conftest import PASSWORD, wipe_tables

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture
def clean_tables() -> None:
    """The module shares one world (built once, wiped at the end)."""


@pytest.fixture(scope="module")
def tour(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[str]]]:
    wipe_tables(app)
    with app.app_context():
        w = page_tour.build(tmp_path_factory.mktemp("tour"))
        listing = page_tour.pages(w)
        db.session.remove()
    yield listing
    wipe_tables(app)


def open_as(chromium: Any, live_server: str, role: str, device: dict[str, Any]) -> Any:
    context = chromium.new_context(base_url=live_server, locale="vi-VN", **device)
    page = context.new_page()
    if role != "anonymous":
        page.goto("/login")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/")
    return page


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


@pytest.mark.skipif(not os.environ.get("PHONE_TOUR"), reason="run by scripts/phone_tour.py")
def test_phone_tour_screenshots(chromium: Any, live_server: str, tour: Any) -> None:
    folder: Path = OUTPUT / os.environ["PHONE_TOUR"]
    folder.mkdir(parents=True, exist_ok=True)
    widths = []
    for role, paths in tour.items():
        page = open_as(chromium, live_server, role, PHONE)
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            widths.append(f"{width:5d}  {role:9s} {path}")
            page.screenshot(path=str(folder / f"{role}-{slug(path)}.png"), full_page=True)
        page.context.close()
    (folder / "widths.txt").write_text("\n".join(widths) + "\n")

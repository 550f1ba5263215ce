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
def world(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    wipe_tables(app)
    with app.app_context():
        w = page_tour.build(tmp_path_factory.mktemp("tour"))
        found = {"pages": page_tour.pages(w), "times": w["times"]}
        db.session.remove()
    yield found
    wipe_tables(app)


@pytest.fixture(scope="module")
def tour(world: dict[str, Any]) -> dict[str, list[str]]:
    return world["pages"]


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


# What a page must not show in Vietnamese: English words of the interface, voice names,
# language codes (lowercase; "Kinh", "Hoa", "Khmer" are the names) and audit action codes.
# ("Thu" is Vietnamese, as in "Thu âm"; "eSpeak NG" is an engine's name, like "Viettel AI".)
ENGLISH = re.compile(
    r"\b(?:Played|Not played|Draft|Pending|Approved|Rejected|Retired|Expired|Monday|Tuesday|"
    r"Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Fri|Sat|Sun|None|True|False|"
    r"Vietnamese|Chinese|Cantonese|Mandarin|southern|northern|espeak|"
    r"draft|pending|approved|rejected|retired|submit|approve|reject|"
    r"loudspeaker|ringback|telephony|waveform|"
    r"kinh|hoa|khmer|vi|km|yue|zh)\b"
)
ACTION_CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
FILE_NAME = re.compile(r"\.(?:wav|mp3|csv|zip|json|ics|m3u8|html|xlsx|ogg|txt)$")
WORDS = """() => {
  const texts = [document.title, document.body.innerText];
  for (const o of document.querySelectorAll("option")) texts.push(o.textContent);
  for (const e of document.querySelectorAll("[aria-label],[placeholder],[title]"))
    texts.push(e.getAttribute("aria-label") || "", e.getAttribute("placeholder") || "",
               e.getAttribute("title") || "");
  // text in another language on purpose: the language switch, scripts, file names
  for (const e of document.querySelectorAll("[lang]:not(html), code, kbd, .filename, textarea"))
    texts.push("\\u0000" + e.innerText);
  return texts;
}"""
UNNAMED = """() => {
  const named = (e) => {
    if (e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.title) return true;
    if (e.labels && [...e.labels].some(l => l.textContent.trim())) return true;
    if (["BUTTON", "SUMMARY"].includes(e.tagName) && e.textContent.trim()) return true;
    const pressable = ["submit", "button", "reset"].includes(e.type);
    if (e.tagName === "INPUT" && pressable && e.value) return true;
    return false;
  };
  return [...document.querySelectorAll("input, select, textarea, button, summary")]
    .filter(e => e.type !== "hidden" && !named(e))
    .map(e => e.outerHTML.slice(0, 120));
}"""
OVERFLOW = """(limit) => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > limit + 0.5 && !e.closest(".table-scroll"))
  .slice(0, 5)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
SMALL_TARGETS = """() => [...document.querySelectorAll(
    "main button, main select, main [role=button], header summary, main input"
    + ":not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])")]
  .filter(e => e.checkVisibility() && e.getBoundingClientRect().height < 43.5)
  .map(e => e.outerHTML.slice(0, 100) + " " + e.getBoundingClientRect().height)"""


def vietnamese_faults(page: Any) -> list[str]:
    """The English words and codes a Vietnamese page shows, each with a little context."""
    texts = page.evaluate(WORDS)
    visible = [t for t in texts if not t.startswith("\0")]
    exempt = [t[1:].strip() for t in texts if t.startswith("\0") and t[1:].strip()]
    faults = []
    for text in visible:
        for allowed in exempt:
            text = text.replace(allowed, " ")
        found = list(ENGLISH.finditer(text)) + [
            m for m in ACTION_CODE.finditer(text) if not FILE_NAME.search(m.group(0))
        ]
        for match in found:
            context = text[max(0, match.start() - 20) : match.end() + 20].replace("\n", " ")
            faults.append(f"{match.group(0)!r} in {context!r}")
    return faults


AXE = "vendor/axe-core/axe.min.js"  # served by the app (the pages' CSP allows it), cached
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): `
      + v.nodes.slice(0, 2).map(n => n.target.join(" ")).join(", "));
}"""


NAVIGATION = """(phone) => {
  // The toggles are <details>: opened here as a tap would (one real tap per role is tested).
  const toggle = document.querySelector(phone ? ".nav-menu" : ".nav-wide details.dropdown");
  if (toggle) toggle.open = true;
  const links = phone ? ".nav-menu a, .nav-menu button" : ".nav-wide a, .nav-wide button";
  return [...document.querySelectorAll(links)]
    .map(e => [e.textContent.trim(), e.getBoundingClientRect().toJSON()]);
}"""
INSPECT = f"""(a) => ({{
  scroll: document.documentElement.scrollWidth,
  overflow: document.documentElement.scrollWidth > a.limit ? ({OVERFLOW})(a.limit) : [],
  small: a.phone ? ({SMALL_TARGETS})() : [],
  unnamed: ({UNNAMED})(),
  navigation: ({NAVIGATION})(a.phone),
}})"""


def check_page(
    page: Any, path: str, width: int, phone: bool, *, first_visit: bool, axe: str
) -> list[str]:
    """What is wrong with this page at this width; ``first_visit``: the checks that do not
    depend on who looks (words, axe) run on a path's first visit only."""
    faults: list[str] = []
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    if first_visit:
        words = vietnamese_faults(page)
        if words:
            faults.append(f"English or codes on a Vietnamese page: {sorted(set(words))[:8]}")
        page.add_script_tag(url=axe)
        violations = page.evaluate(AXE_RUN)
        if violations:
            faults.append(f"axe: {violations}")
    found = page.evaluate(INSPECT, {"limit": width, "phone": phone})
    if found["scroll"] > width:
        faults.append(f"{found['scroll']}px wide: {found['overflow']}")
    if found["small"]:
        faults.append(f"touch targets under 44px: {found['small'][:3]}")
    if found["unnamed"]:
        faults.append(f"controls without a name: {found['unnamed'][:3]}")
    # Every navigation link is on the screen, at once or behind the menu (phone) or the
    # account menu (laptop).
    for text, box in found["navigation"]:
        if box["width"] == 0 or box["left"] < 0 or box["right"] > width or box["top"] < 0:
            faults.append(f"navigation link out of reach: {text!r} {box}")
    if not found["navigation"]:
        faults.append("no navigation links")
    return [f"{path}: {fault}" for fault in faults]


def menu_opens_with_a_tap(page: Any, phone: bool) -> list[str]:
    """The menu toggle itself, tapped once per role: it opens and shows the first link."""
    page.goto("/")
    page.locator(".nav-menu > summary" if phone else ".nav-wide summary").first.click()
    links = page.locator(".nav-menu a" if phone else ".nav-wide details.dropdown a")
    return [] if links.first.is_visible() else ["the menu does not open with a tap"]


def sweep(chromium: Any, live_server: str, tour: Any, device: str, axe: str) -> list[str]:
    """Phone: every page of every role. Laptop: each page once, and every role's start page;
    words and axe-core on each page's first visit (phone), and on every start page (laptop)."""
    phone = device == "phone"
    seen: set[str] = set()
    faults: list[str] = []
    for role, paths in tour.items():
        page = open_as(chromium, live_server, role, PHONE if phone else LAPTOP)
        if role != "anonymous":
            faults += [f"{role} {fault}" for fault in menu_opens_with_a_tap(page, phone)]
        for path in paths:
            first = path not in seen
            seen.add(path)
            if not phone and not first and path != "/":
                continue
            deep = first if phone else path in ("/", "/login")
            width = 390 if phone else 1366
            found = check_page(page, path, width, phone, first_visit=deep, axe=axe)
            faults += [f"{role} {fault}" for fault in found]
        page.context.close()
    return faults


@pytest.fixture(scope="module")
def axe_url(app: Any) -> str:
    """axe-core's fingerprinted URL: fetched once, then from the browser's cache."""
    from flask import url_for

    with app.test_request_context():
        return url_for("static", filename=AXE)


def test_every_page_of_every_role_fits_a_phone(
    chromium: Any, live_server: str, tour: Any, axe_url: str
) -> None:
    faults = sweep(chromium, live_server, tour, "phone", axe_url)
    assert faults == [], "\n".join(faults)


def test_every_page_fits_a_laptop(chromium: Any, live_server: str, tour: Any, axe_url: str) -> None:
    faults = sweep(chromium, live_server, tour, "laptop", axe_url)
    assert faults == [], "\n".join(faults)


def test_today_on_a_phone_confirms_only_what_is_due(
    app: Any, chromium: Any, live_server: str, world: Any
) -> None:
    """Now and next on top; big buttons only for items whose time has come; "not played" with
    a reason picked from the common ones; "confirm all" confirms the due items and no other."""
    import sqlalchemy as sa

    from audio_manager.models import PlayEvent

    due, later = world["times"]
    page = open_as(chromium, live_server, "operator", PHONE)
    page.goto("/today")
    assert page.locator(".slot-now").inner_text().count(due.strftime("%H:%M")) == 1
    later_rows = page.locator("tr.item-later")
    has_later = later > page_tour.local_now().time()
    if has_later:
        assert page.locator(".slot-next").inner_text().count(later.strftime("%H:%M")) == 1
        assert later_rows.count() == 3  # Kinh, Hoa (missing), Khmer
        assert later_rows.locator("button, summary").count() == 0
        assert later_rows.first.inner_text().count("Chưa đến giờ") == 1
    assert page.locator("tr.item-ok:not(.item-later)").count() == 2  # Kinh, Khmer: due
    played = page.locator("button.confirm-played").first.bounding_box()
    assert played is not None and played["height"] >= 44 and played["width"] >= 140

    # Kinh was not played: the reason comes from the picker, plus the operator's words.
    row = page.locator("tr.item-ok").first
    row.locator("summary", has_text="Không phát").click()
    row.locator("select[name=reason_choice]").select_option(label="Mất điện")
    row.locator("input[name=reason]").fill("cả xã")
    row.locator("button.confirm-not-played").click()
    page.wait_for_load_state("load")
    assert page.locator(".flash-success").count() == 1
    assert "Mất điện: cả xã" in page.locator("tr.item-ok").first.inner_text()

    page.locator("form.bulk button").click()
    page.wait_for_load_state("load")
    flashes = page.locator(".flash").all_inner_texts()
    assert len(flashes) == 1 and flashes[0].startswith("Đã xác nhận 1,"), flashes
    assert page.locator("form.bulk").count() == 0  # nothing due is left open
    with app.app_context():
        events = db.session.scalars(sa.select(PlayEvent)).all()
        assert {(e.language, e.played) for e in events} == {("kinh", False), ("khmer", True)}
        assert {e.reason for e in events if not e.played} == {"Mất điện: cả xã"}
        assert all(e.occurrence_at is None or e.occurrence_at.minute == due.minute for e in events)
    page.context.close()


WEIGHT = """async () => {
  await document.fonts.ready;
  await new Promise(resolve => setTimeout(resolve, 200));
  const page = performance.getEntriesByType("navigation")[0];
  const parts = performance.getEntriesByType("resource")
    .map(r => [r.name.replace(location.origin, ""), r.transferSize]);
  return [page.transferSize, parts];
}"""
FIRST_VISIT_BUDGET = 200 * 1024
LATER_PAGE_BUDGET = 30 * 1024


def weigh(page: Any, path: str) -> tuple[int, list[tuple[str, int]]]:
    page.goto(path)
    document, parts = page.evaluate(WEIGHT)
    return document + sum(size for _name, size in parts), parts


def test_page_weight_on_a_slow_link(chromium: Any, live_server: str, tour: Any) -> None:
    """Bytes over the wire, from the browser's resource timing: the first visit to the login
    page (empty cache) and later pages once the shared files are cached."""
    page = open_as(chromium, live_server, "anonymous", PHONE)
    first, parts = weigh(page, "/login")
    lines = [f"first visit /login: {first / 1024:.1f} KiB"]
    lines += [f"    {size / 1024:6.1f} KiB {name}" for name, size in parts]
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/")
    document, parts = page.evaluate(WEIGHT)
    home = document + sum(size for _name, size in parts)
    lines.append(f"start page right after login (Khmer and Chinese faces): {home / 1024:.1f} KiB")
    lines += [f"    {size / 1024:6.1f} KiB {name}" for name, size in parts]
    fetched = {name for name, bytes_ in parts if bytes_ > 0}
    later = {}
    for path in ("/today", "/reports/", "/ringback/", "/areas/"):
        later[path] = weigh(page, path)
        again = [
            name
            for name, bytes_ in later[path][1]
            if name.startswith("/static/")
            and bytes_ > 0
            and name in fetched
            and not name.endswith("favicon.ico")  # the browser's own, outside resource timing
        ]
        assert again == [], (path, again)  # a file fetched once comes from the cache, unasked
        fetched |= {name for name, bytes_ in later[path][1] if bytes_ > 0}
    lines += [f"later page {path}: {size / 1024:.1f} KiB" for path, (size, _p) in later.items()]
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "page-weights.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    assert first <= FIRST_VISIT_BUDGET, lines
    for path, (size, found) in later.items():
        assert size <= LATER_PAGE_BUDGET, (path, size, found)
    page.context.close()


def test_english_is_complete_where_vietnamese_is(
    chromium: Any, live_server: str, world: Any
) -> None:
    """The second locale: the same pages in English words, no Vietnamese left of the UI."""
    page = open_as(chromium, live_server, "admin", LAPTOP)
    page.locator(".nav-wide button[lang=en]").click()
    page.wait_for_load_state("load")
    page.goto("/admin/audit")
    text = page.locator("main").inner_text()
    assert "Submitted version 1 (Hoa) for approval" in text
    assert "Approved version 2 (Kinh)" in text
    page.goto("/today")
    text = page.locator("body").inner_text()
    assert "Menu" not in text or page.locator(".nav-menu").is_hidden()
    for vietnamese in ("Đã phát", "Không phát", "Chưa đến giờ", "Bây giờ", "Trình đơn", "Hôm nay"):
        assert vietnamese not in text, vietnamese
    assert "Today" in text
    page.context.close()

"""A commune operator in a real browser: today's ZIP (every file decodes, in playlist order),
then confirming what was played."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import PlayEvent
from audio_manager.production.measure import measure
from audio_manager.scheduling import LOCAL_TZ, Recurrence
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import schedules

from .browser import login, screenshot
from .conftest import PASSWORD
from .schedule_helpers import world
from .workflow_helpers import actor

pytestmark = pytest.mark.browser


def test_operator_downloads_the_zip_and_confirms(app_ctx, chromium, live_server, tmp_path) -> None:
    w = world(tmp_path)
    now = datetime.now(UTC).astimezone(LOCAL_TZ)
    day = now.date() if now.time() >= time(0, 5) else now.date() - timedelta(days=1)
    rec = Recurrence(
        "daily", day - timedelta(days=1), day + timedelta(days=7), (time(0, 0), time(0, 2))
    )
    schedules.create(actor(w["editor"]), w["message"], [by_code("94101")], rec)
    db.session.commit()

    context = chromium.new_context(
        base_url=live_server, accept_downloads=True, viewport={"width": 1300, "height": 900}
    )
    page = context.new_page()
    login(page, "operator", PASSWORD)
    page.goto(f"/today?date={day.isoformat()}")
    assert page.locator("tr.item").count() == 6  # 2 times × (khmer, kinh, missing hoa)
    assert page.locator("tr.item-missing").count() == 2
    screenshot(page, "operator-today")

    with page.expect_download() as info:
        page.click("a:has-text('ZIP')")
    archive_path = tmp_path / "today.zip"
    info.value.save_as(archive_path)
    archive = zipfile.ZipFile(archive_path)
    manifest = json.loads(archive.read("manifest.json"))
    listed = [
        line
        for line in archive.read("playlist.m3u8").decode().splitlines()
        if line and not line.startswith("#")
    ]
    expected = [item["file"] for item in manifest["items"] if item["file"]]
    assert listed == expected  # the playlist lists the files in playing order
    for name in set(listed):
        facts = measure(archive.read(name))
        assert facts.codec == "mp3" and facts.duration_s > 1
    assert "Ấp An Một" in archive.read("schedule.html").decode()

    page.locator("form.bulk button").click()
    page.wait_for_load_state("load")
    assert page.locator(".status-approved:has-text('Đã phát')").count() == 4
    first_missing_free = page.locator("tr.item-ok").count()
    assert first_missing_free == 4
    played = db.session.scalars(sa.select(PlayEvent).where(PlayEvent.played.is_(True))).all()
    assert len(played) == 8 and not any(p.unscheduled for p in played)
    screenshot(page, "operator-confirmed")
    context.close()

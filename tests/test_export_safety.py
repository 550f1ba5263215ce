"""No export carries a live formula: titles, topics, area names, reasons and scripts that look
like formulas come out of every XLSX and CSV as plain text (OWASP's CSV-injection rule), read
back with openpyxl and csv."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook

from audio_manager import scheduling as sched
from audio_manager.extensions import db
from audio_manager.models import Area, Role, VersionStatus
from audio_manager.models.base import local_today
from audio_manager.services.broadcast import plays, schedules
from audio_manager.services.messages import versions
from audio_manager.services.spreadsheets import FORMULA_STARTS, safe_text

from .audio_fixtures import speech_wav
from .conftest import bearer, load_tree, make_user
from .workflow_helpers import actor, new_message

TITLE = '=HYPERLINK("http://x.example","y")'
TOPIC = "=1+2"
REASON = "=cmd|' /C calc'!A0"
SCRIPT = "+84 912 345 678 — gọi ngay"
TREE = """level,code,name,parent_code,languages
province,94,@SUM(1+1),,
commune,94101,+1+1,94,
hamlet,,-1+1,94101,kinh
"""
PAYLOADS = {TITLE, TOPIC, REASON, "@SUM(1+1)", "+1+1", "-1+1"}


def xlsx_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))  # formulas kept as formulas, not computed
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_safe_xlsx(data: bytes) -> set[str]:
    """No formula cell, no text that starts like one; returns the texts without the quote."""
    texts = set()
    for cell in xlsx_cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), (cell.coordinate, cell.value)
            texts.add(cell.value.removeprefix("'"))
    return texts


def assert_safe_csv(data: bytes) -> set[str]:
    texts = set()
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        for value in row:
            assert not value.startswith(FORMULA_STARTS), value
            texts.add(value.removeprefix("'"))
    return texts


@pytest.fixture
def world(app_ctx: Any, token_for: Any, tmp_path: Any) -> dict[str, Any]:
    load_tree(TREE)
    editor = make_user("editor", Role.EDITOR)
    make_user("admin", Role.ADMIN)
    operator = make_user("operator", Role.OPERATOR, areas=["94101"])
    message = new_message(editor, TITLE, topic=TOPIC)
    with speech_wav(tmp_path / "v.wav", 1.0).open("rb") as stream:
        version, _job = versions.create_from_upload(actor(editor), message, "kinh", stream, "v.wav")
    version.status = VersionStatus.APPROVED
    version.script_text = SCRIPT
    commune = db.session.scalar(db.select(Area).where(Area.code == "94101"))
    hamlet = db.session.scalar(db.select(Area).where(Area.level == "hamlet"))
    today = local_today()
    rec = sched.Recurrence("daily", today - timedelta(days=2), today, (time(0, 0),))
    schedules.create(actor(editor), message, [commune], rec)
    db.session.commit()
    at = datetime.now(UTC) - timedelta(minutes=10)
    event = {"hamlet_id": hamlet.id, "version_id": version.id, "played_at": at.isoformat()}
    plays.record(
        actor(operator),
        [{**event, "id": "a"}, {**event, "id": "b", "played": False, "reason": REASON}],
        source="device",
    )
    db.session.commit()
    return {"token": token_for("admin"), "version": version, "today": today}


@pytest.mark.parametrize(
    "group_by", ["message,topic,language", "province,commune,hamlet", "hamlet"]
)
def test_broadcast_report_exports_carry_no_formula(client, world, group_by) -> None:
    url = f"/api/v1/reports/broadcasts?group_by={group_by}&period=month"
    xlsx = client.get(f"{url}&format=xlsx", headers=bearer(world["token"]))
    assert xlsx.status_code == 200
    texts = assert_safe_xlsx(xlsx.data)
    flat = client.get(f"{url}&format=csv", headers=bearer(world["token"]))
    assert flat.headers["Content-Type"] == "text/csv; charset=utf-8"
    texts |= assert_safe_csv(flat.data)
    expected = {"province,commune,hamlet": {"@SUM(1+1)", "+1+1", "-1+1"}, "hamlet": {"-1+1"}}
    assert expected.get(group_by, {TITLE, TOPIC}) <= texts


def test_compliance_exports_carry_no_formula(client, world) -> None:
    url = "/api/v1/reports/compliance?area=94&period=month"
    xlsx = client.get(f"{url}&format=xlsx", headers=bearer(world["token"]))
    assert xlsx.status_code == 200, xlsx.get_data(as_text=True)[:300]
    texts = assert_safe_xlsx(xlsx.data)
    assert {"+1+1", TITLE, REASON, "-1+1"} <= texts
    flat = client.get(f"{url}&format=csv", headers=bearer(world["token"]))
    assert "+1+1" in assert_safe_csv(flat.data)


def test_install_report_exports_carry_no_formula(client, world, tmp_path) -> None:
    from audio_manager.services.accounts import accounts
    from audio_manager.services.ringback import installs

    from .ringback_helpers import live_tone, make_carrier

    carrier = make_carrier("viettel", name="@Viettel")
    editor = accounts.find_user("editor")
    live_tone(editor, carrier, "111111", tmp_path, title=TITLE)
    results = installs.record_batch(
        actor(editor),
        [
            {
                "id": "1",
                "phone": "0912345678",
                "carrier": "viettel",
                "code": "111111",
                "unit": "94101",
            }
        ],
    )
    assert results[0].status == "created", results
    db.session.commit()
    for group in ("unit", "tone", "carrier"):
        url = f"/api/v1/ringback/report?group_by={group}"
        xlsx = client.get(f"{url}&format=xlsx", headers=bearer(world["token"]))
        texts = assert_safe_xlsx(xlsx.data)
        texts |= assert_safe_csv(
            client.get(f"{url}&format=csv", headers=bearer(world["token"])).data
        )
        assert {"unit": "+1+1", "carrier": "@Viettel"}.get(group, "") in texts | {""}
        if group == "tone":
            assert any(t.startswith(TITLE) for t in texts)


def test_release_metadata_carries_no_formula(world) -> None:
    from audio_manager.services.ringback.release_package import PackageInfo, metadata_xlsx

    version = world["version"]
    info = PackageInfo(
        version=version,
        carrier=SimpleNamespace(name="=Viettel", code="viettel"),  # type: ignore[arg-type]
        profile=SimpleNamespace(codec="mp3", extension="mp3"),  # type: ignore[arg-type]
        audio_name="viettel-m1-kinh-v1.mp3",
        audio=SimpleNamespace(
            duration_s=12.5, sample_rate=8000, bitrate=64000, lufs=-16.0, sha256="ab" * 32
        ),  # type: ignore[arg-type]
        content_code="-602",
        prepared_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    texts = assert_safe_xlsx(metadata_xlsx(info))
    assert {TITLE, TOPIC, SCRIPT, "=Viettel", "-602"} <= texts


def test_one_helper_quotes_exactly_the_dangerous_starts() -> None:
    for start in FORMULA_STARTS:
        assert safe_text(f"{start}1") == f"'{start}1"
    for text in ("Xã An", "1+1", " =1", "", "'=already"):
        assert safe_text(text) == text


def test_every_spreadsheet_writer_uses_the_helper() -> None:
    """openpyxl and csv writers appear only in services/spreadsheets.py."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "audio_manager"
    offenders = []
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "spreadsheets.py":
            continue
        if "csv.writer" in text or "csv.DictWriter" in text or "Workbook(" in text:
            offenders.append(str(path.relative_to(package)))
    assert offenders == []

"""Reports against numbers worked out by hand: local-midnight edges, empty groups, scope,
exports that read back, compliance."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area, Role
from audio_manager.scheduling import LOCAL_TZ, Recurrence
from audio_manager.services import plays, schedules
from audio_manager.services.areas import by_code

from .conftest import bearer, make_user
from .schedule_helpers import world
from .workflow_helpers import actor

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
# The month before last: wholly in the past, within a year.
MONTH = (TODAY.replace(day=1) - timedelta(days=40)).replace(day=1)
NEXT = (MONTH + timedelta(days=32)).replace(day=1)
LAST_DAY = NEXT - timedelta(days=1)


def local(day, hh, mm):
    return datetime.combine(day, time(hh, mm), LOCAL_TZ).isoformat()


def hamlet(name):
    return db.session.scalar(sa.select(Area.id).where(Area.name == name))


@pytest.fixture
def data(app_ctx, tmp_path):
    w = world(tmp_path)
    admin = make_user("admin", Role.ADMIN)
    rec = Recurrence("daily", MONTH.replace(day=14), MONTH.replace(day=16), (time(6, 30),))
    schedule = schedules.create(actor(w["editor"]), w["message"], [by_code("94101")], rec)
    db.session.commit()
    kinh, khmer = w["kinh"].id, w["khmer"].id
    events = [
        # The evening before the month starts, local time: not in the month.
        {
            "id": "e1",
            "hamlet_id": hamlet("Ấp An Một"),
            "version_id": kinh,
            "played_at": local(MONTH - timedelta(days=1), 23, 30),
        },
        # Ten past midnight on the 1st, local (still the previous day in UTC): in the month.
        {
            "id": "e2",
            "hamlet_id": hamlet("Ấp An Một"),
            "version_id": khmer,
            "played_at": local(MONTH, 0, 10),
        },
        {
            "id": "e3",
            "hamlet_id": hamlet("Ấp An Hai"),
            "version_id": kinh,
            "played_at": local(MONTH.replace(day=15), 9, 0),
        },
        {
            "id": "e4",
            "hamlet_id": hamlet("Ấp Bình Một"),
            "version_id": kinh,
            "played_at": local(LAST_DAY, 23, 59),
        },
        {
            "id": "e5",
            "hamlet_id": hamlet("Ấp Bình Một"),
            "version_id": kinh,
            "played_at": local(NEXT, 0, 0),
        },
        {
            "id": "e6",
            "hamlet_id": hamlet("Ấp An Ba"),
            "version_id": kinh,
            "played": False,
            "reason": "Mất điện",
            "schedule_id": schedule.id,
            "played_at": local(MONTH.replace(day=16), 6, 30),
        },
        {
            "id": "e7",
            "hamlet_id": hamlet("Ấp An Hai"),
            "version_id": kinh,
            "schedule_id": schedule.id,
            "played_at": local(MONTH.replace(day=15), 6, 30),
        },
    ]
    batch = plays.record(actor(admin), events, source="device")
    assert [r.status for r in batch.results] == ["created"] * 7
    db.session.commit()
    return {**w, "schedule": schedule}


def api(client, token, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/reports/broadcasts?{query}", headers=bearer(token))


def test_counts_by_language_and_area_with_local_midnight_edges(data, client, token_for) -> None:
    token = token_for("viewer")
    month = MONTH.isoformat()
    body = api(client, token, period="month", date=month, group_by="language").json
    assert body["total"] == 4  # e2, e3, e4, e7; e1 and e5 fall outside, e6 was not played
    assert {r["language"]: r["count"] for r in body["rows"]} == {"kinh": 3, "khmer": 1}
    communes = api(client, token, period="month", date=month, group_by="commune").json
    assert {r["labels"]["commune"]: r["count"] for r in communes["rows"]} == {
        "Xã An": 3,
        "Xã Bình": 1,
    }
    before = api(
        client,
        token,
        period="custom",
        **{
            "from": (MONTH - timedelta(days=1)).isoformat(),
            "to": (MONTH - timedelta(days=1)).isoformat(),
        },
        group_by="language",
    ).json
    assert before["total"] == 1  # e1, on its local day
    after = api(client, token, period="day", date=NEXT.isoformat(), group_by="hamlet").json
    assert after["total"] == 1 and after["rows"][0]["labels"]["hamlet"] == "Ấp Bình Một"


def test_drill_down_and_empty_periods(data, client, token_for) -> None:
    token = token_for("viewer")
    commune = by_code("94101").id
    rows = api(
        client, token, period="month", date=MONTH.isoformat(), group_by="hamlet", commune=commune
    ).json["rows"]
    assert {r["labels"]["hamlet"]: r["count"] for r in rows} == {"Ấp An Một": 1, "Ấp An Hai": 2}
    empty = api(
        client,
        token,
        period="year",
        date=(TODAY - timedelta(days=800)).isoformat(),
        group_by="commune",
    ).json
    assert empty == {**empty, "total": 0, "rows": []}
    bad = api(client, token, group_by="planet")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "bad_group_by"


def test_scoped_viewer_sees_only_their_areas(data, client, token_for) -> None:
    make_user("viewer_b", Role.VIEWER, areas=["94201"])
    body = api(
        client, token_for("viewer_b"), period="month", date=MONTH.isoformat(), group_by="commune"
    ).json
    assert body["total"] == 1 and [r["labels"]["commune"] for r in body["rows"]] == ["Xã Bình"]


def test_exports_carry_the_same_numbers(data, client, token_for) -> None:
    token = token_for("viewer")
    common = {"period": "month", "date": MONTH.isoformat(), "group_by": "commune,language"}
    csv_bytes = api(client, token, format="csv", **common).data
    assert csv_bytes.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[0] == ["Xã/Phường", "Ngôn ngữ", "Lượt phát"]
    assert rows[-1][0] == "Tổng cộng" and rows[-1][-1] == "4"
    book = openpyxl.load_workbook(io.BytesIO(api(client, token, format="xlsx", **common).data))
    assert book.sheetnames == ["Tổng hợp", "Theo xã-phường", "Theo ngôn ngữ"]
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert values[-1][0] == "Tổng cộng" and values[-1][-1] == 4
        assert sum(row[-1] for row in values[2:-1]) == 4
    assert book["Theo ngôn ngữ"].column_dimensions["A"].width >= 10


def test_compliance_against_the_schedule(data, client, token_for) -> None:
    body = client.get(
        f"/api/v1/reports/compliance?area=94101&period=month&date={MONTH}",
        headers=bearer(token_for("viewer")),
    ).json
    rows = {(r["area"], r["language"]): r for r in body["rows"]}
    # Three days at 06:30 in every hamlet of Xã An, in each of its languages.
    assert {k: r["scheduled"] for k, r in rows.items()} == {
        ("Ấp An Ba", "hoa"): 3,
        ("Ấp An Ba", "kinh"): 3,
        ("Ấp An Hai", "kinh"): 3,
        ("Ấp An Một", "khmer"): 3,
        ("Ấp An Một", "kinh"): 3,
    }
    assert rows[("Ấp An Hai", "kinh")]["confirmed"] == 1  # e7; e3 was unscheduled
    assert rows[("Ấp An Hai", "kinh")]["percent"] == 33.3
    assert rows[("Ấp An Ba", "kinh")]["not_played"] == 1
    assert body["scheduled"] == 15 and body["confirmed"] == 1
    assert [m["reason"] for m in body["missed"]] == ["Mất điện"]


def test_reports_page_charts_drill_down_and_headline(data, login_as) -> None:
    browser = login_as("viewer")
    html = browser.get(f"/reports/?period=month&date={MONTH}&group_by=commune").get_data(
        as_text=True
    )
    assert html.count("<svg") == 2 and "Xã An" in html and "Xã Bình" in html
    commune = by_code("94101").id
    assert f"commune={commune}" in html and "group_by=hamlet" in html  # drill-down link
    html = browser.get(
        f"/reports/?period=month&date={MONTH}&group_by=hamlet&commune={commune}"
    ).get_data(as_text=True)
    assert "Ấp An Hai" in html and "Ấp Bình Một" not in html
    html = browser.get(f"/reports/compliance?area=94101&period=month&date={MONTH}").get_data(
        as_text=True
    )
    assert "Mất điện" in html and "33.3%" in html
    home = browser.get("/").get_data(as_text=True)
    in_year = sum(
        1
        for d in (MONTH, MONTH.replace(day=15), LAST_DAY, NEXT, MONTH - timedelta(days=1))
        if d.year == TODAY.year
    )
    assert (
        f"<strong>{in_year + (1 if MONTH.replace(day=15).year == TODAY.year else 0)}</strong>"
        in home
    )


def test_day_and_month_buckets_are_local_dates(data, client, token_for) -> None:
    token = token_for("viewer")
    span = {
        "period": "custom",
        "from": (MONTH - timedelta(days=1)).isoformat(),
        "to": NEXT.isoformat(),
    }
    months = api(client, token, group_by="month", **span).json["rows"]
    assert {r["month"]: r["count"] for r in months} == {
        (MONTH - timedelta(days=1)).replace(day=1).isoformat(): 1,  # e1
        MONTH.isoformat(): 4,  # e2, e3, e4, e7
        NEXT.isoformat(): 1,  # e5
    }
    days = api(client, token, group_by="day", **span).json["rows"]
    assert {r["day"]: r["count"] for r in days}[MONTH.isoformat()] == 1  # e2 at 00:10 local

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
from audio_manager.services.areas.areas import by_code
from audio_manager.services.broadcast import plays, schedules

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
    table = html.split('<table class="report">')[1]  # the area picker above lists every area
    assert "Ấp An Hai" in table and "Ấp Bình Một" not in table
    assert f'value="{commune}" checked' in html  # the drill-down's area, shown picked
    # The same through the picker: the commune chosen is the filter of its level.
    picked = browser.get(
        f"/reports/?period=month&date={MONTH}&group_by=hamlet&area_id={commune}"
    ).get_data(as_text=True)
    assert picked.split('<table class="report">')[1] == table
    for name, label in (
        ("period", "Kỳ báo cáo"),
        ("date", "Một ngày trong kỳ"),
        ("from", "Từ ngày"),
    ):
        assert f'<label for="rp-{name}">{label}' in html
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


GROUPINGS = [
    ["province"],
    ["district"],
    ["commune", "language"],
    ["hamlet"],
    ["hamlet", "message"],
    ["message", "source"],
    ["topic", "priority"],
    ["language", "month"],
    ["commune", "day"],
]


def _expected(events, group_by, first, last):
    """Counted in Python from the events, with nothing of the reporting code."""
    from collections import Counter

    from audio_manager.models import Message

    messages = {m.id: m for m in db.session.scalars(sa.select(Message))}
    keys = {
        "province": lambda e: e.province_id,
        "district": lambda e: e.district_id,
        "commune": lambda e: e.commune_id,
        "hamlet": lambda e: e.area_id,
        "language": lambda e: e.language,
        "message": lambda e: e.message_id,
        "source": lambda e: e.source,
        "topic": lambda e: messages[e.message_id].topic,
        "priority": lambda e: messages[e.message_id].priority,
        "day": lambda e: e.played_on.isoformat(),
        "month": lambda e: e.played_on.replace(day=1).isoformat(),
    }
    return Counter(
        tuple(keys[g](e) for g in group_by)
        for e in events
        if e.played and first <= e.played_on <= last
    )


@pytest.mark.parametrize("group_by", GROUPINGS, ids=lambda g: "+".join(g))
def test_every_grouping_equals_counting_the_events(data, group_by) -> None:
    from audio_manager.models import PlayEvent, User
    from audio_manager.services.reports import reporting

    more = [
        {
            "id": f"m{n}",
            "hamlet_id": hamlet(name),
            "version_id": data["khmer" if n % 3 == 0 else "kinh"].id,
            "played": n % 4 != 0,
            "reason": "Loa hỏng" if n % 4 == 0 else None,
            "played_at": local(MONTH.replace(day=1 + n % 27), 5 + n % 17, n % 60),
        }
        for n, name in enumerate(["Ấp An Một", "Ấp An Hai", "Ấp An Ba", "Ấp Bình Một"] * 6)
    ]
    operator = data["operator"]
    plays.import_csv(
        actor(operator),
        (
            "id,hamlet_id,played_at,version_id\n"
            f"c1,{hamlet('Ấp An Hai')},{local(MONTH.replace(day=3), 7, 0)},{data['kinh'].id}\n"
        ).encode(),
    )
    plays.record(actor(db.session.get(User, operator.id)), more[:12], source="page")
    plays.record(actor(make_user("admin2", Role.ADMIN)), more, source="device")
    db.session.commit()
    viewer = make_user("viewer2", Role.VIEWER)
    period = reporting.Period.of("custom", MONTH, MONTH - timedelta(days=1), NEXT)
    report = reporting.broadcasts(viewer, period, group_by)
    got = {tuple(row[g] for g in group_by): row["count"] for row in report.rows}
    events = list(db.session.scalars(sa.select(PlayEvent)))
    assert got == dict(_expected(events, group_by, period.first, period.last))
    assert report.total == sum(got.values())


def test_roll_ups_kept_at_insert_equal_a_rebuild(data) -> None:
    from audio_manager.models import HamletPlayCount, PlayCount, User
    from audio_manager.services.broadcast import play_counts

    def snapshot():
        out = {}
        for model, key in play_counts.ROLLUPS:
            columns = [getattr(model, c) for c in (*key, *play_counts.AREA_COLUMNS)]
            rows = db.session.execute(sa.select(*columns, model.plays, model.misses)).all()
            out[model.__tablename__] = sorted(tuple(r) for r in rows)
        return out

    # Events sent again change nothing: duplicates are not counted twice.
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    resent = [
        {
            "id": "e3",
            "hamlet_id": hamlet("Ấp An Hai"),
            "version_id": data["kinh"].id,
            "played_at": local(MONTH.replace(day=15), 9, 0),
        }
    ]
    assert plays.record(actor(admin), resent, source="device").counts["duplicate"] == 1
    kept = snapshot()
    assert sum(r[-2] + r[-1] for r in kept["play_counts"]) == 7  # e1-e7
    play_counts.rebuild()
    db.session.flush()
    assert snapshot() == kept
    assert db.session.scalar(sa.select(sa.func.sum(HamletPlayCount.misses))) == 1  # e6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlayCount)) > 0


def test_reports_read_the_smallest_source_that_holds_their_columns(data) -> None:
    from audio_manager.models import HamletPlayCount, PlayCount, PlayEvent
    from audio_manager.services.reports import count_sources

    viewer = make_user("viewer3", Role.VIEWER)
    hamlet_viewer = make_user("viewer4", Role.VIEWER, areas=["A1"])
    assert count_sources.choose(viewer, {"district", "language", "month"}).model is PlayCount
    assert count_sources.choose(viewer, {"hamlet", "language"}).model is HamletPlayCount
    assert count_sources.choose(viewer, {"hamlet", "message"}).model is PlayEvent
    assert count_sources.choose(hamlet_viewer, {"message"}).model is PlayEvent

"""Install reports against numbers worked out by hand: an imported list comes back in the
report by carrier, unit, tone and month, within a viewer's scope, against targets, and the
XLSX/CSV exports carry the page's numbers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area
from audio_manager.models.base import local_today

from .conftest import bearer
from .ringback_helpers import ringback_world

TODAY = local_today()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
TWO_AGO = (LAST_MONTH - timedelta(days=1)).replace(day=1)


def d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# phone, tone, carrier, unit, date: 10 lines, 9 phones (0911000001 has two Viettel tones)
LINES = [
    ("0911000001", "111111", "viettel", "94101", TWO_AGO),
    ("0911000002", "111111", "viettel", "94101", TWO_AGO),
    ("0911000003", "111111", "viettel", "94101", LAST_MONTH),
    ("0911000004", "111111", "viettel", "94101", LAST_MONTH),
    ("0911000005", "111111", "viettel", "94102", THIS_MONTH),
    ("0911000001", "222222", "viettel", "94101", THIS_MONTH),
    ("0961000007", "222222", "viettel", "94201", LAST_MONTH),
    ("0701000008", "333333", "mobifone", "94201", TWO_AGO),
    ("0701000009", "333333", "mobifone", "94201", LAST_MONTH),
    ("0701000010", "333333", "mobifone", "94201", THIS_MONTH),
]


@pytest.fixture
def imported(app_ctx, tmp_path, client, token_for):
    w = ringback_world(tmp_path)
    token = token_for("admin")
    text = "Số điện thoại,Mã nhạc chờ,Nhà mạng,Mã đơn vị,Ngày\n" + "".join(
        f"{p},{t},{c},{u},{d(day)}\n" for p, t, c, u, day in LINES
    )
    headers = bearer(token)

    def send(data: str, **form):
        preview = client.post(
            "/api/v1/ringback/installs/import",
            data={"file": (io.BytesIO(data.encode()), "list.csv"), **form},
            headers=headers,
        )
        assert preview.status_code == 201, preview.json
        done = client.post(f"/api/v1/ringback/imports/{preview.json['id']}/commit", headers=headers)
        assert done.json["status"] == "done"

    send(text)
    # One MobiFone phone removed last month (its install was two months ago).
    send(
        f"Số điện thoại,Mã nhạc chờ,Ngày\n0701000008,333333,{d(LAST_MONTH + timedelta(days=2))}\n",
        carrier="mobifone",
        action="uninstall",
    )
    return {**w, "token": token}


def get(client, token, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/ringback/report?{query}", headers=bearer(token))


def by_label(body):
    return {r["label"]: (r["installs"], r["phones"]) for r in body["rows"]}


def test_an_import_comes_back_in_the_report_by_carrier_unit_and_tone(imported, client) -> None:
    token = imported["token"]
    carriers = get(client, token, group_by="carrier").json
    assert by_label(carriers) == {"Viettel": (7, 6), "MobiFone": (2, 2)}
    assert (carriers["installs"], carriers["phones"]) == (9, 8)
    units = get(client, token, group_by="unit").json
    assert by_label(units) == {"Xã An": (5, 4), "Xã Hòa": (1, 1), "Xã Bình": (3, 3)}
    tones = get(client, token, group_by="tone").json
    assert {r["label"].split(" · ")[-1]: r["installs"] for r in tones["rows"]} == {
        "Viettel 111111": 5,
        "Viettel 222222": 2,
        "MobiFone 333333": 2,
    }
    viettel = imported["carriers"]["viettel"].id
    only_viettel = get(client, token, group_by="unit", carrier=viettel).json
    assert by_label(only_viettel) == {"Xã An": (5, 4), "Xã Hòa": (1, 1), "Xã Bình": (1, 1)}
    # On the last day of the month before last only that month's installs were active.
    before = get(
        client, token, group_by="carrier", as_of=(LAST_MONTH - timedelta(days=1)).isoformat()
    )
    assert by_label(before.json) == {"Viettel": (2, 2), "MobiFone": (1, 1)}


def test_months_count_new_removed_and_active_installs(imported, client) -> None:
    body = get(client, imported["token"], group_by="month", months=3).json
    rows = [(r["key"], r["new"], r["removed"], r["installs"]) for r in body["rows"]]
    assert rows == [
        (f"{TWO_AGO:%Y-%m}", 3, 0, 3),
        (f"{LAST_MONTH:%Y-%m}", 4, 1, 6),
        (f"{THIS_MONTH:%Y-%m}", 3, 0, 9),
    ]
    assert body["installs"] == 9  # the same as the total by carrier


def test_a_scoped_viewer_sees_only_their_units(imported, client, token_for) -> None:
    token = token_for("an_viewer")
    assert by_label(get(client, token, group_by="unit").json) == {"Xã An": (5, 4)}
    assert by_label(get(client, token, group_by="carrier").json) == {"Viettel": (5, 4)}


def test_targets_with_progress(imported, client, login_as) -> None:
    admin = login_as("admin")
    ids = dict(db.session.execute(sa.select(Area.code, Area.id)).all())
    for code, target in (("94", 20), ("94101", 5), ("94201", 10)):
        response = admin.submit("/ringback/targets", {"unit": str(ids[code]), "target": target})
        assert response.status_code == 302
    refused = admin.submit("/ringback/targets", {"unit": str(ids["941"]), "target": "0"})
    assert refused.status_code == 422
    body = get(client, imported["token"], group_by="target").json
    assert [(r["label"], r["target"], r["phones"], r["percent"]) for r in body["rows"]] == [
        ("Tỉnh Thử", 20, 8, 40.0),
        ("Xã An", 5, 4, 80.0),
        ("Xã Bình", 10, 3, 30.0),
    ]
    assert (body["target"], body["phones"], body["percent"]) == (20, 8, 40.0)  # nested: the top
    page = admin.get("/ringback/targets").get_data(as_text=True)
    assert "80.0%" in page
    home = admin.get("/").get_data(as_text=True)
    assert "ringback-headline" in home and "40.0%" in home
    removed = admin.submit("/ringback/targets", {"unit": str(ids["94101"]), "target": ""})
    assert removed.status_code == 302
    assert len(get(client, imported["token"], group_by="target").json["rows"]) == 2


def test_exports_carry_the_pages_numbers(imported, client) -> None:
    token = imported["token"]
    body = get(client, token, group_by="unit").json
    response = get(client, token, group_by="unit", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Đơn vị", "Lượt cài đặt đang hoạt động", "Số thuê bao"]
    assert {r[0]: (int(r[1]), int(r[2])) for r in rows[1:-1]} == by_label(body)
    assert rows[-1] == ["Tổng cộng", str(body["installs"]), str(body["phones"])]
    xlsx = get(client, token, group_by="unit", format="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == [
        "Theo đơn vị",
        "Theo nhà mạng",
        "Theo nhạc chờ",
        "Theo tháng",
        "Chỉ tiêu",
    ]
    sheet = list(book["Theo đơn vị"].iter_rows(values_only=True))
    assert sheet[0][0].startswith("Nhạc chờ đang hoạt động ngày")
    assert {r[0]: (r[1], r[2]) for r in sheet[2:-1]} == by_label(body)
    assert sheet[-1] == ("Tổng cộng", 9, 8)
    carriers = list(book["Theo nhà mạng"].iter_rows(values_only=True))
    assert carriers[-1] == ("Tổng cộng", 9, 8)
    months = list(book["Theo tháng"].iter_rows(values_only=True))
    assert months[1] == ("Tháng", "Cài mới", "Gỡ", "Đang hoạt động cuối tháng")
    assert months[-1][0] == "Tổng cộng" and months[-1][3] == 9


@pytest.mark.parametrize("group", ["carrier", "unit", "tone", "month", "target"])
def test_the_report_page_shows_every_grouping(imported, login_as, group) -> None:
    page = login_as("viewer").get(f"/ringback/report?group_by={group}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        f"/api/v1/ringback/report?group_by={group}&amp;format=xlsx" in html or "format=xlsx" in html
    )
    if group in ("carrier", "unit", "tone"):
        assert "<svg" in html and "Tổng" in html


def test_bad_report_parameters_are_refused(imported, client) -> None:
    token = imported["token"]
    assert get(client, token, group_by="phone").status_code == 422
    assert get(client, token, group_by="month", months=0).status_code == 422

"""Importing the area tree from CSV: all or nothing, errors with line numbers."""

from __future__ import annotations

import io
import os
import unicodedata

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from audio_manager.extensions import db
from audio_manager.models import Area, AuditEvent, Role
from audio_manager.services.areas.area_import import AreaImportError, import_areas
from audio_manager.services.context import Actor

from .conftest import SMALL_TREE, make_user

HEADER = "level,code,name,parent_code,languages\n"


def run_import(text: str | bytes) -> object:
    """Import in English so the assertions can read the messages."""
    data = text.encode() if isinstance(text, str) else text
    with force_locale("en"):
        return import_areas(Actor.system("test"), data, max_bytes=5_000_000)


def counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(Area.level, sa.func.count()).group_by(Area.level))
    return dict(rows.all())


def snapshot() -> list[tuple]:
    return [
        (a.code, a.name, a.level, a.parent_id, a.path, tuple(a.languages))
        for a in db.session.scalars(sa.select(Area).order_by(Area.id))
    ]


def test_import_builds_the_tree_with_ordered_languages(app_ctx) -> None:
    report = run_import(SMALL_TREE)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    assert counts() == {"province": 1, "district": 1, "commune": 2, "hamlet": 3}
    hamlet = db.session.scalar(sa.select(Area).where(Area.name == "Ấp An Một"))
    assert hamlet.languages == ["khmer", "kinh"]
    commune = hamlet.parent
    assert commune.code == "94101" and commune.parent.code == "941"
    assert (
        hamlet.path == f"/{commune.parent.parent.id}/{commune.parent.id}/{commune.id}/{hamlet.id}/"
    )
    # A commune may sit directly under the province: the district level is optional.
    assert db.session.scalar(sa.select(Area).where(Area.code == "94201")).parent.code == "94"


def test_importing_the_same_file_again_changes_nothing(app_ctx) -> None:
    run_import(SMALL_TREE)
    db.session.commit()
    before = snapshot()
    report = run_import(SMALL_TREE)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 7)
    assert snapshot() == before


def test_reimport_updates_names_languages_and_moves(app_ctx) -> None:
    run_import(SMALL_TREE)
    db.session.commit()
    changed = SMALL_TREE.replace("Ấp An Hai,94101,kinh", "Ấp An Hai,94101,kinh;hoa").replace(
        "commune,94201,Xã Bình,94,", "commune,94201,Xã Bình Mới,941,"
    )
    report = run_import(changed)
    db.session.commit()
    assert report.updated == 2
    hamlet = db.session.scalar(sa.select(Area).where(Area.name == "Ấp Bình Một"))
    commune = hamlet.parent
    assert commune.name == "Xã Bình Mới"
    assert hamlet.path.startswith(commune.parent.path) and commune.parent.code == "941"
    assert db.session.scalar(sa.select(Area).where(Area.name == "Ấp An Hai")).languages == [
        "kinh",
        "hoa",
    ]


def test_import_with_a_bom_and_crlf_lines(app_ctx) -> None:
    data = ("\ufeff" + SMALL_TREE).replace("\n", "\r\n").encode("utf-8")
    assert run_import(data).created == 7


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("province,94,P,,\ncommune,94101,C,95,\n", 3, "Unknown parent_code 95"),
        ("province,94,P,,\ncommune,94101,C,94,\ncommune,94101,D,94,\n", 4, "Duplicate code 94101"),
        (
            "province,94,P,,\ncommune,94101,C,94,\nhamlet,,H,94101,kinh;thai\n",
            4,
            "Unknown language",
        ),
        ("province,94,P,,\ncommune,94101,C,94,\nhamlet,,H,94101,\n", 4, "at least one language"),
        ("province,94,P,,\ncommune,94101,C,94,\nhamlet,,H,94101,kinh;kinh\n", 4, "twice"),
        ("province,94,P,,\nhamlet,,H,94,kinh\n", 3, "Wrong level order"),
        ("province,94,P,,\ncommune,94101,C,94,\ndistrict,941,D,94101,\n", 4, "Wrong level order"),
        ("province,94,P,,\ncommune,94101,C,94,kinh\n", 3, "Only hamlets carry languages"),
        ("province,94,P,,\nvillage,9,V,94,\n", 3, "Unknown level"),
        ("commune,94101,C,,\n", 2, "needs a parent_code"),
        ("province,94,P,,\ncommune,94101,,94,\n", 3, "name"),
        ("province,94,P,,\ncommune,94 101,C,94,\n", 3, "Invalid code"),
        ("province,94,P,,\nhamlet,,H,94,kinh,extra\n", 3, "Too many values"),
        (
            "province,94,P,,\ncommune,94101,C,94,\nhamlet,,H,94101,kinh\nhamlet,,H,94101,hoa\n",
            5,
            "Duplicate area",
        ),
    ],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_written(
    app_ctx, body, line, fragment
) -> None:
    with pytest.raises(AreaImportError) as caught:
        run_import(HEADER + body)
    assert any(e.line == line and fragment in e.message for e in caught.value.errors), (
        caught.value.errors
    )
    db.session.rollback()
    assert counts() == {}


def test_a_cycle_is_reported(app_ctx) -> None:
    body = "province,94,P,,\ncommune,94101,A,94102,\ncommune,94102,B,94101,\n"
    with pytest.raises(AreaImportError) as caught:
        run_import(HEADER + body)
    messages = [e.message for e in caught.value.errors]
    assert any("Cycle: 94101 → 94102 → 94101" in m for m in messages), messages


def test_a_cycle_through_existing_areas_is_reported(app_ctx) -> None:
    run_import(SMALL_TREE)
    db.session.commit()
    before = snapshot()
    # Moving the district under its own commune would close a loop 941 → 94101 → 941.
    with pytest.raises(AreaImportError) as caught:
        run_import(HEADER + "district,941,Huyện Một,94101,\n")
    assert any("Cycle" in e.message for e in caught.value.errors)
    db.session.rollback()
    assert snapshot() == before


def test_one_bad_line_among_good_ones_imports_nothing(app_ctx) -> None:
    with pytest.raises(AreaImportError) as caught:
        run_import(SMALL_TREE + "hamlet,,Ấp Lạ,99999,kinh\n")
    assert [e.line for e in caught.value.errors] == [9]
    db.session.rollback()
    assert counts() == {}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            HEADER.encode()
            + unicodedata.normalize("NFD", "province,94,Tỉnh Cà Mau,,\n").encode("cp1258"),
            "not UTF-8",
        ),
        ("\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "not a text"),
        (b"code,name\n94,P\n", "Missing column(s): level, parent_code, languages"),
        (b"", "empty"),
        (HEADER.encode(), "no areas"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200), "not a text"),
    ],
)
def test_malformed_files(app_ctx, data, fragment) -> None:
    with pytest.raises(AreaImportError) as caught:
        run_import(data)
    assert fragment in caught.value.errors[0].message


def test_ten_megabytes_of_garbage_is_refused_by_size(app_ctx) -> None:
    garbage = os.urandom(10 * 1024 * 1024)
    with pytest.raises(AreaImportError) as caught:
        run_import(garbage)
    assert "larger than" in caught.value.errors[0].message


def test_import_is_audited(app_ctx) -> None:
    run_import(SMALL_TREE)
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "areas.import"))
    assert event.detail["created"] == 7 and len(event.detail["sha256"]) == 64


def test_cli_import_reports_line_numbers(app, app_ctx, tmp_path) -> None:
    runner = app.test_cli_runner()
    good = tmp_path / "areas.csv"
    good.write_text(SMALL_TREE, encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "7 created" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "province,94,P,,\ncommune,94101,C,95,\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(bad)])
    assert result.exit_code != 0
    assert "bad.csv:3:" in result.output and "95" in result.output


def test_admin_page_import_shows_errors_and_then_the_report(app_ctx, login_as) -> None:
    make_user("admin", Role.ADMIN)
    browser = login_as("admin")
    bad = HEADER + "province,94,P,,\ncommune,94101,C,95,\n"
    response = browser.submit(
        "/areas/import",
        {"file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td>" in html and "95" in html
    assert counts() == {}
    response = browser.submit(
        "/areas/import",
        {"file": (io.BytesIO(SMALL_TREE.encode()), "ok.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert counts()["hamlet"] == 3


def test_api_import_returns_errors_as_json(app_ctx, client, token_for) -> None:
    make_user("admin", Role.ADMIN)
    token = token_for("admin")
    bad = HEADER + "province,94,P,,\ncommune,94101,C,95,\n"
    response = client.post(
        "/api/v1/areas/import",
        headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(bad.encode()), "bad.csv")},
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "area_import_invalid"
    assert response.json["error"]["details"][0]["line"] == 3
    response = client.post("/api/v1/areas/import", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json["error"]["code"] == "no_file"

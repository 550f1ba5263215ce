"""Importing lists of installs: CSV or XLSX told apart by content, column mapping, a preview
before anything is written, all or nothing per file (each kind of bad line refused with its
line number), batches with progress, and 100,000 lines."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.jobs import progress
from audio_manager.models import ImportStatus, Install, InstallImport, InstallImportRow
from audio_manager.services.ringback import install_staging, installs

from .conftest import bearer
from .ringback_helpers import ringback_world

HEADER = "Số điện thoại,Mã nhạc chờ,Nhà mạng,Mã đơn vị,Ngày,Họ tên\n"


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Install, InstallImport, InstallImportRow)
    )


def upload(client, token, data: bytes, name: str = "ds.csv", **form):
    return client.post(
        "/api/v1/ringback/installs/import",
        data={"file": (io.BytesIO(data), name), **form},
        headers=bearer(token),
    )


def commit(client, token, import_id: int):
    return client.post(f"/api/v1/ringback/imports/{import_id}/commit", headers=bearer(token))


@pytest.fixture
def world(app_ctx, tmp_path):
    return ringback_world(tmp_path)


def test_a_csv_is_previewed_on_the_page_then_committed(world, login_as) -> None:
    admin = login_as("admin")
    text = (
        HEADER
        + "0912345678,111111,Viettel,94101,01/03/2026,Nguyễn Văn A\n"
        + "+84 98 765 4321,222222,viettel,94101,2026-03-02,Trần Thị B\n"
        + "0707123456,333333,MobiFone,94201,,Lâm Sóc\n"
    )
    page = admin.get("/ringback/installs/import")
    assert page.status_code == 200
    response = admin.submit(
        "/ringback/installs/import",
        {"file": (io.BytesIO(text.encode()), "ds.csv"), "action": "install"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    status_url = response.headers["Location"]
    preview = admin.get(status_url).get_data(as_text=True)
    assert "3 dòng" in preview and "09x xxx x678" in preview and "0912345678" not in preview
    assert counts() == (0, 1, 3)  # nothing is an install before the user commits
    done = admin.submit(f"{status_url}/commit", {}, page=status_url)
    assert done.status_code == 302
    assert "Đã nhập: 3 lượt cài mới" in admin.get(status_url).get_data(as_text=True)
    assert counts() == (3, 1, 0)
    rows = db.session.scalars(sa.select(Install).order_by(Install.id)).all()
    assert [r.installed_on for r in rows[:2]] == [date(2026, 3, 1), date(2026, 3, 2)]
    assert rows[0].staff_name == "Nguyễn Văn A" and {r.source for r in rows} == {"import"}
    assert rows[2].carrier_id == world["carriers"]["mobifone"].id


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_with_number_cells_and_a_column_mapping(world, client, token_for) -> None:
    token = token_for("admin")
    data = _xlsx(
        [
            ["Số máy", "Mã", "Ghi chú"],
            [912345678, "111111", "Excel bỏ số 0"],
            ["0987654321", 222222, ""],
            [None, None, None],
            [389111222, "111111", date(2026, 1, 5)],
        ]
    )
    response = upload(
        client, token, data, "carrier-list.csv",  # the name lies: the bytes decide
        carrier="viettel", map_phone="Số máy", map_code="Mã", map_date="-",
    )  # fmt: skip
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "ready" and body["file_format"] == "xlsx"
    assert body["total_rows"] == 3
    assert body["mapping"] == {"phone": "Số máy", "code": "Mã"}
    assert body["counts"] == {"created": 3, "removed": 0, "duplicate": 0}
    committed = commit(client, token, body["id"])
    assert committed.status_code == 202
    assert committed.json["status"] == "done" and committed.json["processed_rows"] == 3
    assert counts()[0] == 3
    # The same list again: previewed as duplicates, committed as duplicates, counted once.
    again = upload(
        client, token, data, "again.xlsx", carrier="viettel", map_phone="Số máy", map_code="Mã"
    )
    assert again.json["counts"] == {"created": 0, "removed": 0, "duplicate": 3}
    assert commit(client, token, again.json["id"]).json["counts"]["duplicate"] == 3
    assert counts()[0] == 3


def test_uninstalls_from_a_list(world, client, token_for) -> None:
    token = token_for("admin")
    first = upload(
        client, token, (HEADER + "0912345678,111111,viettel,94101,01/03/2026,\n").encode()
    )
    commit(client, token, first.json["id"])
    removal = "Số điện thoại,Mã nhạc chờ,Ngày\n0912345678,111111,15/03/2026\n"
    response = upload(client, token, removal.encode(), carrier="viettel", action="uninstall")
    assert response.json["counts"] == {"created": 0, "removed": 1, "duplicate": 0}
    commit(client, token, response.json["id"])
    [row] = db.session.scalars(sa.select(Install)).all()
    db.session.refresh(row)
    assert row.removed_on == date(2026, 3, 15)


BAD_FILES = [
    (
        HEADER + "0912345678,111111,viettel,94101,,\n0281234567,111111,viettel,94101,,\n",
        "bad_phone",
        3,
    ),
    (
        HEADER
        + "0912345678,111111,viettel,,,\n0707123456,333333,,,,\n+84912345678,111111,viettel,,,\n",
        "repeated",
        4,
    ),
    (HEADER + "0912345678,999999,viettel,94101,,\n", "unknown_tone", 2),
    (HEADER + "0912345678,111111,sfone,94101,,\n", "unknown_carrier", 2),
    (HEADER + "0912345678,111111,viettel,99999,,\n", "unknown_unit", 2),
    (HEADER + "0912345678,111111,viettel,94101,31/02/2026,\n", "bad_date", 2),
    (HEADER + "0912345678,111111,viettel,94101,01/01/2999,\n", "in_future", 2),
    (
        "Số điện thoại,Mã nhạc chờ,Nhà mạng,Thao tác\n0912345678,111111,viettel,gỡ\n",
        "not_installed",
        2,
    ),
]


@pytest.mark.parametrize(("text", "code", "line"), BAD_FILES, ids=[c for _t, c, _l in BAD_FILES])
def test_a_bad_line_refuses_the_whole_file(world, client, token_for, text, code, line) -> None:
    before = counts()
    response = upload(client, token_for("admin"), text.encode())
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "installs_import_invalid"
    problems = error["details"]["errors"]
    assert [(p["line"], p["code"]) for p in problems] == [(line, code)]
    assert problems[0]["message"]
    assert "0281234567" not in str(error) and "0912345678" not in str(error)
    assert counts() == before


def test_duplicates_inside_one_file_name_the_first_line(world, login_as) -> None:
    admin = login_as("admin")
    text = HEADER + "0912345678,111111,viettel,,,\n0912 345 678,111111,Viettel,,,\n"
    response = admin.submit(
        "/ringback/installs/import",
        {"file": (io.BytesIO(text.encode()), "x.csv"), "action": "install"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Trùng số điện thoại và nhạc chờ với dòng 2" in html and "Chưa nhập gì" in html
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported_file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "unsupported_file"),
        ("Tên,Mã\n0912345678,111111\n".encode("cp1252"), "bad_encoding"),
        (b"Ghi chu,Ma\nabc,111111\n", "phone_column_required"),
        (b"So dien thoai\n0912345678\n", "code_column_required"),
        (HEADER.encode(), "empty"),
        (b"0912345678,111111\n0987654321,111111\n", "no_header"),
    ],
    ids=[
        "empty",
        "png",
        "xls",
        "cp1252",
        "no-phone-column",
        "no-code-column",
        "header-only",
        "no-header",
    ],
)
def test_files_that_are_not_lists_are_refused(world, client, token_for, data, code) -> None:
    response = upload(client, token_for("admin"), data, "ds.xlsx")
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    assert counts() == (0, 0, 0)


def test_only_admins_import(world, client, token_for) -> None:
    response = upload(client, token_for("viewer"), (HEADER + "0912345678,111111,,,,\n").encode())
    assert response.status_code == 403 and counts() == (0, 0, 0)


def test_a_failing_batch_leaves_nothing_and_the_import_can_be_retried(
    world, client, token_for, monkeypatch
) -> None:
    token = token_for("admin")
    lines = "".join(f"091{i:07d},111111,viettel,94101,,\n" for i in range(5000))
    record = upload(client, token, (HEADER + lines).encode()).json
    real_apply, calls = installs.apply, []

    def failing_apply(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(installs, "apply", failing_apply)
    failed = commit(client, token, record["id"]).json
    assert failed["status"] == "failed" and failed["error"] == "RuntimeError"
    assert counts() == (0, 1, 5000)  # two batches were written, then rolled back with the rest
    monkeypatch.setattr(installs, "apply", real_apply)
    done = commit(client, token, record["id"]).json
    assert done["status"] == "done" and done["counts"]["created"] == 5000
    assert counts() == (5000, 1, 0)


def test_a_hundred_thousand_lines_in_batches_with_progress(
    world, client, token_for, monkeypatch
) -> None:
    token = token_for("admin")
    units = ["94101", "94102", "94201"]
    lines = "".join(
        f"09{1 + i % 3}{i:07d},{'111111' if i % 2 else '222222'},viettel,{units[i % 3]},,\n"
        for i in range(100_000)
    )
    data = (HEADER + lines).encode()
    assert len(data.splitlines()) == 100_001
    seen: list[int] = []
    real_reporter = progress.reporter

    def recording_reporter(import_id):
        report = real_reporter(import_id)

        def both(done):
            seen.append(done)
            report(done)

        return both

    monkeypatch.setattr(progress, "reporter", recording_reporter)
    record = upload(client, token, data).json
    assert record["status"] == "ready" and record["total_rows"] == 100_000
    assert record["counts"]["created"] == 100_000
    done = commit(client, token, record["id"]).json
    assert done["status"] == "done" and done["processed_rows"] == 100_000
    assert seen == list(range(install_staging.BATCH, 100_001, install_staging.BATCH))
    assert counts() == (100_000, 1, 0)


def test_progress_is_read_while_the_job_runs(world, client, token_for) -> None:
    token = token_for("admin")
    record = upload(client, token, (HEADER + "0912345678,111111,,,,\n").encode()).json
    row = db.session.get(InstallImport, record["id"])
    row.status = ImportStatus.RUNNING
    db.session.commit()
    progress.reporter(row.id)(1)
    try:
        state = client.get(f"/api/v1/ringback/imports/{row.id}", headers=bearer(token)).json
        assert state["status"] == "running" and state["processed_rows"] == 1
    finally:
        progress.forget(row.id)

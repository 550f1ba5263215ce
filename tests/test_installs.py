"""Installs reported by staff on the page and sent in API batches: one phone and tone count
once, numbers are normalised and validated, and every refusal leaves nothing behind."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, Install

from .conftest import bearer
from .ringback_helpers import ringback_world


def installs() -> list[Install]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Install).order_by(Install.id)))


def area_id(code: str) -> int:
    return db.session.scalar(sa.text("SELECT id FROM areas WHERE code = :c"), {"c": code})


def report(browser, **fields):
    data = {"action": "install", "unit": str(area_id("94101")), "on": "", **fields}
    return browser.submit("/ringback/my-installs", data)


def test_a_staff_member_reports_an_install_and_it_counts_once(app_ctx, tmp_path, login_as) -> None:
    w = ringback_world(tmp_path)
    viettel = w["carriers"]["viettel"]
    staff = login_as("staff")
    first = report(staff, carrier_id=viettel.id, code="111111", phone="+84 912 345 678")
    assert first.status_code == 302
    page = staff.get("/ringback/my-installs").get_data(as_text=True)
    assert "09x xxx x678" in page and "912345678" not in page.replace("09x xxx x678", "")
    again = report(staff, carrier_id=viettel.id, code="111111", phone="0912.345.678")
    assert again.status_code == 302
    assert "tính một lần" in staff.get("/ringback/my-installs").get_data(as_text=True)
    [row] = installs()
    assert (row.phone_masked, row.source, row.user_id) == ("09x xxx x678", "self", w["staff"].id)
    assert row.area_id == area_id("94101") and row.removed_on is None
    # Another tone on the same phone is another install.
    report(staff, carrier_id=viettel.id, code="222222", phone="0912345678")
    assert len(installs()) == 2
    # "I removed it", then installing again brings the same row back.
    removed = staff.submit(
        f"/ringback/my-installs/{row.id}/remove", {}, page="/ringback/my-installs"
    )
    assert removed.status_code == 302 and installs()[0].removed_on is not None
    report(staff, carrier_id=viettel.id, code="111111", phone="0912345678")
    assert installs()[0].removed_on is None and len(installs()) == 2


def test_bad_self_reports_are_refused_and_write_nothing(app_ctx, tmp_path, login_as) -> None:
    w = ringback_world(tmp_path)
    viettel, mobifone = w["carriers"]["viettel"], w["carriers"]["mobifone"]
    staff = login_as("staff")
    cases = [
        ({"carrier_id": viettel.id, "code": "111111", "phone": "0281234567"}, "di động"),
        ({"carrier_id": viettel.id, "code": "999999", "phone": "0912345678"}, "Mã nhạc chờ"),
        # 333333 is MobiFone's: not a Viettel tone
        ({"carrier_id": viettel.id, "code": "333333", "phone": "0912345678"}, "Mã nhạc chờ"),
        (
            {
                "carrier_id": mobifone.id,
                "code": "333333",
                "phone": "0912345678",
                "unit": str(area_id("94201")),
            },
            None,  # the form offers only the staff member's own units
        ),
        (
            {
                "carrier_id": viettel.id,
                "code": "111111",
                "phone": "0912345678",
                "action": "uninstall",
            },
            "gỡ",
        ),
        (
            {"carrier_id": viettel.id, "code": "111111", "phone": "0912345678", "on": "2999-01-01"},
            "tương lai",
        ),
    ]
    for fields, words in cases:
        response = report(staff, **fields)
        assert response.status_code in (404, 422), fields
        assert words is None or words in response.get_data(as_text=True), (fields, words)
    assert installs() == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("install.%"))
        )
        == 0
    )


def test_staff_remove_only_what_they_reported(
    app_ctx, tmp_path, client, login_as, token_for
) -> None:
    from .conftest import make_user

    w = ringback_world(tmp_path)
    viettel = w["carriers"]["viettel"]
    # Recorded by an admin's batch (a carrier's list), and by another staff member.
    body = {
        "installs": [
            {"phone": "0912345678", "carrier": "viettel", "code": "111111", "unit": "94101"}
        ]
    }
    posted = client.post("/api/v1/ringback/installs", json=body, headers=bearer(token_for("admin")))
    assert posted.status_code == 200 and posted.json["results"][0]["status"] == "created"
    make_user("colleague", "operator", areas=["94101"])
    colleague = login_as("colleague")
    assert (
        report(colleague, carrier_id=viettel.id, code="111111", phone="0987654321").status_code
        == 302
    )
    intruder = login_as("staff")
    for phone in ("0912345678", "0987654321"):
        refused = report(
            intruder, carrier_id=viettel.id, code="111111", phone=phone, action="uninstall"
        )
        assert refused.status_code == 422 and "gỡ" in refused.get_data(as_text=True)
    assert [row.removed_on for row in installs()] == [None, None]


def test_api_batches_answer_per_row_and_resending_is_harmless(
    app_ctx, tmp_path, client, token_for
) -> None:
    ringback_world(tmp_path)
    headers = bearer(token_for("admin"))
    batch = {
        "installs": [
            {
                "id": "r1",
                "phone": "0912345678",
                "carrier": "viettel",
                "code": "111111",
                "unit": "94101",
            },
            {
                "id": "r2",
                "phone": "84987654321",
                "carrier": "Viettel",
                "code": "222222",
                "date": "01/03/2026",
            },
            {
                "id": "r3",
                "phone": "+84912345678",
                "carrier": "viettel",
                "code": "111111",
            },  # same as r1
            {"id": "r4", "phone": "12345", "carrier": "viettel", "code": "111111"},
            {"id": "r5", "phone": "0707123456", "code": "333333"},  # MobiFone found by the code
            {"id": "r6", "phone": "0707123456", "carrier": "vinaphone", "code": "333333"},
            {"id": "r7", "phone": "0707123456", "carrier": "nokia", "code": "333333"},
            {"id": "r8", "phone": "0707123456", "code": "333333", "unit": "00000"},
            {
                "id": "r9",
                "phone": "0389111222",
                "carrier": "viettel",
                "code": "111111",
                "action": "uninstall",
            },
            "not an object",
        ]
    }
    response = client.post("/api/v1/ringback/installs", json=batch, headers=headers)
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(r["id"], r["status"], r["code"]) for r in results] == [
        ("r1", "created", None),
        ("r2", "created", None),
        ("r3", "duplicate", None),
        ("r4", "rejected", "bad_phone"),
        ("r5", "created", None),
        ("r6", "rejected", "unknown_tone"),
        ("r7", "rejected", "unknown_carrier"),
        ("r8", "rejected", "unknown_unit"),
        ("r9", "rejected", "not_installed"),
        (None, "rejected", "bad_item"),
    ]
    assert results[0]["phone"] == "09x xxx x678"
    assert response.json["counts"] == {"created": 3, "removed": 0, "duplicate": 1, "rejected": 6}
    by_phone = {row.phone_masked: row for row in installs()}
    assert str(by_phone["09x xxx x321"].installed_on) == "2026-03-01"  # r2's own date
    again = client.post("/api/v1/ringback/installs", json=batch, headers=headers).json
    assert [r["status"] for r in again["results"][:3]] == ["duplicate"] * 3
    assert len(installs()) == 3
    uninstall = {
        "installs": [
            {"phone": "0912345678", "carrier": "viettel", "code": "111111", "action": "gỡ"}
        ]
    }
    assert (
        client.post("/api/v1/ringback/installs", json=uninstall, headers=headers).json["results"][
            0
        ]["status"]
        == "removed"
    )
    assert (
        client.post("/api/v1/ringback/installs", json=uninstall, headers=headers).json["results"][
            0
        ]["status"]
        == "duplicate"
    )


def test_api_batch_limits_and_access(app_ctx, tmp_path, client, token_for) -> None:
    ringback_world(tmp_path)
    admin = bearer(token_for("admin"))
    too_many = {"installs": [{"phone": "0912345678", "code": "111111"}] * 1001}
    response = client.post("/api/v1/ringback/installs", json=too_many, headers=admin)
    assert response.status_code == 422 and response.json["error"]["code"] == "batch_too_large"
    bad = client.post("/api/v1/ringback/installs", json={"x": 1}, headers=admin)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "bad_batch"
    viewer = client.post(
        "/api/v1/ringback/installs", json={"installs": []}, headers=bearer(token_for("viewer"))
    )
    assert viewer.status_code == 403
    assert installs() == []


def test_free_text_and_odd_values_in_a_batch(app_ctx, tmp_path, client, token_for) -> None:
    """A number typed into the name is masked like any other; a carrier given as a list is a
    refused row, not a server error."""
    ringback_world(tmp_path)
    batch = {
        "installs": [
            {
                "id": "n1",
                "phone": "0912345678",
                "carrier": "viettel",
                "code": "111111",
                "name": "Nguyễn Văn A 0987 654 321",
            },
            {"id": "n2", "phone": "0912345679", "carrier": ["viettel"], "code": "111111"},
        ]
    }
    response = client.post(
        "/api/v1/ringback/installs", json=batch, headers=bearer(token_for("admin"))
    )
    assert response.status_code == 200, response.json
    assert [r["status"] for r in response.json["results"]] == ["created", "rejected"]
    [row] = installs()
    assert row.staff_name.startswith("Nguyễn Văn A") and "654" not in row.staff_name
    assert row.staff_name.endswith("321")

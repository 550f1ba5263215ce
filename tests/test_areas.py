"""Browsing areas on pages and through the API; scoped users see only their areas."""

from __future__ import annotations

import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area, AuditEvent

from .conftest import bearer


def area_id(name: str) -> int:
    return db.session.scalar(sa.select(Area.id).where(Area.name == name))


def test_api_lists_and_filters(users, client, token_for) -> None:
    headers = bearer(token_for("editor"))
    all_areas = client.get("/api/v1/areas", headers=headers).json
    assert all_areas["total"] == 7
    hamlets = client.get("/api/v1/areas?level=hamlet", headers=headers).json["items"]
    assert sorted(h["name"] for h in hamlets) == ["Ấp An Hai", "Ấp An Một", "Ấp Bình Một"]
    under = client.get("/api/v1/areas?parent=94101", headers=headers).json["items"]
    assert sorted((h["name"], h["languages"]) for h in under) == [
        ("Ấp An Hai", ["kinh"]),
        ("Ấp An Một", ["khmer", "kinh"]),
    ]
    one = client.get("/api/v1/areas?code=94201", headers=headers).json["items"]
    assert one[0]["parent_code"] == "94" and one[0]["level"] == "commune"
    page = client.get("/api/v1/areas?limit=2&offset=2", headers=headers).json
    assert len(page["items"]) == 2 and page["total"] == 7


def test_api_bad_filters_get_clear_errors(users, client, token_for) -> None:
    headers = bearer(token_for("editor"))
    response = client.get("/api/v1/areas?parent=nope", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "unknown_area"
    response = client.get("/api/v1/areas?limit=0", headers=headers)
    assert response.status_code == 422 and "limit" in response.json["error"]["details"]["query"]


def test_operator_sees_only_their_commune(users, client, token_for) -> None:
    headers = bearer(token_for("operator"))
    items = client.get("/api/v1/areas", headers=headers).json["items"]
    assert sorted(a["name"] for a in items) == ["Xã An", "Ấp An Hai", "Ấp An Một"]
    other = area_id("Ấp Bình Một")
    assert client.get(f"/api/v1/areas/{other}", headers=headers).status_code == 404
    assert client.get("/api/v1/areas?parent=94201", headers=headers).status_code == 404


def test_scoped_viewer_and_unscoped_viewer(users, app_ctx, client, token_for) -> None:
    from .conftest import make_user

    make_user("viewer2", "viewer", areas=["94201"])
    scoped = client.get("/api/v1/areas", headers=bearer(token_for("viewer2"))).json
    assert sorted(a["name"] for a in scoped["items"]) == ["Xã Bình", "Ấp Bình Một"]
    everything = client.get("/api/v1/areas", headers=bearer(token_for("viewer"))).json
    assert everything["total"] == 7


def test_pages_browse_the_tree(users, login_as) -> None:
    browser = login_as("viewer")
    html = browser.get("/areas/").get_data(as_text=True)
    assert "Tỉnh Thử" in html
    html = browser.get(f"/areas/{area_id('Xã An')}").get_data(as_text=True)
    assert "Ấp An Một" in html and "ភាសាខ្មែរ" in html and "Tiếng Việt" in html
    assert "Tỉnh Thử" in html  # breadcrumb
    html = browser.get("/areas/?q=Bình").get_data(as_text=True)
    assert "Ấp Bình Một" in html and "Ấp An Một" not in html


def test_operator_pages_are_scoped(users, login_as) -> None:
    browser = login_as("operator")
    html = browser.get("/areas/").get_data(as_text=True)
    assert "Xã An" in html and "Xã Bình" not in html
    assert browser.get(f"/areas/{area_id('Xã Bình')}").status_code == 404
    assert "Ấp Bình" not in browser.get("/areas/?q=Ấp").get_data(as_text=True)


def test_admin_edits_a_hamlets_languages(users, login_as) -> None:
    hamlet = area_id("Ấp An Hai")
    browser = login_as("admin")
    response = browser.submit(
        f"/areas/{hamlet}/languages", {"language_0": "hoa", "language_1": "", "language_2": "kinh"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Area, hamlet).languages == ["hoa", "kinh"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "area.languages"))
    assert event.detail == {"before": ["kinh"], "after": ["hoa", "kinh"]}


def test_language_edit_rejects_duplicates_and_empty(users, login_as) -> None:
    hamlet = area_id("Ấp An Hai")
    browser = login_as("admin")
    html = browser.submit(
        f"/areas/{hamlet}/languages", {"language_0": "kinh", "language_1": "kinh", "language_2": ""}
    ).get_data(as_text=True)
    assert "hai lần" in html
    html = browser.submit(
        f"/areas/{hamlet}/languages", {"language_0": "", "language_1": "", "language_2": ""}
    ).get_data(as_text=True)
    assert "ít nhất một ngôn ngữ" in html
    db.session.expire_all()
    assert db.session.get(Area, hamlet).languages == ["kinh"]


def test_only_hamlets_carry_languages(users, login_as) -> None:
    commune = area_id("Xã An")
    html = (
        login_as("admin")
        .submit(f"/areas/{commune}/languages", {"language_0": "kinh"})
        .get_data(as_text=True)
    )
    assert "Chỉ ấp" in html


def test_non_admin_cannot_edit_languages(users, login_as) -> None:
    hamlet = area_id("Ấp An Hai")
    assert login_as("editor").get(f"/areas/{hamlet}/languages").status_code == 403

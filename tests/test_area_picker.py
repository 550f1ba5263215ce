"""One area picker wherever an area is chosen: the tree (down to hamlets, their languages by
name, folded search keys), the plain fallback, and each page that uses it posting ids."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area
from audio_manager.services.accounts import accounts
from audio_manager.services.areas import area_refs, areas, picker
from audio_manager.services.areas.folding import fold
from audio_manager.services.errors import ValidationFailed

from .conftest import make_user


def area(name: str) -> Area:
    return db.session.scalar(sa.select(Area).where(Area.name == name))


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Hòa Tú", "hoa tu"), ("Xã Đại Tâm", "xa dai tam"), ("  ẤP   An  ", "ap an"), ("99", "99")],
)
def test_fold(text, folded) -> None:
    assert fold(text) == folded


def test_the_tree_in_tree_order_with_languages_and_keys(users) -> None:
    tree = picker.tree(users["admin"])
    assert [(n.depth, n.name) for n in tree.nodes] == [
        (0, "Tỉnh Thử"),
        (1, "Huyện Một"),
        (2, "Xã An"),
        (3, "Ấp An Hai"),
        (3, "Ấp An Một"),
        (1, "Xã Bình"),
        (2, "Ấp Bình Một"),
    ]
    one = tree.nodes[4]
    assert one.languages == ("khmer", "kinh") and one.code is None and not one.has_children
    assert one.search_key.startswith("ap an mot ") and tree.nodes[2].has_children
    assert not tree.truncated and all(n.selectable for n in tree.nodes)


def test_a_scoped_reader_sees_their_subtree_and_levels_limit_the_tree(users) -> None:
    operator = users["operator"]  # Xã An
    assert [n.name for n in picker.tree(operator).nodes] == ["Xã An", "Ấp An Hai", "Ấp An Một"]
    units = picker.tree(users["admin"], levels=("province", "district", "commune"))
    assert "Ấp An Một" not in [n.name for n in units.nodes]
    only_communes = picker.tree(users["admin"], levels=("commune",))
    assert [n.name for n in only_communes.nodes if n.selectable] == ["Xã An", "Xã Bình"]


def test_a_tree_too_big_leaves_out_its_deepest_level(users) -> None:
    tree = picker.tree(users["admin"], limit=4)
    assert tree.truncated and {n.level for n in tree.nodes} == {"province", "district", "commune"}


def test_refs_by_id_and_code(users) -> None:
    an, hai = area("Xã An"), area("Ấp An Hai")
    assert area_refs.resolve([hai.id, "94101", an.id]) == [hai, an]
    assert area_refs.without_covered([hai, an]) == [an]
    assert area_refs.parse_form_refs([str(hai.id), "", "x"], "94101; 94201") == [
        hai.id,
        "x",
        "94101",
        "94201",
    ]
    with pytest.raises(ValidationFailed) as error:
        area_refs.resolve([hai.id, 99999, "ZZ"])
    assert error.value.code == "unknown_area" and "#99999, ZZ" in str(error.value.message)
    # Areas a user may not see are unknown to them, like areas that do not exist.
    with pytest.raises(ValidationFailed):
        area_refs.resolve([area("Ấp Bình Một").id], users["operator"])
    assert area_refs.by_text("94101") == an and area_refs.by_text(str(hai.id)) == hai


def test_area_search_folds_diacritics(users) -> None:
    found, total = areas.search(users["admin"], text="ap an mot")
    assert [a.name for a in found] == ["Ấp An Một"] and total == 1
    found, _total = areas.search(users["admin"], text="Ấp An")
    assert sorted(a.name for a in found) == ["Ấp An Hai", "Ấp An Một"]
    assert areas.search(users["operator"], text="binh")[1] == 0  # outside their commune


def test_a_users_scope_is_picked_by_id(users, login_as) -> None:
    browser = login_as("admin")
    html = browser.get("/admin/users/new").get_data(as_text=True)
    hamlet = area("Ấp Bình Một")
    assert f'name="area_ids" value="{hamlet.id}"' in html and 'name="area_codes"' not in html
    response = browser.submit(
        "/admin/users/new",
        {
            "username": "viewer2",
            "roles": ["viewer"],
            "area_ids": [str(hamlet.id), str(area("Xã An").id)],
            "password": "radio-password-1",
        },
    )
    assert response.status_code == 302
    user = accounts.find_user("viewer2")
    assert sorted(a.name for a in user.scope_areas) == ["Xã An", "Ấp Bình Một"]
    html = browser.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'value="{hamlet.id}" checked' in html


def test_the_operators_commune_and_the_install_unit(users, login_as) -> None:
    an, binh = area("Xã An"), area("Xã Bình")
    make_user("op2", "operator", areas=["94101", "94201"])
    browser = login_as("op2")
    html = browser.get(f"/today?area_id={binh.id}").get_data(as_text=True)
    assert "<h1>Xã Bình" in html and f'name="area_id" value="{binh.id}" checked' in html
    assert 'name="area_id" value="' + str(an.id) + '"' in html
    assert browser.get(f"/today?area_id={area('Xã An').id}").status_code == 200
    assert login_as("operator").get(f"/today?area_id={binh.id}").status_code == 404
    html = login_as("viewer").get("/ringback/my-installs").get_data(as_text=True)
    radios = re.findall(r'name="unit" value="(\d*)"', html)
    assert radios[0] == "" and str(an.id) in radios and str(area("Ấp An Một").id) not in radios


def test_the_areas_page_opens_the_area_picked(users, login_as) -> None:
    browser = login_as("admin")
    hamlet = area("Ấp An Một")
    assert 'id="go-area"' in browser.get("/areas/").get_data(as_text=True)
    response = browser.client.get(f"/areas/?area_id={hamlet.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/areas/{hamlet.id}"
    )
    assert login_as("operator").get(f"/areas/?area_id={area('Xã Bình').id}").status_code == 404


def test_playlists_and_compliance_take_an_id_where_there_is_no_code(users, client, token_for):
    from .conftest import bearer

    token = bearer(token_for("admin"))
    hamlet = area("Ấp An Một")
    response = client.get(f"/api/v1/playlists?area={hamlet.id}", headers=token)
    assert response.status_code == 200 and response.json["area"] == {
        "id": hamlet.id,
        "code": None,
        "name": "Ấp An Một",
    }
    response = client.get(f"/api/v1/reports/compliance?area={hamlet.id}", headers=token)
    assert response.status_code == 200 and response.json["area"]["id"] == hamlet.id
    operator = bearer(token_for("operator"))
    hidden = area("Ấp Bình Một")
    assert client.get(f"/api/v1/playlists?area={hidden.id}", headers=operator).status_code == 404


def test_an_editor_given_areas_picks_only_inside_them(users, login_as) -> None:
    make_user("ed2", "editor", areas=["94201"])
    html = login_as("ed2").get("/schedules/new").get_data(as_text=True)
    boxes = re.findall(r'name="area_ids" value="(\d+)"', html)
    assert boxes == [str(area("Xã Bình").id), str(area("Ấp Bình Một").id)]

"""CAP out: an approved emergency message valid now is a CAP 1.2 alert in the feed, valid against
the OASIS schema and read back by an independent parser; a new approved version is an Update
referencing it; retiring or expiry is a Cancel. Geocodes, sizes and digests match the audio."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree

from audio_manager.capxml import ATOM_NS
from audio_manager.extensions import db
from audio_manager.models import CapAlert
from audio_manager.scheduling.recurrence import LOCAL_TZ
from audio_manager.services.cap import publishing
from audio_manager.services.messages import messages

from .cap_helpers import NS, SCRIPT, emergency_world, parsed_independently, valid_root
from .conftest import bearer, make_user
from .workflow_helpers import actor, approved_version, new_message

ATOM = {"a": ATOM_NS}


@pytest.fixture
def world(app_ctx: Any, tmp_path: Any) -> dict[str, Any]:
    return emergency_world(tmp_path)


def feed(client: Any, token: str | None = None) -> etree._Element:
    response = client.get("/cap/feed.atom", headers=bearer(token) if token else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    return etree.fromstring(response.data)


def alert_at(client: Any, link: str, token: str | None = None) -> bytes:
    response = client.get(urlsplit(link).path, headers=bearer(token) if token else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/cap+xml")
    return response.data


def test_an_emergency_approved_this_morning_is_in_the_feed_and_valid(
    world, client, token_for
) -> None:
    token = token_for("editor")
    root = feed(client, token)
    [entry] = root.findall("a:entry", ATOM)
    link = entry.find("a:link", ATOM).get("href")
    assert entry.find("a:id", ATOM).text == link  # each alert at its own URL
    xml = alert_at(client, link, token)
    alert = valid_root(xml)
    assert alert.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert alert.findtext("cap:status", namespaces=NS) == "Actual"
    infos = alert.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["vi-VN", "km-KH"]
    kinh = infos[0]
    assert kinh.findtext("cap:headline", namespaces=NS) == "Cảnh báo bão số 9"
    assert kinh.findtext("cap:description", namespaces=NS) == SCRIPT
    assert kinh.findtext("cap:category", namespaces=NS) == "Safety"
    assert [kinh.findtext(f"cap:{f}", namespaces=NS) for f in ("urgency", "severity")] == [
        "Immediate",
        "Severe",
    ]
    # sent is when it was approved, in local time
    decided = world["khmer"].decided_at.astimezone(LOCAL_TZ).replace(microsecond=0)
    assert alert.findtext("cap:sent", namespaces=NS) == decided.isoformat()

    independent = parsed_independently(xml)
    assert independent.msg_type.value == "Alert"
    assert [i.language for i in independent.infos] == ["vi-VN", "km-KH"]


def test_geocodes_sizes_and_digests_match_the_stored_audio(world, client, token_for) -> None:
    token = token_for("editor")
    [entry] = feed(client, token).findall("a:entry", ATOM)
    xml = alert_at(client, entry.find("a:link", ATOM).get("href"), token)
    independent = parsed_independently(xml)
    for info, version in zip(independent.infos, (world["kinh"], world["khmer"]), strict=True):
        [resource] = info.resources
        asset = version.rendition("loudspeaker").asset
        assert resource.mime_type == "audio/mpeg" == asset.mime
        assert resource.size == asset.size
        # the link opens without a token, and its bytes are what the digest and size say
        audio = client.get(urlsplit(resource.uri).path)
        assert audio.status_code == 200
        assert len(audio.data) == resource.size
        assert hashlib.sha1(audio.data).hexdigest() == resource.digest
        assert hashlib.sha256(audio.data).hexdigest() == asset.sha256
        codes = {(g.value_name.value, g.value.value) for a in info.areas for g in a.geocodes}
        assert codes == {("VN-DVHC", "94101"), ("VN-DVHC", "A1")}
        names = {a.area_desc for a in info.areas}
        assert names == {"Xã An, Tỉnh Thử", "Ấp An Một, Xã An, Tỉnh Thử"}


def test_the_feed_needs_a_token_unless_an_admin_makes_it_public(world, client, login_as) -> None:
    denied = client.get("/cap/feed.atom")
    assert denied.status_code == 401
    assert denied.json["error"]["code"] == "unauthenticated"
    assert client.get("/cap/feed.atom", headers=bearer("amt_forged")).status_code == 401
    admin = login_as("admin")
    page = admin.get("/admin/cap/").get_data(as_text=True)
    assert "Cảnh báo khẩn cấp (CAP)" in page
    form = {
        "feed_public": "1",
        "sender": "bhxh@tinh-thu.gov.vn",
        "sender_name": "BHXH Tỉnh Thử",
        "identifier_prefix": "vn.tinh-thu.bhxh",
        "category": "Met",
        **{
            f"{p}-{f}": v
            for p, row in {
                "emergency": ("Immediate", "Extreme", "Observed"),
                "priority": ("Expected", "Moderate", "Likely"),
                "normal": ("Future", "Minor", "Possible"),
            }.items()
            for f, v in zip(("urgency", "severity", "certainty"), row, strict=True)
        },
    }
    saved = admin.submit("/admin/cap/settings", form, page="/admin/cap/")
    assert saved.status_code == 302
    response = client.get("/cap/feed.atom")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    again = client.get("/cap/feed.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    [entry] = etree.fromstring(response.data).findall("a:entry", ATOM)
    xml = alert_at(client, entry.find("a:link", ATOM).get("href"))
    alert = valid_root(xml)
    assert alert.findtext("cap:sender", namespaces=NS) == "bhxh@tinh-thu.gov.vn"
    assert alert.findtext("cap:identifier", namespaces=NS).startswith("vn.tinh-thu.bhxh-")
    info = alert.find("cap:info", NS)
    assert info.findtext("cap:severity", namespaces=NS) == "Extreme"
    assert info.findtext("cap:category", namespaces=NS) == "Met"
    assert info.findtext("cap:senderName", namespaces=NS) == "BHXH Tỉnh Thử"
    # an invalid setting is refused and changes nothing
    bad = admin.submit("/admin/cap/settings", {**form, "sender": "a b,c"}, page="/admin/cap/")
    assert bad.status_code == 422
    assert "không có dấu cách" in bad.get_data(as_text=True)


def test_a_new_approved_version_is_an_update_and_retiring_a_cancel(world, client, token_for):
    token = token_for("editor")
    feed(client, token)
    approved_version(world["editor"], world["approver"], world["message"], "kinh", "Bản mới.")
    feed(client, token)
    feed(client, token)  # nothing changed: no third alert
    first, update = publishing.for_message(world["message"].id)
    assert (first.msg_type, update.msg_type) == ("Alert", "Update")
    root = valid_root(update.xml)
    assert root.findtext("cap:references", namespaces=NS) == (
        f"{first.sender},{first.identifier},{first.sent}"
    )
    assert update.sent_at > first.sent_at
    assert root.find("cap:info", NS).findtext("cap:description", namespaces=NS) == "Bản mới."

    messages.retire(actor(world["approver"]), world["message"], reason="Bão đã tan")
    db.session.commit()
    root_feed = feed(client, token)
    *_, cancel = publishing.for_message(world["message"].id)
    assert cancel.msg_type == "Cancel"
    root = valid_root(cancel.xml)
    assert root.findtext("cap:references", namespaces=NS).split() == [
        f"{a.sender},{a.identifier},{a.sent}" for a in (first, update)
    ]
    [entry] = root_feed.findall("a:entry", ATOM)
    assert cancel.identifier in entry.find("a:link", ATOM).get("href")
    assert parsed_independently(cancel.xml).msg_type.value == "Cancel"
    # the first alert still answers the same document
    again = client.get(f"/cap/alerts/{first.identifier}.xml", headers=bearer(token))
    assert again.data.decode() == first.xml


def test_expiry_publishes_a_cancel(world, app) -> None:
    base = "http://example.test/"
    [alert] = publishing.sync(base)
    db.session.commit()
    assert alert.msg_type == "Alert"
    later = datetime.now(UTC) + timedelta(days=2)
    [cancel] = publishing.sync(base, now=later)
    db.session.commit()
    assert cancel.msg_type == "Cancel"
    assert valid_root(cancel.xml).findtext("cap:note", namespaces=NS) == "expired"
    assert cancel.sent_at == world["message"].valid_until.replace(microsecond=0)
    assert publishing.sync(base, now=later) == []


def test_only_emergencies_unless_priority_is_turned_on(app_ctx, app, tmp_path) -> None:
    from .cap_helpers import TREE
    from .conftest import load_tree

    load_tree(TREE)
    editor = make_user("editor", "editor")
    approver = make_user("approver", "approver")
    normal = new_message(editor, "Thông thường")
    approved_version(editor, approver, normal, "kinh")
    priority = new_message(editor, "Ưu tiên", priority="priority")
    approved_version(editor, approver, priority, "kinh")
    pending = new_message(editor, "Khẩn cấp chưa duyệt", priority="emergency")
    assert publishing.sync("http://x/") == []
    app.config["CAP_PUBLISH_PRIORITY"] = True
    try:
        made = publishing.sync("http://x/")
        db.session.commit()
    finally:
        app.config["CAP_PUBLISH_PRIORITY"] = False
    assert [a.message_id for a in made] == [priority.id]
    info = valid_root(made[0].xml).find("cap:info", NS)
    assert info.findtext("cap:urgency", namespaces=NS) == "Expected"
    assert pending.id not in {a.message_id for a in db.session.scalars(db.select(CapAlert))}
    # turned off again: the priority message's alert is cancelled
    [cancel] = publishing.sync("http://x/")
    assert cancel.msg_type == "Cancel"


def test_one_unreadable_message_does_not_keep_the_others_out(world, app) -> None:
    from audio_manager.services.audio.assets import storage

    other = new_message(world["editor"], "Lũ\x0b quét", priority="emergency")  # a stray control
    approved_version(world["editor"], world["approver"], other, "kinh", "Lũ quét.")
    asset = world["khmer"].rendition("loudspeaker").asset
    assert storage().delete(asset.storage_key)  # the first message's audio is gone from storage
    made = publishing.sync("http://x/")
    db.session.commit()
    assert [a.message_id for a in made] == [other.id]
    assert valid_root(made[0].xml).findtext("cap:info/cap:headline", namespaces=NS) == "Lũ quét"

"""CAP in: an upstream alert naming one of our areas becomes a draft emergency message there,
with its text per language ready for speech, waiting for the four-eyes approval; its Update and
Cancel are shown on the message; everything else gets a clear result and changes nothing."""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

from audio_manager.extensions import db
from audio_manager.models import CapInbound, CapSource, Message, Role, Version
from audio_manager.services.cap import ingest, sources
from audio_manager.services.context import Actor
from audio_manager.services.errors import ValidationFailed

from . import cap_samples as samples
from .cap_helpers import TREE, area
from .conftest import bearer, load_tree, make_user

SYSTEM = Actor.system("test")


@pytest.fixture
def source(app_ctx: Any) -> CapSource:
    load_tree(TREE)
    make_user("admin", Role.ADMIN)
    make_user("editor", Role.EDITOR)
    made, _token = sources.create(SYSTEM, "KTTV", "push")
    db.session.commit()
    return made


def take(source: CapSource, data: bytes) -> list[CapInbound]:
    rows = ingest.receive(SYSTEM, source, data)
    db.session.commit()
    return rows


def count(model: Any) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_new_alert_for_our_commune_becomes_a_draft_emergency_message(source, login_as):
    [row] = take(source, samples.alert())
    assert row.result == "new"
    message = db.session.get(Message, row.message_id)
    assert message.priority == "emergency"
    assert message.title == "Bão số 9 đổ bộ"
    assert message.valid_until is not None and message.valid_until.year == 2099
    assert row.area_ids == [area("94101").id]
    assert row.identifier == "KTTV-2026-0917" and row.sender == samples.SENDER
    assert row.texts == {
        "kinh": "Bão số 9 đổ bộ\nGió mạnh cấp 12 vào chiều nay.\nBà con ở trong nhà.",
        "khmer": "ព្យុះលេខ ៩\nខ្យល់ខ្លាំងនៅរសៀលនេះ។\nសូមនៅក្នុងផ្ទះ។",
    }
    # nothing to broadcast: no version, let alone an approved one
    assert count(Version) == 0
    # the editor finds the text ready for speech
    editor = login_as("editor")
    page = editor.get(f"/messages/{message.id}/edit").get_data(as_text=True)
    assert "Gió mạnh cấp 12 vào chiều nay." in page
    assert "ខ្យល់ខ្លាំងនៅរសៀលនេះ។" in page
    shown = editor.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "KTTV-2026-0917" in shown and "Xã An" in shown


def test_update_and_cancel_are_shown_on_that_message(source, login_as):
    [new] = take(source, samples.alert())
    [update] = take(
        source,
        samples.alert(
            "KTTV-2026-0918",
            "Update",
            references=samples.reference(),
            headline="Bão số 9 mạnh thêm",
            sent="2026-12-02T06:30:00+07:00",
        ),
    )
    [cancel] = take(
        source,
        samples.alert(
            "KTTV-2026-0919",
            "Cancel",
            references=samples.reference("KTTV-2026-0918", "2026-12-02T06:30:00+07:00"),
            sent="2026-12-02T09:30:00+07:00",
        ),
    )
    assert (update.result, cancel.result) == ("update", "cancel")
    assert new.message_id == update.message_id == cancel.message_id
    assert count(Message) == 1
    page = login_as("editor").get(f"/messages/{new.message_id}").get_data(as_text=True)
    assert "Bão số 9 mạnh thêm" in page  # the update's text
    assert "KTTV-2026-0919" in page
    assert "Nguồn đã hủy cảnh báo" in page


def test_alerts_that_make_no_message(source):
    ours = count(Message)
    results = [
        take(source, samples.alert("X-1", geocode="99999", area_desc="Tỉnh Xa Lạ"))[0].result,
        take(source, samples.alert("X-2", status="Exercise"))[0].result,
        take(source, samples.alert("X-3", expires="2001-01-01T00:00:00+07:00"))[0].result,
        take(source, samples.alert("X-4", "Cancel", references=samples.reference("nope")))[
            0
        ].result,
    ]
    assert results == ["no_area", "ignored", "ignored", "ignored"]
    take(source, samples.alert())
    assert take(source, samples.alert())[0].result == "duplicate"
    relay, _token = sources.create(SYSTEM, "Relay", "push")  # the same alert relayed
    assert take(relay, samples.alert())[0].result == "duplicate"
    assert count(Message) == ours + 1


def test_an_area_named_only_by_name_is_found(source):
    [row] = take(source, samples.alert("N-1", geocode="", area_desc="xã Bình; Huyện Không Có"))
    assert row.result == "new"
    assert row.area_ids == [area("94201").id]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (samples.MALFORMED, "malformed"),
        (samples.BILLION_LAUGHS, "doctype"),
        (samples.BILLION_LAUGHS_UTF16, "doctype"),
        (samples.EXTERNAL_ENTITY, "doctype"),
        (b"<html><body>not cap</body></html>", "not_cap"),
        (samples.INCOMPLETE, "incomplete"),
    ],
)
def test_hostile_or_broken_documents_are_refused_and_change_nothing(source, document, code):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    [row] = take(source, document)
    assert row.result == "refused"
    assert row.detail.startswith(code + ":")
    assert time.monotonic() - started < 5  # not a measurement: a bomb would take minutes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    assert count(Message) == 0 and "passwd" not in row.detail and "root:" not in row.detail


def test_a_huge_document_is_refused(source, app):
    limit = app.config["CAP_MAX_BYTES"]
    [row] = take(source, samples.huge(limit))
    assert (row.result, row.detail.split(":")[0]) == ("refused", "too_large")
    assert count(Message) == 0


def test_a_failure_midway_leaves_nothing_half_made(source, monkeypatch):
    def broken(*_args: Any, **_kw: Any) -> None:
        raise ValidationFailed("disk full", code="boom")

    monkeypatch.setattr(ingest, "_record", broken)
    [row] = take(source, samples.alert())
    assert row.result == "refused"
    assert count(Message) == 0  # the message made before the failure is gone too


def test_push_inbox_takes_alerts_with_the_sources_token(app_ctx, client, app):
    load_tree(TREE)
    source, token = sources.create(SYSTEM, "Push", "push")
    db.session.commit()
    url = f"/cap/inbox/{source.id}"
    assert client.post(url, data=samples.alert()).status_code == 403
    assert client.post(url, data=samples.alert(), headers=bearer("cap_wrong")).status_code == 403
    response = client.post(url, data=samples.alert(), headers=bearer(token))
    assert response.status_code == 200
    [result] = response.json["results"]
    assert result["result"] == "new" and result["message_id"]
    bomb = client.post(url, data=samples.BILLION_LAUGHS, headers=bearer(token))
    assert bomb.status_code == 422
    too_big = client.post(
        url, data=samples.huge(app.config["CAP_MAX_BYTES"]), headers=bearer(token)
    )
    assert too_big.status_code == 413
    source = db.session.get(CapSource, source.id)
    sources.set_active(SYSTEM, source, False)
    db.session.commit()
    assert client.post(url, data=samples.alert("P-2"), headers=bearer(token)).status_code == 409
    assert count(Message) == 1


def test_admin_uploads_an_alert_file_and_reads_the_log(source, login_as):
    import io

    admin = login_as("admin")
    html = admin.get("/admin/cap/").get_data(as_text=True)
    from .conftest import csrf_from

    response = admin.client.post(
        f"/admin/cap/sources/{source.id}/upload",
        data={"csrf_token": csrf_from(html), "file": (io.BytesIO(samples.alert()), "bao.xml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    log = admin.get("/admin/cap/log").get_data(as_text=True)
    assert "KTTV-2026-0917" in log and "Xã An" in log
    assert "thông điệp nháp mới" in log


def test_an_upstream_alert_becomes_our_own_alert_only_after_four_eyes(source, client, token_for):
    """Done when: an upstream alert becomes a draft; approved by someone else, it is published
    in our feed, in the areas the upstream alert named."""
    from audio_manager.services.cap import publishing
    from audio_manager.services.errors import PermissionDenied
    from audio_manager.services.messages import workflow

    from .cap_helpers import valid_root
    from .workflow_helpers import actor, pending_version

    [row] = take(source, samples.alert())
    message = db.session.get(Message, row.message_id)
    editor = make_user("editor2", Role.EDITOR, Role.APPROVER)
    approver = make_user("approver", Role.APPROVER)
    version = pending_version(editor, message, "kinh", row.texts["kinh"])
    assert publishing.sync("http://x/") == []  # pending: nothing published, nothing played
    with pytest.raises(PermissionDenied):
        workflow.transition(actor(editor), version, "approve")  # not their own
    db.session.rollback()
    workflow.transition(actor(approver), version, "approve")
    db.session.commit()
    response = client.get("/api/v1/cap/alerts", headers=bearer(token_for("approver")))
    [published] = response.json["items"]
    assert published["msg_type"] == "Alert" and published["message_id"] == message.id
    xml = client.get(
        f"/cap/alerts/{published['identifier']}.xml", headers=bearer(token_for("approver"))
    ).data
    root = valid_root(xml)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert root.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=ns) == "94101"
    assert root.findtext("cap:info/cap:description", namespaces=ns) == row.texts["kinh"]


def test_a_feed_with_an_embedded_alert_and_links(source):
    feed = samples.atom_feed(["http://upstream.test/a/9.xml"], embedded=samples.alert("E-1"))
    rows = take(source, feed)
    assert [(r.result, r.identifier) for r in rows] == [("new", "E-1"), ("ignored", None)]
    assert rows[1].url == "http://upstream.test/a/9.xml"  # links are fetched only by polling

"""Ringback releases: the carrier's ZIP (audio decoded and measured, metadata sheet read back),
refusals that leave nothing behind, and the prepared → submitted → live → withdrawn moves."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, RingbackRelease, Role
from audio_manager.production.measure import measure
from audio_manager.services.audio import stock
from audio_manager.services.audio.assets import storage
from audio_manager.services.context import Actor

from .conftest import bearer, load_tree, make_user
from .ringback_helpers import make_carrier
from .schedule_helpers import TREE, approved_upload
from .workflow_helpers import actor, new_message, pending_version


@pytest.fixture
def world(app_ctx, tmp_path):
    load_tree(TREE)
    stock.install_generated(Actor.system())
    db.session.commit()
    editor = make_user("editor", Role.EDITOR)
    approver = make_user("approver", Role.APPROVER)
    make_user("viewer", Role.VIEWER)
    message = new_message(editor, "BHXH tự nguyện")
    version = approved_upload(editor, approver, message, "kinh", tmp_path)
    return {"editor": editor, "approver": approver, "message": message, "version": version}


def release_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(RingbackRelease.id)))


def prepare(client, token, version_id, carrier="viettel"):
    return client.post(
        "/api/v1/ringback/releases",
        json={"version_id": version_id, "carrier": carrier},
        headers=bearer(token),
    )


def read_zip(client, token, release_id) -> zipfile.ZipFile:
    response = client.get(f"/api/v1/ringback/releases/{release_id}/package", headers=bearer(token))
    assert response.status_code == 200
    assert response.data[:4] == b"PK\x03\x04"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_holds_the_audio_in_the_carriers_profile_and_a_metadata_sheet(
    world, client, token_for
) -> None:
    make_carrier("viettel")
    token = token_for("editor")
    ringback = world["version"].rendition("ringback").asset
    response = prepare(client, token, world["version"].id)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "prepared" and body["content_code"] is None
    archive = read_zip(client, token, body["id"])
    audio_name = f"viettel-m{world['message'].id}-kinh-v{world['version'].number}.mp3"
    assert sorted(archive.namelist()) == sorted([audio_name, "metadata.xlsx"])
    facts = measure(archive.read(audio_name))
    assert facts.codec == "mp3" and facts.sample_rate == 44100 and facts.channels == 1
    assert abs(facts.bitrate - 128_000) <= 8000
    assert facts.duration_s == pytest.approx(ringback.duration, abs=0.1)
    assert facts.duration_s <= 30.0
    assert -17.5 <= facts.lufs <= -14.5
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("metadata.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    meta = dict(zip(rows[0], rows[1], strict=True))
    assert meta["Nhà mạng"] == "Viettel" and meta["Tên nội dung"] == "BHXH tự nguyện"
    assert meta["Tệp âm thanh"] == audio_name and meta["Ngôn ngữ"] == "kinh"
    assert meta["Thời lượng (giây)"] == pytest.approx(facts.duration_s, abs=0.02)
    assert meta["SHA-256"] == facts.sha256


def test_a_telephony_carrier_gets_8_khz_a_law_wav(world, client, token_for) -> None:
    make_carrier("mobifone", codec="pcm_alaw", sample_rate=8000, bitrate_kbps=None)
    token = token_for("editor")
    response = prepare(client, token, world["version"].id, "mobifone")
    assert response.status_code == 201, response.json
    archive = read_zip(client, token, response.json["id"])
    [name] = [n for n in archive.namelist() if n.endswith(".wav")]
    facts = measure(archive.read(name))
    assert facts.codec == "pcm_alaw" and facts.sample_rate == 8000 and facts.channels == 1
    ringback = world["version"].rendition("ringback").asset.duration
    assert facts.duration_s == pytest.approx(ringback, abs=0.1)
    assert -19.0 <= facts.lufs <= -13.0
    audio = client.get(
        f"/api/v1/ringback/releases/{response.json['id']}/audio", headers=bearer(token)
    )
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"


def test_a_version_that_is_not_approved_is_refused_and_nothing_is_stored(
    world, client, token_for
) -> None:
    make_carrier("viettel")
    pending = pending_version(world["editor"], world["message"])
    keys = set(storage().keys())
    response = prepare(client, token_for("editor"), pending.id)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_approved"
    assert release_count() == 0 and set(storage().keys()) == keys


def test_a_ringback_longer_than_the_carriers_maximum_is_refused(world, client, token_for) -> None:
    make_carrier("vinaphone", max_duration_s=2.0)
    keys = set(storage().keys())
    response = prepare(client, token_for("editor"), world["version"].id, "vinaphone")
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "too_long" and error["details"]["max_duration_s"] == 2.0
    assert "VinaPhone" in error["message"] and "2" in error["message"]
    assert release_count() == 0 and set(storage().keys()) == keys


def test_status_moves_with_content_code_reason_and_stale_revision(world, client, token_for) -> None:
    make_carrier("viettel")
    token = token_for("editor")
    release = prepare(client, token, world["version"].id).json
    again = prepare(client, token, world["version"].id)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_released"

    def move(**body):
        return client.post(
            f"/api/v1/ringback/releases/{release['id']}/status", json=body, headers=bearer(token)
        )

    no_code = move(action="live")
    assert no_code.status_code == 422 and no_code.json["error"]["code"] == "code_required"
    bad_code = move(action="submit", content_code="12 34")
    assert bad_code.json["error"]["code"] == "bad_content_code"
    submitted = move(action="submit", revision=release["revision"])
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    stale = move(action="live", content_code="123456", revision=release["revision"])
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale"
    live = move(action="live", content_code="123456", revision=submitted.json["revision"])
    assert live.status_code == 200
    assert live.json["status"] == "live" and live.json["content_code"] == "123456"
    assert live.json["live_at"] and live.json["submitted_at"]
    no_reason = move(action="withdraw")
    assert no_reason.json["error"]["code"] == "reason_required"
    withdrawn = move(action="withdraw", reason="Hết chiến dịch")
    assert withdrawn.json["status"] == "withdrawn" and withdrawn.json["withdraw_reason"]
    assert move(action="live").status_code == 409
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "release")
    ).all()
    assert actions == ["release.prepare", "release.submit", "release.live", "release.withdraw"]

    # A withdrawn release frees the version for a new one; its code stays taken on the carrier.
    second = prepare(client, token, world["version"].id).json
    taken = client.post(
        f"/api/v1/ringback/releases/{second['id']}/status",
        json={"action": "live", "content_code": "123456"},
        headers=bearer(token),
    )
    assert taken.status_code == 409 and taken.json["error"]["code"] == "duplicate_content_code"


def test_release_pages_for_editors_and_viewers(world, login_as) -> None:
    make_carrier("viettel")
    editor = login_as("editor")
    page = editor.get(f"/ringback/releases/new?version_id={world['version'].id}")
    assert page.status_code == 200 and "BHXH tự nguyện" in page.get_data(as_text=True)
    carrier_id = db.session.scalar(sa.text("SELECT id FROM carriers WHERE code = 'viettel'"))
    response = editor.submit(
        "/ringback/releases/new",
        {"version_id": world["version"].id, "carrier_id": carrier_id, "note": ""},
    )
    assert response.status_code == 302
    release_id = db.session.scalar(sa.select(RingbackRelease.id))
    url = f"/ringback/releases/{release_id}"
    html = editor.get(url).get_data(as_text=True)
    assert f"/api/v1/ringback/releases/{release_id}/package" in html and "Đã chuẩn bị" in html
    moved = editor.submit(
        f"{url}/move", {"action": "live", "content_code": "765432", "revision": "1"}, page=url
    )
    assert moved.status_code == 302
    assert "765432" in editor.get(url).get_data(as_text=True)
    viewer = login_as("viewer")
    assert viewer.get(url).status_code == 200
    assert (
        viewer.submit(f"{url}/move", {"action": "withdraw", "reason": "x"}, page=url).status_code
        == 403
    )
    version_page = editor.get(f"/versions/{world['version'].id}").get_data(as_text=True)
    assert f"/ringback/releases/new?version_id={world['version'].id}" in version_page


def test_carrier_profile_changes_are_validated(app_ctx, login_as) -> None:
    make_user("admin", Role.ADMIN)
    admin = login_as("admin")
    form = {
        "code": "itel",
        "name": "iTel",
        "active": "y",
        "source_profile": "ringback",
        "codec": "mp3",
        "bitrate_kbps": "900",
        "sample_rate": "44100",
        "max_duration_s": "30",
        "sms_template": "DK {ma}",
        "sms_number": "abc",
    }
    refused = admin.submit("/ringback/carriers/new", form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "{ma}" in html and "320 kbit/s" in html
    assert db.session.scalar(sa.text("SELECT count(*) FROM carriers WHERE code = 'itel'")) == 0
    form.update(bitrate_kbps="96", sms_template="DK {code}", sms_number="9123")
    assert admin.submit("/ringback/carriers/new", form).status_code == 302
    assert actor  # the helpers module stays imported for the shared fixtures


def test_the_release_picker_names_languages_sorts_kinh_hoa_khmer_and_chooses_nothing(
    world, login_as, tmp_path
) -> None:
    """The Hoa version was once preselected (sorted by code) and released by mistake."""
    for language in ("khmer", "hoa"):
        approved_upload(world["editor"], world["approver"], world["message"], language, tmp_path)
    make_carrier("viettel")
    make_carrier("mobifone")
    editor = login_as("editor")
    html = editor.get("/ringback/releases/new").get_data(as_text=True)
    select = html[html.index('name="version_id"') : html.index("</select>")]
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert labels[0] == "— chọn phiên bản —"
    assert [label.split(" · ")[1] for label in labels[1:]] == [
        "phiên bản 1 (Kinh)",
        "phiên bản 1 (Hoa)",
        "phiên bản 1 (Khmer)",
    ]
    assert "selected" not in select
    carriers = html[html.index('name="carrier_id"') :]
    assert "— chọn nhà mạng —" in carriers[: carriers.index("</select>")]
    refused = editor.submit("/ringback/releases/new", {"version_id": "0", "carrier_id": "0"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Hãy chọn phiên bản để phát hành." in body and "Hãy chọn nhà mạng." in body
    assert release_count() == 0

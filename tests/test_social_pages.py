"""Social videos and bulletins on the pages and the API: a message opts in, its versions get
videos and caption files to watch and download; an admin's image; a bulletin made on the
message page (pick, order, gap, preview, create, submit)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from audio_manager.extensions import db
from audio_manager.models import BrandImage, Role, SourceKind, Version
from audio_manager.production import ffmpeg
from audio_manager.services.audio import stock
from audio_manager.services.context import Actor
from audio_manager.services.messages import workflow

from .conftest import bearer, make_user
from .schedule_helpers import approved_upload
from .workflow_helpers import actor, new_message, speech_version

SMALL = {"social_square": (160, 160), "social_vertical": (120, 214), "social_wide": (214, 120)}


@pytest.fixture
def small_videos(app: Any) -> Iterator[None]:
    """The social profiles at thumbnail size and a fast encoder (the same code otherwise)."""
    available = app.extensions["audio_manager.profiles"]
    saved = {name: available[name] for name in SMALL}
    for name, (width, height) in SMALL.items():
        available[name] = dataclasses.replace(
            saved[name], width=width, height=height, fps=5, video_preset="ultrafast"
        )
    yield
    available.update(saved)


@pytest.fixture
def people(app_ctx: Any) -> dict[str, Any]:
    stock.install_generated(Actor.system())
    db.session.commit()
    return {
        "editor": make_user("editor", Role.EDITOR),
        "approver": make_user("approver", Role.APPROVER),
        "admin": make_user("admin", Role.ADMIN),
    }


def approved_speech(people: dict[str, Any], message: Any, text: str) -> Version:
    version = speech_version(people["editor"], message, "kinh", text)
    workflow.transition(actor(people["editor"]), version, "submit")
    workflow.transition(actor(people["approver"]), version, "approve")
    db.session.commit()
    return version


def links(html: str) -> list[str]:
    return re.findall(r'href="(/api/v1/renditions/\d+/file)" download', html)


def test_a_message_opts_in_and_its_version_page_plays_and_offers_each_video(
    people: dict[str, Any], login_as: Any, small_videos: None
) -> None:
    message = new_message(people["editor"], "Bảo hiểm xã hội tự nguyện")
    version = approved_speech(people, message, "Bảo hiểm xã hội tự nguyện. Gọi 1900 9068.")
    browser = login_as("editor")
    page = f"/messages/{message.id}"
    assert version.social_job is None  # off by default: nothing is rendered
    response = browser.submit(f"/messages/{message.id}/social-video", {"enabled": "1"}, page=page)
    assert response.status_code == 302
    db.session.refresh(version)
    db.session.refresh(message)
    assert message.social_video and version.social_job.status == "done"
    html = browser.get(f"/versions/{version.id}").get_data(as_text=True)
    assert "<video controls" in html and '<track kind="captions"' in html
    downloads = links(html[html.index('id="social"') :])
    assert len(downloads) == 5  # three sizes, SRT, VTT
    kinds = [browser.get(url) for url in downloads]
    assert [r.mimetype for r in kinds] == [
        "video/mp4", "video/mp4", "video/mp4", "application/x-subrip", "text/vtt"
    ]  # fmt: skip
    vtt = kinds[-1].get_data(as_text=True)
    assert vtt.startswith("WEBVTT") and "Bảo hiểm xã hội tự nguyện." in vtt
    video = kinds[1].get_data()
    done = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", "pipe:0"], input=video, capture_output=True
    )
    assert b"120x214" in done.stderr and b"h264" in done.stderr
    # The audio job stays the version's job: the videos do not hold up its workflow.
    assert version.latest_job.kind == "audio"


def test_new_versions_of_an_opted_in_message_get_videos_after_their_audio(
    people: dict[str, Any], small_videos: None
) -> None:
    message = new_message(people["editor"])
    message.social_video = True
    db.session.commit()
    version = speech_version(people["editor"], message, "kinh", "Xin chào bà con.")
    db.session.refresh(version)
    assert [j.kind for j in version.jobs] == ["audio", "social"]
    assert {r.profile for r in version.renditions} >= {"social_square", "captions_vtt"}


def test_the_api_turns_videos_on_and_off_and_refuses_videos_for_a_message_that_did_not_opt_in(
    people: dict[str, Any], client: Any, token_for: Any, small_videos: None
) -> None:
    message = new_message(people["editor"])
    version = approved_speech(people, message, "Xin chào bà con.")
    auth = bearer(token_for("editor"))
    refused = client.post(f"/api/v1/versions/{version.id}/social-videos", headers=auth)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "social_video_off"
    bad = client.put(f"/api/v1/messages/{message.id}/social-video", json={}, headers=auth)
    assert bad.status_code == 422
    on = client.put(
        f"/api/v1/messages/{message.id}/social-video", json={"enabled": True}, headers=auth
    )
    assert on.status_code == 200 and on.json["social_video"] is True
    assert [j["kind"] for j in on.json["jobs"]] == ["social"]
    shown = client.get(f"/api/v1/versions/{version.id}", headers=auth).json
    assert shown["social_job"]["status"] == "done" and shown["job"]["kind"] == "audio"
    profiles = {r["profile"]: r["asset"]["mime"] for r in shown["renditions"]}
    assert profiles["social_wide"] == "video/mp4" and profiles["captions_srt"] == (
        "application/x-subrip"
    )
    again = client.post(f"/api/v1/versions/{version.id}/social-videos", headers=auth)
    assert again.status_code == 202 and again.json["kind"] == "social"
    off = client.put(
        f"/api/v1/messages/{message.id}/social-video", json={"enabled": False}, headers=auth
    )
    assert off.status_code == 200 and off.json == {"social_video": False, "jobs": []}


def png(width: int, height: int) -> bytes:
    return subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         f"color=c=red:s={width}x{height}", "-frames:v", "1", "-f", "image2pipe",
         "-c:v", "png", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def test_an_admin_uploads_a_logo_checked_by_its_bytes(people: dict[str, Any], login_as: Any):
    import io

    browser = login_as("admin")
    refused = browser.submit(
        "/social-image", {"placement": "logo", "file": (io.BytesIO(b"%PDF-1.4 x"), "logo.png")}
    )
    assert refused.status_code == 422
    assert "PNG, JPEG" in refused.get_data(as_text=True)
    huge = bytearray(png(8, 8))
    huge[16:24] = (90000).to_bytes(4, "big") * 2  # the header claims 90000x90000 pixels
    assert (
        browser.submit(
            "/social-image", {"placement": "logo", "file": (io.BytesIO(bytes(huge)), "big.png")}
        ).status_code
        == 422
    )
    assert db.session.scalar(db.select(BrandImage)) is None  # nothing half-made
    saved = browser.submit(
        "/social-image", {"placement": "logo", "file": (io.BytesIO(png(3000, 600)), "l.jpg")}
    )
    assert saved.status_code == 302
    image = db.session.scalar(db.select(BrandImage))
    assert (image.width, image.height, image.asset.mime) == (1920, 384, "image/png")
    served = browser.get("/social-image/file")
    assert served.status_code == 200 and served.get_data()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bulletin_is_picked_ordered_previewed_and_created_on_the_message_page(
    people: dict[str, Any], login_as: Any, tmp_path: Any
) -> None:
    editor, approver = people["editor"], people["approver"]
    message = new_message(editor)
    parts = {
        lang: approved_upload(editor, approver, message, lang, tmp_path)
        for lang in ("kinh", "hoa", "khmer")
    }
    browser = login_as("editor")
    page = f"/messages/{message.id}"
    html = browser.get(page).get_data(as_text=True)
    for version in parts.values():
        assert f'name="part-{version.id}" value="1"' in html
    form = {f"part-{v.id}": "1" for v in parts.values()}
    order = {"khmer": 1, "kinh": 2, "hoa": 3}
    form.update({f"position-{parts[k].id}": str(n) for k, n in order.items()})
    preview = browser.submit(
        f"/messages/{message.id}/bulletin", {**form, "gap": "2", "action": "preview"}, page=page
    )
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    section = shown[shown.index('id="bulletin-preview"') :]
    assert section.index("ភាសាខ្មែរ") < section.index("Tiếng Việt") < section.index("中文")
    assert section.count("data-bulletin-part") == 3
    assert (
        db.session.scalar(db.select(Version).where(Version.source_kind == SourceKind.BULLETIN))
        is None
    )  # a preview makes nothing
    too_long = browser.submit(
        f"/messages/{message.id}/bulletin", {**form, "gap": "99", "action": "create"}, page=page
    )
    assert too_long.status_code == 422
    created = browser.submit(
        f"/messages/{message.id}/bulletin", {**form, "gap": "2", "action": "create"}, page=page
    )
    assert created.status_code == 302
    bulletin = db.session.scalar(
        db.select(Version).where(Version.source_kind == SourceKind.BULLETIN)
    )
    assert [p.part_version_id for p in bulletin.parts] == [parts[k].id for k in order]
    assert bulletin.gap_seconds == 2 and bulletin.latest_job.status == "done"
    loud = bulletin.rendition("loudspeaker").asset.duration
    alone = sum(parts[k].rendition("loudspeaker").asset.duration for k in order)
    assert loud > alone  # the parts and the gaps between them
    html = browser.get(page).get_data(as_text=True)
    submit = f'/versions/{bulletin.id}/submit"'
    assert submit in html  # submitted like any version, from the message page
    response = browser.submit(
        f"/versions/{bulletin.id}/submit",
        {"revision": str(bulletin.revision), "next": page},
        page=page,
    )
    assert response.status_code == 302
    db.session.refresh(bulletin)
    assert bulletin.status == "pending"

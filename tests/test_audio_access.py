"""Audio of drafts and rejected versions only for those who may read drafts; operators and
viewers limited to areas get only approved audio their playlists hold; protected audio is never
cacheable by shared caches."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from audio_manager import scheduling as sched
from audio_manager.extensions import db
from audio_manager.models import Area, Rendition, Role, VersionStatus
from audio_manager.models.base import local_today
from audio_manager.services.broadcast import schedules
from audio_manager.services.messages import versions

from .audio_fixtures import speech_wav
from .conftest import bearer, load_tree, make_user
from .workflow_helpers import actor, new_message


def version_with_audio(editor: Any, message: Any, status: str, folder: Any) -> Any:
    """A version whose preview rendition is its own recording (no rendering: this is about who
    may fetch it, not how it sounds)."""
    with speech_wav(folder / f"{status}-{message.id}.wav", 1.0).open("rb") as stream:
        version, _job = versions.create_from_upload(actor(editor), message, "kinh", stream, "v.wav")
    version.status = status
    db.session.add(Rendition(version=version, profile="preview", asset_id=version.source_asset_id))
    db.session.flush()
    return version


@pytest.fixture
def w(app_ctx: Any, tmp_path: Any, token_for: Any) -> dict[str, Any]:
    load_tree()
    editor = make_user("editor", Role.EDITOR)
    make_user("approver", Role.APPROVER)
    make_user("operator", Role.OPERATOR, areas=["94101"])
    make_user("viewer", Role.VIEWER)
    make_user("binh_viewer", Role.VIEWER, areas=["94201"])
    make_user("admin", Role.ADMIN)
    message = new_message(editor)
    kinh_v1 = version_with_audio(editor, message, VersionStatus.APPROVED, tmp_path)
    kinh = version_with_audio(editor, message, VersionStatus.APPROVED, tmp_path)
    kinh.variant.current_version_id = kinh.id
    draft = version_with_audio(editor, message, VersionStatus.DRAFT, tmp_path)
    rejected = version_with_audio(editor, new_message(editor, "Khác"), "rejected", tmp_path)
    today = local_today()
    rec = sched.Recurrence("daily", today, today + timedelta(days=7), (time(6, 30),))
    an = db.session.scalar(db.select(Area).where(Area.code == "94101"))
    schedules.create(actor(editor), message, [an], rec)
    db.session.commit()
    names = ("editor", "approver", "operator", "viewer", "binh_viewer", "admin")
    return {
        "kinh_v1": kinh_v1,
        "kinh": kinh,
        "draft": draft,
        "rejected": rejected,
        "tokens": {name: token_for(name) for name in names},
    }


def fetch(client: Any, w: dict[str, Any], who: str, version: Any) -> Any:
    rendition = next(r for r in version.renditions if r.profile == "preview")
    return client.get(f"/api/v1/renditions/{rendition.id}/file", headers=bearer(w["tokens"][who]))


@pytest.mark.parametrize("who", ["editor", "approver", "admin", "viewer"])
def test_who_may_read_drafts_hears_every_version(client, w, who) -> None:
    for key in ("draft", "rejected", "kinh", "kinh_v1"):
        assert fetch(client, w, who, w[key]).status_code == 200, (who, key)


def test_an_operator_hears_only_what_their_playlist_holds(client, w) -> None:
    response = fetch(client, w, "operator", w["kinh"])  # current, scheduled in Xã An
    assert response.status_code == 200
    assert response.data[:4] == b"RIFF" and len(response.data) > 1000
    for key in ("draft", "rejected", "kinh_v1"):  # kinh_v1: approved, but not what plays
        refused = fetch(client, w, "operator", w[key])
        assert refused.status_code == 404, key
        assert refused.json["error"]["code"] == "rendition_not_found"


def test_a_viewer_limited_to_other_areas_hears_nothing_of_it(client, w) -> None:
    for key in ("kinh", "draft", "kinh_v1"):
        assert fetch(client, w, "binh_viewer", w[key]).status_code == 404, key


def test_protected_audio_is_private_to_the_browser(client, w) -> None:
    response = fetch(client, w, "operator", w["kinh"])
    control = response.headers["Cache-Control"]
    assert "private" in control and "public" not in control
    ranged = client.get(
        f"/api/v1/renditions/{w['draft'].renditions[0].id}/file",
        headers={**bearer(w["tokens"]["editor"]), "Range": "bytes=0-9"},
    )
    assert ranged.status_code == 206
    assert "public" not in ranged.headers["Cache-Control"]

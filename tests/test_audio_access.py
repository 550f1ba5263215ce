"""Audio of drafts and rejected versions only for those who may read drafts; operators and
viewers limited to areas get only approved audio their playlists hold; protected audio is never
cacheable by shared caches."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from audio_manager import scheduling as sched
from audio_manager.extensions import db
from audio_manager.models import Area, Role
from audio_manager.models.base import local_today
from audio_manager.services.broadcast import schedules
from audio_manager.services.messages import workflow

from .conftest import bearer, make_user
from .schedule_helpers import world as schedule_world
from .workflow_helpers import actor, new_message, speech_version


@pytest.fixture
def w(app_ctx: Any, tmp_path: Any, token_for: Any) -> dict[str, Any]:
    found = schedule_world(tmp_path)
    editor = found["editor"]
    make_user("binh_viewer", Role.VIEWER, areas=["94201"])
    make_user("admin", Role.ADMIN)
    today = local_today()
    rec = sched.Recurrence("daily", today, today + timedelta(days=7), (time(6, 30),))
    an = db.session.scalar(db.select(Area).where(Area.code == "94101"))
    schedules.create(actor(editor), found["message"], [an], rec)
    draft = speech_version(editor, found["message"], "kinh", "Bản nháp.")
    rejected = speech_version(editor, new_message(editor, "Khác"), "kinh", "Bị từ chối.")
    workflow.transition(actor(editor), rejected, "submit")
    workflow.transition(actor(found["approver"]), rejected, "reject", reason="Sai số")
    db.session.commit()
    names = ("editor", "approver", "operator", "viewer", "binh_viewer", "admin")
    return {
        **found,
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
    assert response.data[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3") or len(response.data) > 1000
    for key in ("draft", "rejected", "kinh_v1"):  # kinh_v1: approved, but not what plays
        refused = fetch(client, w, "operator", w[key])
        assert refused.status_code == 404, key
        assert refused.json["error"]["code"] == "rendition_not_found"


def test_a_viewer_limited_to_other_areas_hears_nothing_of_it(client, w) -> None:
    for key in ("kinh", "draft", "khmer"):
        assert fetch(client, w, "binh_viewer", w[key]).status_code == 404, key


def test_protected_audio_is_private_to_the_browser(client, w) -> None:
    response = fetch(client, w, "operator", w["kinh"])
    control = response.headers["Cache-Control"]
    assert "private" in control and "public" not in control
    ranged = client.get(
        f"/api/v1/renditions/{w['kinh'].renditions[0].id}/file",
        headers={**bearer(w["tokens"]["editor"]), "Range": "bytes=0-9"},
    )
    assert ranged.status_code == 206
    assert "public" not in ranged.headers["Cache-Control"]

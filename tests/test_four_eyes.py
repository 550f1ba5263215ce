"""Four-eyes follows authorship: whoever made or changed a version (created it, re-spoke it,
restored it, wrote a part of its bulletin) may not approve it, on the API, the pages and the
CLI; the contributors are kept, shown on the version page and in the audit."""

from __future__ import annotations

from typing import Any

import pytest

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, Role, VersionStatus
from audio_manager.services.errors import PermissionDenied
from audio_manager.services.messages import versions, workflow

from .conftest import bearer, make_user
from .workflow_helpers import actor, approved_version, new_message, speech_version


@pytest.fixture
def people(users: Any) -> dict[str, Any]:
    """``both`` edits and approves (a small office); ``lead`` only approves."""
    return {
        **users,
        "both": make_user("both", Role.EDITOR, Role.APPROVER),
        "lead": make_user("lead", Role.APPROVER),
    }


def edited_by_both(people: dict[str, Any], client: Any, token_for: Any) -> Any:
    """The editor's draft, re-spoken by ``both`` through the API, then submitted."""
    draft = speech_version(people["editor"], new_message(people["editor"]))
    response = client.patch(
        f"/api/v1/versions/{draft.id}",
        json={"text": "Bà con lưu ý: đóng BHXH tự nguyện.", "engine": "espeak"},
        headers=bearer(token_for("both")),
    )
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    version = versions.get(draft.id)
    workflow.transition(actor(people["editor"]), version, "submit")
    db.session.commit()
    return version


def test_an_approver_who_edited_a_colleagues_draft_cannot_approve_it(
    client, people, token_for
) -> None:
    version = edited_by_both(people, client, token_for)
    assert version.created_by_id == people["editor"].id
    response = client.post(
        f"/api/v1/versions/{version.id}/approve", json={}, headers=bearer(token_for("both"))
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "four_eyes"
    db.session.expire_all()
    assert versions.get(version.id).status == VersionStatus.PENDING
    fine = client.post(
        f"/api/v1/versions/{version.id}/approve", json={}, headers=bearer(token_for("lead"))
    )
    assert fine.status_code == 200
    assert fine.json["status"] == "approved"


def test_contributors_are_kept_and_answered(client, people, token_for) -> None:
    version = edited_by_both(people, client, token_for)
    response = client.get(f"/api/v1/versions/{version.id}", headers=bearer(token_for("lead")))
    assert [(c["username"], c["kind"]) for c in response.json["contributors"]] == [
        ("editor", "created"),
        ("both", "edited"),
    ]


def test_the_version_page_names_the_contributors(client, people, token_for, login_as) -> None:
    version = edited_by_both(people, client, token_for)
    page = login_as("lead").get(f"/versions/{version.id}").get_data(as_text=True)
    assert "editor" in page and "both" in page
    assert 'class="contributors"' in page


def test_the_approval_page_refuses_a_contributor(client, people, token_for, login_as) -> None:
    version = edited_by_both(people, client, token_for)
    web = login_as("both")
    response = web.submit(
        f"/versions/{version.id}/approve",
        {"revision": str(version.revision)},
        page=f"/messages/{version.variant.message_id}",
    )
    assert response.status_code in (302, 403)
    db.session.expire_all()
    assert versions.get(version.id).status == VersionStatus.PENDING
    shown = web.get(f"/messages/{version.variant.message_id}").get_data(as_text=True)
    assert f"/versions/{version.id}/approve" not in shown, "no approve button for a contributor"


def test_the_cli_refuses_a_contributor(app, client, people, token_for) -> None:
    version = edited_by_both(people, client, token_for)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["versions", "approve", str(version.id), "--as", "both"])
    assert refused.exit_code != 0
    assert "lãnh đạo khác" in refused.output  # "another approver must review it"
    shown = runner.invoke(args=["versions", "show", str(version.id)])
    assert "created   editor" in shown.output and "edited    both" in shown.output
    done = runner.invoke(args=["versions", "approve", str(version.id), "--as", "lead"])
    assert done.exit_code == 0, done.output
    assert "approved" in done.output


def test_the_audit_of_a_decision_names_the_contributors(client, people, token_for) -> None:
    version = edited_by_both(people, client, token_for)
    workflow.transition(actor(people["lead"]), version, "approve")
    db.session.commit()
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "version.approve"))
    assert event.detail["contributors"] == ["editor", "both"]
    audit = client.get(
        f"/api/v1/messages/{version.variant.message_id}/audit", headers=bearer(token_for("lead"))
    )
    edits = [e for e in audit.json if e["action"] == "version.edit"]
    assert edits and edits[0]["actor"] == "both"


def test_restoring_keeps_the_authors_of_what_is_copied(people) -> None:
    old = approved_version(people["both"], people["lead"])
    copy = workflow.restore(actor(people["editor"]), old)
    db.session.commit()
    assert {r.user.username: r.kind for r in copy.contributor_rows} == {
        "editor": "created",
        "both": "restored",
    }
    workflow.transition(actor(people["editor"]), copy, "submit")
    with pytest.raises(PermissionDenied) as refused:
        workflow.transition(actor(people["both"]), copy, "approve")
    assert refused.value.code == "four_eyes"


def test_a_bulletin_counts_the_authors_of_its_parts(people) -> None:
    message = new_message(people["editor"])
    kinh = speech_version(people["both"], message, "kinh")
    hoa = speech_version(people["editor"], message, "hoa", "您好")
    bulletin, _job = versions.create_bulletin(actor(people["editor"]), message, [kinh.id, hoa.id])
    db.session.commit()
    assert {r.user.username for r in bulletin.contributor_rows} == {"editor", "both"}
    assert "both" in {r.user.username for r in bulletin.contributor_rows if r.kind == "part"}


def test_one_person_offices_may_allow_self_approval(app, client, people, token_for) -> None:
    version = edited_by_both(people, client, token_for)
    app.config["ALLOW_SELF_APPROVAL"] = True
    try:
        response = client.post(
            f"/api/v1/versions/{version.id}/approve", json={}, headers=bearer(token_for("both"))
        )
    finally:
        app.config["ALLOW_SELF_APPROVAL"] = False
    assert response.status_code == 200

"""The version state machine: moves, who may make them, four-eyes, stale forms, concurrency."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import AuditEvent, JobStatus, RenderJob, Role, Version, VersionStatus
from audio_manager.services.errors import Conflict, PermissionDenied, ValidationFailed
from audio_manager.services.messages import workflow

from .conftest import make_user
from .workflow_helpers import (
    actor,
    approved_version,
    new_message,
    pending_version,
    speech_version,
)


@pytest.fixture
def people(app_ctx):
    return {
        "editor": make_user("editor", Role.EDITOR),
        "approver": make_user("approver", Role.APPROVER),
        "approver2": make_user("approver2", Role.APPROVER),
        "solo": make_user("solo", Role.EDITOR, Role.APPROVER),
        "admin": make_user("admin", Role.ADMIN),
    }


def test_submit_approve_makes_the_version_current(people) -> None:
    editor, approver = people["editor"], people["approver"]
    first = approved_version(editor, approver)
    assert first.status == VersionStatus.APPROVED and first.is_current
    second = approved_version(editor, approver, first.variant.message, text="Xin chào lần hai.")
    db.session.refresh(first)
    assert second.is_current and not first.is_current
    assert first.status == VersionStatus.APPROVED  # the previous one stays in history
    assert [v.number for v in first.variant.versions] == [1, 2]


def test_reject_needs_a_reason(people) -> None:
    version = pending_version(people["editor"])
    with pytest.raises(ValidationFailed) as caught:
        workflow.transition(actor(people["approver"]), version, "reject", reason="  ")
    assert caught.value.code == "reason_required"
    workflow.transition(actor(people["approver"]), version, "reject", reason="Sai số tổng đài")
    db.session.commit()
    assert version.status == VersionStatus.REJECTED
    assert version.decision_reason == "Sai số tổng đài"


@pytest.mark.parametrize(
    ("setup", "move", "code"),
    [
        ("draft", "approve", "illegal_transition"),
        ("draft", "reject", "illegal_transition"),
        ("pending", "submit", "illegal_transition"),
        ("approved", "approve", "illegal_transition"),
        ("retired", "approve", "illegal_transition"),
        ("retired", "retire", "illegal_transition"),
        ("rejected", "approve", "illegal_transition"),
    ],
)
def test_illegal_transitions_change_nothing(people, setup, move, code) -> None:
    editor, approver = people["editor"], people["approver"]
    version = {
        "draft": lambda: speech_version(editor, new_message(editor)),
        "pending": lambda: pending_version(editor),
        "approved": lambda: approved_version(editor, approver),
        "retired": lambda: approved_version(editor, approver),
        "rejected": lambda: pending_version(editor),
    }[setup]()
    if setup == "retired":
        workflow.transition(actor(approver), version, "retire")
    if setup == "rejected":
        workflow.transition(actor(approver), version, "reject", reason="no")
    db.session.commit()
    before = (version.status, version.revision)
    who = editor if move == "submit" else approver
    with pytest.raises(Conflict) as caught:
        workflow.transition(actor(who), version, move, reason="x")
    assert caught.value.code == code
    db.session.refresh(version)
    assert (version.status, version.revision) == before


def test_nobody_approves_their_own_version(app, people) -> None:
    solo = people["solo"]
    version = pending_version(solo)
    with pytest.raises(PermissionDenied) as caught:
        workflow.transition(actor(solo), version, "approve")
    assert caught.value.code == "four_eyes"
    app.config["ALLOW_SELF_APPROVAL"] = True
    try:
        workflow.transition(actor(solo), version, "approve")
    finally:
        app.config["ALLOW_SELF_APPROVAL"] = False
    assert version.status == VersionStatus.APPROVED


def test_approvers_review_only_their_languages(people) -> None:
    from audio_manager.services.accounts import accounts

    approver = people["approver"]
    accounts.update_user(
        actor(people["admin"]),
        approver,
        display_name="",
        roles=["approver"],
        areas=[],
        active=True,
        review_languages=["khmer"],
    )
    db.session.commit()
    version = pending_version(people["editor"])
    with pytest.raises(PermissionDenied) as caught:
        workflow.transition(actor(approver), version, "approve")
    assert caught.value.code == "language_not_assigned"
    workflow.transition(actor(people["approver2"]), version, "approve")


def test_a_stale_form_is_refused(people) -> None:
    version = pending_version(people["editor"])
    seen = version.revision
    workflow.transition(actor(people["approver"]), version, "reject", reason="sai")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        workflow.transition(actor(people["approver2"]), version, "approve", seen_revision=seen)
    assert caught.value.code == "stale"


def test_submit_waits_for_the_audio(people) -> None:
    editor = people["editor"]
    version = speech_version(editor, new_message(editor))
    db.session.add(RenderJob(version=version, status=JobStatus.FAILED, error="boom"))
    db.session.commit()
    db.session.refresh(version)
    with pytest.raises(Conflict) as caught:
        workflow.transition(actor(editor), version, "submit")
    assert caught.value.code == "audio_not_ready"


def test_retire_stops_the_current_version(people) -> None:
    version = approved_version(people["editor"], people["approver"])
    workflow.transition(actor(people["approver"]), version, "retire", reason="hết chiến dịch")
    db.session.commit()
    assert version.status == VersionStatus.RETIRED and version.variant.current_version_id is None
    assert version.retire_reason == "hết chiến dịch"


def test_restore_copies_an_old_version_into_a_new_draft(people) -> None:
    editor, approver = people["editor"], people["approver"]
    old = approved_version(editor, approver, text="Bản cũ.")
    approved_version(editor, approver, old.variant.message, text="Bản mới.")
    copy = workflow.restore(actor(editor), old, reason="quay lại bản cũ")
    db.session.commit()
    assert (copy.number, copy.status, copy.restored_from_id) == (3, VersionStatus.DRAFT, old.id)
    assert copy.script_text == "Bản cũ." and copy.source_asset_id == old.source_asset_id
    assert {r.profile: r.asset_id for r in copy.renditions} == {
        r.profile: r.asset_id for r in old.renditions
    }
    workflow.transition(actor(editor), copy, "submit")  # ready without rendering again
    db.session.commit()
    assert copy.status == VersionStatus.PENDING


def test_every_move_is_audited_with_its_reason(people) -> None:
    version = pending_version(people["editor"])
    workflow.transition(actor(people["approver"]), version, "reject", reason="Thiếu số tổng đài")
    db.session.commit()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == "message",
            AuditEvent.object_id == str(version.variant.message_id),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "message.create",
        "version.create",
        "version.submit",
        "version.reject",
    ]
    assert events[-1].reason == "Thiếu số tổng đài" and events[-1].actor_label == "approver"


def test_two_approvers_at_once_exactly_one_wins(app, people) -> None:
    version_id = pending_version(people["editor"]).id
    approvers = [people["approver"].id, people["approver2"].id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user_id: int, move: str) -> None:
        with app.app_context():
            from audio_manager.models import User

            user = db.session.get(User, user_id)
            version = db.session.get(Version, version_id)
            assert version.revision == 2
            barrier.wait()
            try:
                workflow.transition(actor(user), version, move, reason="không đạt")
                db.session.commit()
                outcomes.append(move)
            except Conflict as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(approvers[0], "approve")),
        threading.Thread(target=act, args=(approvers[1], "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) in (["approve", "stale"], ["reject", "stale"]), outcomes
    db.session.expire_all()
    final = db.session.get(Version, version_id)
    assert final.status in (VersionStatus.APPROVED, VersionStatus.REJECTED)
    assert final.revision == 3
    assert final.is_current == (final.status == VersionStatus.APPROVED)

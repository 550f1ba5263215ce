"""One state machine for versions: the allowed moves, who may make each, and concurrency.

    draft ──submit──▶ pending ──approve──▶ approved ──retire──▶ retired
                         └────reject───▶ rejected

Each move is one guarded UPDATE (``WHERE status = :from AND revision = :seen``): of two approvers
acting on the same version at once exactly one wins, and the other gets a clear conflict, on
SQLite and PostgreSQL alike. A form carries the revision it was built from, so a stale form is
refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    BulletinPart,
    JobStatus,
    RenderJob,
    Rendition,
    Role,
    User,
    Version,
    VersionStatus,
)
from ...models.base import utcnow
from .. import audit
from ..context import Actor
from ..errors import Conflict, PermissionDenied, ValidationFailed
from .versions import add_contributor, contributor_names, new_version

MAX_REASON = 2000


@dataclass(frozen=True)
class Move:
    name: str
    source: VersionStatus
    target: VersionStatus
    roles: frozenset[Role]
    needs_reason: bool = False


MOVES = {
    move.name: move
    for move in (
        Move(
            "submit",
            VersionStatus.DRAFT,
            VersionStatus.PENDING,
            frozenset({Role.EDITOR, Role.ADMIN}),
        ),
        Move("approve", VersionStatus.PENDING, VersionStatus.APPROVED, frozenset({Role.APPROVER})),
        Move(
            "reject",
            VersionStatus.PENDING,
            VersionStatus.REJECTED,
            frozenset({Role.APPROVER}),
            needs_reason=True,
        ),
        Move(
            "retire",
            VersionStatus.APPROVED,
            VersionStatus.RETIRED,
            frozenset({Role.APPROVER, Role.ADMIN}),
        ),
    )
}


def may_review(user: User, language: str) -> bool:
    """An approver reviews the languages assigned to them (all when none are)."""
    assigned = user.approval_languages
    return not assigned or language in assigned or language == "multi"


def self_approval_allowed() -> bool:
    return bool(current_app.config["ALLOW_SELF_APPROVAL"])


def check(user: User | None, version: Version, name: str) -> None:
    """Raise unless ``user`` may make move ``name`` on ``version`` now."""
    move = MOVES.get(name)
    if move is None:
        raise ValidationFailed(_l("Unknown action."), code="unknown_action")
    if user is None or not user.has_role(*move.roles):
        raise PermissionDenied(_l("You do not have permission to do this."))
    if version.status != move.source:
        raise Conflict(
            _l(
                "A %(status)s version cannot be %(action)s.",
                status=status_label(version.status),
                action=action_label(name),
            ),
            code="illegal_transition",
        )
    if name in ("approve", "reject"):
        if not may_review(user, version.language):
            raise PermissionDenied(
                _l("You are not assigned to review this language."), code="language_not_assigned"
            )
        if user.id in version.contributor_ids and not self_approval_allowed():
            raise PermissionDenied(
                _l(
                    "Nobody approves a version they made or changed: "
                    "another approver must review it."
                ),
                code="four_eyes",
            )
    if name == "submit" and version.draft_only:
        raise Conflict(
            _l(
                "This version was made with a voice that is not fit for broadcast (offline "
                "Mandarin): generate it again with another voice, or record it."
            ),
            code="draft_only_voice",
        )
    if name == "submit":
        job = version.latest_job
        if not version.renditions or (job is not None and job.status != JobStatus.DONE):
            raise Conflict(
                _l("The audio is not ready yet: wait for it, or retry the failed job."),
                code="audio_not_ready",
            )


def allowed_moves(user: User | None, version: Version) -> list[str]:
    """The moves a page may offer this user on this version."""
    offered = []
    for name in MOVES:
        try:
            check(user, version, name)
        except (PermissionDenied, Conflict, ValidationFailed):
            continue
        offered.append(name)
    return offered


def transition(
    actor: Actor,
    version: Version,
    name: str,
    *,
    seen_revision: int | None = None,
    reason: str | None = None,
) -> Version:
    """Make a move. The caller commits. ``seen_revision`` is what the user's form showed."""
    reason = (reason or "").strip() or None
    move = MOVES.get(name)
    if move is not None and move.needs_reason and not reason:
        raise ValidationFailed(_l("Give a reason for the rejection."), code="reason_required")
    if reason is not None and len(reason) > MAX_REASON:
        raise ValidationFailed(_l("The reason is too long."), code="reason_too_long")
    if seen_revision is not None and seen_revision != version.revision:
        raise Conflict(
            _l("Someone changed this version meanwhile. Reload the page and check."), code="stale"
        )
    check(actor.user, version, name)
    assert move is not None
    now = utcnow()
    values: dict[str, object] = {"status": move.target, "revision": Version.revision + 1}
    user_id = actor.user.id if actor.user else None
    if name == "submit":
        values.update(submitted_at=now, submitted_by_id=user_id)
    elif name in ("approve", "reject"):
        values.update(decided_at=now, decided_by_id=user_id, decision_reason=reason)
    elif name == "retire":
        values.update(retired_at=now, retired_by_id=user_id, retire_reason=reason)
    result = db.session.execute(
        db.update(Version)
        .where(
            Version.id == version.id,
            Version.status == move.source,
            Version.revision == version.revision,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            _l("Someone changed this version meanwhile. Reload the page and check."), code="stale"
        )
    db.session.refresh(version)
    variant = version.variant
    if name == "approve":
        variant.current_version_id = version.id
    elif name == "retire" and variant.current_version_id == version.id:
        variant.current_version_id = None
    audit.record(
        actor,
        f"version.{name}",
        object_type="message",
        object_id=variant.message_id,
        object_label=f"{variant.language} v{version.number}",
        reason=reason,
        detail={"version_id": version.id, "contributors": contributor_names(version)},
    )
    return version


def restore(actor: Actor, old: Version, *, reason: str | None = None) -> Version:
    """Turn an old version into a new draft that copies it (history stays linear)."""
    if actor.user is None or not actor.user.has_role(Role.EDITOR, Role.ADMIN):
        raise PermissionDenied(_l("You do not have permission to do this."))
    if old.status == VersionStatus.DRAFT:
        raise Conflict(
            _l("A draft is already editable; restore an older version instead."),
            code="illegal_transition",
        )
    copy = new_version(
        actor,
        old.variant.message,
        old.variant.language,
        source_kind=old.source_kind,
        script_text=old.script_text,
        engine=old.engine,
        voice=old.voice,
        speed=old.speed,
        source_filename=old.source_filename,
        source_asset_id=old.source_asset_id,
        gap_seconds=old.gap_seconds,
        restored_from_id=old.id,
    )
    copy.parts = [
        BulletinPart(position=p.position, part_version_id=p.part_version_id) for p in old.parts
    ]
    for row in old.contributor_rows:  # the copy says what they wrote
        add_contributor(copy, row.user, "restored")
    # Same audio, same renditions: the copy is ready to submit without rendering again.
    for rendition in old.renditions:
        db.session.add(
            Rendition(version=copy, profile=rendition.profile, asset_id=rendition.asset_id)
        )
    db.session.add(
        RenderJob(
            version=copy,
            status=JobStatus.DONE,
            attempts=0,
            started_at=utcnow(),
            finished_at=utcnow(),
        )
    )
    audit.record(
        actor,
        "version.restore",
        object_type="message",
        object_id=old.variant.message_id,
        object_label=f"{old.variant.language} v{old.number} → v{copy.number}",
        reason=(reason or "").strip() or None,
        detail={
            "version_id": copy.id,
            "from_version_id": old.id,
            "contributors": contributor_names(copy),
        },
    )
    return copy


STATUS_LABELS = {
    VersionStatus.DRAFT: _l("draft"),
    VersionStatus.PENDING: _l("pending"),
    VersionStatus.APPROVED: _l("approved"),
    VersionStatus.REJECTED: _l("rejected"),
    VersionStatus.RETIRED: _l("retired"),
}
ACTION_LABELS = {
    "submit": _l("submitted"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "retire": _l("retired"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(VersionStatus(status), status))


def action_label(name: str) -> str:
    return str(ACTION_LABELS.get(name, name))

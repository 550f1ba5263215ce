"""The approval queue and every workflow move made from a page, plus script diffs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role, Variant, Version, VersionStatus
from ..services.errors import ServiceError, ValidationFailed
from ..services.messages import messages, versions, workflow
from ..services.messages.diff import script_diff
from .forms import flash_error, safe_next

bp = Blueprint("approvals", __name__)

READERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.VIEWER)
MOVE_ROLES = {name: move.roles for name, move in workflow.MOVES.items()}


class MoveForm(FlaskForm):
    """CSRF only: the revision and reason are read from the request."""


@bp.route("/approvals")
@roles(Role.APPROVER)
def queue() -> Any:
    user = current_user._get_current_object()
    query = (
        db.select(Version)
        .join(Variant, Variant.id == Version.variant_id)
        .where(Version.status == VersionStatus.PENDING)
        .order_by(Version.submitted_at, Version.id)
    )
    only_mine = request.args.get("mine", "1") == "1"
    pending = [
        v
        for v in db.session.scalars(query)
        if not only_mine or workflow.may_review(user, v.language)
    ]
    return render_template(
        "messages/approvals.html",
        pending=pending,
        only_mine=only_mine,
        moves={v.id: workflow.allowed_moves(user, v) for v in pending},
        form=MoveForm(),
    )


def _back(version: Version) -> Any:
    default = url_for("messages.show", message_id=version.variant.message_id)
    return redirect(safe_next(request.form.get("next"), default))


def _make_move(name: str, version_id: int) -> Any:
    version = versions.get(version_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(
            _("The form has expired or lacks its security token. Reload the page and try again."),
            "error",
        )
        return _back(version)
    raw_revision = request.form.get("revision", "")
    try:
        if not raw_revision.isdigit():
            raise ValidationFailed(_("The form is incomplete. Reload the page."), code="stale")
        workflow.transition(
            current_actor(),
            version,
            name,
            seen_revision=int(raw_revision),
            reason=request.form.get("reason"),
        )
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
        return _back(versions.get(version_id))
    db.session.commit()
    flash(
        {
            "submit": _("Submitted for approval."),
            "approve": _("Approved: this is now the version that plays."),
            "reject": _("Rejected; the editor has been told why."),
            "retire": _("Retired: it no longer plays."),
        }[name],
        "success",
    )
    return _back(version)


@bp.route("/versions/<int:version_id>/submit", methods=["POST"])
@roles(*MOVE_ROLES["submit"])
def submit(version_id: int) -> Any:
    return _make_move("submit", version_id)


@bp.route("/versions/<int:version_id>/approve", methods=["POST"])
@roles(*MOVE_ROLES["approve"])
def approve(version_id: int) -> Any:
    return _make_move("approve", version_id)


@bp.route("/versions/<int:version_id>/reject", methods=["POST"])
@roles(*MOVE_ROLES["reject"])
def reject(version_id: int) -> Any:
    return _make_move("reject", version_id)


@bp.route("/versions/<int:version_id>/retire", methods=["POST"])
@roles(*MOVE_ROLES["retire"])
def retire(version_id: int) -> Any:
    return _make_move("retire", version_id)


@bp.route("/versions/<int:version_id>/restore", methods=["POST"])
@roles(Role.EDITOR, Role.ADMIN)
def restore(version_id: int) -> Any:
    version = versions.get(version_id)
    if not MoveForm().validate_on_submit():
        return _back(version)
    try:
        copy = workflow.restore(current_actor(), version, reason=request.form.get("reason"))
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
        return _back(version)
    db.session.commit()
    flash(
        _(
            "Version %(old)d was copied into a new draft, version %(new)d.",
            old=version.number,
            new=copy.number,
        ),
        "success",
    )
    return _back(version)


@bp.route("/messages/<int:message_id>/retire", methods=["POST"])
@roles(Role.APPROVER, Role.ADMIN)
def retire_message(message_id: int) -> Any:
    message = messages.get(message_id)
    if MoveForm().validate_on_submit():
        try:
            messages.retire(current_actor(), message, reason=request.form.get("reason"))
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(_("The message has been retired and will not be played."), "success")
    return redirect(url_for("messages.show", message_id=message_id))


@bp.route("/messages/<int:message_id>/diff")
@roles(*READERS)
def diff(message_id: int) -> Any:
    message = messages.get(message_id)
    old = versions.get(request.args.get("a", 0, type=int))
    new = versions.get(request.args.get("b", 0, type=int))
    if old.variant.message_id != message.id or new.variant.message_id != message.id:
        raise ValidationFailed(_("Compare two versions of this message."), code="bad_diff")
    return render_template(
        "messages/diff.html",
        message=message,
        old=old,
        new=new,
        chunks=script_diff(old.script_text or "", new.script_text or "", new.language),
        language=languages.get(new.language),
    )

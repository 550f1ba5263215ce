"""A bulletin on the message page: pick approved versions (e.g. Kinh, Hoa, Khmer), their
order and the gap, preview them in that order, then create it like any version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_render
from ..models import Message, Role, Version, VersionStatus
from ..production.errors import ProductionError
from ..services.errors import ServiceError
from ..services.messages import messages, versions
from .forms import flash_error

bp = Blueprint("bulletins", __name__)

EDITORS = (Role.EDITOR, Role.ADMIN)
MAX_GAP_S = 10.0


@dataclass
class Choice:
    """One approved version offered as a part: picked or not, at which position."""

    version: Version
    language: Any
    picked: bool
    position: int


def approved_versions(message: Message) -> list[Version]:
    """Approved versions of each language, in the registry's order (Kinh, Hoa, Khmer)."""
    out = []
    for lang in languages.all_languages():
        variant = message.variant(lang.code)
        if variant is not None:
            out += [v for v in reversed(variant.versions) if v.status == VersionStatus.APPROVED]
    return out


def choices(message: Message, form: Any = None) -> list[Choice]:
    """The offer, read back from a submitted form (``part-<id>``, ``position-<id>``) if any;
    by default each language's current version is picked, in the registry's order."""
    out = []
    for index, version in enumerate(approved_versions(message), 1):
        if form is None:
            picked, position = version.is_current, index
        else:
            picked = form.get(f"part-{version.id}") == "1"
            try:
                position = int(form.get(f"position-{version.id}", index))
            except ValueError:
                position = index
        out.append(Choice(version, languages.get(version.language), picked, position))
    return out


def _gap(form: Any) -> float | None:
    try:
        gap = float(form.get("gap", ""))
    except ValueError:
        return None
    return gap if 0 <= gap <= MAX_GAP_S else None


@bp.route("/messages/<int:message_id>/bulletin", methods=["GET", "POST"])
@roles(*EDITORS)
def new(message_id: int) -> Any:
    """GET: the form. POST ``action=preview``: the parts in order with their players and the
    bulletin's length; ``action=create``: the bulletin, queued for rendering."""
    message = messages.get(message_id)
    default_gap = current_app.config["BULLETIN_GAP_SECONDS"]
    form = request.form if request.method == "POST" else None
    offered = choices(message, form)
    gap = default_gap if form is None else _gap(form)
    picked = sorted((c for c in offered if c.picked), key=lambda c: c.position)
    status, preview = 200, None
    if form is not None:
        problem = None
        if gap is None:
            problem = _("The gap must be 0-10 seconds.")
        elif len(picked) < 2:
            problem = _("A bulletin joins at least two versions.")
        if problem:
            flash(problem, "error")
            status = 422
        elif form.get("action") == "create":
            try:
                version, job = versions.create_bulletin(
                    current_actor(), message, [c.version.id for c in picked], gap_seconds=gap
                )
            except (ServiceError, ProductionError) as error:
                db.session.rollback()
                flash_error(error)
                status = 422
            else:
                db.session.commit()
                enqueue_render(job.id)
                flash(
                    _("Bulletin v%(n)d created; the audio is being prepared.", n=version.number),
                    "success",
                )
                return redirect(url_for("production.version", version_id=version.id))
        else:
            durations = [_duration(c.version) for c in picked]
            total = sum(durations) + (gap or 0) * (len(picked) - 1)
            preview = {"parts": picked, "total": total}
    return render_template(
        "messages/bulletin.html",
        message=message,
        offered=offered,
        gap=default_gap if gap is None else gap,
        preview=preview,
        max_gap=MAX_GAP_S,
    ), status


def _duration(version: Version) -> float:
    rendition = version.rendition("loudspeaker") or version.rendition("preview")
    return float(rendition.asset.duration or 0) if rendition is not None else 0.0

"""Social videos on pages: a message opts in, a version's videos are made (again), and the
admin's logo or background for them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..jobs import enqueue_render
from ..models import Role
from ..services.audio import brand, social
from ..services.errors import NotFound, ServiceError
from ..services.messages import messages, versions
from .forms import flash_error, safe_next
from .media import serve_asset

bp = Blueprint("social", __name__)

PRODUCERS = (Role.EDITOR, Role.ADMIN)


@bp.route("/messages/<int:message_id>/social-video", methods=["POST"])
@roles(*PRODUCERS)
def set_social_video(message_id: int) -> Any:
    """The message's opt-in (form field ``enabled``: 1 or 0)."""
    message = messages.get(message_id)
    enabled = request.form.get("enabled") == "1"
    jobs = social.set_opt_in(current_actor(), message, enabled)
    db.session.commit()
    for job in jobs:
        enqueue_render(job.id)
    if enabled:
        flash(_("Social videos are on: they are being made."), "success")
    else:
        flash(_("Social videos are off for this message."), "success")
    back = url_for("messages.show", message_id=message.id)
    return redirect(safe_next(request.form.get("next"), back))


@bp.route("/versions/<int:version_id>/social-videos", methods=["POST"])
@roles(*PRODUCERS)
def make_videos(version_id: int) -> Any:
    version = versions.get(version_id)
    try:
        job = social.queue(current_actor(), version)
    except ServiceError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        enqueue_render(job.id)
        flash(_("The social videos are being made."), "success")
    return redirect(url_for("production.version", version_id=version.id) + "#social")


@bp.route("/social-image", methods=["GET", "POST"])
@roles(Role.ADMIN)
def brand_image() -> Any:
    """Upload (or remove) the office's logo or background for social videos."""
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "remove":
                brand.remove(current_actor())
                message = _("The image is removed: videos show the generated card.")
            else:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ServiceError(_("Choose an image file."), code="no_file")
                brand.upload(current_actor(), upload.stream, request.form.get("placement", ""))
                message = _("The image is saved: videos made from now on show it.")
        except ServiceError as error:
            db.session.rollback()
            flash_error(error)
            status = 422
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("social.brand_image"))
    return render_template("production/brand_image.html", image=brand.current()), status


@bp.route("/social-image/file")
@roles(Role.ADMIN)
def brand_image_file() -> Any:
    image = brand.current()
    if image is None:
        raise NotFound(_("No image has been uploaded."))
    return serve_asset(image.asset, "social-image.png")

"""Admin pages for speech: the engines (keys, region, endpoint, on/off, reachability, this
month's characters), each language's preferences, and the lexicons the normaliser reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import languages
from ..access import roles
from ..auth import current_actor
from ..extensions import db
from ..models import Role
from ..production.engines import ALL_ENGINES
from ..production.errors import ProductionError
from ..services.errors import NotFound, ServiceError
from ..services.speech import catalogue, lexicons, preferences, providers
from .forms import flash_error

bp = Blueprint("speech_admin", __name__, url_prefix="/admin/speech")


def _refuse(error: ServiceError | ProductionError) -> None:
    db.session.rollback()
    flash_error(error)


def _language(code: str) -> languages.Language:
    found = languages.get(code)
    if found is None:
        raise NotFound(_("No such language."))
    return found


@bp.route("/")
@roles(Role.ADMIN)
def index() -> Any:
    engines = catalogue.engines(probe=request.args.get("probe") == "1")
    return render_template(
        "admin/speech.html",
        engines=engines,
        providers={p.engine: p for p in providers.states()},
        preferences=preferences.all_preferences(),
        voice_choices={
            lang.code: catalogue.voice_choices(lang.code) for lang in languages.all_languages()
        },
        engine_names=ALL_ENGINES,
        engine_labels={e.name: e.label for e in engines},
        speeds=preferences.SPEEDS,
        languages=languages,
    )


@bp.route("/providers/<engine>", methods=["POST"])
@roles(Role.ADMIN)
def save_provider(engine: str) -> Any:
    form = request.form
    try:
        providers.update(
            current_actor(),
            engine,
            key=form.get("key") or None,
            clear_key=form.get("clear_key") == "1",
            region=form.get("region", ""),
            endpoint=form.get("endpoint", ""),
            enabled=form.get("enabled") == "1",
        )
    except ServiceError as error:
        _refuse(error)
    else:
        db.session.commit()
        flash(_("The settings of %(engine)s have been saved.", engine=engine), "success")
    return redirect(url_for("speech_admin.index") + f"#engine-{engine}")


@bp.route("/languages/<code>", methods=["POST"])
@roles(Role.ADMIN)
def save_language(code: str) -> Any:
    form = request.form
    positions = []
    for name in ALL_ENGINES:
        value = form.get(f"order-{name}", "").strip()
        if value.isdigit() and int(value) > 0:
            positions.append((int(value), ALL_ENGINES.index(name), name))
    try:
        speed = float(form.get("default_speed", "1.0"))
        preferences.update(
            current_actor(),
            code,
            engine_order=[name for *_, name in sorted(positions)],
            default_voice=form.get("default_voice") or None,
            default_speed=speed,
            sample_text=form.get("sample_text", ""),
            allow_draft_voices=form.get("allow_draft_voices") == "1",
        )
    except ValueError:
        db.session.rollback()
        flash(_("Choose one of the offered speeds."), "error")
    except ServiceError as error:
        _refuse(error)
    else:
        db.session.commit()
        flash(_("The speech preferences have been saved."), "success")
    return redirect(url_for("speech_admin.index") + f"#language-{code}")


@bp.route("/lexicon/<language>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def lexicon(language: str) -> Any:
    lang = _language(language)
    status = 200
    if request.method == "POST":
        form = request.form
        entry_id = form.get("entry_id", "")
        try:
            lexicons.save(
                current_actor(),
                lang.code,
                form.get("written", ""),
                form.get("spoken", ""),
                int(entry_id) if entry_id.isdigit() else None,
            )
        except ServiceError as error:
            _refuse(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("The lexicon has been saved."), "success")
            return redirect(url_for("speech_admin.lexicon", language=lang.code))
    return render_template(
        "admin/lexicon.html",
        language=lang,
        entries=lexicons.entries(lang.code),
        has_defaults=lang.code in lexicons.SEEDS,
        written=request.args.get("written", ""),
    ), status


@bp.route("/lexicon/<language>/<int:entry_id>/delete", methods=["POST"])
@roles(Role.ADMIN)
def delete_entry(language: str, entry_id: int) -> Any:
    lang = _language(language)
    try:
        lexicons.delete(current_actor(), entry_id)
    except ServiceError as error:
        _refuse(error)
    else:
        db.session.commit()
        flash(_("The entry has been deleted."), "success")
    return redirect(url_for("speech_admin.lexicon", language=lang.code))


@bp.route("/lexicon/<language>/restore", methods=["POST"])
@roles(Role.ADMIN)
def restore_lexicon(language: str) -> Any:
    lang = _language(language)
    try:
        added = lexicons.restore_defaults(current_actor(), lang.code)
    except ServiceError as error:
        _refuse(error)
    else:
        db.session.commit()
        flash(_("%(count)d default entries were added back.", count=added), "success")
    return redirect(url_for("speech_admin.lexicon", language=lang.code))

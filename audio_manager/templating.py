"""Template globals and filters."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from markupsafe import Markup

from . import languages, wording
from .access import allowed
from .services.areas.area_levels import level_label
from .services.audio.production_messages import text_for_code


def init_templating(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        allowed=allowed,
        all_languages=languages.all_languages,
        language=languages.get,
        level_label=level_label,
        current_locale=lambda: str(get_locale() or "vi"),
        job_error=lambda job: text_for_code(job.error_code),
        language_name=wording.language_name,
        version_name=wording.version_name,
        version_of=wording.version_of,
        voice_of=wording.voice_of,
        profile_name=wording.profile_name,
        audit_action=wording.audit_action,
        audit_object=wording.audit_object,
        audit_choices=wording.audit_choices,
        language_codes=languages.codes,
        codes_markup=lambda codes: Markup(", ").join(Markup("<code>%s</code>") % c for c in codes),
    )
    from .web import cap_labels

    app.jinja_env.globals["cap_labels"] = cap_labels
    app.jinja_env.filters["language_name"] = wording.language_name
    app.jinja_env.filters["datetime"] = lambda value, fmt="short": (
        format_datetime(value, fmt) if value else ""
    )

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"current_path": request.full_path.rstrip("?")}

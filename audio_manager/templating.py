"""Template globals and filters."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import format_datetime, get_locale

from . import languages
from .access import allowed
from .services.areas.area_levels import level_label
from .services.audio.production_messages import text_for_code


def init_templating(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        allowed=allowed,
        all_languages=languages.all_languages,
        language=languages.get,
        language_name=languages.short_name,
        level_label=level_label,
        current_locale=lambda: str(get_locale() or "vi"),
        job_error=lambda job: text_for_code(job.error_code),
    )
    from .web import cap_labels

    app.jinja_env.globals["cap_labels"] = cap_labels
    app.jinja_env.filters["language_name"] = languages.short_name
    app.jinja_env.filters["datetime"] = lambda value, fmt="short": (
        format_datetime(value, fmt) if value else ""
    )

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"current_path": request.full_path.rstrip("?")}

"""audio_manager: spoken public-information messages for loudspeakers and ringback tones."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported where the app is built: the station agent has none
    from flask import Flask


def select_locale() -> str:
    from flask import current_app, has_request_context, request, session
    from flask_login import current_user

    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    choice = session.get("lang")
    if choice in supported:
        return choice
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if request.args.get("lang") in supported:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. Nothing happens at import time; everything is wired here."""
    from flask import Flask, g

    from .config import instance_path, load_settings, static_defaults

    app = Flask(__name__, instance_path=str(instance_path()))
    app.config.update(static_defaults())
    app.config.update(load_settings())
    if config:
        app.config.update(config)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_HOURS"])

    from . import cli, models  # noqa: F401  (models registers every table)
    from .access import enforce_access
    from .api import init_api
    from .auth import csrf_guard, init_auth
    from .compression import init_compression
    from .database import init_database
    from .errors import init_errors
    from .extensions import babel, db, migrate
    from .jobs import init_jobs
    from .models.base import render_migration_type
    from .request_guards import check_input, init_request_guards
    from .static_files import init_static_files
    from .templating import init_templating
    from .web import register_blueprints

    init_request_guards(app)
    init_database(app)
    migrate.init_app(
        app,
        db,
        directory=str(_migrations_dir()),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    babel.init_app(app, locale_selector=select_locale)
    init_auth(app)
    # Who may come in first (anonymous API writes get 401, not a CSRF refusal), then the CSRF
    # token of cookie-authenticated writes, then input no view could store.
    app.before_request(enforce_access)
    app.before_request(csrf_guard)
    app.before_request(check_input)
    init_errors(app)
    init_static_files(app)
    init_templating(app)
    register_blueprints(app)
    init_production(app)
    init_jobs(app)
    init_api(app)
    cli.register(app)
    init_compression(app)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'",
        )
        if g.get("api_token") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def init_production(app: Flask) -> None:
    """Storage, audio profiles and speech engines, built once per app from its settings."""
    from .lru import SizedLRU
    from .services import data_versions
    from .services.accounts import token_auth
    from .services.audio.assets import build_profiles, build_storage

    app.extensions["audio_manager.storage"] = build_storage(app)
    app.extensions["audio_manager.profiles"] = build_profiles(app)
    app.extensions["audio_manager.speech_registries"] = {}  # see services/speech/providers
    budget = int(app.config["PLAYLIST_CACHE_MB"] * 1024 * 1024)
    small = min(4 * 1024 * 1024, budget // 4)  # validators and area codes: ~300 bytes each
    app.extensions["audio_manager.playlist_cache"] = SizedLRU(budget - small)
    app.extensions["audio_manager.playlist_tags"] = SizedLRU(small)
    app.extensions["audio_manager.token_cache"] = SizedLRU(token_auth.CACHE_ENTRIES)
    data_versions.track_sessions()


def _migrations_dir() -> Any:
    from .config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"

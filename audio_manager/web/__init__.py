"""HTML surfaces, one blueprint each: thin views that parse, call a service, commit, respond."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (
        account,
        admin_jobs,
        admin_users,
        approvals,
        areas,
        auth,
        health,
        home,
        installs,
        media,
        messages,
        operator,
        production,
        reports,
        ringback,
        schedules,
        speech_admin,
        stations,
    )

    for module in (
        auth,
        account,
        home,
        areas,
        admin_users,
        admin_jobs,
        health,
        production,
        speech_admin,
        messages,
        approvals,
        schedules,
        operator,
        stations,
        reports,
        ringback,
        installs,
        media,
    ):
        app.register_blueprint(module.bp)

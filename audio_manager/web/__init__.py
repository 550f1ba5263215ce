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
        bulletins,
        cap,
        cap_admin,
        health,
        home,
        installs,
        media,
        messages,
        operator,
        production,
        reports,
        ringback,
        schedule_calendar,
        schedules,
        social,
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
        bulletins,
        social,
        approvals,
        schedules,
        schedule_calendar,
        operator,
        stations,
        reports,
        ringback,
        installs,
        media,
        cap,
        cap_admin,
    ):
        app.register_blueprint(module.bp)

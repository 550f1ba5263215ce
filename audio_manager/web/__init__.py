"""HTML surfaces, one blueprint each: thin views that parse, call a service, commit, respond."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (
        account,
        admin_users,
        approvals,
        areas,
        auth,
        health,
        home,
        installs,
        messages,
        operator,
        production,
        reports,
        ringback,
        schedules,
        stations,
    )

    for module in (
        auth,
        account,
        home,
        areas,
        admin_users,
        health,
        production,
        messages,
        approvals,
        schedules,
        operator,
        stations,
        reports,
        ringback,
        installs,
    ):
        app.register_blueprint(module.bp)

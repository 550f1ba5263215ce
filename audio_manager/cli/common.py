"""What every command group shares: the actor commands act as, and how a refusal is shown."""

from __future__ import annotations

import sys

import click

from ..extensions import db
from ..production.errors import ProductionError
from ..services.accounts import accounts
from ..services.context import Actor
from ..services.errors import ServiceError

CLI_ACTOR = Actor.system("cli")


def fail(error: ServiceError | ProductionError, file_name: str | None = None) -> None:
    """Roll back and stop with the error's message, after its line errors one per line
    (``FILE:LINE: message`` when the file is named, ``line LINE: message`` otherwise)."""
    db.session.rollback()
    details = error.details
    lines = details.get("errors", []) if isinstance(details, dict) else details or []
    for line in lines:
        if isinstance(line, dict) and "line" in line:
            where = f"{file_name}:{line['line']}" if file_name else f"line {line['line']}"
            click.echo(f"{where}: {line['message']}", err=True)
    raise click.ClickException(str(error.message))


def read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def actor_named(username: str) -> Actor:
    """The user a command acts as (``--as``)."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return Actor(user=user, ip=None, via="cli")

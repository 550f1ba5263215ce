"""``versions``: a version's state and who made it, and the approval moves, with the same
rules as the pages and the API (four-eyes included)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.errors import ServiceError
from .common import actor_named, fail

versions_cli = AppGroup("versions", help="Versions: their state, contributors and approval.")


@versions_cli.command("show")
@click.argument("version_id", type=int)
def show_version(version_id: int) -> None:
    """Print a version's state and who made or changed it."""
    from ..services.messages import versions

    try:
        version = versions.get(version_id)
    except ServiceError as error:
        fail(error)
    variant = version.variant
    click.echo(
        f"version {version.id}: message {variant.message_id} {variant.language} "
        f"v{version.number}, {version.status}, revision {version.revision}"
    )
    for row in version.contributor_rows:
        click.echo(f"  {row.kind:<9} {row.user.username}  {row.at:%Y-%m-%d %H:%M} UTC")
    if version.decided_by is not None:
        click.echo(f"  decided   {version.decided_by.username}")


def _move(name: str, version_id: int, username: str, reason: str | None) -> None:
    from ..services.messages import versions, workflow

    actor = actor_named(username)
    try:
        version = workflow.transition(actor, versions.get(version_id), name, reason=reason)
    except ServiceError as error:
        fail(error)
    db.session.commit()
    click.echo(f"version {version.id}: {version.status}")


def _move_command(name: str, help_text: str) -> None:
    @versions_cli.command(name, help=help_text)
    @click.argument("version_id", type=int)
    @click.option("--as", "username", required=True, help="The user making the move.")
    @click.option("--reason", default=None, help="Why (required to reject).")
    def command(version_id: int, username: str, reason: str | None) -> None:
        _move(name, version_id, username, reason)


_move_command("submit", "Submit a draft for approval.")
_move_command("approve", "Approve a pending version (never one you made or changed).")
_move_command("reject", "Reject a pending version (--reason required).")
_move_command("retire", "Retire an approved version.")

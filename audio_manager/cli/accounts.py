"""``users`` and ``tokens``: accounts, roles, scopes, passwords and API tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import ApiToken
from ..services.accounts import accounts
from ..services.areas.areas import by_code
from ..services.errors import ServiceError
from .common import CLI_ACTOR, fail, read_password

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for devices and scripts.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["admin", "editor", "approver", "operator", "viewer"]),
)
@click.option("--area", "area_codes", multiple=True, help="Scope area code (repeatable).")
@click.option(
    "--reviews",
    "review_languages",
    multiple=True,
    help="Approvers: a language they review (repeatable; none: all).",
)
@click.option("--name", "display_name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(
    username: str,
    roles: tuple[str, ...],
    area_codes: tuple[str, ...],
    review_languages: tuple[str, ...],
    display_name: str,
    password_stdin: bool,
) -> None:
    """Create a user with one or more roles."""
    areas = []
    for code in area_codes:
        area = by_code(code)
        if area is None:
            raise click.ClickException(f"unknown area code: {code}")
        areas.append(area)
    password = read_password(password_stdin)
    try:
        user = accounts.create_user(
            CLI_ACTOR,
            username,
            password,
            roles,
            display_name=display_name,
            areas=areas,
            review_languages=review_languages,
        )
    except ServiceError as error:
        fail(error)
    db.session.commit()
    click.echo(f"created {user.username} ({', '.join(sorted(str(r) for r in user.roles))})")


@users_cli.command("list")
def list_users() -> None:
    """List users with their roles and scope."""
    for user in accounts.list_users():
        scope = ",".join(a.code or str(a.id) for a in user.scope_areas)
        state = "active" if user.active else "disabled"
        roles = ",".join(sorted(str(r) for r in user.roles))
        click.echo(f"{user.username}\t{roles}\t{state}\t{scope}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
def set_password(username: str, password_stdin: bool) -> None:
    """Set a user's password (ends their other sessions)."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    try:
        accounts.set_password(CLI_ACTOR, user, read_password(password_stdin))
    except ServiceError as error:
        fail(error)
    db.session.commit()
    click.echo("password changed")


@tokens_cli.command("create")
@click.argument("username")
@click.argument("name")
def create_token(username: str, name: str) -> None:
    """Create a token for USERNAME; it is printed once and only its hash is kept."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    try:
        token, plaintext = accounts.create_token(CLI_ACTOR, user, name)
    except ServiceError as error:
        fail(error)
    db.session.commit()
    click.echo(f"token {token.id} for {user.username} ({name}); it is shown only now:")
    click.echo(plaintext)


@tokens_cli.command("list")
def list_tokens() -> None:
    """List tokens (never their values)."""
    for token in db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)):
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.user.username}\t{token.name}\t{token.prefix}…\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke a token by id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no such token: {token_id}")
    accounts.revoke_token(CLI_ACTOR, token)
    db.session.commit()
    click.echo(f"revoked token {token_id}")

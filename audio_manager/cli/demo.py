"""``demo``: demo data for a first look."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data for a first look.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def load_demo(if_empty: bool) -> None:
    """Load the demo province and one login per role."""
    from .. import demo

    if if_empty and not demo.database_is_empty():
        return
    logins = demo.load(Path(current_app.instance_path))
    click.echo(f"demo data loaded: {len(logins)} logins")


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print the demo logins created on first start."""
    from .. import demo

    logins = demo.saved_logins(Path(current_app.instance_path))
    if not logins:
        click.echo("no demo logins (demo data was not loaded)")
        return
    click.echo("Demo logins (role: username / password):")
    for role, (username, password) in logins.items():
        click.echo(f"  {role:9} {username} / {password}")

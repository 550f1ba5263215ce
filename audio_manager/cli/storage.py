"""``storage``: prepare and check where audio is kept."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..storage import StorageError

storage_cli = AppGroup("storage", help="Where audio is kept (local folder or S3 bucket).")


@storage_cli.command("init")
def init_command() -> None:
    """Create the S3 bucket (or the local folder) if it is missing, then check it."""
    store = current_app.extensions["audio_manager.storage"]
    where = (
        f"bucket {current_app.config['S3_BUCKET']}"
        if current_app.config["STORAGE_BACKEND"] == "s3"
        else f"folder {current_app.config['STORAGE_ROOT']}"
    )
    try:
        created = store.create_bucket()
        store.check()
    except StorageError as error:
        raise click.ClickException(
            f"{where}: {error.message}. Create it with an account that may, or give these "
            "credentials the right to (s3:CreateBucket), then run this again."
        ) from None
    click.echo(f"{where}: {'created' if created else 'already there'}; reachable")


@storage_cli.command("check")
def check_command() -> None:
    """Say whether the storage can be used now (what /healthz checks)."""
    try:
        current_app.extensions["audio_manager.storage"].check()
    except StorageError as error:
        raise click.ClickException(error.message) from None
    click.echo("storage: ok")

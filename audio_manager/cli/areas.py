"""``areas``: the area tree."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..services.areas.area_import import AreaImportError, import_areas
from .common import CLI_ACTOR

areas_cli = AppGroup("areas", help="The area tree.")


@areas_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import areas from a CSV file (all or nothing)."""
    limit = current_app.config["AREA_IMPORT_MAX_BYTES"]
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    try:
        report = import_areas(CLI_ACTOR, data, filename=path.name, max_bytes=limit)
    except AreaImportError as error:
        db.session.rollback()
        for line_error in error.errors:
            click.echo(f"{path.name}:{line_error.line}: {line_error.message}", err=True)
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        f"imported {path.name}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )

"""``flask --app audio_manager ringback ...``: carriers, releases, install imports, reports."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import ImportStatus
from ..production.errors import ProductionError
from ..services.areas.areas import by_code
from ..services.context import Actor
from ..services.errors import ServiceError
from ..services.messages import versions
from ..services.ringback import (
    carriers,
    install_exports,
    install_import,
    install_reports,
    install_rows,
    releases,
)
from .common import actor_named, fail

ringback_cli = AppGroup("ringback", help="Ringback tones: carriers, releases, installs.")


@ringback_cli.command("carriers")
def list_carriers() -> None:
    """List carriers and their upload profiles."""
    for c in carriers.all_carriers():
        state = "active" if c.active else "inactive"
        rate = f" {c.bitrate_kbps} kbit/s" if c.bitrate_kbps else ""
        click.echo(
            f"{c.code}\t{c.name}\t{c.codec}{rate} {c.sample_rate} Hz <= {c.max_duration_s:g} s"
            f"\tSMS {c.sms_template!r} to {c.sms_number}\t{state}"
        )


@ringback_cli.command("release")
@click.argument("version_id", type=int)
@click.argument("carrier_code")
@click.option("--as", "username", required=True, help="The editor preparing it.")
def prepare_release(version_id: int, carrier_code: str, username: str) -> None:
    """Package an approved version's ringback for a carrier (prints the release id)."""
    carrier = carriers.by_code(carrier_code)
    if carrier is None:
        raise click.ClickException(f"unknown carrier: {carrier_code}")
    try:
        release = releases.prepare(actor_named(username), versions.get(version_id), carrier)
    except (ServiceError, ProductionError) as error:  # a conversion can fail too
        fail(error)
    db.session.commit()
    click.echo(f"release {release.id} prepared for {carrier.name}")


@ringback_cli.command("import-installs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The admin importing the list.")
@click.option("--carrier", "carrier_code", help="Carrier of lines without one.")
@click.option("--unit", "unit_code", help="Area code of lines without a unit.")
@click.option("--uninstall", is_flag=True, help="Lines without an action are uninstalls.")
@click.option("--map", "maps", multiple=True, help="FIELD=Header, e.g. phone='Số máy'.")
@click.option("--dry-run", is_flag=True, help="Check and preview only.")
def import_installs(
    path: Path,
    username: str,
    carrier_code: str | None,
    unit_code: str | None,
    uninstall: bool,
    maps: tuple[str, ...],
    dry_run: bool,
) -> None:
    """Import a list of installs (CSV or XLSX): checked whole, then written in one go."""
    actor = actor_named(username)
    carrier = carriers.by_code(carrier_code) if carrier_code else None
    if carrier_code and carrier is None:
        raise click.ClickException(f"unknown carrier: {carrier_code}")
    unit = by_code(unit_code) if unit_code else None
    if unit_code and unit is None:
        raise click.ClickException(f"unknown area code: {unit_code}")
    mapping = dict(item.split("=", 1) for item in maps if "=" in item)
    defaults = install_rows.Defaults(
        carrier=carrier, area=unit, action="uninstall" if uninstall else "install"
    )
    limit = current_app.config["INSTALL_IMPORT_MAX_BYTES"]
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    try:
        record = install_import.preview(
            actor, data, filename=path.name, mapping=mapping, defaults=defaults
        )
    except ServiceError as error:
        fail(error)
    counts = record.counts
    click.echo(
        f"{record.total_rows} lines: {counts['created']} new, {counts['removed']} uninstalls, "
        f"{counts['duplicate']} already recorded"
    )
    if dry_run:
        db.session.rollback()
        return
    install_import.commit(actor, record)
    db.session.commit()
    from ..jobs.tasks import run_install_import

    run_install_import(record.id)
    db.session.refresh(record)
    if record.status != ImportStatus.DONE:
        raise click.ClickException(f"import failed: {record.error}")
    click.echo(f"import {record.id} done: {record.counts}")


@ringback_cli.command("report")
@click.option(
    "--group-by",
    type=click.Choice(install_reports.GROUPS),
    default="carrier",
    show_default=True,
)
@click.option("--as", "username", required=True, help="Whose view (scope) to report.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV (UTF-8 with BOM) instead of a table.")
def report_command(group_by: str, username: str, as_csv: bool) -> None:
    """Active installs today by carrier, unit, tone, month or target."""
    user = actor_named(username).user
    assert user is not None
    result = install_reports.report(user, group_by)
    if as_csv:
        click.echo(install_exports.report_csv(result).decode("utf-8-sig"), nl=False)
        return
    header, rows, total = install_exports.table(result)
    for line in [header, *rows, total]:
        click.echo("\t".join("" if cell is None else str(cell) for cell in line))


@ringback_cli.command("set-target")
@click.argument("area_code")
@click.argument("target", type=int)
def set_target(area_code: str, target: int) -> None:
    """Set a unit's target (e.g. its number of staff); 0 removes it."""
    area = by_code(area_code)
    if area is None:
        raise click.ClickException(f"unknown area code: {area_code}")
    try:
        install_reports.set_target(Actor.system("cli"), area, target or None)
    except ServiceError as error:
        fail(error)
    db.session.commit()
    click.echo(f"target of {area.name}: {target or 'removed'}")

"""``flask cap``: publish alerts, check a CAP file, register and poll upstream sources, take an
alert file in, and read the ingest log. Meant for cron: ``flask cap poll`` and ``flask cap
publish`` every minute or so."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..capxml import reading, schema
from ..extensions import db
from ..services.cap import ingest, polling, publishing, sources
from ..services.errors import ServiceError
from .common import CLI_ACTOR, fail


@click.group("cap", help="CAP 1.2 alerts: publish, validate, upstream sources, ingest.")
def cap_cli() -> None:
    pass


def _base_url() -> str:
    base = current_app.config["CAP_BASE_URL"]
    if not base:
        raise click.ClickException(
            "set AUDIO_MANAGER_CAP_BASE_URL (this server's address, for the audio links)"
        )
    return base


@cap_cli.command("publish")
def publish() -> None:
    """Publish what changed: Alert, Update or Cancel for each emergency message."""
    made = publishing.sync(_base_url())
    db.session.commit()
    for alert in made:
        click.echo(f"{alert.msg_type:6} {alert.identifier} message {alert.message_id}")
    click.echo(f"{len(made)} alert(s) published")


@cap_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(path: Path) -> None:
    """Check a CAP file against the OASIS CAP 1.2 schema."""
    data = path.read_bytes()
    try:
        reading.parse_xml(data, current_app.config["CAP_MAX_BYTES"])
    except reading.CapError as error:
        raise click.ClickException(f"{path}: {error.code}: {error.reason}") from None
    problems = schema.errors(data)
    for problem in problems:
        click.echo(f"{path}: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{path}: not valid CAP 1.2")
    click.echo(f"{path}: valid CAP 1.2")


@cap_cli.command("sources")
def list_sources() -> None:
    """Every upstream source: id, name, kind, state, address, last result."""
    for s in sources.all_sources():
        state = "active" if s.active else "paused"
        where = s.url or "-"
        click.echo(f"{s.id:4} {s.name:30} {s.kind:5} {state:6} {where} {s.last_result or ''}")


@cap_cli.command("add-source")
@click.argument("name")
@click.option("--url", default="", help="Address of the alert or Atom feed to poll.")
@click.option("--push", is_flag=True, help="The source POSTs alerts to us (prints its token).")
def add_source(name: str, url: str, push: bool) -> None:
    """Register an upstream source, polled (--url) or pushing (--push)."""
    try:
        source, token = sources.create(CLI_ACTOR, name, "push" if push else "url", url)
    except ServiceError as error:
        fail(error)
        return
    db.session.commit()
    click.echo(f"source {source.id} added")
    if token:
        click.echo(f"token (shown once): {token}")


@cap_cli.command("poll")
@click.option("--source", "source_id", type=int, help="Only this source (default: every one).")
def poll(source_id: int | None) -> None:
    """Ask polled sources for new alerts (conditional GET with ETag / If-Modified-Since)."""
    try:
        results = (
            [polling.poll(CLI_ACTOR, sources.get(source_id))]
            if source_id
            else polling.poll_all(CLI_ACTOR)
        )
    except ServiceError as error:
        fail(error)
        return
    db.session.commit()
    for result in results:
        line = f"{result.source.name}: {result.status}"
        line += f" ({result.detail})" if result.detail else ""
        click.echo(line)
        for row in result.rows:
            click.echo(f"  {row.result:9} {row.identifier or '-'} {row.detail}")


@cap_cli.command("ingest")
@click.argument("source_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ingest_file(source_id: int, path: Path) -> None:
    """Take in a CAP file (an alert or an Atom feed of alerts) as if SOURCE_ID sent it."""
    try:
        source = sources.get(source_id)
    except ServiceError as error:
        fail(error)
        return
    limit = current_app.config["CAP_MAX_BYTES"]
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    rows = ingest.receive(CLI_ACTOR, source, data)
    db.session.commit()
    for row in rows:
        message = f" message {row.message_id}" if row.message_id else ""
        click.echo(f"{row.result:9} {row.identifier or '-'}{message} {row.detail}")
    if rows and all(r.result == "refused" for r in rows):
        raise click.ClickException("refused")


@cap_cli.command("log")
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
def log(source_id: int | None, limit: int) -> None:
    """The latest documents received and what became of each."""
    for row in sources.log(source_id, limit):
        click.echo(
            f"{row.received_at:%Y-%m-%d %H:%M} {row.source.name:20} {row.result:9} "
            f"{row.identifier or '-'} {row.message_id or ''} {row.detail}"
        )

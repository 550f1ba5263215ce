"""``playlists``: playlists, play confirmations and their daily counts."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.errors import ServiceError
from .common import actor_named, fail

playlists_cli = AppGroup("playlists", help="Playlists and play confirmations.")


@playlists_cli.command("show")
@click.argument("area_code")
@click.option("--date", "day", default=None, help="YYYY-MM-DD (default: today, local time).")
@click.option("--days", default=1, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "m3u8", "ics", "html"]),
    default="json",
    show_default=True,
)
def show_playlist(area_code: str, day: str | None, days: int, fmt: str) -> None:
    """Print an area's playlist."""
    import json
    from datetime import date

    from .. import scheduling as sched
    from ..api.downloads import export_context
    from ..models.base import utcnow
    from ..scheduling import exports, ical
    from ..services.areas.areas import by_code
    from ..services.broadcast import playlists

    area = by_code(area_code)
    if area is None:
        raise click.ClickException(f"unknown area code: {area_code}")
    first = date.fromisoformat(day) if day else utcnow().astimezone(sched.LOCAL_TZ).date()
    try:
        result = playlists.build(area, first, days)
    except ServiceError as error:
        fail(error)
    if fmt == "json":
        click.echo(json.dumps(result.payload(), ensure_ascii=False, indent=2, default=str))
        return
    ctx = export_context(result)
    items = result.items()
    if fmt == "m3u8":
        click.echo(exports.m3u8(items, lambda item, _i: f"rendition-{item.rendition_id}.mp3", ctx))
    elif fmt == "ics":
        click.echo(ical.ics(items, ctx), nl=False)
    else:
        click.echo(exports.schedule_html(items, ctx))


@playlists_cli.command("import-plays")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The operator who reports them.")
def import_plays_command(path: Path, username: str) -> None:
    """Import confirmed plays from CSV (all or nothing)."""
    from ..services.broadcast import plays

    actor = actor_named(username)
    try:
        batch = plays.import_csv(actor, path.read_bytes())
    except ServiceError as error:
        fail(error, path.name)
    db.session.commit()
    click.echo(f"{batch.counts['created']} created, {batch.counts['duplicate']} duplicates")


@playlists_cli.command("rebuild-counts")
def rebuild_counts_command() -> None:
    """Make the daily play counts that reports add up again from the play events (they are
    kept at every insert; run this after loading events into the table by other means)."""
    from ..models import HamletPlayCount, PlayCount
    from ..services.broadcast import play_counts

    play_counts.rebuild()
    db.session.commit()
    for model in (PlayCount, HamletPlayCount):
        rows = db.session.scalar(db.select(db.func.count()).select_from(model))
        click.echo(f"{model.__tablename__}: {rows} rows")

"""``flask --app audio_manager ...`` commands, grouped per domain."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db
from .models import ApiToken
from .services import accounts
from .services.area_import import AreaImportError, import_areas
from .services.areas import by_code
from .services.context import Actor
from .services.errors import ServiceError

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for devices and scripts.")
areas_cli = AppGroup("areas", help="The area tree.")
demo_cli = AppGroup("demo", help="Demo data for a first look.")
audio_cli = AppGroup("audio", help="Audio production: stock sounds, rendering.")
jobs_cli = AppGroup("jobs", help="Background render jobs.")

CLI_ACTOR = Actor.system("cli")


def _fail(error: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(str(error.message))


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


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
    password = _read_password(password_stdin)
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
        _fail(error)
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
        accounts.set_password(CLI_ACTOR, user, _read_password(password_stdin))
    except ServiceError as error:
        _fail(error)
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
        _fail(error)
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


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def load_demo(if_empty: bool) -> None:
    """Load the demo province and one login per role."""
    from . import demo

    if if_empty and not demo.database_is_empty():
        return
    logins = demo.load(Path(current_app.instance_path))
    click.echo(f"demo data loaded: {len(logins)} logins")


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print the demo logins created on first start."""
    from . import demo

    logins = demo.saved_logins(Path(current_app.instance_path))
    if not logins:
        click.echo("no demo logins (demo data was not loaded)")
        return
    click.echo("Demo logins (role: username / password):")
    for role, (username, password) in logins.items():
        click.echo(f"  {role:9} {username} / {password}")


@audio_cli.command("stock")
def stock_command() -> None:
    """Generate the chime and background beds (only the missing ones)."""
    from .services import stock

    added = stock.install_generated(CLI_ACTOR)
    db.session.commit()
    click.echo(f"stock sounds: {added} added")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for render jobs (with AUDIO_MANAGER_JOBS=rq)."""
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    queue = Queue(current_app.config["RQ_QUEUE"], connection=connection)
    Worker([queue], connection=connection).work(burst=burst)


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id: int) -> None:
    """Queue a failed render job again."""
    from .jobs import enqueue_render
    from .models import RenderJob
    from .services import rendering

    job = db.session.get(RenderJob, job_id)
    if job is None:
        raise click.ClickException(f"no such job: {job_id}")
    try:
        rendering.retry(CLI_ACTOR, job)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    enqueue_render(job_id)
    click.echo(f"job {job_id} queued")


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

    from . import scheduling as sched
    from .api.downloads import export_context
    from .models.base import utcnow
    from .scheduling import exports
    from .services import playlists
    from .services.areas import by_code

    area = by_code(area_code)
    if area is None:
        raise click.ClickException(f"unknown area code: {area_code}")
    first = date.fromisoformat(day) if day else utcnow().astimezone(sched.LOCAL_TZ).date()
    try:
        result = playlists.build(area, first, days)
    except ServiceError as error:
        _fail(error)
    if fmt == "json":
        click.echo(json.dumps(result.payload(), ensure_ascii=False, indent=2, default=str))
        return
    ctx = export_context(result)
    items = result.items()
    if fmt == "m3u8":
        click.echo(exports.m3u8(items, lambda item, _i: f"rendition-{item.rendition_id}.mp3", ctx))
    elif fmt == "ics":
        click.echo(exports.ics(items, ctx), nl=False)
    else:
        click.echo(exports.schedule_html(items, ctx))


@playlists_cli.command("import-plays")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The operator who reports them.")
def import_plays_command(path: Path, username: str) -> None:
    """Import confirmed plays from CSV (all or nothing)."""
    from .services import plays

    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    try:
        batch = plays.import_csv(Actor(user=user, ip=None, via="cli"), path.read_bytes())
    except ServiceError as error:
        db.session.rollback()
        for line in error.details or []:
            click.echo(f"{path.name}:{line['line']}: {line['message']}", err=True)
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{batch.counts['created']} created, {batch.counts['duplicate']} duplicates")


@playlists_cli.command("rebuild-counts")
def rebuild_counts_command() -> None:
    """Make the daily play counts that reports add up again from the play events (they are
    kept at every insert; run this after loading events into the table by other means)."""
    from .models import HamletPlayCount, PlayCount
    from .services import play_counts

    play_counts.rebuild()
    db.session.commit()
    for model in (PlayCount, HamletPlayCount):
        rows = db.session.scalar(db.select(db.func.count()).select_from(model))
        click.echo(f"{model.__tablename__}: {rows} rows")


def register(app: Flask) -> None:
    from .cli_ringback import ringback_cli

    for group in (
        users_cli,
        tokens_cli,
        areas_cli,
        demo_cli,
        audio_cli,
        jobs_cli,
        playlists_cli,
        ringback_cli,
    ):
        app.cli.add_command(group)

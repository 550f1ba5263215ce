"""``flask speech``: what the voice will read, the engines, their keys and this month's usage."""

from __future__ import annotations

import sys

import click

from ..extensions import db
from ..production.errors import ProductionError
from ..services.errors import ServiceError
from ..services.speech import catalogue, providers
from ..services.speech.clips import month_usage, this_month
from ..services.speech.spoken import spoken_text
from .common import CLI_ACTOR, fail


@click.group("speech", help="Speech engines, keys, usage, and what the voice will read.")
def speech_cli() -> None:
    pass


@speech_cli.command("preview")
@click.argument("language")
@click.argument("text")
def preview(language: str, text: str) -> None:
    """Print TEXT (in kinh, hoa or khmer) as the voice will read it."""
    try:
        click.echo(spoken_text(language, text))
    except ServiceError as error:
        fail(error)


@speech_cli.command("engines")
@click.option("--probe", is_flag=True, help="Ask every engine that has its key now.")
def engines(probe: bool) -> None:
    """Every engine: kind, key, reachability, languages, characters this month."""
    for info in catalogue.engines(probe=probe):
        reachable = {None: "not tried", True: "reachable", False: "unreachable"}[info.reachable]
        key = "-" if info.kind != "contracted" else ("key set" if info.configured else "no key")
        error = f" ({info.last_error})" if info.last_error else ""
        click.echo(
            f"{info.name:8} {info.kind:11} {key:7} {reachable}{error:24} "
            f"{','.join(info.languages):9} {info.characters_this_month:>10,} chars"
        )


@speech_cli.command("set-key")
@click.argument("engine", type=click.Choice(sorted(providers.SETTING_PREFIX)))
@click.option("--key-stdin", is_flag=True, help="Read the key from standard input.")
@click.option("--clear", is_flag=True, help="Remove the saved key.")
@click.option("--region", default=None, help="Azure: the Speech resource's region.")
@click.option("--endpoint", default=None, help="Go through a proxy at this address.")
def set_key(
    engine: str, key_stdin: bool, clear: bool, region: str | None, endpoint: str | None
) -> None:
    """Save ENGINE's key (asked for without echo; never given on the command line)."""
    key = None
    if not clear:
        key = (
            sys.stdin.readline().strip()
            if key_stdin
            else click.prompt("Key", hide_input=True, default="", show_default=False)
        )
    try:
        providers.update(
            CLI_ACTOR, engine, key=key or None, clear_key=clear, region=region, endpoint=endpoint
        )
    except (ServiceError, ProductionError) as error:
        fail(error)
    db.session.commit()
    state = providers.state(engine)
    click.echo(f"{engine}: key {'saved' if state.key_source == 'page' else 'not saved'}")


@speech_cli.command("usage")
@click.option("--month", default=None, help="YYYY-MM (default: this month).")
def usage(month: str | None) -> None:
    """Characters sent to each paid engine in a month."""
    month = month or this_month()
    used = month_usage(month)
    for engine, (characters, requests) in sorted(used.items()):
        click.echo(f"{month} {engine:8} {characters:>12,} characters {requests:>8,} requests")
    if not used:
        click.echo(f"{month}: nothing sent to a paid engine")

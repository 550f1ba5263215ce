"""``python -m audio_manager.station setup|sync|run|status`` (see the README's "Station agent").

Exit status: 0 done (for a simulated run: every confirmation delivered), 1 bad settings or
arguments, 2 work left undone (server unreachable, confirmations waiting or refused), 3 the
server refuses the station's token.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import datetime
from pathlib import Path

from . import __version__
from .settings import Settings, SettingsError, load, save


def _when(text: str) -> datetime:
    from .timeutil import parse

    try:
        return parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give an ISO 8601 time with its offset, e.g. 2026-12-02T00:00+07:00 ({exc})"
        ) from None


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m audio_manager.station",
        description="The commune station agent: plays the schedule on time, offline too, "
        "and reports every play.",
    )
    main.add_argument("--version", action="version", version=__version__)
    commands = main.add_subparsers(dest="command", required=True)

    def with_dir(name: str, text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--dir", required=True, type=Path, help="the station's folder")
        return command

    setup = with_dir("setup", "Keep the server, the token and the options in DIR.")
    setup.add_argument("--server", required=True, help="e.g. https://loa.example.gov.vn")
    setup.add_argument("--token", required=True, help="the station's API token (amt_...)")
    _options(setup)
    with_dir("sync", "Fetch playlists and audio once, send waiting confirmations.")
    run = with_dir("run", "Play the schedule (runs until stopped, or to TO when simulated).")
    run.add_argument("--output", default="default", help="default | null | wav:FILE")
    run.add_argument(
        "--simulate", nargs=2, type=_when, metavar=("FROM", "TO"),
        help="a simulated clock from FROM to TO (ISO 8601 with offset)",
    )  # fmt: skip
    run.add_argument(
        "--speed", type=float,
        help="simulated seconds per real second (default: jump from one event to the next)",
    )  # fmt: skip
    run.add_argument("--server", help="first start: set up with this server ...")
    run.add_argument("--token", help="... and this token")
    with_dir("status", "What is cached and verified, the next items, confirmations waiting.")
    return main


def _options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--days", type=int, default=2, help="days fetched ahead (1-14)")
    command.add_argument("--poll-seconds", type=float, default=20.0)
    command.add_argument("--heartbeat-seconds", type=float, default=60.0)
    command.add_argument(
        "--late-minutes", type=float, default=10.0,
        help="an item later than this is reported missed, not played",
    )  # fmt: skip
    command.add_argument("--cache-mb", type=float, default=1024.0)


def do_setup(folder: Path, server: str, token: str, args: argparse.Namespace) -> int:
    from .api import ApiError, Client, Refused
    from .store import Store
    from .timeutil import iso, utc_now

    try:
        old = load(folder)
    except SettingsError:
        old = None
    settings = Settings(
        server=server.rstrip("/"),
        token=token.strip(),
        days=getattr(args, "days", old.days if old else 2),
        poll_seconds=getattr(args, "poll_seconds", old.poll_seconds if old else 20.0),
        heartbeat_seconds=getattr(args, "heartbeat_seconds", 60.0),
        late_minutes=getattr(args, "late_minutes", old.late_minutes if old else 10.0),
        cache_mb=getattr(args, "cache_mb", old.cache_mb if old else 1024.0),
        installed_at=old.installed_at if old else iso(utc_now()),
    )
    if old is not None:
        settings.uid = old.uid  # client ids stay the station's own
    settings.validate()
    client = Client(settings.server, settings.token)
    status = 0
    try:
        me = client.me()
        settings.areas = [str(a) for a in me.get("areas", [])]
        roles = set(me.get("roles", []))
        print(
            f"Token accepted: account {me.get('username')}, communes "
            f"{', '.join(settings.areas) or 'none'}."
        )
        if not roles & {"operator", "admin"}:
            print("Warning: the account is not an operator; the server will refuse its plays.")
        if not settings.areas:
            print("Warning: the account has no commune; ask an administrator to give it one.")
    except Refused as exc:
        print(f"The server refuses this token ({exc.code}); nothing saved.", file=sys.stderr)
        return 3
    except ApiError as exc:
        print(f"Could not check the token now ({exc}); saved, checked at the first sync.")
        status = 0
    finally:
        client.close()
    path = save(folder, settings)
    store = Store(folder)
    store.put("refused", None)
    store.put("areas", settings.areas)
    store.close()
    print(f"Settings kept in {path}.")
    return status


def do_sync(folder: Path) -> int:
    from .clock import Clock
    from .sync import Syncer

    settings = load(folder)
    syncer = Syncer(folder, settings, Clock(), lambda kind, text: print(f"{kind:5} {text}"))
    try:
        syncer.cycle()
        error = syncer.store.get("last_error")
        if syncer.refused:
            return 3
        return 2 if error else 0
    finally:
        syncer.close()


def do_run(args: argparse.Namespace) -> int:
    from .agent import Agent
    from .clock import Clock, JumpClock, ScaledClock
    from .output import open_output

    if args.server or args.token:
        if not (args.server and args.token):
            raise SettingsError("Give both --server and --token (or neither).")
        code = do_setup(args.dir, args.server, args.token, args)
        if code:
            return code
    settings = load(args.dir)
    until = None
    responsible_from = None
    if args.simulate:
        start, until = args.simulate
        if until <= start:
            raise SettingsError("TO must be after FROM.")
        clock: Clock = ScaledClock(start, args.speed) if args.speed else JumpClock(start)
        responsible_from = start
    elif args.speed:
        raise SettingsError("--speed needs --simulate FROM TO.")
    else:
        clock = Clock()
    output = open_output(args.output)
    agent = Agent(
        args.dir,
        settings,
        clock,
        output,
        until=until,
        responsible_from=responsible_from,
        echo=lambda t: print(t, flush=True),
    )
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    return agent.run()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "setup":
            return do_setup(args.dir, args.server, args.token, args)
        if args.command == "sync":
            return do_sync(args.dir)
        if args.command == "run":
            return do_run(args)
        from .status import report

        print(report(args.dir))
        return 0
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

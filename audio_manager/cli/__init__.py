"""``flask --app audio_manager ...`` commands, one module per command group."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .accounts import tokens_cli, users_cli
    from .areas import areas_cli
    from .audio import audio_cli, jobs_cli
    from .broadcast import playlists_cli
    from .cap import cap_cli
    from .demo import demo_cli
    from .messages import versions_cli
    from .ringback import ringback_cli
    from .speech import speech_cli
    from .storage import storage_cli

    for group in (
        users_cli,
        tokens_cli,
        areas_cli,
        demo_cli,
        audio_cli,
        jobs_cli,
        playlists_cli,
        ringback_cli,
        speech_cli,
        storage_cli,
        versions_cli,
        cap_cli,
    ):
        app.cli.add_command(group)

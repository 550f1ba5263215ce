"""While the database is away, a device polling an unchanged playlist with the validator this
process last gave it gets 304 from memory; every other request gets 503 (try again), not 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from audio_manager.extensions import db

from .conftest import bearer
from .interop.conftest import playlist  # noqa: F401  (a fixture)


@contextmanager
def database_away(app: Any) -> Iterator[None]:
    """Every statement fails as it does when the server is gone (connection refused)."""

    def refuse(*_args: Any) -> None:
        raise sa.exc.OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def test_unchanged_polls_get_304_while_the_database_is_away(app, client, playlist, token_for):  # noqa: F811
    path, token = playlist["path"], playlist["token"]
    first = client.get(path, headers=token)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    m3u8 = client.get(path + "&format=m3u8", headers=token)
    assert m3u8.status_code == 200
    other_device = bearer(token_for("operator", "second device"))
    with database_away(app):
        polled = client.get(path, headers={**token, "If-None-Match": etag})
        assert polled.status_code == 304
        assert polled.headers["ETag"] == etag
        assert "database-unavailable" in polled.headers["Cache-Status"]
        again = client.get(
            path + "&format=m3u8", headers={**token, "If-None-Match": m3u8.headers["ETag"]}
        )
        assert again.status_code == 304
        # what the process cannot vouch for: 503 with a code, never a 500
        for headers in (
            token,  # no validator: the playlist itself is needed
            {**token, "If-None-Match": '"someone-elses"'},
            {**other_device, "If-None-Match": etag},  # never answered by this process
        ):
            refused = client.get(path, headers=headers)
            assert refused.status_code == 503
            assert refused.json["error"]["code"] == "database_unavailable"
            assert refused.headers["Retry-After"]
        me = client.get("/api/v1/me", headers=token)
        assert me.status_code == 503
    assert client.get(path, headers={**token, "If-None-Match": etag}).status_code == 304


def test_a_change_seen_before_the_outage_is_not_hidden(app, client, playlist, token_for):  # noqa: F811
    """The process read a newer playlists version after this device's validator: it cannot
    tell whether the device's playlist changed, so it does not answer 304."""
    from audio_manager.services.broadcast import poll_memory

    path, token = playlist["path"], playlist["token"]
    etag = client.get(path, headers=token).headers["ETag"]
    with app.app_context():
        app.extensions["audio_manager.playlists_seen"]["version"] ^= 1  # another one
        assert poll_memory  # the module keeping what was said
    with database_away(app):
        refused = client.get(path, headers={**token, "If-None-Match": etag})
    assert refused.status_code == 503

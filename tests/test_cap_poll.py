"""Polling an upstream CAP source: a local fake server that speaks ETag and Last-Modified, an
Atom feed whose entries link to alerts, a source that fails; and the ``flask cap`` commands."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from audio_manager.extensions import db
from audio_manager.models import CapInbound, Message, Role
from audio_manager.services.cap import polling, sources
from audio_manager.services.context import Actor

from . import cap_samples as samples
from .cap_helpers import TREE
from .conftest import load_tree, make_user

SYSTEM = Actor.system("test")
LAST_MODIFIED = "Wed, 02 Dec 2026 05:30:00 GMT"


class Upstream:
    """What the fake source serves, and what it was asked."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str]] = {}  # path -> (body, etag)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.status = 200


@pytest.fixture
def upstream() -> Iterator[tuple[Upstream, str]]:
    state = Upstream()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers)))
            if state.status != 200:
                self.send_response(state.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, etag = state.documents.get(self.path, (b"", ""))
            if not body:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/cap+xml")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def areas(app_ctx: Any) -> None:
    load_tree(TREE)
    make_user("admin", Role.ADMIN)


def count(model: Any) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_polling_asks_with_the_etag_and_takes_only_what_changed(areas, upstream) -> None:
    state, base = upstream
    state.documents["/alert.xml"] = (samples.alert(), '"v1"')
    source, _ = sources.create(SYSTEM, "KTTV", "url", f"{base}/alert.xml")
    db.session.commit()

    first = polling.poll(SYSTEM, source)
    db.session.commit()
    assert first.status == "fetched" and [r.result for r in first.rows] == ["new"]
    assert (source.etag, source.last_modified) == ('"v1"', LAST_MODIFIED)

    second = polling.poll(SYSTEM, source)
    db.session.commit()
    assert second.status == "not_modified" and second.rows == []
    _path, headers = state.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == LAST_MODIFIED

    update = samples.alert(
        "KTTV-2026-0918",
        "Update",
        references=samples.reference(),
        sent="2026-12-02T06:30:00+07:00",
    )
    state.documents["/alert.xml"] = (update, '"v2"')
    third = polling.poll(SYSTEM, source)
    db.session.commit()
    assert [r.result for r in third.rows] == ["update"]
    assert source.etag == '"v2"'
    assert count(Message) == 1


def test_an_atom_feed_is_followed_to_its_alerts_once(areas, upstream) -> None:
    state, base = upstream
    state.documents["/a/1.xml"] = (samples.alert("F-1"), '"a1"')
    elsewhere = samples.alert("F-2", geocode="99999", area_desc="Nơi Khác")
    state.documents["/a/2.xml"] = (elsewhere, '"a2"')
    links = [f"{base}/a/1.xml", f"{base}/a/2.xml", f"{base}/a/missing.xml"]
    state.documents["/feed.atom"] = (samples.atom_feed(links), '"f1"')
    source, _ = sources.create(SYSTEM, "Feed", "url", f"{base}/feed.atom")
    db.session.commit()
    result = polling.poll(SYSTEM, source)
    db.session.commit()
    assert [(r.result, r.identifier) for r in result.rows] == [
        ("new", "F-1"),
        ("no_area", "F-2"),
        ("refused", None),
    ]
    state.documents["/feed.atom"] = (samples.atom_feed(links), '"f2"')  # changed validator only
    again = polling.poll(SYSTEM, source)
    db.session.commit()
    assert [r.result for r in again.rows] == []  # every link was seen: none fetched again
    fetched = [path for path, _ in state.requests if path.startswith("/a/")]
    assert sorted(fetched) == ["/a/1.xml", "/a/2.xml", "/a/missing.xml"]


def test_a_failing_source_is_logged_and_keeps_its_validators(areas, upstream) -> None:
    state, base = upstream
    state.documents["/alert.xml"] = (samples.alert(), '"v1"')
    source, _ = sources.create(SYSTEM, "KTTV", "url", f"{base}/alert.xml")
    db.session.commit()
    polling.poll(SYSTEM, source)
    db.session.commit()
    state.status = 503
    failed = polling.poll(SYSTEM, source)
    db.session.commit()
    assert failed.status == "error" and "HTTP 503" in failed.detail
    assert source.etag == '"v1"'
    assert source.last_result.startswith("error")
    assert db.session.scalar(
        db.select(CapInbound.result).order_by(CapInbound.id.desc()).limit(1)
    ) == ("error")


def test_cli_adds_polls_ingests_validates_and_publishes(areas, upstream, app, tmp_path) -> None:
    state, base = upstream
    state.documents["/alert.xml"] = (samples.alert(), '"v1"')
    runner = app.test_cli_runner()
    added = runner.invoke(args=["cap", "add-source", "KTTV", "--url", f"{base}/alert.xml"])
    assert added.exit_code == 0, added.output
    polled = runner.invoke(args=["cap", "poll"])
    assert polled.exit_code == 0, polled.output
    assert "new" in polled.output and "KTTV-2026-0917" in polled.output
    pushed = runner.invoke(args=["cap", "add-source", "Tay", "--push"])
    assert "token (shown once): cap_" in pushed.output
    push_id = sources.all_sources()[1].id
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(samples.BILLION_LAUGHS)
    refused = runner.invoke(args=["cap", "ingest", str(push_id), str(bomb)])
    assert refused.exit_code != 0 and "doctype" in refused.output
    good = tmp_path / "good.xml"
    good.write_bytes(samples.alert("T-1", geocode="94201"))
    taken = runner.invoke(args=["cap", "ingest", str(push_id), str(good)])
    assert taken.exit_code == 0 and "new" in taken.output
    assert runner.invoke(args=["cap", "validate", str(good)]).exit_code == 0
    invalid = runner.invoke(args=["cap", "validate", str(bomb)])
    assert invalid.exit_code != 0
    log = runner.invoke(args=["cap", "log"])
    assert "T-1" in log.output and "KTTV-2026-0917" in log.output
    no_base = runner.invoke(args=["cap", "publish"])
    assert no_base.exit_code != 0 and "CAP_BASE_URL" in no_base.output
    app.config["CAP_BASE_URL"] = "http://radio.example/"
    try:
        published = runner.invoke(args=["cap", "publish"])
    finally:
        app.config["CAP_BASE_URL"] = ""
    assert published.exit_code == 0 and "0 alert(s) published" in published.output  # drafts

"""The playlist data version moves on with every committed change to what playlists are made
of, whoever writes; cached playlists follow it at once."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from audio_manager.extensions import db
from audio_manager.models import Area, Message, PlayEvent
from audio_manager.scheduling import LOCAL_TZ
from audio_manager.services import data_versions
from audio_manager.services.broadcast import playlists
from audio_manager.services.data_versions import PLAYLISTS

from .conftest import bearer
from .schedule_helpers import world

TODAY = datetime.now(UTC).astimezone(LOCAL_TZ).date()
MIGRATION = Path(__file__).resolve().parent.parent / "migrations/versions/0005_data_versions.py"


def migration() -> Any:
    spec = importlib.util.spec_from_file_location("data_versions_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TRACKED = [(name, table) for name, tables in migration().TRACKED.items() for table in tables]


def version() -> int:
    db.session.rollback()  # a fresh snapshot, as the next request would have
    return data_versions.current(PLAYLISTS)


def triggers_on(name: str, table: str) -> set[str]:
    if db.engine.dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) "
            "AND tgname LIKE :like"
        )
    else:
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
            "AND name LIKE :like"
        )
    return set(db.session.scalars(sa.text(query), {"t": table, "like": f"am_{name}_%"}))


@pytest.mark.parametrize(("name", "table"), TRACKED)
def test_every_tracked_table_has_its_triggers(app_ctx, name, table) -> None:
    found = triggers_on(name, table)
    if db.engine.dialect.name == "postgresql":  # deferred (two with a WHEN filter), truncate
        assert {f"am_{name}_changed", f"am_{name}_truncated"} <= found
        assert found <= {f"am_{name}_changed", f"am_{name}_changed_update", f"am_{name}_truncated"}
    else:  # insert, update and delete
        assert {f"am_{name}_changed_{table}_{e}" for e in ("insert", "update", "delete")} == found


@pytest.mark.parametrize("table", ["api_tokens", "users"])
def test_sqlite_update_triggers_spell_every_column_but_the_ignored_one(app_ctx, table) -> None:
    """SQLite cannot say "any column but last_used_at": the live trigger must list every
    column the table has now, but that one."""
    if db.engine.dialect.name != "sqlite":
        assert triggers_on("accounts", table)  # PostgreSQL compares whole rows instead
        return
    sql = db.session.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE name = :n"),
        {"n": f"am_accounts_changed_{table}_update"},
    )
    listed = {c.strip() for c in sql.split("UPDATE OF", 1)[1].split(" ON ", 1)[0].split(",")}
    columns = {row[1] for row in db.session.execute(sa.text(f"PRAGMA table_info({table})"))}
    ignored = migration().IGNORED_UPDATES[("accounts", table)]
    assert listed == columns - {ignored}


def test_emptying_a_table_moves_the_version(w, client) -> None:
    schedule_daily(w, client, ["94101"], ["06:30"], TODAY, days=3)
    before = version()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("TRUNCATE schedule_targets"))
    else:
        db.session.execute(sa.text("DELETE FROM schedule_targets"))
    db.session.commit()
    assert version() != before


def schedule_daily(w, client, areas, times, first, days: int) -> None:
    """A daily schedule of the world's message, made through the API by the editor."""
    body = {
        "message_id": w["message"].id,
        "areas": areas,
        "times": times,
        "start_date": first.isoformat(),
        "end_date": (TODAY + timedelta(days=days)).isoformat(),
        "recurrence": {"kind": "daily"},
    }
    assert client.post("/api/v1/schedules", json=body, headers=w["editor_token"]).status_code == 201


@pytest.fixture
def w(app_ctx, client, token_for, tmp_path):
    data = world(tmp_path)
    data["token"] = bearer(token_for("operator"))
    data["editor_token"] = bearer(token_for("editor"))
    return data


def test_committed_changes_move_the_version_on_and_rollbacks_do_not(w) -> None:
    start = version()
    message = db.session.get(Message, w["message"].id)
    message.title = "Tiêu đề mới"
    db.session.commit()
    after_orm = version()
    assert after_orm != start
    # A bulk UPDATE outside the ORM's unit of work counts too.
    db.session.execute(sa.text("UPDATE area_languages SET position = position"))
    db.session.commit()
    after_sql = version()
    assert after_sql != after_orm
    db.session.execute(sa.update(Message).values(title="Không lưu"))
    db.session.rollback()
    assert version() == after_sql


def test_writes_that_do_not_change_playlists_leave_it(w) -> None:
    before = version()
    hamlet = db.session.scalar(sa.select(Area).where(Area.code == "A2"))
    db.session.add(
        PlayEvent(
            client_event_id="x-1",
            reported_by_id=w["operator"].id,
            area_id=hamlet.id,
            played_at=datetime.now(UTC),
            played_on=TODAY,
            message_id=w["message"].id,
            version_id=w["kinh"].id,
            language="kinh",
            source="device",
        )
    )
    db.session.commit()
    assert version() == before


def test_a_change_from_another_connection_reaches_the_cached_playlist(w, client, app) -> None:
    url = f"/api/v1/playlists?area=94101&date={TODAY}"
    schedule_daily(w, client, ["94101"], ["06:30"], TODAY - timedelta(days=1), days=3)
    first = client.get(url, headers=w["token"])
    assert {i["title"] for i in first.json["days"][0]["items"]} == {"BHXH tự nguyện"}
    assert client.get(url, headers=w["token"]).data == first.data  # served from the cache
    # Another process (a worker, a script) renames the message with plain SQL.
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as conn:
        conn.execute(
            sa.text("UPDATE messages SET title = 'Đổi tên' WHERE id = :id"),
            {"id": w["message"].id},
        )
    other.dispose()
    renamed = client.get(url, headers={**w["token"], "If-None-Match": first.headers["ETag"]})
    assert renamed.status_code == 200
    assert {i["title"] for i in renamed.json["days"][0]["items"]} == {"Đổi tên"}
    assert renamed.headers["ETag"] != first.headers["ETag"]
    unchanged = client.get(url, headers={**w["token"], "If-None-Match": renamed.headers["ETag"]})
    assert unchanged.status_code == 304


def test_the_cache_keeps_within_its_size(app_ctx) -> None:
    from audio_manager.lru import SizedLRU

    cache: SizedLRU[str] = SizedLRU(100)
    for n in range(10):
        cache.put(n, f"v{n}", 30)
    assert cache.size <= 100 and len(cache) == 3
    assert cache.get(9) == "v9" and cache.get(0) is None
    cache.put("huge", "x", 101)
    assert cache.get("huge") is None


def test_playlists_from_the_cache_equal_a_fresh_build(w, client) -> None:
    schedule_daily(w, client, ["94"], ["07:00", "18:00"], TODAY, days=7)
    area = db.session.scalar(sa.select(Area).where(Area.code == "94101"))
    cached = playlists.for_area(area, TODAY, 3)
    assert playlists.for_area(area, TODAY, 3) is cached
    assert cached.json_body == playlists.build(area, TODAY, 3).json_body


def test_an_unchanged_playlist_costs_one_query(w, client, app) -> None:
    """A device polling an unchanged playlist: its token and the playlist come from the caches,
    and the only statement is reading the data versions."""
    schedule_daily(w, client, ["94101"], ["06:30"], TODAY, days=3)
    url = f"/api/v1/playlists?area=94101&date={TODAY}"
    etag = client.get(url, headers=w["token"]).headers["ETag"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        again = client.get(url, headers={**w["token"], "If-None-Match": etag})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert again.status_code == 304
    assert statements == ["SELECT name, version FROM data_versions"]

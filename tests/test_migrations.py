"""The schema comes only from migrations: one head, and upgrade → downgrade → upgrade works."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from audio_manager import create_app
from audio_manager.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_there_is_exactly_one_head() -> None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own: a SQLite file, or a fresh PostgreSQL database beside the test one."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"am_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_downgrade_upgrade(scratch_database_url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"areas", "users", "api_tokens", "audit_events"} <= tables
        downgrade(revision="base")
        db.engine.dispose()
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
        assert set(sa.inspect(db.engine).get_table_names()) == tables
        db.engine.dispose()


def test_models_match_migrations(app) -> None:
    """Autogenerate finds nothing to add: every model change came with a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from audio_manager.models.base import render_migration_type

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_item": render_migration_type}
        )
        assert compare_metadata(context, db.metadata) == []


def test_upgrading_rolls_up_the_plays_already_recorded(scratch_database_url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0005_data_versions")
        rows = {
            "areas": [
                {"id": 1, "name": "P", "level": "province", "parent_id": None, "path": "/1/"},
                {"id": 2, "name": "C", "level": "commune", "parent_id": 1, "path": "/1/2/"},
                {"id": 3, "name": "H1", "level": "hamlet", "parent_id": 2, "path": "/1/2/3/"},
                {"id": 4, "name": "H2", "level": "hamlet", "parent_id": 2, "path": "/1/2/4/"},
            ],
            "users": [
                {
                    "id": 1,
                    "username": "op",
                    "display_name": "",
                    "password_hash": "x",
                    "active": True,
                    "session_token": "s",
                    "created_at": "2026-01-01 00:00:00",
                }
            ],
            "messages": [
                {
                    "id": 1,
                    "title": "T",
                    "topic": "",
                    "priority": "normal",
                    "created_at": "2026-01-01 00:00:00",
                }
            ],
            "play_events": [
                {
                    "client_event_id": f"e{n}",
                    "reported_by_id": 1,
                    "area_id": hamlet,
                    "commune_id": 2,
                    "district_id": None,
                    "province_id": 1,
                    "played_at": "2026-03-01 01:00:00",
                    "played_on": "2026-03-01",
                    "message_id": 1,
                    "version_id": None,
                    "language": "kinh",
                    "schedule_id": None,
                    "played": played,
                    "reason": None if played else "Mất điện",
                    "unscheduled": False,
                    "source": "device",
                    "reported_at": "2026-03-01 02:00:00",
                }
                for n, (hamlet, played) in enumerate([(3, True), (3, True), (4, True), (4, False)])
            ],
        }
        with db.engine.begin() as conn:
            for table, values in rows.items():
                columns = ", ".join(values[0])
                marks = ", ".join(f":{c}" for c in values[0])
                conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)
        upgrade()
        with db.engine.connect() as conn:
            communes = conn.execute(
                sa.text("SELECT commune_id, plays, misses FROM play_counts")
            ).all()
            hamlets = conn.execute(
                sa.text("SELECT area_id, plays, misses FROM hamlet_play_counts ORDER BY area_id")
            ).all()
        assert [tuple(r) for r in communes] == [(2, 3, 1)]
        assert [tuple(r) for r in hamlets] == [(3, 2, 0), (4, 1, 1)]
        db.engine.dispose()

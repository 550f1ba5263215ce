"""Upgrading to 0008 gives the versions already made their contributors, from the rows and the
audit: creators, those who re-spoke a draft, the authors a restore copied and a bulletin's."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import upgrade

from audio_manager import create_app
from audio_manager.extensions import db

from .test_migrations import scratch_database_url  # noqa: F401  (the fixture)

T = "2026-01-01 00:00:00"


def insert(conn: sa.Connection, table: str, rows: list[dict]) -> None:
    columns = ", ".join(rows[0])
    marks = ", ".join(f":{c}" for c in rows[0])
    conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), rows)


def test_upgrade_fills_in_the_contributors(scratch_database_url: str) -> None:  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0007_ringback")
        user = {"display_name": "", "password_hash": "x", "active": True, "created_at": T}
        version = {"status": "draft", "source_kind": "tts", "created_at": T, "revision": 1}
        version_rows = [(1, 1, 1, 1, None), (2, 1, 2, 3, 1), (3, 2, 1, 3, None)]
        with db.engine.begin() as conn:
            insert(
                conn,
                "users",
                [
                    {"id": i, "username": name, "session_token": name, **user}
                    for i, name in [(1, "ed"), (2, "both"), (3, "other")]
                ],
            )
            insert(
                conn,
                "messages",
                [
                    {
                        "id": 1,
                        "title": "T",
                        "topic": "",
                        "priority": "normal",
                        "created_at": T,
                        "updated_at": T,
                        "revision": 1,
                    }
                ],
            )
            insert(
                conn,
                "variants",
                [
                    {"id": 1, "message_id": 1, "language": "kinh"},
                    {"id": 2, "message_id": 1, "language": "multi"},
                ],
            )
            insert(
                conn,
                "versions",
                [
                    {
                        "id": i,
                        "variant_id": variant,
                        "number": number,
                        "created_by_id": by,
                        "restored_from_id": source,
                        **version,
                    }
                    for i, variant, number, by, source in version_rows
                ],
            )
            insert(conn, "bulletin_parts", [{"version_id": 3, "position": 0, "part_version_id": 1}])
            insert(
                conn,
                "audit_events",
                [
                    {
                        "actor_id": 2,
                        "actor_label": "both",
                        "action": "version.edit",
                        "object_type": "message",
                        "object_id": "1",
                        "created_at": T,
                        "detail": json.dumps({"version_id": 1}),
                    }
                ],
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT version_id, user_id, kind FROM version_contributors "
                    "ORDER BY version_id, user_id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, 1, "created"),
            (1, 2, "edited"),
            (2, 1, "restored"),
            (2, 2, "restored"),
            (2, 3, "created"),
            (3, 1, "part"),
            (3, 2, "part"),
            (3, 3, "created"),
        ]
        db.engine.dispose()

"""trust: the contributors of each version (four-eyes by authorship) and server-side login
sessions (logging out ends them)

Revision ID: 0008_trust
Revises: 0007_ringback

Existing versions get as contributors their creator, everyone the audit shows re-speaking them,
the contributors of the version a restore copied, and the contributors of a bulletin's parts.
Sessions signed in before the upgrade have no row and must log in again.
"""

import json

from alembic import op
import sqlalchemy as sa


revision = "0008_trust"
down_revision = "0007_ringback"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "version_contributors",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_version_contributors_user_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"],
            name=op.f("fk_version_contributors_version_id_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "user_id", name=op.f("pk_version_contributors")),
    )
    with op.batch_alter_table("version_contributors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_version_contributors_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_sessions_key_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)
    _backfill_contributors()


def _backfill_contributors():
    conn = op.get_bind()
    versions = conn.execute(
        sa.text("SELECT id, created_by_id, created_at, restored_from_id FROM versions ORDER BY id")
    ).all()
    found = {}  # version id -> {user id: (kind, at)}

    def add(version_id, user_id, kind, at):
        if user_id is not None:
            found.setdefault(version_id, {}).setdefault(user_id, (kind, at))

    for row in versions:
        add(row.id, row.created_by_id, "created", row.created_at)
    edits = conn.execute(
        sa.text(
            "SELECT actor_id, created_at, detail FROM audit_events "
            "WHERE action = 'version.edit' AND actor_id IS NOT NULL ORDER BY id"
        )
    ).all()
    for event in edits:
        detail = event.detail if isinstance(event.detail, dict) else json.loads(event.detail or "{}")
        if isinstance(detail.get("version_id"), int):
            add(detail["version_id"], event.actor_id, "edited", event.created_at)
    for row in versions:  # in id order: a restored copy comes after what it copies
        if row.restored_from_id is not None:
            for user_id, (_kind, at) in dict(found.get(row.restored_from_id, {})).items():
                add(row.id, user_id, "restored", at)
    parts = conn.execute(sa.text("SELECT version_id, part_version_id FROM bulletin_parts")).all()
    for part in parts:
        for user_id, (_kind, at) in dict(found.get(part.part_version_id, {})).items():
            add(part.version_id, user_id, "part", at)
    known = {v.id for v in versions}
    rows = [
        {"version_id": version_id, "user_id": user_id, "kind": kind, "at": at}
        for version_id, people in found.items()
        if version_id in known
        for user_id, (kind, at) in people.items()
    ]
    if rows:
        conn.execute(
            sa.text(
                "INSERT INTO version_contributors (version_id, user_id, kind, at) "
                "VALUES (:version_id, :user_id, :kind, :at)"
            ),
            rows,
        )


def downgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))
    op.drop_table("login_sessions")
    with op.batch_alter_table("version_contributors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_contributors_user_id"))
    op.drop_table("version_contributors")

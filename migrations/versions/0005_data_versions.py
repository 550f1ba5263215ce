"""data versions: numbers the database moves on whenever the data behind a cache changes

Revision ID: 0005_data_versions
Revises: 0004_schedules_plays

``playlists`` moves on with any change to what playlists are made of, ``accounts`` with any
change to who a bearer token stands for (its user, roles, scope and their areas; a token's
last_used_at and a user's last_login_at do not count). Triggers on the source tables move the
version in the writing transaction, to a new random number each time (only equality is ever
compared, so a version never comes back, not even after a backup is restored), also on
TRUNCATE.

On PostgreSQL row changes fire deferred constraint triggers: at commit, the first of them locks
every counter in name order, then each family moves once. The counters' row locks are thus the
last a writer takes, always in the same order, so they cannot close a deadlock cycle. SQLite
has one writer at a time and row triggers only.

Note for later migrations: a SQLite batch ("move and copy") alter of one of these tables drops
its triggers, and a new column of users or api_tokens must join the SQLite ``UPDATE OF`` lists;
tests/test_data_versions.py checks both against the live schema.
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_data_versions"
down_revision = "0004_schedules_plays"
branch_labels = None
depends_on = None

TRACKED = {
    "playlists": (
        "areas",
        "area_languages",
        "messages",
        "variants",
        "versions",
        "assets",
        "renditions",
        "schedules",
        "schedule_targets",
    ),
    "accounts": (
        "users",
        "user_roles",
        "user_areas",
        "approval_languages",
        "api_tokens",
        "areas",
    ),
}
# Updates of these columns alone do not count (touched on every use or login)...
IGNORED_UPDATES = {("accounts", "api_tokens"): "last_used_at", ("accounts", "users"): "last_login_at"}
# ...and SQLite cannot say "any column but": the columns whose update counts, spelled out.
UPDATE_COLUMNS = {
    "api_tokens": (
        "id", "user_id", "name", "prefix", "token_hash", "created_at", "created_by_id",
        "expires_at", "revoked_at",
    ),
    "users": (
        "id", "username", "display_name", "password_hash", "active", "locale", "session_token",
        "created_at",
    ),
}

PG_FUNCTION = f"""
CREATE FUNCTION am_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'audio_manager.changed_' || TG_ARGV[0];
BEGIN
    IF current_setting('audio_manager.counters_locked', true) IS DISTINCT FROM 'yes' THEN
        INSERT INTO data_versions (name, version)
        SELECT name, floor(random() * 9007199254740991)::bigint
        FROM unnest(ARRAY{sorted(TRACKED)!r}) AS name
        ON CONFLICT (name) DO NOTHING;
        PERFORM 1 FROM data_versions ORDER BY name FOR UPDATE;
        PERFORM set_config('audio_manager.counters_locked', 'yes', true);
    END IF;
    IF current_setting(flag, true) IS DISTINCT FROM 'yes' THEN
        UPDATE data_versions SET version = floor(random() * 9007199254740991)::bigint
        WHERE name = TG_ARGV[0];
        PERFORM set_config(flag, 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""


def sqlite_body(name):
    # No INSERT OR IGNORE: in SQLite the conflict policy of the statement that fires a trigger
    # overrides the trigger's own. random() is a 64-bit integer.
    return f"""
    INSERT INTO data_versions (name, version)
    SELECT '{name}', random()
    WHERE NOT EXISTS (SELECT 1 FROM data_versions WHERE name = '{name}');
    UPDATE data_versions SET version = random() WHERE name = '{name}';
"""


def pg_triggers(name, table):
    ignored = IGNORED_UPDATES.get((name, table))
    common = f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    call = f"EXECUTE FUNCTION am_data_changed('{name}')"
    truncate = f"CREATE TRIGGER am_{name}_truncated AFTER TRUNCATE ON {table} FOR EACH STATEMENT {call}"
    if ignored is None:
        return [
            f"CREATE CONSTRAINT TRIGGER am_{name}_changed AFTER INSERT OR UPDATE OR DELETE {common} {call}",
            truncate,
        ]
    when = f"WHEN ((to_jsonb(OLD) - '{ignored}') IS DISTINCT FROM (to_jsonb(NEW) - '{ignored}'))"
    return [
        f"CREATE CONSTRAINT TRIGGER am_{name}_changed AFTER INSERT OR DELETE {common} {call}",
        f"CREATE CONSTRAINT TRIGGER am_{name}_changed_update AFTER UPDATE {common} {when} {call}",
        truncate,
    ]


def sqlite_triggers(name, table):
    statements = []
    for event in ("INSERT", "UPDATE", "DELETE"):
        spelled = event
        if event == "UPDATE" and (name, table) in IGNORED_UPDATES:
            spelled = f"UPDATE OF {', '.join(UPDATE_COLUMNS[table])}"
        statements.append(
            f"CREATE TRIGGER am_{name}_changed_{table}_{event.lower()} AFTER {spelled} ON {table} "
            f"FOR EACH ROW BEGIN {sqlite_body(name)} END"
        )
    return statements


def upgrade():
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(PG_FUNCTION)
    for name, tables in TRACKED.items():
        for table in tables:
            for statement in (pg_triggers if postgresql else sqlite_triggers)(name, table):
                op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, tables in TRACKED.items():
        for table in tables:
            if postgresql:
                for suffix in ("changed", "changed_update", "truncated"):
                    op.execute(f"DROP TRIGGER IF EXISTS am_{name}_{suffix} ON {table}")
            else:
                for event in ("insert", "update", "delete"):
                    op.execute(f"DROP TRIGGER IF EXISTS am_{name}_changed_{table}_{event}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS am_data_changed()")
    op.drop_table("data_versions")

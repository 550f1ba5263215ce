"""playlist scopes: validators per province and per message, byte-ordered area paths, asset CRC-32

Revision ID: 0011_playlist_scopes
Revises: 0008_trust

A commune's playlist is made of areas and schedules of its province (the top level of the area
tree) and of the messages those schedules play (their variants, versions, renditions, assets).
``playlist_scopes`` keeps one number per province (``p<area id>``) and per message
(``m<message id>``) that triggers move, in the writing transaction, to a new random number when
one of those rows changes: a playlist's validator is known from a handful of numbers, without
building it, and an edit in one province (or of one message) changes only the validators of the
playlists it touches.

On PostgreSQL the triggers are deferred constraint triggers, like those of 0005: they run at
commit, after 0005's, which have locked the data_versions rows, so scope rows are always
updated by one committing writer at a time and cannot deadlock. Each scope moves once per
transaction (a transaction-local flag), however many rows changed. SQLite has one writer at a
time and row triggers.

``areas.path`` becomes ``COLLATE "C"`` on PostgreSQL: a subtree is then a range of the btree
index (``path >= '/1/7/' AND path < '/1/70'``) under any database collation. SQLite compares
bytes already.

``assets.crc32`` keeps the CRC-32 of the content, which a ZIP's central directory needs: a
bundle's every byte, its tail included, is then known before any audio is read (Range requests
anywhere in it). Filled when an asset is stored; older assets get it the first time a bundle
needs it.
"""

from alembic import op
import sqlalchemy as sa


revision = "0011_playlist_scopes"
down_revision = "0008_trust"
branch_labels = None
depends_on = None

TABLES = (
    "areas",
    "area_languages",
    "schedules",
    "schedule_targets",
    "messages",
    "variants",
    "versions",
    "renditions",
    "assets",
)

# The scopes a changed row touches, as one SELECT of text values per table. ``{row}`` is NEW
# or OLD. Provinces: the first id of an area's path.
PG_PROVINCE = "'p' || split_part({path}, '/', 2) AS scope"
PG_SCOPES = {
    "areas": f"SELECT {PG_PROVINCE.format(path='{row}.path')} WHERE {{row}}.path LIKE '/%/'",
    "area_languages": (
        f"SELECT {PG_PROVINCE.format(path='a.path')} FROM areas a WHERE a.id = {{row}}.area_id"
    ),
    "schedules": (
        f"SELECT DISTINCT {PG_PROVINCE.format(path='a.path')} FROM schedule_targets t "
        "JOIN areas a ON a.id = t.area_id WHERE t.schedule_id = {row}.id"
    ),
    "schedule_targets": (
        f"SELECT {PG_PROVINCE.format(path='a.path')} FROM areas a WHERE a.id = {{row}}.area_id"
    ),
    "messages": "SELECT 'm' || {row}.id AS scope",
    "variants": "SELECT 'm' || {row}.message_id AS scope",
    "versions": "SELECT 'm' || v.message_id AS scope FROM variants v WHERE v.id = {row}.variant_id",
    "renditions": (
        "SELECT 'm' || va.message_id AS scope FROM versions ve JOIN variants va ON va.id = ve.variant_id "
        "WHERE ve.id = {row}.version_id"
    ),
    "assets": (
        "SELECT DISTINCT 'm' || va.message_id AS scope FROM renditions r "
        "JOIN versions ve ON ve.id = r.version_id JOIN variants va ON va.id = ve.variant_id "
        "WHERE r.asset_id = {row}.id"
    ),
}

PG_BUMP = """
CREATE FUNCTION am_playlist_scope_bump(touched text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'audio_manager.scope_' || touched;
BEGIN
    IF touched IS NULL OR current_setting(flag, true) IS NOT DISTINCT FROM 'yes' THEN
        RETURN;
    END IF;
    INSERT INTO playlist_scopes (scope, version)
    VALUES (touched, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    PERFORM set_config(flag, 'yes', true);
END
$$
"""

# TRUNCATE fires no row trigger: every scope moves.
PG_TRUNCATED = """
CREATE FUNCTION am_scope_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE playlist_scopes SET version = floor(random() * 9007199254740991)::bigint;
    RETURN NULL;
END
$$
"""


def pg_function(table):
    old = PG_SCOPES[table].format(row="OLD")
    new = PG_SCOPES[table].format(row="NEW")
    return f"""
CREATE FUNCTION am_scope_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    scope text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        FOR scope IN {old} LOOP PERFORM am_playlist_scope_bump(scope); END LOOP;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        FOR scope IN {new} LOOP PERFORM am_playlist_scope_bump(scope); END LOOP;
    END IF;
    RETURN NULL;
END
$$
"""


# SQLite: the province is the text between the first two slashes.
SQ_PROVINCE = "'p' || substr({path}, 2, instr(substr({path}, 2), '/') - 1) AS scope"
SQ_SCOPES = {
    "areas": f"SELECT {SQ_PROVINCE.format(path='{row}.path')} WHERE {{row}}.path LIKE '/%/'",
    "area_languages": (
        f"SELECT {SQ_PROVINCE.format(path='a.path')} FROM areas a WHERE a.id = {{row}}.area_id"
    ),
    "schedules": PG_SCOPES["schedules"].replace(
        PG_PROVINCE.format(path="a.path"), SQ_PROVINCE.format(path="a.path")
    ),
    "schedule_targets": (
        f"SELECT {SQ_PROVINCE.format(path='a.path')} FROM areas a WHERE a.id = {{row}}.area_id"
    ),
    **{
        name: PG_SCOPES[name]
        for name in ("messages", "variants", "versions", "renditions", "assets")
    },
}


def sqlite_triggers(table):
    statements = []
    for event, rows in (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",))):
        body = ""
        for row in rows:
            scopes = SQ_SCOPES[table].format(row=row)
            # No INSERT OR IGNORE (the firing statement's conflict policy would override it).
            body += (
                "INSERT INTO playlist_scopes (scope, version) SELECT DISTINCT scope, random() "
                f"FROM ({scopes}) WHERE scope NOT IN (SELECT scope FROM playlist_scopes);\n"
                f"UPDATE playlist_scopes SET version = random() WHERE scope IN ({scopes});\n"
            )
        statements.append(
            f"CREATE TRIGGER am_scope_{table}_{event} AFTER {event.upper()} ON {table} "
            f"FOR EACH ROW BEGIN {body} END"
        )
    return statements


def upgrade():
    op.create_table(
        "playlist_scopes",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_playlist_scopes")),
    )
    # A plain ADD COLUMN: a SQLite batch (copy) alter would drop the table's triggers.
    op.add_column("assets", sa.Column("crc32", sa.BigInteger(), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute('ALTER TABLE areas ALTER COLUMN path TYPE VARCHAR(400) COLLATE "C"')
        op.execute(PG_BUMP)
        op.execute(PG_TRUNCATED)
        for table in TABLES:
            op.execute(pg_function(table))
            op.execute(
                f"CREATE CONSTRAINT TRIGGER am_scope_changed AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION am_scope_{table}()"
            )
            op.execute(
                f"CREATE TRIGGER am_scope_truncated AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION am_scope_truncated()"
            )
    else:
        for table in TABLES:
            for statement in sqlite_triggers(table):
                op.execute(statement)
    # Every province and message starts with a number of its own.
    province = (PG_PROVINCE if postgresql else SQ_PROVINCE).format(path="path")
    random = "floor(random() * 9007199254740991)::bigint" if postgresql else "random()"
    op.execute(
        f"INSERT INTO playlist_scopes (scope, version) SELECT DISTINCT {province}, 0 AS v FROM areas "
        "WHERE path LIKE '/%/'"
    )
    op.execute("INSERT INTO playlist_scopes (scope, version) SELECT 'm' || id, 0 FROM messages")
    op.execute(f"UPDATE playlist_scopes SET version = {random}")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS am_scope_changed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS am_scope_truncated ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS am_scope_{table}()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS am_scope_{table}_{event}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS am_playlist_scope_bump(text)")
        op.execute("DROP FUNCTION IF EXISTS am_scope_truncated()")
        op.execute("ALTER TABLE areas ALTER COLUMN path TYPE VARCHAR(400)")
    op.execute("ALTER TABLE assets DROP COLUMN crc32")
    op.drop_table("playlist_scopes")

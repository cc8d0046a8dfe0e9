"""The example's committed re-shard (guilds modulus 4 → 8, generated/migrations/0002) on a database at
version 0001 holding rows in guilds and in every table that references it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from catalog import assert_catalog_equal, snapshot, table_rows
from migrations import apply_sql
from psycopg import Connection

from schemagen.migrate import history
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema

ROWS = """
INSERT INTO users (id, username) SELECT i, 'user' || i FROM generate_series(1, 300) AS i;
INSERT INTO guilds (id, name, owner_id) SELECT i, 'guild ' || i, 1 + i % 300 FROM generate_series(1, 2000) AS i;
INSERT INTO channels (id, guild_id, name, type) SELECT i, 1 + i % 2000, 'c' || i, 0 FROM generate_series(1, 3000) AS i;
INSERT INTO roles (id, guild_id, name, position) SELECT i, 1 + i % 2000, 'r' || i, i FROM generate_series(1, 2500) AS i;
INSERT INTO guild_members (guild_id, user_id) SELECT 1 + i % 2000, 1 + i % 300 FROM generate_series(1, 5000) AS i
    ON CONFLICT DO NOTHING;
INSERT INTO guild_member_roles (guild_id, user_id, role_id)
    SELECT m.guild_id, m.user_id, r.id FROM guild_members m JOIN roles r ON r.guild_id = m.guild_id;
INSERT INTO guild_settings (guild_id, log_channel) SELECT i, i FROM generate_series(1, 2000, 7) AS i;
INSERT INTO guild_bans (guild_id, user_id, banned_by) SELECT 1 + i % 2000, 1 + i % 300, 1 FROM generate_series(1, 900) AS i
    ON CONFLICT DO NOTHING;
INSERT INTO user_xp (user_id, guild_id, xp) SELECT 1 + i % 300, 1 + i % 2000, i FROM generate_series(1, 4000) AS i
    ON CONFLICT DO NOTHING;
"""
REFERENCING = [
    "guilds",
    "channels",
    "roles",
    "guild_members",
    "guild_member_roles",
    "guild_settings",
    "guild_bans",
    "user_xp",
]
KEYS = {
    "guilds": ["id"],
    "channels": ["id"],
    "roles": ["id"],
    "guild_members": ["guild_id", "user_id"],
    "guild_member_roles": ["guild_id", "user_id", "role_id"],
    "guild_settings": ["guild_id"],
    "guild_bans": ["guild_id", "user_id"],
    "user_xp": ["user_id", "guild_id"],
}


def test_committed_reshard_keeps_every_row(
    repo_root: Path, pg_conn: Connection, pg_database: Callable[..., Connection]
) -> None:
    initial, reshard, *later = history.migrations(repo_root / "generated")
    assert reshard.name == "shard_guilds_8"
    apply_sql(pg_conn, initial.up.read_text())
    at_initial = snapshot(pg_conn)  # what 0001 builds in an empty database, for the down to come back to
    assert pg_conn.execute(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'guilds'::regclass"
    ).fetchone() == (4,)
    with pg_conn.transaction():
        pg_conn.execute(ROWS.encode(), prepare=False)
    before = {table: table_rows(pg_conn, table, KEYS[table]) for table in REFERENCING}
    assert all(before.values())

    apply_sql(pg_conn, reshard.up.read_text())
    assert {table: table_rows(pg_conn, table, KEYS[table]) for table in REFERENCING} == before
    for migration in later:  # the newer ones, to compare with the spec
        apply_sql(pg_conn, migration.up.read_text())
    at_spec = pg_database(render_schema(compile_spec(repo_root / "spec").model))
    assert_catalog_equal(snapshot(pg_conn), snapshot(at_spec))
    spread = pg_conn.execute("SELECT count(DISTINCT tableoid) FROM guilds").fetchone()
    assert spread == (8,)

    for migration in reversed(later):
        apply_sql(pg_conn, migration.down.read_text())
    apply_sql(pg_conn, reshard.down.read_text())
    assert {table: table_rows(pg_conn, table, KEYS[table]) for table in REFERENCING} == before
    assert_catalog_equal(snapshot(pg_conn), at_initial)

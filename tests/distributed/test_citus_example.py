"""The Citus example's committed history (examples/citus/generated/migrations) on a real cluster, with
rows: a few hundred in every table at 0001, then every up migration through the command line, each
giving the catalog that replaying the history to it on an empty database gives (the newest: the
catalog of examples/citus/generated/schema.sql), with every row kept; then every down migration back
to 0001, each giving back the catalog and the rows of its version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from psycopg import sql

from schemagen.cli import cli
from schemagen.database.citus_cluster import CitusCluster
from schemagen.database.live import connect
from schemagen.migrate import history
from schemagen.postgres.expressions import split_statements
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.conftest import database_name

GENERATED = Path(__file__).resolve().parents[2] / "examples" / "citus" / "generated"

# Written at 0001, before the tables have guild_id: 200 guilds with ids spread over the hash range,
# messages in every month of the window (2026) and in its DEFAULT partition (December 2025).
ROWS = """\
INSERT INTO users (id, username, discriminator, bot)
SELECT i, 'user' || i, i % 10000, i % 10 = 0 FROM generate_series(1, 300) i;
INSERT INTO user_profiles (user_id, bio) SELECT i, 'bio ' || i FROM generate_series(1, 300, 3) i;
INSERT INTO user_settings (user_id, theme)
SELECT i, CASE WHEN i % 2 = 0 THEN 'dark' ELSE 'light' END::theme FROM generate_series(1, 300, 2) i;
INSERT INTO guilds (id, name, owner_id, member_count)
SELECT i * 1000003, 'guild ' || i, 1 + i % 300, i FROM generate_series(1, 200) i;
INSERT INTO roles (id, guild_id, name, position)
SELECT i, (1 + i % 200) * 1000003, 'role ' || i, i FROM generate_series(1, 400) i;
INSERT INTO guild_members (guild_id, user_id, nickname)
SELECT (1 + i % 200) * 1000003, 1 + i % 300, 'nick ' || i FROM generate_series(1, 600) i;
INSERT INTO guild_member_roles (guild_id, user_id, role_id)
SELECT m.guild_id, m.user_id, r.id FROM guild_members m JOIN roles r ON r.guild_id = m.guild_id;
INSERT INTO guild_bans (guild_id, user_id, banned_by)
SELECT (1 + i % 200) * 1000003, 1 + (i * 7) % 300, 1 FROM generate_series(1, 300) i ON CONFLICT DO NOTHING;
INSERT INTO user_xp (user_id, guild_id, xp)
SELECT 1 + i % 300, (1 + i % 200) * 1000003, i FROM generate_series(1, 500) i ON CONFLICT DO NOTHING;
INSERT INTO channels (id, guild_id, name, type)
SELECT i, (1 + i % 200) * 1000003, 'channel ' || i, i % 17 FROM generate_series(1, 600) i;
UPDATE channels SET parent_id = id - 1 WHERE id % 5 = 0;
INSERT INTO guild_settings (guild_id, log_channel, mute_role)
SELECT g.id, (SELECT min(c.id) FROM channels c WHERE c.guild_id = g.id),
       (SELECT min(r.id) FROM roles r WHERE r.guild_id = g.id)
FROM guilds g WHERE g.id % 2 = 1;
INSERT INTO channel_permissions (channel_id, target_id, target_type, allow)
SELECT 1 + i % 600, i, i % 2, i FROM generate_series(1, 400) i;
INSERT INTO messages (id, channel_id, author_id, content, created_at, attachments)
SELECT i, 1 + i % 600, 1 + i % 300, 'message number ' || i, timestamptz '2025-12-20' + i * interval '9 hours',
       CASE WHEN i % 7 = 0 THEN '[{"url": "x"}]' ELSE '[]' END::jsonb
FROM generate_series(1, 1000) i;
INSERT INTO message_edits (id, message_id, message_created_at, old_content, new_content, edited_by)
SELECT id, id, created_at, content, content || '!', author_id FROM messages WHERE id % 3 = 0;
INSERT INTO message_reactions (id, message_id, message_created_at, user_id, emoji_name, emoji_id)
SELECT id, id, created_at, 1 + id % 300, 'thumbs', CASE WHEN id % 2 = 0 THEN NULL ELSE id END
FROM messages WHERE id % 4 = 0;
SELECT refresh_daily_message_stats();
"""
# Every row whose guild_id the backfill (0003) fills, and where it takes it from.
BACKFILLED = {
    "channel_permissions": "SELECT count(*) FROM channel_permissions p JOIN channels c ON c.id = p.channel_id"
    " WHERE p.guild_id = c.guild_id",
    "messages": "SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.guild_id = c.guild_id",
    "message_edits": "SELECT count(*) FROM message_edits e JOIN messages m"
    " ON (m.id, m.created_at) = (e.message_id, e.message_created_at) WHERE e.guild_id = m.guild_id",
    "message_reactions": "SELECT count(*) FROM message_reactions r JOIN messages m"
    " ON (m.id, m.created_at) = (r.message_id, r.message_created_at) WHERE r.guild_id = m.guild_id",
}
GUILD_GROUP = {
    "guilds": "id",
    **{
        table: "guild_id"
        for table in (
            "channel_permissions",
            "channels",
            "guild_bans",
            "guild_member_roles",
            "guild_members",
            "guild_settings",
            "message_edits",
            "message_reactions",
            "messages",
            "roles",
            "user_xp",
        )
    },
}
REFERENCE = ("user_profiles", "user_settings", "users")

Digests = dict[str, str]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def execute(dsn: str, script: str) -> None:
    with connect(dsn, autocommit=True) as conn:
        for statement in split_statements(script):
            conn.execute(statement.text.encode(), prepare=False)


def catalog_of(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def digests(dsn: str, columns: dict[str, list[str]]) -> Digests:
    """Per table (and materialized view), its row count and a digest of its rows' values in `columns`."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table, names in sorted(columns.items()):
            values = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, names)))
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg({v}, ',' ORDER BY {v}), '')) FROM {t}"
                ).format(v=values, t=sql.Identifier(table))
            ).fetchone()
            assert row is not None
            found[table] = f"{row[0]} rows, {row[1]}"
    return found


def row_columns(catalog: Catalog) -> dict[str, list[str]]:
    """The columns of every table (partitions aside: their parent reads them) and materialized view."""
    return {
        name: sorted(relation["columns"])
        for name, relation in catalog["relations"].items()
        if relation["kind"] in ("table", "partitioned table", "materialized view")
        and not relation.get("partition_of")
    }


def assert_backfilled(dsn: str) -> None:
    with connect(dsn, autocommit=True) as conn:
        for table, query in BACKFILLED.items():
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            assert conn.execute(query).fetchone() == rows, f"{table}.guild_id is not its guild's"


@pytest.fixture
def fresh_dsns(citus_cluster: CitusCluster, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Two more databases on the cluster: one the history is replayed into without rows, one for the
    newest schema.sql."""
    names = [database_name(f"{request.node.nodeid}::{what}") for what in ("replay", "schema")]
    dsns = tuple(citus_cluster.create_database(name) for name in names)
    yield dsns[0], dsns[1]
    for name in names:
        citus_cluster.drop_database(name)


def test_the_example_history_keeps_every_row_up_and_down(citus_dsn: str, fresh_dsns: tuple[str, str]) -> None:
    replay, schema = fresh_dsns
    migrations = history.migrations(GENERATED)
    numbers = [m.number for m in migrations]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5
    backfill = next(m.number for m in migrations if m.name == "backfill_guild_id")
    generated = ("--generated", str(GENERATED))

    run("migrate", "apply", "--dsn", citus_dsn, *generated, "--to", "1")
    execute(citus_dsn, ROWS)
    first = row_columns(catalog_of(citus_dsn))  # the columns every version keeps
    kept = digests(citus_dsn, first)
    assert all(not digest.startswith("0 rows") for digest in kept.values()), kept

    versions: dict[int, tuple[Catalog, Digests]] = {}
    for number in numbers:
        run("migrate", "apply", "--dsn", citus_dsn, *generated, "--to", str(number))
        run("migrate", "apply", "--dsn", replay, *generated, "--to", str(number))
        catalog = catalog_of(citus_dsn)
        assert_catalog_equal(catalog, catalog_of(replay))
        assert digests(citus_dsn, first) == kept, f"rows changed by migration {number}"
        versions[number] = (catalog, digests(citus_dsn, row_columns(catalog)))

    assert_backfilled(citus_dsn)
    newest, _ = versions[numbers[-1]]
    execute(schema, (GENERATED / "schema.sql").read_text())
    assert_catalog_equal(newest, catalog_of(schema))
    distribution = {
        name: (entry["kind"], entry["distribution_column"], entry["shard_count"])
        for name, entry in newest["distribution"].items()
    }
    model = history.read_snapshot(GENERATED)
    assert model is not None and model.project.shard_count is not None
    assert distribution == {
        **{table: ("hash", column, model.project.shard_count) for table, column in GUILD_GROUP.items()},
        **{table: ("reference", None, None) for table in REFERENCE},
    }

    for number in reversed(numbers[:-1]):
        run("migrate", "down", "--dsn", citus_dsn, *generated, "--to", str(number))
        catalog, rows = versions[number]
        assert_catalog_equal(catalog_of(citus_dsn), catalog)
        if number == backfill - 1:
            # the backfill's down has nothing to undo: the values it wrote stay until the down of the
            # migration before it drops the column
            assert digests(citus_dsn, first) == kept
            assert_backfilled(citus_dsn)
        else:
            assert digests(citus_dsn, row_columns(catalog)) == rows, f"rows changed going down to {number}"

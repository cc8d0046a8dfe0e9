"""The catalog comparison helper, against the example schema on real PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from catalog import assert_catalog_equal, assert_same_catalog, diff, row_counts, snapshot, table_rows

if TYPE_CHECKING:
    from psycopg import Connection

SCHEMA_SQL = Path(__file__).resolve().parents[1] / "generated" / "schema.sql"
GUILD_PARTITIONS = int(
    re.search(r"modulus: (\d+)", (Path(__file__).parents[1] / "spec" / "guilds.yaml").read_text()).group(1)
)


def run(conn: Connection, script: str) -> None:
    """Run a multi-statement script (simple query protocol, no parameters)."""
    conn.cursor().execute(script, prepare=False)


@pytest.fixture
def example(pg_database: Callable[..., Connection]) -> Connection:
    """A database of the test's own holding the example schema (a clone of its template)."""
    return pg_database(SCHEMA_SQL.read_text())


@pytest.fixture
def pair(pg_database: Callable[..., Connection], example: Connection) -> tuple[Connection, Connection]:
    """Two databases of the test's own holding the example schema."""
    return example, pg_database(SCHEMA_SQL.read_text())


def test_the_same_schema_applied_twice_has_the_same_catalog(example: Connection, pg_conn: Connection) -> None:
    # A clone of the template that applied the schema, and the schema applied again here: the two
    # databases share no object ids, so the snapshot is proven not to depend on them.
    a, b = example, pg_conn
    run(b, SCHEMA_SQL.read_text())
    first, second = snapshot(a), snapshot(b)
    assert diff(first, second) == []
    assert first == second
    assert_same_catalog(a, b)
    # The example has hash and range partitions, a matview and an identity sequence: all captured.
    relations = first["relations"]
    assert relations["guilds"]["partition_key"] == "HASH (id)"
    assert (
        relations["guilds_p2"]["partition_bound"]
        == f"FOR VALUES WITH (modulus {GUILD_PARTITIONS}, remainder 2)"
    )
    assert relations["messages_default"]["partition_bound"] == "DEFAULT"
    assert relations["messages_2024_01"]["partition_bound"] == (
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
    )
    assert relations["daily_message_stats"]["kind"] == "materialized view"
    assert "daily_message_stats_day_channel_id_idx" in relations["daily_message_stats"]["indexes"]
    assert relations["message_edits_id_seq"]["owned_by"] == "message_edits.id"
    assert relations["guilds_p0"]["indexes"]["guilds_p0_pkey"]["parent"] == "guilds_pkey"
    assert first["types"]["theme"]["labels"] == ["dark", "light"]
    assert set(first["functions"]) == {
        "archive_messages(timestamp with time zone)",
        "refresh_daily_message_stats()",
        "schemagen_maintain(date)",
    }


def test_snapshot_is_sorted_and_json_serialisable(example: Connection) -> None:
    catalog = snapshot(example)
    text = json.dumps(catalog, sort_keys=True)
    assert json.loads(text) == catalog
    assert json.dumps(catalog) == text  # already sorted all the way down


def test_extension_objects_are_left_out(example: Connection) -> None:
    catalog = snapshot(example)
    (extension_functions,) = example.execute(
        "SELECT count(*) FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e'"
        " AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_trgm')"
    ).fetchone()
    assert extension_functions > 0
    assert list(catalog["extensions"]) == ["pg_trgm"]
    assert not any("trgm" in name or "similarity" in name for name in catalog["functions"])
    assert list(catalog["types"]) == ["theme"]  # not pg_trgm's gtrgm


def test_session_settings_do_not_change_the_snapshot_and_are_restored(
    pair: tuple[Connection, Connection],
) -> None:
    a, b = pair
    a.execute("SET TimeZone = 'Pacific/Kiritimati'")
    a.execute("SET search_path = pg_catalog")
    a.execute("SET DateStyle = 'SQL, DMY'")
    assert_same_catalog(a, b)
    settings = a.execute("SELECT current_setting('TimeZone'), current_setting('search_path')").fetchone()
    assert settings == ("Pacific/Kiritimati", "pg_catalog")


@dataclass(frozen=True)
class Mutation:
    """SQL for side A (and optionally B); each diff line must match a pattern and each pattern a line."""

    sql_a: str
    patterns: tuple[str, ...]
    sql_b: str = ""


def exactly(*lines: str) -> tuple[str, ...]:
    return tuple(re.escape(line) + "$" for line in lines)


REATTACH = (
    "ALTER TABLE messages DETACH PARTITION messages_2026_12;"
    " ALTER TABLE messages ATTACH PARTITION messages_2026_12 FOR VALUES FROM ('2026-12-01') TO ('{end}');"
)
MEMBER_STATS_VIEW = """
CREATE OR REPLACE VIEW guild_member_stats AS
SELECT g.id AS guild_id, g.name AS guild_name, count(gm.user_id) AS member_count,
       count(gm.user_id) FILTER (WHERE u.bot) AS bot_count,
       max(gm.joined_at) AS latest_join, min(gm.joined_at) AS earliest_join
FROM guilds g
LEFT JOIN guild_members gm ON g.id = gm.guild_id
LEFT JOIN users u ON gm.user_id = u.id
GROUP BY g.id, g.name
"""
REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION refresh_daily_message_stats() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    REFRESH MATERIALIZED VIEW public.daily_message_stats;
END
$$
"""
CHECK = "ALTER TABLE messages ADD CONSTRAINT messages_id_positive_check CHECK (id > 0)"
TOUCH_TRIGGER = """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER messages_touch BEFORE {event} ON messages FOR EACH ROW EXECUTE FUNCTION touch();
"""
DOMAIN = "CREATE DOMAIN snowflake AS bigint NOT NULL CHECK (VALUE {check})"

MUTATIONS = {
    "column added": Mutation(
        "ALTER TABLE users ADD COLUMN locale text",
        exactly("column users.locale: only in A"),
    ),
    "column type changed": Mutation(
        "ALTER TABLE users ALTER COLUMN username TYPE varchar(64)",
        exactly("column users.username: type character varying(64) ≠ character varying(32)"),
    ),
    "default changed": Mutation(
        "ALTER TABLE guilds ALTER COLUMN member_count SET DEFAULT 1",
        exactly(
            "column guilds.member_count: default 1 ≠ 0",
            *(f"column guilds_p{n}.member_count: default 1 ≠ 0" for n in range(GUILD_PARTITIONS)),
        ),
    ),
    "not null dropped": Mutation(
        "ALTER TABLE users ALTER COLUMN username DROP NOT NULL",
        exactly("column users.username: not_null false ≠ true"),
    ),
    "index dropped": Mutation(
        "DROP INDEX users_discriminator_idx",
        exactly("index users_discriminator_idx: only in B"),
    ),
    "partitioned index dropped": Mutation(
        "DROP INDEX messages_channel_id_id_idx",
        (
            *exactly("index messages_channel_id_id_idx: only in B"),
            *exactly("index messages_default_channel_id_id_idx: only in B"),
            r"index messages_\d{4}_\d\d_channel_id_id_idx: only in B$",
        ),
    ),
    "partition index renamed": Mutation(
        "ALTER INDEX guilds_p0_pkey RENAME TO guilds_p0_pkey1",
        exactly(
            "index guilds_p0_pkey1: only in A",
            "index guilds_p0_pkey: only in B",
            # The index backs the partition's primary key, whose name follows it.
            "constraint guilds_p0.guilds_p0_pkey1: only in A",
            "constraint guilds_p0.guilds_p0_pkey: only in B",
        ),
    ),
    "partition detached": Mutation(
        "ALTER TABLE messages DETACH PARTITION messages_2024_01",
        (
            *exactly(
                "table messages_2024_01: partition_of (none) ≠ messages",
                "table messages_2024_01: partition_bound (none) ≠ FOR VALUES FROM ('2024-01-01 00:00:00+00')"
                " TO ('2024-02-01 00:00:00+00')",
                "index messages_2024_01_pkey: parent (none) ≠ messages_pkey",
                "constraint messages_2024_01.messages_author_id_fkey: parent (none)"
                " ≠ messages.messages_author_id_fkey",
            ),
            # Its indexes and constraints are its own now ...
            r"(index|constraint) messages_2024_01[._]\w+: (parent|local|inherited_count|validated) ",
            # ... and the FK clones that referenced it are gone.
            r"constraint (message_edits|message_reactions)\.\w+_message_created_at_fkey1: only in B$",
        ),
    ),
    "partition bound changed": Mutation(
        REATTACH.format(end="2026-12-15"),
        exactly(
            "table messages_2026_12: partition_bound FOR VALUES FROM ('2026-12-01 00:00:00+00')"
            " TO ('2026-12-15 00:00:00+00') ≠ FOR VALUES FROM ('2026-12-01 00:00:00+00')"
            " TO ('2027-01-01 00:00:00+00')"
        ),
        sql_b=REATTACH.format(end="2027-01-01"),
    ),
    "check constraint not valid": Mutation(
        CHECK + " NOT VALID",
        (
            *exactly("constraint messages.messages_id_positive_check: validated false ≠ true"),
            r"constraint messages_(\d{4}_\d\d|default)\.messages_id_positive_check: validated false ≠ true$",
        ),
        sql_b=CHECK,
    ),
    "enum value added": Mutation(
        "ALTER TYPE theme ADD VALUE 'system'",
        exactly('enum theme: labels ["dark", "light", "system"] ≠ ["dark", "light"]'),
    ),
    "view definition changed": Mutation(
        MEMBER_STATS_VIEW,
        (
            r"view guild_member_stats: definition .*FILTER \(WHERE u\.bot\) AS bot_count,\\n"
            r".* ≠ .*FILTER \(WHERE u\.bot = true\) AS",
        ),
    ),
    "table comment changed": Mutation(
        "COMMENT ON TABLE users IS 'Someone.'",
        exactly("table users: comment Someone. ≠ A Discord account the bot has seen."),
    ),
    "column comment dropped": Mutation(
        "COMMENT ON COLUMN channel_permissions.target_type IS NULL",
        exactly(
            "column channel_permissions.target_type: comment (none)"
            " ≠ Discord overwrite type: 0 = role, 1 = member."
        ),
    ),
    "function body changed": Mutation(
        REFRESH_FUNCTION,
        (
            r"function refresh_daily_message_stats\(\): definition"
            r" .*MATERIALIZED VIEW public\..* ≠ .*MATERIALIZED VIEW CONCURRENTLY public\.",
        ),
    ),
    "trigger event changed": Mutation(
        TOUCH_TRIGGER.format(event="UPDATE"),
        (
            r"trigger messages\.messages_touch: definition .*BEFORE UPDATE ON public\.messages FOR EACH ROW"
            r" .* ≠ .*BEFORE INSERT ON",
            # The partitions carry clones of the trigger.
            r"trigger messages_(\d{4}_\d\d|default)\.messages_touch: definition"
            r" .*BEFORE UPDATE .* ≠ .*BEFORE INSERT ",
        ),
        sql_b=TOUCH_TRIGGER.format(event="INSERT"),
    ),
    "domain check changed": Mutation(
        DOMAIN.format(check=">= 0"),
        exactly(
            'domain snowflake: constraints {"snowflake_check": "CHECK ((VALUE >= 0))"}'
            ' ≠ {"snowflake_check": "CHECK ((VALUE > 0))"}'
        ),
        sql_b=DOMAIN.format(check="> 0"),
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_diff_reports_the_mutation(pair: tuple[Connection, Connection], mutation: Mutation) -> None:
    a, b = pair
    run(a, mutation.sql_a)
    if mutation.sql_b:
        run(b, mutation.sql_b)
    lines = diff(snapshot(a), snapshot(b))
    unexpected = [line for line in lines if not any(re.match(p, line) for p in mutation.patterns)]
    unmatched = [p for p in mutation.patterns if not any(re.match(p, line) for line in lines)]
    assert unexpected == []
    assert unmatched == []
    with pytest.raises(AssertionError, match=f"the catalogs differ in {len(lines)} ways"):
        assert_same_catalog(a, b)


def test_column_order_is_ignored(pair: tuple[Connection, Connection]) -> None:
    a, b = pair
    run(a, """
        CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz DEFAULT now() NOT NULL, note text,
                            guild_id bigint REFERENCES guilds (id));
        INSERT INTO audit (id, at, note) VALUES (2, '2025-01-01', 'two'), (1, '2024-01-01', 'one');
    """)  # fmt: skip
    run(b, """
        CREATE TABLE audit (note text, guild_id bigint REFERENCES guilds (id),
                            at timestamptz DEFAULT now() NOT NULL, id bigint PRIMARY KEY);
        INSERT INTO audit (id, at, note) VALUES (1, '2024-01-01', 'one'), (2, '2025-01-01', 'two');
    """)  # fmt: skip
    assert_same_catalog(a, b)
    # Named columns compare rows across physical orders; `SELECT *` follows each table's own order.
    columns = ["id", "at", "note", "guild_id"]
    assert table_rows(a, "audit", "id", columns) == table_rows(b, "audit", "id", columns)
    assert [row[0] for row in table_rows(a, "audit", "id")] == [1, 2]
    assert [row[0] for row in table_rows(b, "audit", "id")] == ["one", "two"]


def test_whitespace_in_function_bodies_is_ignored(pair: tuple[Connection, Connection]) -> None:
    a, b = pair
    run(a, """
        CREATE OR REPLACE FUNCTION refresh_daily_message_stats() RETURNS void LANGUAGE plpgsql AS $$
          BEGIN  REFRESH MATERIALIZED VIEW CONCURRENTLY
                   public.daily_message_stats;
          END $$
    """)  # fmt: skip
    source = "SELECT prosrc FROM pg_proc WHERE proname = 'refresh_daily_message_stats'"
    assert a.execute(source).fetchone() != b.execute(source).fetchone()
    assert_same_catalog(a, b)


def test_fk_clones_of_a_validated_fk_to_a_partitioned_table_are_equal(
    pair: tuple[Connection, Connection],
) -> None:
    """NOT VALID then VALIDATE on side A, valid at once on side B: the same catalog, whatever clones say."""
    a, b = pair
    create = "CREATE TABLE guild_notes (id bigint PRIMARY KEY, guild_id bigint NOT NULL);"
    add = (
        "ALTER TABLE guild_notes ADD CONSTRAINT guild_notes_guild_id_fkey"
        " FOREIGN KEY (guild_id) REFERENCES guilds (id)"
    )
    run(a, f"{create} {add} NOT VALID;")
    # Before validation, the parent constraint's own state is a real difference.
    run(b, f"{create} {add};")
    assert diff(snapshot(a), snapshot(b)) == [
        "constraint guild_notes.guild_notes_guild_id_fkey: validated false ≠ true"
    ]
    run(a, "ALTER TABLE guild_notes VALIDATE CONSTRAINT guild_notes_guild_id_fkey")
    clones = (
        "SELECT convalidated FROM pg_constraint WHERE conrelid = 'guild_notes'::regclass AND conparentid <> 0"
    )
    # The quirk: PostgreSQL (15 at least) leaves the per-partition clones NOT VALID after VALIDATE.
    assert a.execute(clones).fetchall() == [(False,)] * GUILD_PARTITIONS
    assert b.execute(clones).fetchall() == [(True,)] * GUILD_PARTITIONS
    assert_same_catalog(a, b)
    constraints = snapshot(a)["relations"]["guild_notes"]["constraints"]
    assert constraints["guild_notes_guild_id_fkey"]["validated"] is True
    assert len(constraints) == 1 + 1 + GUILD_PARTITIONS  # pkey, the FK and its clones, by name
    assert all(
        entry["parent"] == "guild_notes.guild_notes_guild_id_fkey" and entry["validated"] is None
        for name, entry in constraints.items()
        if name not in ("guild_notes_pkey", "guild_notes_guild_id_fkey")
    )


def test_other_schemas_only_when_asked(pair: tuple[Connection, Connection]) -> None:
    a, b = pair
    run(a, "CREATE SCHEMA extra; CREATE TABLE extra.things (id int); CREATE TYPE extra.mood AS ENUM ('ok')")
    assert_same_catalog(a, b)
    assert diff(snapshot(a, ("public", "extra")), snapshot(b, ("public", "extra"))) == [
        "enum extra.mood: only in A",
        "schema extra: only in A",
        "table extra.things: only in A",
    ]
    with pytest.raises(ValueError, match="pg_catalog"):
        snapshot(a, ("pg_catalog",))


def test_row_helpers(example: Connection) -> None:
    a = example
    run(a, """
        INSERT INTO users (id, username) VALUES (2, 'bea'), (1, 'al');
        INSERT INTO guilds (id, name, owner_id) VALUES (10, 'g10', 1), (11, 'g11', 2), (12, 'g12', 2);
    """)  # fmt: skip
    assert row_counts(a, ["guilds", "users", "public.messages", "guilds_p0"]) == {
        "guilds": 3,
        "guilds_p0": a.execute("SELECT count(*) FROM ONLY guilds_p0").fetchone()[0],
        "public.messages": 0,
        "users": 2,
    }
    assert row_counts(a, []) == {}
    assert table_rows(a, "guilds", "id", columns=["id", "owner_id"]) == [(10, 1), (11, 2), (12, 2)]
    assert table_rows(a, "users", ["username"], columns=["username"]) == [("al",), ("bea",)]


def test_assert_catalog_equal_reports_the_first_fifty_lines_and_a_count() -> None:
    a = {"functions": {f"f{n:02}()": {"language": "sql"} for n in range(60)}}
    b = {"functions": {f"f{n:02}()": {"language": "plpgsql"} for n in range(60)}}
    assert_catalog_equal(a, a)
    with pytest.raises(AssertionError) as raised:
        assert_catalog_equal(a, b)
    message = str(raised.value)
    assert message.startswith("the catalogs differ in 60 ways:\n  function f00(): language sql ≠ plpgsql\n")
    assert "f49()" in message
    assert "f50()" not in message
    assert message.endswith("\n  ... and 10 more")


def test_diff_lines_are_readable() -> None:
    long_a = "x" * 150 + "A\nz"
    long_b = "x" * 150 + "B\nz"
    a = {
        "relations": {
            "t": {"kind": "table", "comment": long_a, "columns": {"c": {"type": "text", "not_null": True}}},
            "gone": {"kind": "view", "columns": {}},
        },
        "types": {"e": {"kind": "enum", "labels": ["x"]}},
    }
    b = {
        "relations": {
            "t": {
                "kind": "table",
                "comment": long_b,
                "columns": {"c": {"type": "varchar", "not_null": None}},
            },
        },
        "types": {"e": {"kind": "enum", "labels": ["x", "y"]}},
    }
    assert diff(a, b) == [
        "column t.c: not_null true ≠ (none)",
        "column t.c: type text ≠ varchar",
        'enum e: labels ["x"] ≠ ["x", "y"]',
        f"table t: comment …{'x' * 30}A\\nz ≠ …{'x' * 30}B\\nz",
        "view gone: only in A",
    ]

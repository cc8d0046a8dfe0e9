"""Partitioning changes on real PostgreSQL: re-sharding a hash table, moving range windows.

Every case builds A, fills it (rows in every partition, and rows in other tables that reference it
with ON DELETE CASCADE), migrates to B and checks that the catalog equals B rendered fresh (names of
partitions, their indexes and constraint clones included), that every row is still there with the
same values, and that each row sits in the partition PostgreSQL routes it to in a fresh B database.
Then the down migration, which is planned the same way, must do the same for A.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of
from psycopg import sql

from schemagen.database.cluster import ThrowawayCluster
from schemagen.database.live import connect
from schemagen.migrate.header import is_transactional
from schemagen.migrate.migration import build_migration
from schemagen.model import Model, Table
from schemagen.model.ordering import order_tables
from schemagen.pipeline import compile_spec
from schemagen.plan import Lock, plan
from schemagen.plan.operations import flat

Rows = dict[str, list[tuple[Any, ...]]]
Fresh = Callable[[Model], psycopg.Connection]

SHARDED = """\
project: {name: shard, postgres: 15}
entities:
  users:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
  guilds:
    columns:
      id: {type: bigint, primary_key: true}
      name: varchar(100)
      owner_id: {type: bigint, references: users}
      region: text?
      created_at: {type: timestamptz, default: {sql: now()}}
      flags: {type: "text[]", default: []}
    unique: [[id, name]]
    checks:
      named: "name <> ''"
    partition:
      hash: {key: id, modulus: MODULUS}
    indexes:
      - columns: [owner_id, created_at DESC]
      - columns: [id, name]
      - {name: guilds_big_idx, columns: [id, name], where: "id > 100"}
      - {expression: "lower(name)"}
      - {columns: [region], include: [name]}
  members:
    columns:
      guild_id: {type: bigint, references: {table: guilds, on_delete: cascade}}
      user_id: {type: bigint, references: {table: users, on_delete: cascade}}
      nick: text?
    primary_key: [guild_id, user_id]
  settings:
    columns:
      guild_id: bigint
      guild_name: varchar(100)
      prefix: text
    primary_key: [guild_id]
    foreign_keys:
      - columns: [guild_id, guild_name]
        references: {table: guilds, columns: [id, name]}
        on_delete: cascade
  events:
    columns:
      id: bigint
      guild_id: {type: bigint, references: {table: guilds, on_delete: cascade}}
      at: timestamptz
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
"""

SHARDED_ROWS = """
INSERT INTO users (id, name) SELECT i, 'user ' || i FROM generate_series(1, 20) i;
INSERT INTO guilds (id, name, owner_id, region, flags)
    SELECT i, 'guild ' || i, 1 + i % 20, CASE WHEN i % 3 = 0 THEN NULL ELSE 'r' || i % 5 END, ARRAY['f' || i % 4]
    FROM generate_series(1, 400) i;
INSERT INTO members (guild_id, user_id, nick) SELECT 1 + i % 400, 1 + i % 20, 'n' || i FROM generate_series(1, 600) i
    ON CONFLICT DO NOTHING;
INSERT INTO settings (guild_id, guild_name, prefix) SELECT i, 'guild ' || i, '!' FROM generate_series(1, 400, 3) i;
INSERT INTO events (id, guild_id, at)
    SELECT i, 1 + i % 400, timestamptz '2023-12-20 00:00+00' + i * interval '7 hours' FROM generate_series(1, 500) i;
"""

WINDOWED = """\
project: {name: chat, postgres: 15}
entities:
  channels:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
  messages:
    columns:
      id: bigint
      channel_id: {type: bigint, references: {table: channels, on_delete: cascade}}
      body: text?
      created_at: timestamptz
    primary_key: [id, created_at]
    checks:
      short: "length(body) < 1000"
    partition:
      range: {key: created_at, every: month, from: FROM, to: TO, default: DEFAULT}
    indexes:
      - columns: [channel_id, created_at DESC]
  reactions:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      message_id: bigint
      message_created_at: timestamptz
      emoji: text
    foreign_keys:
      - columns: [message_id, message_created_at]
        references: {table: messages, columns: [id, created_at]}
        on_delete: cascade
"""


def windowed(start: str, end: str, default: bool) -> str:
    return WINDOWED.replace("FROM", start).replace("TO", end).replace("DEFAULT", str(default).lower())


WINDOWED_ROWS = """
INSERT INTO channels (id, name) SELECT i, 'c' || i FROM generate_series(1, 5) i;
INSERT INTO messages (id, channel_id, body, created_at)
    SELECT i, 1 + i % 5, 'm' || i, timestamptz '2024-01-01 00:00+00' + i * interval '5 hours 13 minutes'
    FROM generate_series(1, 1200) i;
INSERT INTO reactions (message_id, message_created_at, emoji)
    SELECT id, created_at, 'e' || id % 7 FROM messages WHERE id % 4 = 0 AND WHERE_REACTIONS;
"""


# --- fixtures and checks -------------------------------------------------------------------------


@pytest.fixture
def fresh(pg_cluster: ThrowawayCluster, request: pytest.FixtureRequest) -> Iterator[Fresh]:
    """A new database created from a model's schema.sql, as an autocommit connection."""
    made: list[tuple[str, psycopg.Connection]] = []
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]

    def database(model: Model) -> psycopg.Connection:
        name = f"fresh_{digest}_{len(made)}"
        conn = connect(pg_cluster.create_database(name), autocommit=True)
        made.append((name, conn))
        create(conn, model)
        return conn

    yield database
    for name, conn in made:
        conn.close()
        pg_cluster.drop_database(name)


def _columns(table: Table) -> list[str]:
    return sorted(c.name for c in table.columns if c.generated is None)


def contents(conn: psycopg.Connection, model: Model) -> Rows:
    """Every row of every table, sorted, with columns by name."""
    out: Rows = {}
    for table in model.tables:
        columns = sql.SQL(", ").join(map(sql.Identifier, _columns(table)))
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(columns, sql.Identifier(table.name), columns)
        out[table.name] = conn.execute(query).fetchall()
    return out


def placement(conn: psycopg.Connection, table: Table) -> list[tuple[Any, ...]]:
    """Each row of a partitioned table with the leaf partition that holds it."""
    columns = sql.SQL(", ").join(map(sql.Identifier, _columns(table)))
    query = sql.SQL("SELECT tableoid::regclass::text, {} FROM {} ORDER BY {}").format(
        columns, sql.Identifier(table.name), columns
    )
    return conn.execute(query).fetchall()


def leaves(conn: psycopg.Connection, table: str) -> dict[str, int]:
    """Rows per leaf partition."""
    query = sql.SQL("SELECT tableoid::regclass::text, count(*) FROM {} GROUP BY 1").format(
        sql.Identifier(table)
    )
    return dict(conn.execute(query).fetchall())


def copy_rows(source: psycopg.Connection, target: psycopg.Connection, model: Model) -> None:
    """Insert every row of `source` into `target` (both at `model`), referenced tables first."""
    for table in order_tables(model.tables)[0]:
        columns = sql.SQL(", ").join(map(sql.Identifier, _columns(table)))
        out_sql = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(columns, sql.Identifier(table.name))
        in_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), columns)
        with source.cursor().copy(out_sql) as out, target.cursor().copy(in_sql) as into:
            for block in out:
                into.write(block)


def assert_like_fresh(conn: psycopg.Connection, fresh: Fresh, model: Model, rows: Rows) -> None:
    """Catalog of `model` rendered fresh, exactly `rows`, and each row where PostgreSQL routes it."""
    other = fresh(model)
    assert_catalog_equal(snapshot(conn), snapshot(other))
    assert contents(conn, model) == rows
    copy_rows(conn, other, model)
    for table in model.tables:
        if table.partition is not None:
            assert placement(conn, table) == placement(other, table), table.name


def migrate_both_ways(
    conn: psycopg.Connection,
    fresh: Fresh,
    before: Model,
    after: Model,
    *,
    rows_after: Rows | None = None,
    filled: set[str] | None = None,
) -> None:
    """Up: B's catalog and the same rows (or `rows_after`); down: A's catalog and the rows again.

    `filled` names the tables that must hold rows to begin with (default: all of them).
    """
    rows = contents(conn, before)
    empty = [name for name, found in rows.items() if not found and (filled is None or name in filled)]
    assert not empty, f"tables without rows: {empty}"
    migration = build_migration(before, after, "0002_partitions")
    apply_sql(conn, migration.up_sql)
    assert_like_fresh(conn, fresh, after, rows if rows_after is None else rows_after)
    apply_sql(conn, migration.down_sql)
    assert_like_fresh(conn, fresh, before, rows if rows_after is None else rows_after)


def sharded(tmp_path: Path, name: str, modulus: int) -> Model:
    return model_of(tmp_path, name, {"spec.yaml": SHARDED.replace("MODULUS", str(modulus))})


# --- hash ----------------------------------------------------------------------------------------


def test_hash_4_to_8_splits_each_partition_and_keeps_every_row(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before, after = sharded(tmp_path, "a", 4), sharded(tmp_path, "b", 8)
    create(pg_conn, before)
    pg_conn.execute(SHARDED_ROWS)
    assert len(leaves(pg_conn, "guilds")) == 4
    rows = contents(pg_conn, before)
    assert all(rows.values()), "rows in guilds and in every table that references it"

    migration = build_migration(before, after, "0002_reshard")
    apply_sql(pg_conn, migration.up_sql)
    assert sorted(leaves(pg_conn, "guilds")) == [f"guilds_p{r}" for r in range(8)]
    assert_like_fresh(pg_conn, fresh, after, rows)

    apply_sql(pg_conn, migration.down_sql)  # 8 → 4: a merge
    assert sorted(leaves(pg_conn, "guilds")) == [f"guilds_p{r}" for r in range(4)]
    assert_like_fresh(pg_conn, fresh, before, rows)


def test_hash_8_to_4_merges_pairs(tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh) -> None:
    before, after = sharded(tmp_path, "a", 8), sharded(tmp_path, "b", 4)
    create(pg_conn, before)
    pg_conn.execute(SHARDED_ROWS)
    kinds = [op.kind for op in plan(before, after)]
    assert kinds.count("merge_partitions") == 4
    migrate_both_ways(pg_conn, fresh, before, after)


def test_hash_4_to_6_rebuilds_every_partition_in_one_transaction(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before, after = sharded(tmp_path, "a", 4), sharded(tmp_path, "b", 6)
    (rebuild,) = [op for op in plan(before, after) if op.kind == "rebuild_partitions"]
    assert {h.code for h in rebuild.hazards} == {"SG923", "SG922"}
    assert [s.template for s in rebuild.up].count("partition_begin") == 1
    assert [s.template for s in rebuild.up].count("partition_create") == 6
    create(pg_conn, before)
    pg_conn.execute(SHARDED_ROWS)
    migrate_both_ways(pg_conn, fresh, before, after)


def test_a_table_referencing_itself_is_resharded(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    spec = """\
project: {name: tree, postgres: 15}
entities:
  nodes:
    columns:
      id: {type: bigint, primary_key: true}
      parent_id: {type: bigint, nullable: true, references: {table: nodes, on_delete: cascade}}
    partition:
      hash: {key: id, modulus: MODULUS}
"""
    before = model_of(tmp_path, "a", {"spec.yaml": spec.replace("MODULUS", "2")})
    after = model_of(tmp_path, "b", {"spec.yaml": spec.replace("MODULUS", "4")})
    (restored,) = [op for op in plan(before, after) if op.kind == "restore_foreign_key"]
    assert [h.code for h in restored.hazards] == ["SG922"]  # partitioned: re-added validated
    create(pg_conn, before)
    pg_conn.execute("INSERT INTO nodes SELECT i, NULLIF(i - 1, 0) FROM generate_series(1, 300) i")
    migrate_both_ways(pg_conn, fresh, before, after)


def test_the_split_plan_states_its_locks_and_transactions(tmp_path: Path) -> None:
    before, after = sharded(tmp_path, "a", 4), sharded(tmp_path, "b", 8)
    ops = plan(before, after)
    assert [op.kind for op in ops] == (
        ["drop_referencing_foreign_keys"] + ["split_partition"] * 4 + ["restore_foreign_key"] * 3
    )
    dropped = ops[0]
    assert [h.code for h in dropped.hazards] == ["SG932"]
    dropping = [s for s in dropped.up if s.template == "drop_constraint"]
    assert {s.args["table"] for s in dropping} == {"members", "settings", "events"}
    # each drop locks both tables, the referenced one first, in a transaction of its own
    assert [s.template for s in dropped.up] == ["begin", "lock_tables", "drop_constraint", "commit"] * 3
    assert {tuple(lock.relation for lock in s.locks) for s in dropped.up if s.template == "lock_tables"} == {
        ("guilds", "members"),
        ("guilds", "settings"),
        ("guilds", "events"),
    }
    # the split's units of work are one step (plan/operations.py `Unit`, one template); read through
    # it, the statements are those the file holds
    assert [s.template for s in ops[1].up][:2] == ["reshard_split", "begin"]
    split = replace(ops[1], up=tuple(flat(ops[1].up)))
    # online (plan/recipes/reshard.py): units of their own — the capture (a trigger logging the keys
    # written to guilds_p0: its SHARE ROW EXCLUSIVE only until this short unit commits), a copy per new
    # partition and the catch-ups (ACCESS SHARE on guilds_p0: it takes writes; one lock, no LOCK TABLE
    # list), then the swap, which holds guilds for catalog changes and the attach's check of the key
    templates = [s.template for s in split.up]
    units: list[list[str]] = []
    for template in templates:
        if template in ("partition_begin", "begin"):
            units.append([])
        units[-1].append(template)
    capture, copy_p0, copy_p4, catch_up, catch_up_again, swap, *after_swap = units
    assert capture == [
        "partition_begin",
        "reshard_capture_function",
        "reshard_capture_trigger",
        "reshard_log_create",
        "partition_commit",
    ]
    per_table = ["reshard_create", "reshard_copy"] + ["create_index", "add_constraint_using_index"] * 2
    per_table += ["create_index"] * 5
    assert copy_p0 == copy_p4 == ["partition_begin", *per_table, "partition_commit"]
    replay = ["reshard_replay_delete"] * 2 + ["reshard_replay_insert"] * 2
    assert (
        catch_up
        == catch_up_again
        == [
            "partition_begin",
            "reshard_snapshot",
            "reshard_log_analyze",
            *replay,
            "reshard_log_clear",
            "partition_commit",
        ]
    )
    before_swap = sum(len(u) for u in units[:5])
    held = [
        (s.lock, s.on, s.brief)
        for s in split.up[:before_swap]
        if s.lock >= Lock.SHARE and s.on in ("guilds", "guilds_p0")
    ]
    assert held == [(Lock.SHARE_ROW_EXCLUSIVE, "guilds_p0", True)]
    assert swap[:8] == ["partition_begin", "lock_tables", *replay, "reshard_drop_capture", "partition_detach"]
    swap_locks = split.up[before_swap + 1]
    assert [(lock.relation, lock.mode) for lock in swap_locks.locks] == [
        ("guilds", Lock.ACCESS_EXCLUSIVE),
        ("guilds_p0_new", Lock.ACCESS_EXCLUSIVE),
        ("guilds_p4_new", Lock.ACCESS_EXCLUSIVE),
        ("schemagen_log_guilds_p0", Lock.ACCESS_EXCLUSIVE),
        ("users", Lock.SHARE_ROW_EXCLUSIVE),
    ]
    assert templates.count("reshard_attach") == 2
    # nothing else in the swap scans or rewrites: the attach checks the rows against the cloned foreign key
    long = [s.template for s in split.up[before_swap : before_swap + len(swap)] if s.runs_long]
    assert long == ["reshard_attach"] * 2
    # dropping the old partition drops its foreign key's triggers on users (ACCESS EXCLUSIVE there):
    # apart from the swap, so users is not held for it
    assert after_swap == [["begin", "lock_tables", "drop_table", "commit", "reshard_drop_function"]]
    assert [h.code for h in split.hazards] == ["SG922"]
    assert "ACCESS EXCLUSIVE on guilds during the swap" in split.hazards[0].message
    renamed = {
        s.args["old"]: s.args["new"]
        for s in split.up
        if s.template == "rename_index" and s.on == "guilds_p0_old"
    }
    assert renamed == {
        "guilds_p0_pkey": "guilds_p0_old_pkey",
        "guilds_p0_id_name_key": "guilds_p0_old_id_name_key",
        "guilds_p0_id_name_idx": "guilds_p0_old_id_name_idx",  # guilds_big_idx, first by name
        "guilds_p0_id_name_idx1": "guilds_p0_old_id_name_idx1",  # guilds_id_name_idx
        "guilds_p0_lower_idx": "guilds_p0_old_lower_idx",
        "guilds_p0_owner_id_created_at_idx": "guilds_p0_old_owner_id_created_at_idx",
        "guilds_p0_region_name_idx": "guilds_p0_old_region_name_idx",  # INCLUDE columns count
    }
    # the new partitions' indexes, built under temporary names, get the names a fresh render gives
    named = {s.args["new"] for s in split.up if s.template == "rename_index" and s.on == "guilds_p0"}
    assert named == {new.replace("_old", "") for new in renamed.values()}
    restored = {
        op.target: [(s.template, s.args["not_valid"]) for s in op.up if s.template == "add_constraint"]
        for op in ops[5:]
    }
    assert restored["events.events_guild_id_fkey"] == [("add_constraint", False)]  # partitioned: validated
    assert restored["members.members_guild_id_fkey"] == [("add_constraint", True)]
    assert not is_transactional(build_migration(before, after, "0002").up_sql)


# --- range ---------------------------------------------------------------------------------------


def test_window_extended_moves_rows_out_of_the_default(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-01-01", "2024-04-01", True)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-01-01", "2024-07-01", True)})
    create(pg_conn, before)
    pg_conn.execute(WINDOWED_ROWS.replace("WHERE_REACTIONS", "true"))
    in_default = leaves(pg_conn, "messages")["messages_default"]
    assert in_default > 300  # April to June, and later

    migrate_both_ways(pg_conn, fresh, before, after)
    ops = plan(before, after)
    (move,) = [op for op in ops if op.kind == "move_partitions"]
    assert [s.template for s in move.up][:3] == ["partition_begin", "lock_tables", "partition_detach"]
    assert "partition_attach_default" in [s.template for s in move.up]
    assert not any(h.destructive for op in ops for h in op.hazards)


def test_window_extended_without_default_only_creates(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-01-01", "2024-12-01", False)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-01-01", "2025-01-01", False)})
    ops = plan(before, after)
    # appended after every existing partition: the clones of the reactions key keep their numbers
    # the file runs in one transaction, which takes its locks first: messages, then channels (which its
    # foreign key references, and which creating a partition locks too)
    assert [op.kind for op in ops] == ["lock_tables", "create_partitions"]
    assert [(lock.relation, lock.mode) for lock in ops[0].up[0].locks] == [
        ("messages", Lock.ACCESS_EXCLUSIVE),
        ("channels", Lock.SHARE_ROW_EXCLUSIVE),
    ]
    assert is_transactional(build_migration(before, after, "0002").up_sql)
    create(pg_conn, before)
    pg_conn.execute(WINDOWED_ROWS.replace("WHERE_REACTIONS", "true"))
    migrate_both_ways(pg_conn, fresh, before, after)


def test_months_added_in_front_renumber_the_referencing_key_clones(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-03-01", "2024-12-01", False)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-01-01", "2024-12-01", False)})
    # PostgreSQL numbers the clones of reactions' key in partition order: created in front, they would
    # take the next numbers, so the key is dropped and re-added to number them as a fresh render does
    assert [op.kind for op in plan(before, after)] == [
        "drop_referencing_foreign_keys",
        "create_partitions",
        "restore_foreign_key",
    ]
    create(pg_conn, before)
    pg_conn.execute(
        WINDOWED_ROWS.replace("generate_series(1, 1200)", "generate_series(300, 1200)").replace(
            "WHERE_REACTIONS", "true"
        )
    )
    migrate_both_ways(pg_conn, fresh, before, after)


def test_window_moved_without_default_drops_old_months_destructively(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-01-01", "2024-10-01", False)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-03-01", "2024-12-01", False)})
    (drop,) = [op for op in plan(before, after) if op.kind == "drop_partitions"]
    shrink = [h for h in drop.hazards if h.destructive]
    assert [h.code for h in shrink] == ["SG904"]
    assert "messages_2024_01, messages_2024_02" in shrink[0].message
    assert [s.args.get("concurrently") for s in drop.up if s.template == "partition_detach"] == [True, True]

    create(pg_conn, before)
    # rows of other tables must not reference the dropped months: PostgreSQL would refuse to drop them
    pg_conn.execute(WINDOWED_ROWS.replace("WHERE_REACTIONS", "created_at >= '2024-03-01+00'"))
    rows = contents(pg_conn, before)
    created_at = _columns(before.tables_by_name["messages"]).index("created_at")
    kept = [r for r in rows["messages"] if r[created_at].isoformat() >= "2024-03-01"]
    assert 0 < len(kept) < len(rows["messages"])
    migrate_both_ways(pg_conn, fresh, before, after, rows_after={**rows, "messages": kept})


def test_dropping_a_month_that_other_rows_reference_is_refused(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-01-01", "2024-10-01", False)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-03-01", "2024-12-01", False)})
    create(pg_conn, before)
    pg_conn.execute(WINDOWED_ROWS.replace("WHERE_REACTIONS", "true"))
    rows = contents(pg_conn, before)
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="removing partition"):
        apply_sql(pg_conn, build_migration(before, after, "0002").up_sql)
    assert contents(pg_conn, before) == rows  # no ON DELETE CASCADE fired, nothing was lost


def test_window_moved_with_default_keeps_the_old_months_rows_in_it(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": windowed("2024-01-01", "2024-06-01", True)})
    after = model_of(tmp_path, "b", {"spec.yaml": windowed("2024-03-01", "2024-09-01", True)})
    ops = plan(before, after)
    assert not any(h.destructive for op in ops for h in op.hazards)
    assert "SG922" in {h.code for op in ops for h in op.hazards}
    create(pg_conn, before)
    pg_conn.execute(WINDOWED_ROWS.replace("WHERE_REACTIONS", "true"))
    migrate_both_ways(pg_conn, fresh, before, after)


# --- two levels, list, renames, refusals ---------------------------------------------------------

TWO_LEVELS = """\
project: {name: logs, postgres: 15}
entities:
  sources:
    columns:
      id: {type: bigint, primary_key: true}
  logs:
    columns:
      id: bigint
      source_id: {type: bigint, references: {table: sources, on_delete: cascade}}
      at: date
      line: text
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01}
      then:
        hash: {key: id, modulus: MODULUS}
    indexes:
      - columns: [source_id, at]
  marks:
    columns:
      log_id: bigint
      log_at: date
      note: text
    primary_key: [log_id, log_at]
    foreign_keys:
      - columns: [log_id, log_at]
        references: {table: logs, columns: [id, at]}
        on_delete: cascade
"""

TWO_LEVEL_ROWS = """
INSERT INTO sources (id) SELECT i FROM generate_series(1, 3) i;
INSERT INTO logs (id, source_id, at, line)
    SELECT i, 1 + i % 3, date '2024-01-01' + (i % 91), 'line ' || i FROM generate_series(1, 600) i;
INSERT INTO marks (log_id, log_at, note) SELECT id, at, 'n' FROM logs WHERE id % 5 = 0;
"""


def test_second_level_hash_modulus_change(tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": TWO_LEVELS.replace("MODULUS", "2")})
    after = model_of(tmp_path, "b", {"spec.yaml": TWO_LEVELS.replace("MODULUS", "4")})
    splits = [op for op in plan(before, after) if op.kind == "split_partition"]
    assert len(splits) == 6  # two per month
    assert {s.on for op in splits for s in flat(op.up) if s.template == "partition_detach"} == {
        "logs_2024_01",
        "logs_2024_02",
        "logs_2024_03",
    }
    create(pg_conn, before)
    pg_conn.execute(TWO_LEVEL_ROWS)
    migrate_both_ways(pg_conn, fresh, before, after)


def test_adding_a_second_level_rebuilds_each_child(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    flat = TWO_LEVELS.replace("      then:\n        hash: {key: id, modulus: MODULUS}\n", "")
    before = model_of(tmp_path, "a", {"spec.yaml": flat})
    after = model_of(tmp_path, "b", {"spec.yaml": TWO_LEVELS.replace("MODULUS", "2")})
    (move,) = [op for op in plan(before, after) if op.kind == "move_partitions"]
    assert "SG923" in {h.code for h in move.hazards}
    create(pg_conn, before)
    pg_conn.execute(TWO_LEVEL_ROWS)
    migrate_both_ways(pg_conn, fresh, before, after)


LISTED = """\
project: {name: geo, postgres: 15}
entities:
  shops:
    columns:
      id: bigint
      country: text
      name: text
    primary_key: [id, country]
    partition:
      list:
        key: country
        values: VALUES
        default: true
"""


def test_list_values_moved_between_partitions(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": LISTED.replace("VALUES", "{eu: [de, fr], us: [us]}")})
    after = model_of(
        tmp_path, "b", {"spec.yaml": LISTED.replace("VALUES", "{eu: [de, fr, it], us: [us, ca]}")}
    )
    create(pg_conn, before)
    pg_conn.execute("""
        INSERT INTO shops (id, country, name)
            SELECT i, (ARRAY['de', 'fr', 'it', 'us', 'ca', 'jp'])[1 + i % 6], 's' || i FROM generate_series(1, 300) i
    """)
    migrate_both_ways(pg_conn, fresh, before, after)


def test_renamed_partitioned_table_renames_partitions_and_their_indexes(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    before = sharded(tmp_path, "a", 4)
    renamed = SHARDED.replace("MODULUS", "4").replace("  guilds:\n", "  servers:\n    renamed_from: guilds\n")
    renamed = renamed.replace("table: guilds,", "table: servers,").replace(
        "guilds_big_idx", "servers_big_idx"
    )
    after = model_of(tmp_path, "b", {"spec.yaml": renamed})
    create(pg_conn, before)
    pg_conn.execute(SHARDED_ROWS)
    rows = contents(pg_conn, before)
    migration = build_migration(before, after, "0002_rename")
    apply_sql(pg_conn, migration.up_sql)
    assert_like_fresh(
        pg_conn, fresh, after, {("servers" if k == "guilds" else k): v for k, v in rows.items()}
    )
    apply_sql(pg_conn, migration.down_sql)
    assert_like_fresh(pg_conn, fresh, before, rows)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "hash: {key: id, modulus: 4}",
            "list: {key: id, values: {a: [1]}, default: true}",
            "changes from hash (id) to list (id)",
        ),
        (
            "hash: {key: id, modulus: 4}",
            "hash: {key: name, modulus: 4}",
            "changes from hash (id) to hash (name)",
        ),
    ],
)
def test_changing_the_partition_key_is_a_rebuild(tmp_path: Path, old: str, new: str, message: str) -> None:
    spec = """\
project: {name: k, postgres: 15}
entities:
  t:
    columns:
      id: bigint
      name: text
    primary_key: [id, name]
    partition:
      PARTITION
"""
    before = model_of(tmp_path, "a", {"spec.yaml": spec.replace("PARTITION", old)})
    after = model_of(tmp_path, "b", {"spec.yaml": spec.replace("PARTITION", new)})
    (rebuild,) = [op for op in plan(before, after) if op.kind == "rebuild_table"]
    assert message in rebuild.comment
    assert {h.code for h in rebuild.hazards} == {"SG923", "SG922"}


def test_becoming_partitioned_is_a_rebuild(tmp_path: Path) -> None:
    spec = "project: {name: k, postgres: 15}\nentities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
    before = model_of(tmp_path, "a", {"spec.yaml": spec})
    after = model_of(
        tmp_path, "b", {"spec.yaml": spec + "    partition:\n      hash: {key: id, modulus: 2}\n"}
    )
    (up,) = [op for op in plan(before, after) if op.kind == "rebuild_table"]
    assert "it becomes partitioned" in up.comment
    (down,) = [op for op in plan(after, before) if op.kind == "rebuild_table"]
    assert "it stops being partitioned" in down.comment


# --- the example spec ----------------------------------------------------------------------------

EXAMPLE_ROWS = """
INSERT INTO users (id, username) SELECT i, 'user' || i FROM generate_series(1, 50) i;
INSERT INTO guilds (id, name, owner_id, region, member_count, unavailable)
    SELECT i * 7919, 'guild ' || i, 1 + i % 50, 'eu', i % 3000, i % 11 = 0 FROM generate_series(1, 300) i;
INSERT INTO channels (id, guild_id, name, type) SELECT i, (1 + i % 300) * 7919, 'c' || i, 0 FROM generate_series(1, 400) i;
INSERT INTO roles (id, guild_id, name, position) SELECT i, (1 + i % 300) * 7919, 'r' || i, i FROM generate_series(1, 300) i;
INSERT INTO guild_settings (guild_id, welcome_channel, mute_role)
    SELECT (1 + i % 300) * 7919, i, i FROM generate_series(1, 200) i;
INSERT INTO guild_members (guild_id, user_id) SELECT (1 + i % 300) * 7919, 1 + i % 50 FROM generate_series(1, 500) i
    ON CONFLICT DO NOTHING;
INSERT INTO guild_member_roles (guild_id, user_id, role_id)
    SELECT guild_id, user_id, (SELECT min(id) FROM roles r WHERE r.guild_id = m.guild_id) FROM guild_members m
    WHERE EXISTS (SELECT FROM roles r WHERE r.guild_id = m.guild_id);
INSERT INTO guild_bans (guild_id, user_id, banned_by) SELECT (1 + i % 300) * 7919, 1 + i % 50, 1 FROM generate_series(1, 100) i
    ON CONFLICT DO NOTHING;
INSERT INTO user_xp (user_id, guild_id, xp) SELECT 1 + i % 50, (1 + i % 300) * 7919, i FROM generate_series(1, 400) i
    ON CONFLICT DO NOTHING;
"""


def test_example_spec_guilds_4_to_8(
    repo_root: Path, tmp_path: Path, pg_conn: psycopg.Connection, fresh: Fresh
) -> None:
    shutil.copytree(repo_root / "spec", tmp_path / "a")
    shutil.copytree(repo_root / "spec", tmp_path / "b")
    # the example is at modulus 8 now; A is the example as it was before 0002_shard_guilds_8
    for side, modulus in (("a", 4), ("b", 8)):
        guilds = tmp_path / side / "guilds.yaml"
        text = re.sub(
            r"hash: \{key: id, modulus: \d+\}", f"hash: {{key: id, modulus: {modulus}}}", guilds.read_text()
        )
        assert f"modulus: {modulus}}}" in text
        guilds.write_text(text)
    before, after = compile_spec(tmp_path / "a").model, compile_spec(tmp_path / "b").model
    create(pg_conn, before)
    pg_conn.execute(EXAMPLE_ROWS)
    assert len(leaves(pg_conn, "guilds")) == 4
    referencing = {t.name for t in after.tables for fk in t.foreign_keys if fk.ref_table == "guilds"}
    assert referencing == {"channels", "roles", "guild_settings", "guild_members", "guild_bans", "user_xp"}
    migrate_both_ways(pg_conn, fresh, before, after, filled=referencing | {"guilds", "guild_member_roles"})

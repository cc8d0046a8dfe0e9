"""Migrations between two spec versions, on real PostgreSQL: up at A gives B's catalog, down gives A's,
and rows both versions can hold survive both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, diff, snapshot, table_rows
from migrations import apply_sql, create, model_of

from schemagen.database.cluster import ThrowawayCluster
from schemagen.migrate.migration import build_migration
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.plan import Lock, plan

PROJECT = "project: {name: shop, postgres: 15}\n"

BASE = (
    PROJECT
    + """\
enums:
  status: [new, paid]
entities:
  customers:
    comment: A customer.
    columns:
      id: {type: bigint, primary_key: true}
      email: varchar(100)
      nickname: varchar(20)?
      note: text?
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: bigint
      status: {type: status, default: new}
      total: {type: "numeric(10,2)", default: 0}
      created_at: {type: timestamptz, default: {sql: now()}}
  events:
    columns:
      id: bigint
      at: timestamptz
      kind: text
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
views:
  paid_orders:
    query: SELECT id, customer_id, total FROM orders WHERE status = 'paid'
  order_counts:
    materialized: true
    refresh: concurrently
    unique: [customer_id]
    query: SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id
"""
)

CHANGED = (
    PROJECT
    + """\
enums:
  status: [new, paid, refunded]
entities:
  clients:
    renamed_from: customers
    comment: A customer who buys things.
    columns:
      id: {type: bigint, primary_key: true}
      email: text
      nick: {type: varchar(40), nullable: true, renamed_from: nickname}
      vip: {type: boolean, default: false}
      country: varchar(2)?
    indexes:
      - columns: [email]
    unique: [[email]]
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: {type: bigint, references: clients}
      status: {type: status, default: paid}
      total: {type: "numeric(10,2)", default: 0}
      created_at: {type: timestamptz, default: {sql: now()}, nullable: false}
    checks:
      positive: total >= 0
  events:
    columns:
      id: bigint
      at: timestamptz
      kind: text
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
    indexes:
      - columns: [kind, at DESC]
views:
  paid_orders:
    query: SELECT id, customer_id, total, status FROM orders WHERE status IN ('paid', 'refunded')
  order_counts:
    materialized: true
    refresh: concurrently
    unique: [customer_id]
    query: SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id
"""
)


@pytest.fixture
def fresh_catalog(pg_cluster: ThrowawayCluster, request: pytest.FixtureRequest) -> Iterator:
    """The catalog of a model's schema.sql applied to a new, empty database."""
    made: list[str] = []

    def catalog_of(model: Model) -> dict:
        name = f"fresh_{len(made)}_" + format(abs(hash(request.node.nodeid)), "x")[:12]
        made.append(name)
        with psycopg.connect(pg_cluster.create_database(name), autocommit=True) as conn:
            create(conn, model)
            return snapshot(conn)

    yield catalog_of
    for name in made:
        pg_cluster.drop_database(name)


def seed(conn: psycopg.Connection) -> None:
    conn.execute("""
        INSERT INTO customers (id, email, nickname) VALUES (1, 'a@x', 'ann'), (2, 'b@x', NULL);
        INSERT INTO orders (id, customer_id, status, total) VALUES (10, 1, 'paid', 5), (11, 2, 'new', 7);
        INSERT INTO events (id, at, kind) VALUES (1, '2024-01-05+00', 'a'), (2, '2024-03-09+00', 'b'),
                                                (3, '2025-01-01+00', 'late');
        REFRESH MATERIALIZED VIEW order_counts;
    """)


def test_every_kind_of_change_up_and_down(tmp_path: Path, pg_conn: psycopg.Connection, fresh_catalog) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": BASE})
    after = model_of(tmp_path, "b", {"spec.yaml": CHANGED})
    create(pg_conn, before)
    seed(pg_conn)
    orders_before = table_rows(pg_conn, "orders", ["id"])
    events_before = table_rows(pg_conn, "events", ["id"])

    migration = build_migration(before, after, "0002_change")
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(after))
    clients = pg_conn.execute("SELECT id, email, nick, vip FROM clients ORDER BY id").fetchall()
    assert clients == [(1, "a@x", "ann", False), (2, "b@x", None, False)]
    assert table_rows(pg_conn, "events", ["id"]) == events_before
    assert [r[:2] for r in table_rows(pg_conn, "orders", ["id"])] == [r[:2] for r in orders_before]

    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(before))
    assert pg_conn.execute("SELECT id, email, nickname FROM customers ORDER BY id").fetchall() == [
        (1, "a@x", "ann"),
        (2, "b@x", None),
    ]
    assert table_rows(pg_conn, "events", ["id"]) == events_before


def test_the_plan_is_lock_aware(tmp_path: Path) -> None:
    before = model_of(tmp_path, "a", {"spec.yaml": BASE})
    after = model_of(tmp_path, "b", {"spec.yaml": CHANGED})
    ops = {(op.kind, op.target): op for op in plan(before, after)}
    index = ops[("create_index", "clients_email_idx")]
    assert not index.transactional and index.up[0].args["concurrently"]
    partitioned = ops[("create_index", "events_kind_at_idx")]
    rendered = build_migration(before, after, "x").up_sql
    assert "CREATE INDEX IF NOT EXISTS events_kind_at_idx ON ONLY public.events" in rendered
    assert (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_01_kind_at_idx ON public.events_2024_01"
        in rendered
    )
    assert (
        "ALTER INDEX public.events_kind_at_idx ATTACH PARTITION public.events_2024_01_kind_at_idx" in rendered
    )
    assert len([s for s in partitioned.up if s.template == "attach_index"]) == 4
    fk = ops[("add_foreign_key", "orders.orders_customer_id_fkey")]
    # the ADD locks both tables: it takes them first, the referenced one before the referencing one, as
    # an application that writes both does
    assert [s.template for s in fk.up] == [
        "begin",
        "lock_tables",
        "add_constraint",
        "commit",
        "validate_constraint",
    ]
    assert [(lock.relation, lock.mode) for lock in fk.up[1].locks] == [
        ("clients", Lock.SHARE_ROW_EXCLUSIVE),
        ("orders", Lock.SHARE_ROW_EXCLUSIVE),
    ]
    assert fk.up[2].args["not_valid"] and fk.up[4].lock is Lock.SHARE_UPDATE_EXCLUSIVE
    assert ("rename_table", "clients") in ops and ("rename_column", "clients.nick") in ops
    assert [(kind, target) for kind, target in ops if kind in ("drop_table", "drop_column")] == [
        ("drop_column", "clients.note")
    ]
    assert [h.code for h in ops[("drop_column", "clients.note")].hazards] == ["SG902"]
    assert rendered.splitlines()[2].startswith("-- schemagen:no-transaction")
    assert "-- Locks:" in rendered and "SHARE UPDATE EXCLUSIVE on clients" in rendered


def test_set_not_null_goes_through_a_validated_check(tmp_path: Path, pg_conn: psycopg.Connection) -> None:
    before = model_of(
        tmp_path,
        "a",
        {
            "spec.yaml": PROJECT + "entities:\n  t:\n    columns:\n"
            "      id: {type: bigint, primary_key: true}\n      v: text?\n"
        },
    )
    after = model_of(
        tmp_path,
        "b",
        {
            "spec.yaml": PROJECT + "entities:\n  t:\n    columns:\n"
            "      id: {type: bigint, primary_key: true}\n      v: text\n"
        },
    )
    (op,) = plan(before, after)
    assert [s.template for s in op.up] == [
        "add_not_null_check",
        "validate_constraint",
        "set_not_null",
        "drop_constraint",
    ]
    create(pg_conn, before)
    pg_conn.execute("INSERT INTO t VALUES (1, NULL)")
    with pytest.raises(psycopg.errors.CheckViolation):
        apply_sql(pg_conn, build_migration(before, after, "x").up_sql)
    pg_conn.execute("UPDATE t SET v = 'x'")
    apply_sql(pg_conn, build_migration(before, after, "x").up_sql)
    assert pg_conn.execute(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'v'"
    ).fetchone() == (True,)
    assert pg_conn.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c'"
    ).fetchone() == (0,)


def test_new_not_null_column_without_default_needs_an_empty_table(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    """Planned, flagged SG931: PostgreSQL adds it to a table without rows; a guard stops the migration
    first otherwise."""
    before = model_of(tmp_path, "a", {"spec.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint}}\n"})
    after = model_of(
        tmp_path, "b", {"spec.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint, v: text}}\n"}
    )
    migration = build_migration(before, after, "0002_v")
    (added,) = [op for op in migration.up_operations if op.kind == "add_column"]
    assert [h.code for h in added.hazards] == ["SG931"]
    create(pg_conn, before)
    apply_sql(pg_conn, migration.up_sql)  # empty: it applies
    apply_sql(pg_conn, migration.down_sql)
    pg_conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(psycopg.errors.RaiseException, match=r"table public\.t holds rows"):
        apply_sql(pg_conn, migration.up_sql)


def test_drops_are_destructive_and_narrowing_is_flagged(tmp_path: Path) -> None:
    before = model_of(
        tmp_path,
        "a",
        {
            "spec.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint, v: varchar(10)}}\n"
            "  u: {columns: {id: bigint}}\n"
        },
    )
    after = model_of(
        tmp_path, "b", {"spec.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint, v: varchar(5)}}\n"}
    )
    codes = sorted(h.code for op in plan(before, after) for h in op.hazards if h.destructive)
    assert codes == ["SG901", "SG903"]


def test_no_changes_plan_nothing_and_first_migration_is_schema_sql(repo_root: Path) -> None:
    model = compile_spec(repo_root / "spec").model
    assert plan(model, model) == []
    first = build_migration(None, model, "0001_initial")
    assert (repo_root / "generated" / "schema.sql").read_text() in first.up_sql


def test_first_migration_down_empties_the_database(repo_root: Path, pg_conn: psycopg.Connection) -> None:
    model = compile_spec(repo_root / "spec").model
    first = build_migration(None, model, "0001_initial")
    apply_sql(pg_conn, first.up_sql)
    apply_sql(pg_conn, first.down_sql)
    remaining = snapshot(pg_conn)
    assert not [name for name, entry in remaining.get("relations", {}).items()], remaining


def test_a_new_enum_value_the_spec_uses_is_committed_before_use(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh_catalog
) -> None:
    spec = (
        PROJECT + "enums:\n  mood: [VALUES]\nentities:\n  t:\n    columns:\n"
        "      id: {type: bigint, primary_key: true}\n      m: {type: mood, default: DEFAULT}\n"
    )
    before = model_of(
        tmp_path, "a", {"spec.yaml": spec.replace("VALUES", "ok, sad").replace("DEFAULT", "ok")}
    )
    after = model_of(
        tmp_path, "b", {"spec.yaml": spec.replace("VALUES", "ok, glad, sad").replace("DEFAULT", "glad")}
    )
    migration = build_migration(before, after, "x")
    assert "-- schemagen:no-transaction" in migration.up_sql
    assert "ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'glad' BEFORE 'sad';" in migration.up_sql
    create(pg_conn, before)
    pg_conn.execute("INSERT INTO t VALUES (1, 'sad')")
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(after))
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(before))
    assert pg_conn.execute("SELECT id, m::text FROM t").fetchall() == [(1, "sad")]


def test_the_example_history_replays_to_schema_sql(
    repo_root: Path, pg_conn: psycopg.Connection, fresh_catalog
) -> None:
    """generated/migrations, applied in order, give the catalog of generated/schema.sql; nothing is pending."""
    from schemagen.migrate import history
    from schemagen.migrate import snapshot as model_snapshot

    generated = repo_root / "generated"
    assert history.checksum_problems(generated) == []
    model = compile_spec(repo_root / "spec").model
    assert history.read_snapshot(generated) == model, "run: schemagen migrate new NAME"
    files_ = history.migrations(generated)
    newest = f"{files_[-1].number:04d}_{files_[-1].name}"
    assert (generated / "snapshot.json").read_text() == model_snapshot.dump(model, newest)
    for files in files_:
        apply_sql(pg_conn, files.up.read_text())
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(model))


def test_a_dropped_not_null_column_comes_back_nullable(
    tmp_path: Path, pg_conn: psycopg.Connection, fresh_catalog
) -> None:
    """The down migration re-adds a dropped NOT NULL column without a default: its values are gone, so it
    comes back nullable and says so (SG906). An up migration adding such a column is flagged SG931."""
    table = PROJECT + "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
    before = model_of(tmp_path, "a", {"spec.yaml": table + "      v: text\n      w: text?\n"})
    after = model_of(tmp_path, "b", {"spec.yaml": table})
    readding = build_migration(after, before, "0003_readd")
    assert [h.code for op in readding.up_operations for h in op.hazards if op.kind == "add_column"] == [
        "SG931"
    ]
    migration = build_migration(before, after, "0002_drop")
    readded = {op.target: op for op in migration.down_operations if op.kind == "add_column"}
    assert [h.code for h in readded["t.v"].hazards] == ["SG906"] and readded["t.w"].hazards == ()
    assert readded["t.v"].up[0].args["column"].nullable
    assert "ALTER TABLE public.t ADD COLUMN IF NOT EXISTS v text;" in migration.down_sql
    restore = migration.down_sql.split("-- Cannot be restored by this migration:\n", 1)[1].split("\n\n")[0]
    assert "--   t.v comes back without its NOT NULL" in restore

    create(pg_conn, before)
    pg_conn.execute("INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', NULL)")
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(after))
    assert table_rows(pg_conn, "t", ["id"]) == [(1,), (2,)]
    apply_sql(pg_conn, migration.down_sql)
    assert diff(snapshot(pg_conn), fresh_catalog(before)) == ["column t.v: not_null false ≠ true"]
    assert table_rows(pg_conn, "t", ["id"], ["id", "v", "w"]) == [(1, None, None), (2, None, None)]


def test_a_rebuilt_enum_converts_the_columns_that_exist_when_it_runs(
    repo_root: Path, pg_conn: psycopg.Connection, fresh_catalog
) -> None:
    """The rebuild runs after the renames and before anything is created: it converts the columns kept in
    both versions, new tables and columns are created with the new type, and the old type is dropped
    after the columns and tables this migration drops (one of them holds the removed value)."""
    folder = repo_root / "tests" / "migrations" / "enum_rebuild_columns"
    before, after = compile_spec(folder / "a").model, compile_spec(folder / "b").model
    migration = build_migration(before, after, "0002_mood")
    for operations, kept in ((migration.up_operations, "hue"), (migration.down_operations, "keep")):
        kinds = [op.kind for op in operations]
        rebuild = operations[kinds.index("rebuild_enum")]
        assert [s.args["column"] for s in rebuild.up if s.template == "alter_column_type"] == [kept]
        assert kinds.index("rename_column") < kinds.index("rebuild_enum") < kinds.index("create_table")
        assert kinds.index("rebuild_enum") < kinds.index("add_column")
        parked = [i for i, op in enumerate(operations) if (op.kind, op.target) == ("drop_enum", "mood_old")]
        assert kinds.index("drop_column") < kinds.index("drop_table") < parked[0]

    create(pg_conn, before)
    pg_conn.execute("""
        INSERT INTO items (id, keep) VALUES (1, 'blue'), (2, 'red');
        INSERT INTO old_things VALUES (1, 'gone');
    """)
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(after))
    assert pg_conn.execute("SELECT id, hue::text, added::text FROM goods ORDER BY id").fetchall() == [
        (1, "blue", "blue"),
        (2, "red", "blue"),
    ]
    pg_conn.execute("INSERT INTO new_things VALUES (1, 'green')")
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(before))
    assert pg_conn.execute("SELECT id, keep::text, dropped::text FROM items ORDER BY id").fetchall() == [
        (1, "blue", "gone"),
        (2, "red", "gone"),
    ]


@pytest.mark.parametrize(
    ("default", "rewrites"),
    [("gen_random_uuid()", True), ("uuidv7()", True), ("clock_timestamp()", True), ("now()", False)],
)
def test_a_new_column_with_a_volatile_default_is_flagged_as_a_rewrite(
    tmp_path: Path, default: str, rewrites: bool
) -> None:
    """PostgreSQL computes a VOLATILE default for every existing row (a rewrite); a STABLE one, like
    now() or txid_current(), is stored once in the catalog. One volatility table says which is which."""
    table = "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
    # uuidv7() comes with PostgreSQL 18
    project = PROJECT.replace("postgres: 15", "postgres: 18") if default == "uuidv7()" else PROJECT
    before = model_of(tmp_path, "a", {"spec.yaml": project + table})
    column = f"      v: {{type: {'uuid' if 'uuid' in default else 'timestamptz'}, default: {{sql: '{default}'}}}}\n"
    after = model_of(tmp_path, "b", {"spec.yaml": project + table + column})
    (added,) = plan(before, after)
    assert [h.code for h in added.hazards] == (["SG921"] if rewrites else [])


def test_two_spellings_of_one_expression_plan_nothing(tmp_path: Path) -> None:
    """A spec written by inspect spells expressions as PostgreSQL prints them (`total > 0::numeric`);
    written by hand the next time (`total > 0`), nothing is rebuilt."""
    printed = (
        PROJECT
        + """\
entities:
  t:
    columns:
      id: {type: bigint, primary_key: true}
      total: {type: "numeric(10,2)", check: "total > 0::numeric"}
      email: text
      meta: {type: jsonb, default: {sql: "'{}'::jsonb"}}
    indexes:
      - {expression: "lower(email)", where: "(total > 100::numeric)"}
"""
    )
    by_hand = printed.replace("total > 0::numeric", "(total>0)").replace("'{}'::jsonb", "'{}'")
    by_hand = by_hand.replace("(total > 100::numeric)", "total > 100")
    before, after = (
        model_of(tmp_path, "a", {"spec.yaml": printed}),
        model_of(tmp_path, "b", {"spec.yaml": by_hand}),
    )
    assert before != after
    assert plan(before, after) == [] and plan(after, before) == []
    changed = model_of(tmp_path, "c", {"spec.yaml": by_hand.replace("total > 100", "total > 200")})
    assert [op.kind for op in plan(after, changed)] == ["drop_index", "create_index"]

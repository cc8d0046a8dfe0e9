"""The example spec (`spec/`) and the shop spec (`tests/specs/shop/`), end to end.

Golden output and byte-for-byte determinism, then each spec's schema.sql applied to a real PostgreSQL:
its catalog is checked against the Model by one walker that serves both specs, and rows are put
through partitions, constraints, archive and refresh functions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from schemagen.model import Index, Model, PartitionScheme, Table
from schemagen.pipeline import compile_spec, render_outputs

if TYPE_CHECKING:
    from psycopg import Connection

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC_DIRS = {"example": "spec", "shop": "tests/specs/shop"}
RELATIONSHIP_LINE = re.compile(
    r'^    "(?P<parent>[^"]+)" (?P<card>\|\||\|o)--o\{ "(?P<child>[^"]+)" : "(?P<label>[^"]*)"$'
)
ENTITY_LINE = re.compile(r'^    "(?P<name>[^"]+)"(?: \{)?$')


@cache
def model_of(spec: str) -> Model:
    """The compiled Model of one of the two specs (built once per session)."""
    return compile_spec(REPO_ROOT / SPEC_DIRS[spec]).model


@cache
def outputs_of(spec: str) -> dict[str, str]:
    """{file name: text} that `schemagen render` writes for one of the two specs."""
    return render_outputs(model_of(spec))


def apply(conn: Connection, spec: str) -> Model:
    """Run the whole rendered schema.sql of `spec` on `conn`; return its Model."""
    conn.execute(outputs_of(spec)["schema.sql"])
    return model_of(spec)


def database_of(pg_database: Callable[..., Connection], spec: str) -> Connection:
    """A database of the test's own holding the rendered schema.sql of `spec` (a clone of its template)."""
    return pg_database(outputs_of(spec)["schema.sql"])


def rows(conn: Connection, query: str | sql.Composable, *params: object) -> list[tuple]:
    return conn.execute(query, params or None).fetchall()


def scalar(conn: Connection, query: str | sql.Composable, *params: object) -> object:
    row = conn.execute(query, params or None).fetchone()
    assert row is not None, f"no row from {query!r}"
    return row[0]


def relation_oid(conn: Connection, schema: str, name: str) -> int | None:
    row = conn.execute(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s",
        [schema, name],
    ).fetchone()
    return row[0] if row else None


def partition_pairs(parent: str, scheme: PartitionScheme) -> set[tuple[str, str, str]]:
    """(parent, child, relkind) of every partition below `parent`, all levels."""
    pairs: set[tuple[str, str, str]] = set()
    for child in scheme.children:
        pairs.add((parent, child.name, "p" if child.sub is not None else "r"))
        if child.sub is not None:
            pairs |= partition_pairs(child.name, child.sub)
    return pairs


def leaf_of(conn: Connection, table: str, where: str) -> list[str]:
    """The partition (pg_class.relname) holding each row of `table` that matches `where`."""
    query = f"SELECT c.relname FROM {table} t JOIN pg_class c ON c.oid = t.tableoid WHERE {where}"
    return [name for (name,) in rows(conn, query)]


def erd_display(model: Model, name: str, schema: str) -> str:
    return name if schema == model.project.schema else f"{schema}.{name}"


# --- the catalog walker --------------------------------------------------------------------------


def column_names(conn: Connection, relid: int, attnums_expr: str, constraint_oid: int) -> list[str]:
    return [
        name
        for (name,) in rows(
            conn,
            f"SELECT a.attname FROM pg_constraint con,"
            f" unnest(con.{attnums_expr}) WITH ORDINALITY k(attnum, ord)"
            " JOIN pg_attribute a ON a.attrelid = %s AND a.attnum = k.attnum"
            " WHERE con.oid = %s ORDER BY k.ord",
            relid,
            constraint_oid,
        )
    ]


def assert_columns_match(conn: Connection, table: Table, relid: int) -> None:
    catalog = {
        name: (type_, notnull, collation, identity, generated, comment)
        for name, type_, notnull, collation, identity, generated, comment in rows(
            conn,
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, co.collname,"
            " a.attidentity, a.attgenerated, col_description(a.attrelid, a.attnum)"
            " FROM pg_attribute a LEFT JOIN pg_collation co"
            "  ON co.oid = a.attcollation AND a.attcollation <> (SELECT t.typcollation FROM pg_type t"
            "  WHERE t.oid = a.atttypid)"
            " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            relid,
        )
    }
    assert list(catalog) == list(table.column_names), f"{table.name}: columns differ"
    for column in table.columns:
        type_, notnull, collation, identity, generated, comment = catalog[column.name]
        where = f"{table.schema}.{table.name}.{column.name}"
        assert type_ == column.type, where
        assert notnull == (not column.nullable), where
        assert collation == column.collation, where
        assert identity == {"always": "a", "by_default": "d", None: ""}[column.identity], where
        assert generated == ("s" if column.generated is not None else ""), where
        assert comment == column.comment, where


def assert_constraints_match(conn: Connection, table: Table, relid: int) -> None:
    constraints = {
        name: (oid, contype, validated, deferrable, deferred, confrelid, nulls_not_distinct)
        for name, oid, contype, validated, deferrable, deferred, confrelid, nulls_not_distinct in rows(
            conn,
            "SELECT con.conname, con.oid, con.contype, con.convalidated, con.condeferrable,"
            " con.condeferred, con.confrelid, i.indnullsnotdistinct"
            " FROM pg_constraint con LEFT JOIN pg_index i ON i.indexrelid = con.conindid"
            " WHERE con.conrelid = %s AND con.conparentid = 0",
            relid,
        )
    }
    expected_keys = ([table.primary_key] if table.primary_key else []) + list(table.uniques)
    for key in expected_keys:
        assert key.name in constraints, f"{table.name}: constraint {key.name} missing"
        oid, contype, *_, nulls_not_distinct = constraints[key.name]
        assert contype == ("p" if key is table.primary_key else "u"), key.name
        assert column_names(conn, relid, "conkey", oid) == list(key.columns), key.name
        assert nulls_not_distinct == getattr(key, "nulls_not_distinct", False), key.name
    for check in table.checks:
        assert check.name in constraints, f"{table.name}: check {check.name} missing"
        assert constraints[check.name][1] == "c", check.name
    for fk in table.foreign_keys:
        assert fk.name in constraints, f"{table.name}: foreign key {fk.name} missing"
        oid, contype, validated, deferrable, deferred, confrelid, _ = constraints[fk.name]
        assert contype == "f", fk.name
        assert validated, f"{fk.name} is not validated"
        assert (deferrable, deferred) == (fk.deferrable, fk.deferrable), fk.name
        ref_oid = relation_oid(conn, fk.ref_schema, fk.ref_table)
        assert confrelid == ref_oid, f"{fk.name} references another table"
        assert column_names(conn, relid, "conkey", oid) == list(fk.columns), fk.name
        assert column_names(conn, confrelid, "confkey", oid) == list(fk.ref_columns), fk.name
    expected = (
        {k.name for k in expected_keys}
        | {c.name for c in table.checks}
        | {f.name for f in table.foreign_keys}
    )
    # NOT NULL is not a pg_constraint row before PostgreSQL 18; anything else must come from the Model.
    assert {name for name, value in constraints.items() if value[1] != "n"} == expected, table.name


def assert_index_exists(conn: Connection, schema: str, relation: str, index: Index) -> None:
    row = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s AND indexname = %s",
        [schema, relation, index.name],
    ).fetchone()
    assert row is not None, f"index {schema}.{index.name} on {relation} missing"
    definition = row[0]
    assert definition.startswith("CREATE UNIQUE INDEX" if index.unique else "CREATE INDEX"), definition
    assert f" USING {index.using} (" in definition, definition
    assert (" WHERE " in definition) == (index.where is not None), definition
    assert (" INCLUDE (" in definition) == bool(index.include), definition


def assert_catalog_matches(conn: Connection, model: Model) -> None:
    """Every object of the Model is in the catalog, with the shape the Model gives it."""
    schemas = (
        {t.schema for t in model.tables} | {e.schema for e in model.enums} | {v.schema for v in model.views}
    )
    present = {name for (name,) in rows(conn, "SELECT nspname FROM pg_namespace")}
    assert schemas <= present, f"schemas missing: {schemas - present}"

    for enum in model.enums:
        labels = rows(
            conn,
            "SELECT e.enumlabel, obj_description(t.oid, 'pg_type') FROM pg_enum e"
            " JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = %s AND t.typname = %s ORDER BY e.enumsortorder",
            enum.schema,
            enum.name,
        )
        assert [label for label, _ in labels] == list(enum.values), enum.name
        assert {comment for _, comment in labels} == {enum.comment}, enum.name

    for table in model.tables:
        relid = relation_oid(conn, table.schema, table.name)
        assert relid is not None, f"table {table.schema}.{table.name} missing"
        relkind, comment = conn.execute(
            "SELECT relkind, obj_description(oid, 'pg_class') FROM pg_class WHERE oid = %s", [relid]
        ).fetchone()
        assert relkind == ("p" if table.partition is not None else "r"), table.name
        assert comment == table.comment, table.name
        assert_columns_match(conn, table, relid)
        assert_constraints_match(conn, table, relid)
        for index in table.indexes:
            assert_index_exists(conn, table.schema, table.name, index)

        catalog_children = set(
            rows(
                conn,
                """
                WITH RECURSIVE tree(child, parent) AS (
                    SELECT inhrelid, inhparent FROM pg_inherits WHERE inhparent = %s
                    UNION ALL
                    SELECT i.inhrelid, i.inhparent FROM pg_inherits i JOIN tree t ON i.inhparent = t.child
                )
                SELECT p.relname, c.relname, c.relkind FROM tree
                JOIN pg_class c ON c.oid = tree.child JOIN pg_class p ON p.oid = tree.parent
                """,
                relid,
            )
        )
        expected = partition_pairs(table.name, table.partition) if table.partition else set()
        assert len(catalog_children) == len(expected), table.name
        assert catalog_children == expected, table.name
        if table.archive is not None:
            assert (
                scalar(
                    conn,
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = %s AND p.proname = %s"
                    " AND obj_description(p.oid, 'pg_proc') IS NOT NULL",
                    table.schema,
                    table.archive.function,
                )
                == 1
            ), table.archive.function

    for view in model.views:
        relid = relation_oid(conn, view.schema, view.name)
        assert relid is not None, f"view {view.schema}.{view.name} missing"
        relkind, comment = conn.execute(
            "SELECT relkind, obj_description(oid, 'pg_class') FROM pg_class WHERE oid = %s", [relid]
        ).fetchone()
        assert relkind == ("m" if view.materialized else "v"), view.name
        assert comment == view.comment, view.name
        for index in view.indexes:
            assert_index_exists(conn, view.schema, view.name, index)
        if view.refresh_function is not None:
            assert (
                scalar(
                    conn,
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = %s AND p.proname = %s",
                    view.schema,
                    view.refresh_function,
                )
                == 1
            ), view.refresh_function


# --- golden output and determinism ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["schema.sql", "ERD.md"])
@pytest.mark.parametrize("example", ["", "examples/citus/"])
def test_committed_output_is_current(repo_root: Path, example: str, name: str) -> None:
    rendered = render_outputs(compile_spec(repo_root / example / "spec").model)[name]
    committed = (repo_root / example / "generated" / name).read_bytes()
    assert rendered.encode("utf-8") == committed, (
        f"{example}generated/{name} is stale: run `schemagen render {example}spec/`"
    )


@pytest.mark.parametrize("spec", sorted(SPEC_DIRS))
def test_rendering_twice_gives_the_same_bytes(repo_root: Path, spec: str) -> None:
    first = render_outputs(compile_spec(repo_root / SPEC_DIRS[spec]).model)
    second = render_outputs(compile_spec(repo_root / SPEC_DIRS[spec]).model)
    assert set(first) == {"schema.sql", "ERD.md"}
    assert first == second


@pytest.mark.parametrize("spec", sorted(SPEC_DIRS))
def test_output_does_not_depend_on_time_zone_locale_or_hash_seed(
    repo_root: Path, tmp_path: Path, spec: str
) -> None:
    env = {**os.environ, "TZ": "Pacific/Auckland", "LC_ALL": "C", "LANG": "C", "PYTHONHASHSEED": "4242"}
    result = subprocess.run(
        [sys.executable, "-m", "schemagen", "render", SPEC_DIRS[spec], "-o", str(tmp_path)],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name, text in outputs_of(spec).items():
        assert (tmp_path / name).read_bytes() == text.encode("utf-8"), name
    if spec == "example":
        for name in ("schema.sql", "ERD.md"):
            assert (tmp_path / name).read_bytes() == (repo_root / "generated" / name).read_bytes(), name


# --- the catalog after applying schema.sql -------------------------------------------------------


@pytest.mark.parametrize("spec", sorted(SPEC_DIRS))
def test_schema_applies_and_matches_the_model(pg_database: Callable[..., Connection], spec: str) -> None:
    assert_catalog_matches(database_of(pg_database, spec), model_of(spec))


def test_the_shop_spec_covers_what_the_example_does_not() -> None:
    """The shop spec exists to exercise these; a refactor that drops one should fail here."""
    model = model_of("shop")
    tables = model.tables_by_name
    assert {t.schema for t in model.tables} == {"public", "billing"}
    assert {e.schema for e in model.enums} == {"public", "billing"}
    orders = tables["orders"].partition
    assert orders is not None and orders.kind == "list" and orders.has_default
    events = tables["events"].partition
    assert events is not None and events.kind == "range" and events.window is not None
    assert all(c.sub is not None and c.sub.kind == "hash" and c.sub.modulus == 2 for c in events.children)
    invoices = tables["invoices"].partition
    assert invoices is not None and invoices.window is None
    bounds = [(c.bound.range_from, c.bound.range_to) for c in invoices.children]
    assert bounds[0][0] == "MINVALUE" and bounds[-1][1] == "MAXVALUE"
    assert tables["invoices"].archive is not None and tables["events"].archive is not None
    assert any(fk.deferrable and len(fk.columns) > 1 for t in model.tables for fk in t.foreign_keys)
    assert {ix.using for t in model.tables for ix in t.indexes} >= {"btree", "brin", "gist", "hash", "gin"}
    assert {v.refresh for v in model.views if v.materialized} == {"concurrently", "blocking"}
    assert any(c.name != c.name.lower() for t in model.tables for c in t.columns)
    assert {"order", "user"} <= {c.name for t in model.tables for c in t.columns}


def test_range_bounds_are_pinned_to_utc(pg_conn: Connection) -> None:
    pg_conn.execute("SET TimeZone = 'Pacific/Auckland'")
    model = apply(pg_conn, "example")
    pg_conn.execute("SET TimeZone = 'UTC'")
    messages = model.tables_by_name["messages"].partition
    assert messages is not None
    for child in messages.children:
        bound = scalar(
            pg_conn,
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = %s",
            child.name,
        )
        if child.bound.is_default:
            assert bound == "DEFAULT"
        else:
            assert bound == f"FOR VALUES FROM ('{child.bound.range_from}') TO ('{child.bound.range_to}')"
    assert (
        scalar(
            pg_conn,
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class"
            " WHERE oid = 'public.messages_2024_01'::regclass",
        )
        == "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
    )


# --- the example schema with rows ----------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


MESSAGES = [
    # (id, channel_id, created_at, content)
    (1, 10, at("2023-06-01 12:00:00"), "before the window"),
    (2, 10, at("2024-01-05 08:00:00"), "january"),
    (3, 11, at("2024-01-05 09:00:00"), "january, other channel"),
    (4, 10, at("2024-01-31 23:30:00"), "last half hour of january (UTC)"),
    (5, 10, at("2024-02-14 10:00:00"), "february"),
    (6, 10, at("2024-03-01 00:00:00"), "first instant of march"),
    (7, 11, at("2024-04-20 18:00:00"), "april"),
    (8, 10, at("2024-04-20 19:00:00"), "april again"),
    (9, 10, at("2031-06-01 00:00:00"), "far after the window"),
]


def expected_message_partition(created_at: datetime) -> str:
    if datetime(2024, 1, 1, tzinfo=UTC) <= created_at < datetime(2027, 1, 1, tzinfo=UTC):
        return f"messages_{created_at.year}_{created_at.month:02d}"
    return "messages_default"


def seed_example(conn: Connection) -> None:
    """Two users, forty guilds, two channels and MESSAGES."""
    conn.execute("INSERT INTO users (id, username) VALUES (1, 'alice'), (2, 'bob')")
    conn.execute(
        "INSERT INTO guilds (id, name, owner_id) SELECT g, 'guild ' || g, 1 FROM generate_series(1, 40) g"
    )
    conn.execute(
        "INSERT INTO channels (id, guild_id, name, type) VALUES (10, 1, 'general', 0), (11, 1, 'random', 0)"
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO messages (id, channel_id, author_id, content, created_at)"
            " VALUES (%s, %s, 1, %s, %s)",
            [(id_, channel, content, created) for id_, channel, created, content in MESSAGES],
        )


@pytest.fixture
def example_db(pg_database: Callable[..., Connection]) -> Connection:
    conn = database_of(pg_database, "example")
    seed_example(conn)
    return conn


def test_messages_land_in_their_month_or_the_default(example_db: Connection) -> None:
    placed = dict(
        rows(example_db, "SELECT m.id, c.relname FROM messages m JOIN pg_class c ON c.oid = m.tableoid")
    )
    assert placed == {id_: expected_message_partition(created) for id_, _, created, _ in MESSAGES}
    assert placed[9] == "messages_default"
    assert placed[4] == "messages_2024_01"


def test_guilds_spread_over_every_hash_partition(example_db: Connection) -> None:
    scheme = model_of("example").tables_by_name["guilds"].partition
    assert scheme is not None and scheme.kind == "hash"
    counts = dict(
        rows(
            example_db,
            "SELECT c.relname, count(*) FROM guilds g JOIN pg_class c ON c.oid = g.tableoid GROUP BY 1",
        )
    )
    assert set(counts) == {child.name for child in scheme.children}
    assert sum(counts.values()) == 40


def test_archive_function_moves_old_messages(example_db: Connection) -> None:
    messages = model_of("example").tables_by_name["messages"]
    assert messages.archive is not None
    archive_table = model_of("example").tables_by_name[messages.archive.archive_table]
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in archive_table.column_names)
    cutoff = at("2024-03-01 00:00:00")
    select_old = sql.SQL("SELECT {} FROM messages WHERE created_at < %s ORDER BY id").format(columns)
    old = rows(example_db, select_old, cutoff)
    assert [r[0] for r in old] == [id_ for id_, _, created, _ in MESSAGES if created < cutoff]

    function = sql.Identifier(messages.schema, messages.archive.function)
    moved = scalar(example_db, sql.SQL("SELECT {}(%s)").format(function), cutoff)

    assert moved == len(old) == 5
    archived = rows(
        example_db,
        sql.SQL("SELECT {} FROM {} ORDER BY id").format(columns, sql.Identifier(archive_table.name)),
    )
    assert archived == old
    remaining = [i for (i,) in rows(example_db, "SELECT id FROM messages ORDER BY id")]
    assert remaining == [id_ for id_, _, created, _ in MESSAGES if created >= cutoff]
    assert scalar(example_db, sql.SQL("SELECT {}(%s)").format(function), cutoff) == 0


def test_reaction_with_null_emoji_id_is_unique(example_db: Connection) -> None:
    insert = (
        "INSERT INTO message_reactions (message_id, message_created_at, user_id, emoji_name, emoji_id)"
        " VALUES (7, %s, 2, %s, NULL)"
    )
    created = at("2024-04-20 18:00:00")
    example_db.execute(insert, [created, "thumbsup"])
    example_db.execute(insert, [created, "heart"])
    with pytest.raises(psycopg.errors.UniqueViolation):
        example_db.execute(insert, [created, "thumbsup"])
    assert scalar(example_db, "SELECT count(*) FROM message_reactions") == 2


def test_refresh_function_counts_messages_per_utc_day(example_db: Connection) -> None:
    assert scalar(example_db, "SELECT count(*) FROM daily_message_stats") == 0
    example_db.execute("SET TimeZone = 'Pacific/Auckland'")
    example_db.execute("SELECT refresh_daily_message_stats()")
    stats = {
        (day, channel): count
        for day, channel, count in rows(
            example_db, "SELECT day, channel_id, message_count FROM daily_message_stats"
        )
    }
    expected = Counter((created.date(), channel) for _, channel, created, _ in MESSAGES)
    assert stats == dict(expected)
    assert stats[(date(2024, 1, 31), 10)] == 1


def test_checks_reject_bad_rows(example_db: Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        example_db.execute("INSERT INTO users (id, username, discriminator) VALUES (3, 'carol', 10000)")
    with pytest.raises(psycopg.errors.CheckViolation):
        example_db.execute(
            "INSERT INTO messages (id, channel_id, author_id, attachments, created_at)"
            " VALUES (100, 10, 1, '{}', '2024-05-01 00:00:00+00')"
        )
    example_db.execute("INSERT INTO users (id, username, discriminator) VALUES (3, 'carol', 9999)")
    assert scalar(example_db, "SELECT count(*) FROM users") == 3


# --- the shop schema with rows -------------------------------------------------------------------


@pytest.fixture
def shop_db(pg_database: Callable[..., Connection]) -> Connection:
    conn = database_of(pg_database, "shop")
    with conn.transaction():
        conn.execute("INSERT INTO customers (id, display_name, email) VALUES (1, 'Ann', 'ann@example.com')")
        conn.execute(
            "INSERT INTO addresses (id, customer_id, line1, city, country)"
            " VALUES (1, 1, '1 Main St', 'Oslo', 'NO')"
        )
    conn.execute("UPDATE customers SET default_address_id = 1 WHERE id = 1")
    conn.execute(
        'INSERT INTO products (id, "SKU", name, price_cents, tax_rate)'
        " VALUES (1, 'A-1', 'kettle', 1000, 0.2), (2, 'B-2', 'mug', 999, 0.075)"
    )
    return conn


def test_events_route_through_two_levels(shop_db: Connection) -> None:
    events = model_of("shop").tables_by_name["events"].partition
    assert events is not None
    subs = {child.name: child.sub for child in events.children}
    march = subs["events_2025_03"]
    default = subs["events_default"]
    assert march is not None and default is not None
    shop_db.execute(
        "INSERT INTO events (occurred_at, kind)"
        " SELECT '2025-03-15 12:00:00+00', 'view' FROM generate_series(1, 20)"
    )
    shop_db.execute("INSERT INTO events (occurred_at, kind) VALUES ('2030-01-01 00:00:00+00', 'late')")
    march_leaves = leaf_of(shop_db, "events", "kind = 'view'")
    assert len(march_leaves) == 20
    assert set(march_leaves) == {child.name for child in march.children}
    assert set(leaf_of(shop_db, "events", "kind = 'late'")) <= {child.name for child in default.children}
    parents = {
        name
        for (name,) in rows(
            shop_db,
            "SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent"
            " WHERE i.inhrelid = ANY(SELECT DISTINCT tableoid FROM events WHERE kind = 'view')",
        )
    }
    assert parents == {"events_2025_03"}


def test_events_archive_moves_one_month(shop_db: Connection) -> None:
    shop_db.execute(
        "INSERT INTO events (occurred_at, kind, customer_id) VALUES"
        " ('2025-01-10 00:00:00+00', 'old', 1), ('2025-01-31 23:59:59+00', 'old', NULL),"
        " ('2025-02-01 00:00:00+00', 'new', 1)"
    )
    before = rows(
        shop_db,
        "SELECT id, occurred_at, customer_id, kind, payload FROM events WHERE kind = 'old' ORDER BY id",
    )
    moved = scalar(shop_db, "SELECT archive_events('2025-02-01 00:00:00+00')")
    assert moved == 2
    assert (
        rows(shop_db, "SELECT id, occurred_at, customer_id, kind, payload FROM events_archive ORDER BY id")
        == before
    )
    assert [k for (k,) in rows(shop_db, "SELECT kind FROM events")] == ["new"]


def test_orders_by_region_with_a_default(shop_db: Connection) -> None:
    shop_db.execute(
        "INSERT INTO orders (id, region, customer_id)"
        " VALUES (1, 'de', 1), (2, 'us', 1), (3, 'jp', 1), (4, 'br', 1)"
    )
    placed = dict(
        rows(shop_db, "SELECT o.region, c.relname FROM orders o JOIN pg_class c ON c.oid = o.tableoid")
    )
    assert placed == {"de": "orders_eu", "us": "orders_na", "jp": "orders_apac", "br": "orders_default"}
    assert {s for (s,) in rows(shop_db, "SELECT status::text FROM orders")} == {"pending"}


def test_generated_columns_compute(shop_db: Connection) -> None:
    prices = dict(rows(shop_db, 'SELECT "SKU", price_with_tax_cents FROM products'))
    assert prices == {"A-1": 1200, "B-2": 1074}
    shop_db.execute("UPDATE products SET price_cents = 2000 WHERE \"SKU\" = 'A-1'")
    assert scalar(shop_db, "SELECT price_with_tax_cents FROM products WHERE \"SKU\" = 'A-1'") == 2400
    with pytest.raises(psycopg.errors.GeneratedAlways):
        shop_db.execute("UPDATE products SET price_with_tax_cents = 1 WHERE \"SKU\" = 'A-1'")
    shop_db.execute("INSERT INTO orders (id, region, customer_id) VALUES (1, 'fr', 1)")
    shop_db.execute(
        "INSERT INTO order_items (order_id, order_region, line_no, product_id, quantity, unit_price_cents)"
        " VALUES (1, 'fr', 1, 1, 3, 1200)"
    )
    assert scalar(shop_db, "SELECT line_total_cents FROM order_items") == 3600


def test_deferrable_foreign_key_cycle(shop_db: Connection) -> None:
    with shop_db.transaction():
        shop_db.execute("SET CONSTRAINTS ALL DEFERRED")
        shop_db.execute("INSERT INTO customers (id, display_name, default_address_id) VALUES (2, 'Bo', 20)")
        shop_db.execute(
            "INSERT INTO addresses (id, customer_id, line1, city, country)"
            " VALUES (20, 2, '2 High St', 'Bergen', 'NO')"
        )
    pair = rows(
        shop_db,
        "SELECT c.id, a.customer_id FROM customers c JOIN addresses a ON a.id = c.default_address_id"
        " WHERE c.id = 2",
    )
    assert pair == [(2, 2)]
    with pytest.raises(psycopg.errors.ForeignKeyViolation), shop_db.transaction():
        shop_db.execute("SET CONSTRAINTS ALL DEFERRED")
        shop_db.execute("INSERT INTO customers (id, display_name, default_address_id) VALUES (3, 'Cy', 30)")
    assert scalar(shop_db, "SELECT count(*) FROM customers WHERE id = 3") == 0


def test_unique_nulls_not_distinct_and_checks(shop_db: Connection) -> None:
    shop_db.execute("INSERT INTO categories (id, name) VALUES (1, 'kitchen')")
    shop_db.execute("INSERT INTO categories (id, parent_id, name) VALUES (2, 1, 'kitchen')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        shop_db.execute("INSERT INTO categories (id, name) VALUES (3, 'kitchen')")
    with pytest.raises(psycopg.errors.CheckViolation):
        shop_db.execute(
            "INSERT INTO addresses (id, customer_id, line1, city, country) VALUES (99, 1, 'x', 'y', 'no')"
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        shop_db.execute("INSERT INTO products (id, \"SKU\", name, price_cents) VALUES (3, 'C-3', 'free', -1)")


def test_invoices_minvalue_maxvalue_and_blocking_refresh(shop_db: Connection) -> None:
    shop_db.execute("INSERT INTO orders (id, region, customer_id) VALUES (1, 'nl', 1)")
    shop_db.execute(
        "INSERT INTO billing.invoices (order_id, order_region, issued_on, amount_cents) VALUES"
        " (1, 'nl', '1999-05-01', 100), (1, 'nl', '2024-03-02', 200), (1, 'nl', '2024-03-20', 300),"
        " (1, 'nl', '2031-01-01', 400)"
    )
    placed = dict(
        rows(
            shop_db,
            "SELECT i.amount_cents, c.relname FROM billing.invoices i JOIN pg_class c ON c.oid = i.tableoid",
        )
    )
    assert placed == {
        100: "invoices_before_2024",
        200: "invoices_y2024",
        300: "invoices_y2024",
        400: "invoices_later",
    }
    assert scalar(shop_db, "SELECT status::text FROM billing.invoices WHERE amount_cents = 100") == "open"

    assert scalar(shop_db, "SELECT count(*) FROM monthly_revenue") == 0
    shop_db.execute("SELECT refresh_monthly_revenue()")
    revenue = rows(shop_db, "SELECT month, invoices, amount_cents FROM monthly_revenue ORDER BY month")
    assert revenue == [(date(1999, 5, 1), 1, 100), (date(2024, 3, 1), 2, 500), (date(2031, 1, 1), 1, 400)]

    assert scalar(shop_db, "SELECT billing.archive_invoices('2024-01-01')") == 1
    assert [a for (a,) in rows(shop_db, "SELECT amount_cents FROM billing.invoices_archive")] == [100]


def test_views_and_concurrent_refresh(shop_db: Connection) -> None:
    shop_db.execute("INSERT INTO orders (id, region, customer_id) VALUES (1, 'de', 1), (2, 'br', 1)")
    shop_db.execute(
        "INSERT INTO order_items (order_id, order_region, line_no, product_id, quantity, unit_price_cents)"
        " VALUES (1, 'de', 1, 1, 2, 1000), (1, 'de', 2, 2, 1, 999), (2, 'br', 1, 1, 5, 1000)"
    )
    assert rows(shop_db, "SELECT customer_id, order_count, spent_cents FROM customer_spend") == [(1, 2, 7999)]
    shop_db.execute("SELECT refresh_product_sales()")
    sales = rows(shop_db, "SELECT product_id, units, revenue_cents FROM product_sales ORDER BY product_id")
    assert sales == [(1, 7, 7000), (2, 1, 999)]


# --- ERD.md --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", sorted(SPEC_DIRS))
def test_erd_has_one_entity_per_table_and_one_line_per_foreign_key(spec: str) -> None:
    model = model_of(spec)
    text = outputs_of(spec)["ERD.md"]
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "one mermaid block"
    lines = blocks[0].splitlines()
    assert lines[0] == "erDiagram"

    entities = [m["name"] for line in lines if (m := ENTITY_LINE.match(line))]
    expected_entities = [erd_display(model, t.name, t.schema) for t in model.tables]
    assert sorted(entities) == sorted(expected_entities)
    partitions = {
        child for t in model.tables if t.partition for _, child, _ in partition_pairs(t.name, t.partition)
    }
    assert partitions and not partitions & set(entities)

    relationships = Counter(
        (m["parent"], m["card"], m["child"], m["label"])
        for line in lines
        if (m := RELATIONSHIP_LINE.match(line))
    )
    expected_relationships = Counter(
        (
            erd_display(model, fk.ref_table, fk.ref_schema),
            "|o" if any(t.column(c).nullable for c in fk.columns) else "||",
            erd_display(model, t.name, t.schema),
            ", ".join(fk.columns),
        )
        for t in model.tables
        for fk in t.foreign_keys
    )
    assert relationships == expected_relationships

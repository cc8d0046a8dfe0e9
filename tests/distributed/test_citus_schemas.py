"""Schema-based sharding (`citus: {distributed_schemas: [...]}`) on a real cluster: schema.sql shards
the schema, `inspect` reads it back, a migration distributes a schema holding rows and its down makes
it plain again (catalog and rows checked after each), `drift` reports it, and every static check of a
distributed schema is refused by Citus too."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from schemagen.build.writer import render_spec
from schemagen.database.inspect import inspect
from schemagen.drift import drift
from schemagen.model import DistributedSchema
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.catalog import assert_catalog_equal, snapshot
from tests.distributed.conftest import run_script
from tests.distributed.test_citus_migrations import (
    Project,
    apply,
    down,
    fresh_catalog,
    fresh_dsn,  # noqa: F401 (a fixture)
    project,  # noqa: F401 (a fixture)
    run_citus_calls_again,
    state,
)
from tests.distributed.test_citus_rules import Case, assert_refused_at_its_line, unchecked_schema, write

ENTITIES = """\
entities:
  plans:
    columns: {id: {type: bigint, primary_key: true}, name: text}
    distribute: reference
  orders:
    schema: tenant_a
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
      placed_at: timestamptz
  items:
    schema: tenant_a
    columns:
      order_id: {type: bigint, references: {table: orders, on_delete: cascade}}
      id: bigint
      sku: text
    primary_key: [order_id, id]
  events:
    schema: tenant_a
    # a table with no key to a reference table: Citus 13.2 drops the comment of a table a key to one
    # makes a Citus local table, in schema.sql already
    comment: What happened to tenant a.
    columns:
      id: bigint
      at: timestamptz
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2025-01-01, to: 2025-04-01}
"""

ROWS = """\
INSERT INTO public.plans SELECT i, 'plan ' || i FROM generate_series(1, 3) i;
INSERT INTO tenant_a.orders SELECT i, 1 + i % 3, timestamptz '2025-01-01' + i * interval '1 hour'
FROM generate_series(1, 400) i;
INSERT INTO tenant_a.items SELECT 1 + i % 400, i, 'sku ' || i FROM generate_series(1, 1500) i;
INSERT INTO tenant_a.events SELECT i, timestamptz '2025-01-01' + i * interval '1 hour'
FROM generate_series(1, 2000) i;
"""

PROJECT = "project: {name: shop, postgres: 15, extensions: [citus]%s}\n"
SHARDED = ", citus: {distributed_schemas: [tenant_a]}"
TENANT_TABLES = ("tenant_a.events", "tenant_a.items", "tenant_a.orders")
SCHEMAS = ("public", "tenant_a")


def placement(conn: psycopg.Connection) -> dict[str, tuple[str, int, bool]]:
    """Per table Citus knows of (partitions left out): `citus_tables`' type, its shard count, and
    whether its colocation group is the one pg_dist_schema names for its schema."""
    rows = conn.execute(
        "SELECT t.table_name::text, t.citus_table_type, t.shard_count,"
        " coalesce(t.colocation_id = s.colocationid, false)"
        " FROM citus_tables t JOIN pg_class c ON c.oid = t.table_name"
        " LEFT JOIN pg_dist_schema s ON s.schemaid = c.relnamespace"
        " WHERE NOT c.relispartition ORDER BY 1"
    ).fetchall()
    return {name: (kind, count, colocated) for name, kind, count, colocated in rows}


def spec_folder(tmp_path: Path, project_line: str, entities: str = ENTITIES) -> Path:
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "spec.yaml").write_text(project_line + entities)
    return folder


def test_schema_sql_shards_the_schema_and_inspect_reads_it_back(
    tmp_path: Path, citus_conn: psycopg.Connection
) -> None:
    model = compile_spec(spec_folder(tmp_path, PROJECT % SHARDED)).model
    assert model.project.distributed_schemas == (DistributedSchema("tenant_a"),)
    schema = render_schema(model)
    assert "SELECT citus_schema_distribute('tenant_a');" in schema
    run_script(citus_conn, schema)
    run_script(citus_conn, ROWS)
    assert citus_conn.execute("SELECT schemaid::regnamespace::text FROM pg_dist_schema").fetchall() == [
        ("tenant_a",)
    ]
    assert placement(citus_conn) == {
        "plans": ("reference", 1, False),
        **dict.fromkeys(TENANT_TABLES, ("schema", 1, True)),
    }
    # the keys hold: to the reference table, and inside the schema
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        citus_conn.execute("INSERT INTO tenant_a.orders VALUES (9999, 42, now())")
    citus_conn.execute("DELETE FROM tenant_a.orders WHERE id = 1")
    assert citus_conn.execute("SELECT count(*) FROM tenant_a.items WHERE order_id = 1").fetchone() == (0,)

    found = inspect(citus_conn.info.dsn)
    assert found.model.project.distributed_schemas == (DistributedSchema("tenant_a"),)
    assert not [w for w in found.warnings if "distributed schema" in w], found.warnings
    assert {t.name: t.distribution for t in found.model.tables if t.schema == "tenant_a"} == {
        "events": None,
        "items": None,
        "orders": None,
    }
    written = render_spec(found.model)
    assert "distributed_schemas: [tenant_a]" in written["project.yaml"], written["project.yaml"]


def test_a_schema_with_rows_is_distributed_and_back(
    project: Project,  # noqa: F811
    citus_dsn: str,
    fresh_dsn: str,  # noqa: F811
) -> None:
    project.version("initial", ENTITIES)
    up = project.version("sharded", ENTITIES, distributed_schemas=("tenant_a",))
    assert "SELECT citus_schema_distribute('tenant_a')" in up
    assert "truncate_local_data_after_distributing_table('tenant_a.orders')" in up
    assert "SG922" in up
    down_sql = project.down_sql("sharded")
    assert "SELECT citus_schema_undistribute('tenant_a')" in down_sql

    apply(citus_dsn, "--to", "1")
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        run_script(conn, ROWS)
    before = state(citus_dsn, SCHEMAS)
    assert before[1].get("tenant_a.items", "").startswith("1500 rows"), before[1]

    apply(citus_dsn)
    after = state(citus_dsn, SCHEMAS)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql, SCHEMAS))
    assert {n: d["kind"] for n, d in after[0]["distribution"].items()} == {
        "plans": "reference",
        **dict.fromkeys(TENANT_TABLES, "schema"),
    }
    assert after[1] == before[1]
    run_citus_calls_again(citus_dsn, up, SCHEMAS)

    down(citus_dsn, 1)
    back = state(citus_dsn, SCHEMAS)
    assert_catalog_equal(back[0], before[0])
    assert back == before
    run_citus_calls_again(citus_dsn, down_sql, SCHEMAS)


def test_hash_distributed_tables_join_their_schema_when_it_is_distributed(
    project: Project,  # noqa: F811
    citus_dsn: str,
    fresh_dsn: str,  # noqa: F811
) -> None:
    """Citus refuses to distribute a schema holding distributed tables: they are made plain first."""
    hashed = ENTITIES.replace(
        "      placed_at: timestamptz\n", "      placed_at: timestamptz\n    distribute: {by: id}\n"
    ).replace(
        "    primary_key: [order_id, id]\n",
        "    primary_key: [order_id, id]\n    distribute: {by: order_id, colocate_with: orders}\n",
    )
    project.version("initial", hashed, shard_count=4)
    up = project.version("sharded", ENTITIES, distributed_schemas=("tenant_a",))
    assert up.index("undistribute_table('tenant_a.orders')") < up.index("citus_schema_distribute('tenant_a')")
    apply(citus_dsn, "--to", "1")
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        run_script(conn, ROWS)
    before = state(citus_dsn, SCHEMAS)
    assert before[0]["distribution"]["tenant_a.orders"]["kind"] == "hash"

    apply(citus_dsn)
    after = state(citus_dsn, SCHEMAS)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql, SCHEMAS))
    assert {n: d["kind"] for n, d in after[0]["distribution"].items() if n in TENANT_TABLES} == dict.fromkeys(
        TENANT_TABLES, "schema"
    )
    assert after[1] == before[1]

    down(citus_dsn, 1)
    back = state(citus_dsn, SCHEMAS)
    assert_catalog_equal(back[0], before[0])
    assert back == before


def test_drift_reports_a_schema_the_spec_distributes(tmp_path: Path, citus_conn: psycopg.Connection) -> None:
    plain = compile_spec(spec_folder(tmp_path, PROJECT % "")).model
    run_script(citus_conn, render_schema(plain))
    run_script(citus_conn, ROWS)
    sharded_folder = tmp_path / "sharded"
    sharded_folder.mkdir()
    (sharded_folder / "spec.yaml").write_text(PROJECT % SHARDED + ENTITIES)
    sharded = compile_spec(sharded_folder).model
    found = drift(citus_conn, sharded)
    assert "schema tenant_a: a plain schema in the database, distributed in the spec" in found.differences
    assert [op.kind for op in found.operations if "schema" in op.kind] == ["distribute_schema"]
    # and the other way: the database sharded by hand, the spec plain
    citus_conn.execute("SELECT citus_schema_distribute('tenant_a')")
    found = drift(citus_conn, plain)
    assert "schema tenant_a: distributed in the database, a plain schema in the spec" in found.differences
    assert [op.kind for op in found.operations if "schema" in op.kind] == ["undistribute_schema"]
    assert drift(citus_conn, sharded).operations == []


SCHEMA_CASES = [
    Case(
        "public",
        """\
        entities:
          orders:
            columns: {id: {type: bigint, primary_key: true}}
        """,
        "SG808",
        1,
        "public schema cannot be distributed",
        project="project: {name: shop, postgres: 15, extensions: [citus], citus: {distributed_schemas: [public]}}\n",
    ),
    Case(
        "a-distributed-table-in-it",
        """\
        entities:
          orders:
            schema: tenant_a
            columns: {id: {type: bigint, primary_key: true}}
            distribute: {by: id}
        """,
        "SG808",
        6,
        "distributed schema cannot have distributed tables",
        project=PROJECT % SHARDED,
    ),
    Case(
        "a-reference-table-in-it",
        """\
        entities:
          orders:
            schema: tenant_a
            columns: {id: {type: bigint, primary_key: true}}
            distribute: reference
        """,
        "SG808",
        6,
        "distributed schema cannot have distributed tables",
        project=PROJECT % SHARDED,
    ),
    Case(
        "a-key-to-a-plain-table",
        """\
        entities:
          countries:
            columns: {code: {type: text, primary_key: true}}
          orders:
            schema: tenant_a
            columns:
              id: {type: bigint, primary_key: true}
              country: {type: text, references: countries}
        """,
        "SG808",
        9,
        "foreign keys from distributed schemas can only point to the same distributed schema or "
        "reference tables in regular schemas",
        project=PROJECT % SHARDED,
    ),
    Case(
        "a-key-to-a-hash-distributed-table",
        """\
        entities:
          accounts:
            columns: {id: {type: bigint, primary_key: true}}
            distribute: {by: id}
          orders:
            schema: tenant_a
            columns:
              id: {type: bigint, primary_key: true}
              account_id: {type: bigint, references: accounts}
        """,
        "SG808",
        10,
        "foreign keys from distributed schemas can only point to the same distributed schema or "
        "reference tables in regular schemas",
        project=PROJECT % SHARDED,
    ),
    Case(
        "a-key-into-it-from-another-schema",
        """\
        entities:
          orders:
            schema: tenant_a
            columns: {id: {type: bigint, primary_key: true}}
          invoices:
            columns:
              id: {type: bigint, primary_key: true}
              order_id: {type: bigint, references: orders}
        """,
        "SG808",
        9,
        "cannot create foreign keys to tables in a distributed schema from another schema",
        project=PROJECT % SHARDED,
    ),
]


# What the cluster says when schema.sql, as rendered without the check, adds the key after the schema
# is distributed (the message of `rejected` is what citus_schema_distribute says when the key is there
# first, as a migration that distributes the schema finds it).
AFTER_DISTRIBUTION = {
    "a-key-to-a-plain-table": 'referenced table "countries" must be a distributed table or a reference table',
    "a-key-to-a-hash-distributed-table": "cannot create foreign key constraint since relations are not "
    "colocated or not referencing a reference table",
    # accepted, and then not enforced: the orphan is the proof
    "a-key-into-it-from-another-schema": "",
}
DISTRIBUTE = "SELECT citus_schema_distribute('tenant_a');"


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=[c.id for c in SCHEMA_CASES])
def test_the_check_and_the_cluster_refuse_the_same_schema(
    case: Case, tmp_path: Path, citus_conn: psycopg.Connection, second_citus_conn: psycopg.Connection
) -> None:
    folder = write(tmp_path, case)
    assert_refused_at_its_line(folder, case)
    schema = unchecked_schema(folder)
    if case.id not in AFTER_DISTRIBUTION:
        with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
            run_script(citus_conn, schema)
        return
    # the key there first: the schema cannot be distributed
    assert DISTRIBUTE in schema
    run_script(citus_conn, schema.replace(DISTRIBUTE, ""))
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(citus_conn, DISTRIBUTE)
    # the schema distributed first: the key is refused, or accepted and not enforced
    if AFTER_DISTRIBUTION[case.id]:
        with pytest.raises(psycopg.Error, match=re.escape(AFTER_DISTRIBUTION[case.id])):
            run_script(second_citus_conn, schema)
        return
    run_script(second_citus_conn, schema)
    run_script(
        second_citus_conn,
        "INSERT INTO tenant_a.orders VALUES (1); INSERT INTO invoices VALUES (1, 1); DELETE FROM tenant_a.orders;",
    )
    assert second_citus_conn.execute(
        "SELECT count(*) FROM invoices WHERE order_id NOT IN (SELECT id FROM tenant_a.orders)"
    ).fetchone() == (1,)


def test_an_empty_distributed_schema_is_refused(tmp_path: Path, citus_conn: psycopg.Connection) -> None:
    case = Case(
        "empty",
        """\
        entities:
          orders:
            columns: {id: {type: bigint, primary_key: true}}
        """,
        "SG808",
        1,
        'schema "tenant_a" does not exist',
        project=PROJECT % SHARDED,
    )
    folder = write(tmp_path, case)
    assert_refused_at_its_line(folder, case)
    schema = unchecked_schema(folder)
    assert "CREATE SCHEMA" not in schema
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(citus_conn, schema)


def test_a_distributed_schema_without_the_citus_extension_is_refused(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    case = Case(
        "no-citus",
        """\
        entities:
          orders:
            schema: tenant_a
            columns: {id: {type: bigint, primary_key: true}}
        """,
        "SG808",
        1,
        # the same spec on a server without Citus
        "function citus_schema_distribute(unknown) does not exist",
        project="project: {name: shop, postgres: 15, citus: {distributed_schemas: [tenant_a]}}\n",
    )
    folder = write(tmp_path, case)
    assert_refused_at_its_line(folder, case)
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(pg_conn, unchecked_schema(folder))


def test_catalog_of_schema_sql_on_a_second_database(
    tmp_path: Path, citus_conn: psycopg.Connection, second_citus_conn: psycopg.Connection
) -> None:
    """The spec `inspect` writes of a sharded database gives the same catalog on another database."""
    model = compile_spec(spec_folder(tmp_path, PROJECT % SHARDED)).model
    run_script(citus_conn, render_schema(model))
    found = inspect(citus_conn.info.dsn).model
    run_script(second_citus_conn, render_schema(found))
    assert_catalog_equal(snapshot(second_citus_conn, SCHEMAS), snapshot(citus_conn, SCHEMAS))

"""Indexes of a materialized view beyond one unique key (`indexes:`, as an entity's): rendered, read back
by inspect, and changed by a migration index by index — CREATE / DROP INDEX CONCURRENTLY — without
creating the view again (its rows, even stale ones, stay)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.build.writer import write_spec
from schemagen.database.inspect import inspect
from schemagen.diagnostics import SpecError
from schemagen.migrate.migration import build_migration
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema

SPEC = """
project: {name: shop, postgres: 15}
entities:
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      customer: text
      total: integer
views:
  customer_totals:
    materialized: true
    query: SELECT customer, count(*) AS n, sum(total) AS total FROM orders GROUP BY customer
    refresh: concurrently
    indexes:
    - {columns: [customer], unique: true}
    - {columns: [total desc], comment: biggest first}
    - {name: big_customers, expression: lower(customer), where: total > 100, storage: {fillfactor: 70}}
"""

ROWS = "INSERT INTO orders SELECT i, 'c' || (i % 40), i FROM generate_series(1, 400) i"


def test_indexes_of_a_materialized_view_render_and_are_read_back(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    model = model_of(tmp_path, "a", {"spec.yaml": SPEC})
    view = model.views_by_name["customer_totals"]
    assert [i.name for i in view.indexes] == [
        "customer_totals_customer_idx",
        "customer_totals_total_idx",
        "big_customers",
    ]
    create(pg_conn, model)
    found = inspect(pg_conn)
    assert found.warnings == []
    write_spec(found.model, tmp_path / "adopted")
    adopted = compile_spec(tmp_path / "adopted").model
    by_name = sorted(view.indexes, key=lambda i: i.name)
    assert sorted(adopted.views_by_name["customer_totals"].indexes, key=lambda i: i.name) == by_name
    assert_catalog_equal(snapshot(pg_database(render_schema(adopted))), snapshot(pg_conn))


def test_a_migration_changes_a_materialized_views_indexes_one_by_one_and_keeps_its_rows(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    changed = (
        SPEC.replace("    - {columns: [total desc], comment: biggest first}\n", "").replace(
            "where: total > 100", "where: total > 200"
        )
        + "    - {columns: [n]}\n"
    )
    a = model_of(tmp_path, "a", {"spec.yaml": SPEC})
    b = model_of(tmp_path, "b", {"spec.yaml": changed})
    create(pg_conn, a)
    pg_conn.execute(ROWS)
    pg_conn.execute("REFRESH MATERIALIZED VIEW customer_totals")
    pg_conn.execute("INSERT INTO orders VALUES (1000, 'late', 5)")  # the view is not refreshed: stale
    at_a = snapshot(pg_conn)
    migration = build_migration(a, b, "0002_indexes")
    up = migration.up_sql
    assert "MATERIALIZED VIEW" not in up.split("-- Locks:")[1]  # not created again
    assert "CREATE INDEX CONCURRENTLY" in up and "DROP INDEX CONCURRENTLY" in up
    apply_sql(pg_conn, up)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(b))))
    assert pg_conn.execute("SELECT count(*), sum(n) FROM customer_totals").fetchone() == (40, 400)
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)
    assert pg_conn.execute("SELECT count(*), sum(n) FROM customer_totals").fetchone() == (40, 400)
    pg_conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY customer_totals")  # its unique index serves


def test_indexes_on_a_plain_view_are_refused_at_its_line(tmp_path: Path) -> None:
    text = SPEC.replace("    materialized: true\n", "").replace("    refresh: concurrently\n", "")
    with pytest.raises(SpecError) as raised:
        model_of(tmp_path, "a", {"spec.yaml": text})
    assert "SG504" in str(raised.value) and "need `materialized: true`" in str(raised.value)

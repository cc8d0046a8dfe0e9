"""Dropping a table drops first what reads it: views (plain and materialized, however their query
names the table), views over those, and a view the spec keeps is created again after, reading what it
reads in the new version. Applied up and down on a real database with rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.migrate.migration import build_migration
from schemagen.model import Model

TABLES = """\
project: {{name: drops, postgres: 15, allow_destructive: [all]}}
entities:
  sales:
    columns:
      id: {{type: bigint, primary_key: true}}
      region: text
{old}
views:
{views}
"""

OLD = """\
  old_sales:
    schema: archive
    columns:
      id: {type: bigint, primary_key: true}
      region: text
      sale: {type: bigint, references: sales, nullable: true}
"""

QUERIES = {
    "qualified": "SELECT region FROM archive.old_sales",
    "cte": "WITH o AS (SELECT region FROM archive.old_sales) SELECT region FROM o",
    "subquery": "SELECT region FROM sales WHERE region IN (SELECT region FROM archive.old_sales)",
    "lateral": "SELECT s.region FROM sales s, LATERAL (SELECT 1 FROM archive.old_sales o WHERE o.id = s.id) x",
    "exists": "SELECT region FROM sales s WHERE EXISTS (SELECT FROM archive.old_sales o WHERE o.id = s.id)",
    "join": "SELECT s.region FROM sales s JOIN archive.old_sales o USING (id)",
}

ROWS = (
    "INSERT INTO sales SELECT i, 'r' || i % 5 FROM generate_series(1, 100) AS i;"
    "INSERT INTO archive.old_sales SELECT i, 'r' || i % 3, i FROM generate_series(1, 50) AS i;"
)


def spec(tmp_path: Path, name: str, old: bool, views: dict[str, str]) -> Model:
    lines = "\n".join(f"  {view}:\n    query: {query!r}".replace("'", '"') for view, query in views.items())
    if not views:
        lines = "  {}"
    text = TABLES.format(old=OLD if old else "", views=lines)
    if not views:
        text = text.replace("views:\n  {}\n", "")
    return model_of(tmp_path, name, {"spec.yaml": text})


def roundtrip(
    pg_database: Callable[..., psycopg.Connection], a: Model, b: Model, check: str | None = None
) -> None:
    migration = build_migration(a, b, "0002_drop")
    conn = pg_database()
    create(conn, a)
    conn.execute(ROWS)
    sales = conn.execute("SELECT * FROM sales ORDER BY id").fetchall()
    apply_sql(conn, migration.up_sql)
    fresh = pg_database()
    create(fresh, b)
    assert_catalog_equal(snapshot(conn), snapshot(fresh))
    assert conn.execute("SELECT * FROM sales ORDER BY id").fetchall() == sales
    if check is not None:
        conn.execute(check)
    apply_sql(conn, migration.down_sql)
    back = pg_database()
    create(back, a)
    assert_catalog_equal(snapshot(conn), snapshot(back))
    assert conn.execute("SELECT * FROM sales ORDER BY id").fetchall() == sales


@pytest.mark.parametrize("shape", sorted(QUERIES))
def test_a_dropped_table_takes_the_views_reading_it_first(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], shape: str
) -> None:
    views = {"reads_old": QUERIES[shape], "over_it": "SELECT count(*) AS n FROM reads_old"}
    a = spec(tmp_path, "a", True, views)
    b = spec(tmp_path, "b", False, {})
    roundtrip(pg_database, a, b)


@pytest.mark.parametrize("shape", sorted(QUERIES))
def test_a_kept_view_that_stops_reading_a_dropped_table_is_created_again(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], shape: str
) -> None:
    views = {"reads_old": QUERIES[shape], "over_it": "SELECT count(*) AS n FROM reads_old"}
    a = spec(tmp_path, "a", True, views)
    b = spec(tmp_path, "b", False, {"reads_old": "SELECT region FROM sales", "over_it": views["over_it"]})
    roundtrip(pg_database, a, b, "SELECT n FROM over_it")


def test_a_kept_view_over_a_dropped_view_is_created_again(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a = spec(
        tmp_path,
        "a",
        True,
        {
            "base": "SELECT region FROM sales WHERE region IN (SELECT region FROM archive.old_sales)",
            "kept": "SELECT region FROM sales WHERE region IN (SELECT region FROM base)",
        },
    )
    b = spec(tmp_path, "b", False, {"kept": "SELECT region FROM sales"})
    roundtrip(pg_database, a, b, "SELECT region FROM kept")


FUNCTIONS = """\
project: {name: drops, postgres: 15, allow_destructive: [all]}
functions:
  n_old:
    returns: bigint
    language: sql
    volatility: stable
    body: SELECT count(*) FROM archive.old_sales
  ok_region:
    arguments: [r text]
    returns: boolean
    language: sql
    volatility: immutable
    body: SELECT r <> ''
entities:
  sales:
    columns:
      id: {type: bigint, primary_key: true}
      region: {type: text, check: ok_region(region)}
OLD
views:
  stats:
    query: SELECT n_old() AS n
  regions:
    materialized: true
    query: SELECT region FROM archive.old_sales
  on_regions:
    query: SELECT region FROM regions
"""


def test_functions_views_and_tables_drop_and_come_back_in_order(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    """A function reading a dropped table, a view calling it, a materialized view over the table and a
    view over that, a check calling a dropped function: up drops each before what it uses, down creates
    each after."""
    a = model_of(tmp_path, "a", {"spec.yaml": FUNCTIONS.replace("OLD\n", OLD)})
    b = model_of(tmp_path, "b", {"spec.yaml": TABLES.format(old="", views="").replace("views:\n\n", "")})
    roundtrip(pg_database, a, b)

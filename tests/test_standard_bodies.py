"""Functions with a SQL-standard body (`RETURN expr`, `BEGIN ATOMIC … END`, PostgreSQL 14+), which
PostgreSQL parses when the function is created and ties to the tables, columns, views, functions and types
it reads: schema.sql creates them in quotes with the other functions (a check or view may call them
before what they read exists) and gives them their body once everything exists; inspect reads them, drift
compares them as PostgreSQL stores them; a migration that retypes or drops what such a body reads puts
the body in quotes first and gives it back after, up and down, with the rows kept."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.database.live import connect
from schemagen.diagnostics import SpecError
from schemagen.migrate.migration import build_migration
from schemagen.render.render import render_schema
from tests.commandline import run

SPEC_A = {
    "spec.yaml": """
        project: {name: shop, postgres: 15}
        entities:
          orders:
            columns:
              id: {type: bigint, primary_key: true}
              qty: integer
              note: text?
              total: {type: integer, check: plus_one(total) > 0}
          lines:
            columns:
              id: {type: bigint, primary_key: true}
              order_id: {type: bigint, references: orders}
              price: integer
        views:
          order_count:
            query: SELECT orders_counted() AS n
          big_orders:
            query: SELECT id, qty FROM orders WHERE qty > 10
        functions:
          plus_one:
            arguments: [a integer]
            returns: integer
            language: sql
            volatility: immutable
            body: RETURN a + 1;
          orders_counted:
            returns: bigint
            language: sql
            volatility: stable
            body: |
              BEGIN ATOMIC
                SELECT count(qty) FROM orders;
              END
          big_count:
            returns: bigint
            language: sql
            volatility: stable
            body: BEGIN ATOMIC SELECT count(*) FROM big_orders; END
          line_total:
            arguments: [o bigint]
            returns: bigint
            language: sql
            volatility: stable
            body: RETURN (SELECT sum(price) FROM lines WHERE order_id = o)
          notes:
            returns: bigint
            language: sql
            volatility: stable
            body: BEGIN ATOMIC SELECT count(note) FROM orders; END
    """
}

# qty retyped (orders_counted reads it, and the view big_orders, which big_count reads, is recreated),
# lines.price retyped and line_total's body changed, notes dropped with the column it reads, and a new
# table with a new function reading it and a view calling that
SPEC_B = {
    "spec.yaml": SPEC_A["spec.yaml"]
    .replace("qty: integer", "qty: bigint")
    .replace("\n              note: text?", "")
    .replace("price: integer", "price: numeric(12,2)")
    .replace(
        "body: RETURN (SELECT sum(price) FROM lines WHERE order_id = o)",
        "body: RETURN (SELECT sum(price)::bigint FROM lines WHERE order_id = o)",
    )
    .replace(
        """          notes:
            returns: bigint
            language: sql
            volatility: stable
            body: BEGIN ATOMIC SELECT count(note) FROM orders; END
""",
        """          refunds_total:
            returns: bigint
            language: sql
            volatility: stable
            body: RETURN (SELECT coalesce(sum(amount), 0) FROM refunds)
""",
    )
    .replace(
        "        views:\n",
        "          refunds:\n            columns:\n              id: {type: bigint, primary_key: true}\n"
        "              amount: bigint\n        views:\n          refunded:\n"
        "            query: SELECT refunds_total() AS total\n",
    )
}

ROWS = """
INSERT INTO orders (id, qty, note, total) SELECT i, i % 20, 'n' || i, i FROM generate_series(1, 200) i;
INSERT INTO lines (id, order_id, price) SELECT i, 1 + i % 200, i * 3 FROM generate_series(1, 500) i;
"""


def digest(conn: psycopg.Connection, tables: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for table in tables:
        rows = conn.execute(f"SELECT id, * FROM {table} ORDER BY id").fetchall()
        found[table] = hashlib.sha256(repr([r[1:3] for r in rows]).encode()).hexdigest()
    return found


def bodies(conn: psycopg.Connection) -> dict[str, str | None]:
    """Each function's SQL-standard body as PostgreSQL prints it (None: a body in quotes)."""
    rows = conn.execute(
        "SELECT proname, pg_get_function_sqlbody(oid) FROM pg_proc "
        "WHERE pronamespace = 'public'::regnamespace ORDER BY 1"
    ).fetchall()
    return dict(rows)


def test_schema_sql_creates_standard_bodies_after_what_they_read_and_their_callers(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    model = model_of(tmp_path, "a", SPEC_A)
    schema = render_schema(model)
    # created in quotes first (a check and a view call them), given their body at the end
    assert "AS $$\nSELECT a + 1\n$$;" in schema
    assert schema.index("CREATE VIEW public.big_orders") < schema.index(
        "CREATE OR REPLACE FUNCTION public.big_count()"
    )
    create(pg_conn, model)
    found = bodies(pg_conn)
    assert found["plus_one"] == "RETURN (a + 1)"
    assert found["orders_counted"] is not None and "FROM orders" in found["orders_counted"]
    assert found["big_count"] is not None and "big_orders" in found["big_count"]
    with pytest.raises(psycopg.errors.DependentObjectsStillExist), pg_conn.transaction():
        pg_conn.execute("ALTER TABLE orders DROP COLUMN note")  # notes() reads it: tied


def test_a_migration_changing_what_standard_bodies_read_runs_up_and_down_with_the_rows(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a, b = model_of(tmp_path, "a", SPEC_A), model_of(tmp_path, "b", SPEC_B)
    create(pg_conn, a)
    with pg_conn.transaction():
        pg_conn.execute(ROWS)
    at_a, rows = snapshot(pg_conn), digest(pg_conn, ("orders", "lines"))
    migration = build_migration(a, b, "0002_change")
    up = migration.up_sql
    assert (
        "put the body of function orders_counted() in quotes: it reads orders, which the migration changes"
        in up
    )
    assert "SET check_function_bodies = off;" in up
    apply_sql(pg_conn, up)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(b))))
    assert digest(pg_conn, ("orders", "lines")) == rows
    found = bodies(pg_conn)
    assert "notes" not in found and found["refunds_total"] is not None
    assert all(body is not None for body in found.values()), found  # every body standard again
    assert pg_conn.execute("SELECT n FROM order_count").fetchone() == (200,)
    assert pg_conn.execute("SELECT line_total(1)").fetchone() == (sum(i * 3 for i in range(200, 501, 200)),)

    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)
    assert pg_conn.execute("SELECT count(*) FROM orders").fetchone() == (200,)
    assert pg_conn.execute("SELECT count(*) FROM lines").fetchone() == (500,)


def test_inspect_reads_standard_bodies_and_drift_compares_them_as_postgresql_stores_them(
    workdir: Path, pg_dsn: str, pg_database: Callable[..., psycopg.Connection]
) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text(textwrap.dedent(SPEC_A["spec.yaml"]))
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
        before = snapshot(conn)
    # the spec writes `RETURN a + 1`, PostgreSQL stores `RETURN (a + 1)`: no drift
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("inspect", "--dsn", pg_dsn, "-o", "adopted")
    assert code == 0 and "0 warnings" in out, out + err
    written = (workdir / "adopted" / "project.yaml").read_text() + "".join(
        p.read_text() for p in sorted((workdir / "adopted").glob("*.yaml"))
    )
    assert "body: RETURN (a + 1)" in written
    code, out, err = run("render", "adopted", "-o", "regenerated")
    assert code == 0, out + err
    fresh = pg_database((workdir / "regenerated" / "schema.sql").read_text())
    assert_catalog_equal(snapshot(fresh), before)
    # a body changed in the database is drift
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION plus_one(a integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + 2"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "plus_one" in out, out + err


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("RETURN a +", "its body does not parse"),
        ("RETURN 1; SELECT 2", "nothing may follow it"),
        ("BEGIN ATOMIC SELEC 1; END", "its body does not parse"),
    ],
)
def test_a_standard_body_that_does_not_parse_is_refused_at_its_line(
    tmp_path: Path, body: str, problem: str
) -> None:
    files = {
        "spec.yaml": f"""
            project: {{name: t, postgres: 15}}
            functions:
              f:
                arguments: [a integer]
                returns: integer
                language: sql
                body: "{body}"
        """
    }
    with pytest.raises(SpecError) as raised:
        model_of(tmp_path, "a", files)
    text = str(raised.value)
    assert "SG120" in text and problem in text and ":8:" in text, text


def test_a_new_sql_function_in_quotes_may_read_a_table_the_same_migration_creates(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    """The migration turns check_function_bodies off, as schema.sql does: the function is created before
    the table its body reads (PostgreSQL would check the body against a table not there yet)."""
    base = "project: {name: t, postgres: 15}\nentities:\n  t:\n    columns: {id: {type: bigint, primary_key: true}}\n"
    more = (
        "  u:\n    columns: {id: {type: bigint, primary_key: true}}\nfunctions:\n  u_count:\n"
        "    returns: bigint\n    language: sql\n    volatility: stable\n    body: SELECT count(*) FROM u\n"
    )
    a, b = model_of(tmp_path, "a", {"spec.yaml": base}), model_of(tmp_path, "b", {"spec.yaml": base + more})
    create(pg_conn, a)
    at_a = snapshot(pg_conn)
    migration = build_migration(a, b, "0002_change")
    up = migration.up_sql
    assert up.index("SET check_function_bodies = off") < up.index("CREATE FUNCTION public.u_count()")
    assert up.index("CREATE FUNCTION public.u_count()") < up.index("CREATE TABLE public.u")
    apply_sql(pg_conn, up)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(b))))
    assert pg_conn.execute("SELECT u_count()").fetchone() == (0,)
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)

"""A column moved from one enum type to another (or an array of one to an array of the other):
PostgreSQL has no cast between two enum types, so the values go through their text
(`USING col::text::new`), flagged as a conversion that fails on a value the new type lacks. Up and down
on a database with rows: the catalog is a fresh render's, the values are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog

SCHEMAS = ("public", "other")

SPEC = """\
project: {name: shop, schemas: [other]}
enums:
  other.first: [a, b, c]
  other.second: [a, b, c, d]
entities:
  orders:
    columns:
      id: {type: integer, primary_key: true}
      mark: {type: other.first, default: b}
      marks: other.first[]?
"""


def rows(dsn: str) -> list[tuple[Any, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT id, mark::text, marks::text FROM orders ORDER BY id").fetchall()


def test_a_column_moves_to_another_enum_through_its_text(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "spec.yaml"
    spec.write_text(SPEC)
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO orders SELECT g, (ARRAY['a','b','c'])[1 + g % 3]::other.first,"
            " CASE WHEN g % 2 = 0 THEN ARRAY['a','c']::other.first[] END FROM generate_series(1, 30) g"
        )
    before, kept = catalog(pg_dsn, SCHEMAS), rows(pg_dsn)

    edit(spec, "mark: {type: other.first, default: b}", "mark: {type: other.second, default: b}")
    edit(spec, "marks: other.first[]?", "marks: other.second[]?")
    assert run("render", "spec")[0] == 0
    code, out, err = run("migrate", "new", "second", "spec")
    assert code == 0, out + err
    up = next((workdir / "generated" / "migrations").glob("0002_*.up.sql")).read_text()
    assert "ALTER COLUMN mark TYPE other.second USING mark::text::other.second;" in up, up
    assert "ALTER COLUMN marks TYPE other.second[] USING marks::text::other.second[];" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    schema_sql = workdir / "generated" / "schema.sql"
    assert_catalog_equal(catalog(pg_dsn, SCHEMAS), applied(fresh("a"), schema_sql, SCHEMAS))
    assert rows(pg_dsn) == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn, SCHEMAS), before)
    assert rows(pg_dsn) == kept

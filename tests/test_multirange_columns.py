"""Columns of the multirange type PostgreSQL makes beside a range type of the spec (`floatmultirange`
beside `floatrange`, `spans_multirange` beside `spans`): validated, rendered, adopted by inspect with
their rows, and converted when their range type is rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot
from tests.commandline import edit, run

HAND_MADE = """
CREATE SCHEMA geo;
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TYPE geo.spans AS RANGE (subtype = int4);
CREATE TABLE readings (
    id bigint PRIMARY KEY,
    span floatrange,
    gaps floatmultirange NOT NULL DEFAULT '{}',
    history floatmultirange[],
    zones geo.spans_multirange
);
INSERT INTO readings
SELECT g, floatrange(g, g + 1), floatmultirange(floatrange(g, g + 0.5), floatrange(g + 2, g + 3)),
       ARRAY[floatmultirange(floatrange(0, g))], geo.spans_multirange(geo.spans(g, g + 10))
FROM generate_series(1, 100) g;
"""

ROWS = "SELECT id, span::text, gaps::text, history::text, zones::text FROM readings ORDER BY id"


def catalog(dsn: str) -> dict[str, object]:
    with connect(dsn, autocommit=True) as conn:
        return dict(snapshot(conn, ("public", "geo")))


def rows(dsn: str) -> list[tuple[object, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute(ROWS).fetchall()


def test_a_multirange_column_is_validated_and_rendered(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "spec.yaml").write_text(
        "project: {name: mr, postgres: 15}\n"
        "types:\n  floatrange: {range: {subtype: float8}}\n  spans: {range: {subtype: int4}}\n"
        "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      a: floatmultirange\n      b: spans_multirange?\n      c: {type: 'floatmultirange[]'}\n"
    )
    code, out, err = run("render", str(tmp_path / "spec"))
    assert code == 0, out + err
    schema_sql = (tmp_path / "spec" / ".." / "generated" / "schema.sql").read_text()
    assert "a floatmultirange NOT NULL" in schema_sql
    assert "b spans_multirange" in schema_sql
    # a name the type does not make stays unknown, with the nearest one suggested
    (tmp_path / "spec" / "spec.yaml").write_text(
        (tmp_path / "spec" / "spec.yaml").read_text().replace("spans_multirange?", "spans_multirang?")
    )
    code, out, err = run("validate", str(tmp_path / "spec"))
    assert code == 2
    assert "SG105" in out + err and "did you mean spans_multirange?" in out + err, out + err


def test_multirange_columns_are_adopted_and_migrate_with_their_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, kept = catalog(pg_dsn), rows(pg_dsn)
    code, out, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "0 warnings" in out + err, out + err
    assert "floatmultirange" in (workdir / "spec" / "entities.yaml").read_text()
    code, _, err = run("render", "spec")
    assert code == 0, err
    empty = fresh("s")
    with connect(empty, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
    assert_catalog_equal(catalog(empty), before)
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # the range type rebuilt (float8 → numeric): its multirange columns are converted with it
    edit(workdir / "spec" / "project.yaml", "subtype: double precision", "subtype: numeric")
    code, out, err = run("migrate", "new", "numeric_spans", "spec", "--allow-destructive")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = fresh("n")
    with connect(after, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
    assert_catalog_equal(catalog(pg_dsn), catalog(after))
    assert rows(pg_dsn) == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept

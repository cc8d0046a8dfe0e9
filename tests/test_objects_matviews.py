"""Materialized views created WITH NO DATA (`populated: false`): inspected as such, rendered as such,
and a change either way migrates up and down with the rows of the tables kept and drift empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, at date NOT NULL);
INSERT INTO events SELECT g, 'k' || (g % 5), DATE '2026-01-01' + g % 30 FROM generate_series(1, 400) g;
CREATE MATERIALIZED VIEW daily AS SELECT at, count(*) AS n FROM events GROUP BY at WITH NO DATA;
CREATE MATERIALIZED VIEW kinds AS SELECT kind, count(*) AS n FROM events GROUP BY kind;
CREATE UNIQUE INDEX kinds_kind_idx ON kinds (kind);
"""

TABLES = {"events": "id, kind, at"}


def populated(dsn: str) -> dict[str, bool]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT relname, relispopulated FROM pg_class WHERE relkind = 'm'").fetchall()
    return dict(rows)


def test_unpopulated_materialized_views_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "not populated" not in out
    views = next((workdir / "spec").glob("views.yaml")).read_text()
    assert views.count("populated: false") == 1, views

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "WITH NO DATA;" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    # each way: `daily` becomes populated, `kinds` is emptied
    spec = workdir / "spec" / "views.yaml"
    edit(spec, "    populated: false\n", "")
    edit(
        spec, "  kinds:\n    materialized: true\n", "  kinds:\n    materialized: true\n    populated: false\n"
    )
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert populated(pg_dsn) == {"daily": True, "kinds": False}
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT sum(n) FROM daily").fetchone() == (400,)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert populated(pg_dsn) == {"daily": False, "kinds": True}
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows


def test_populated_false_on_a_plain_view_is_refused_at_its_line(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "entities.yaml").write_text("entities:\n  items:\n    columns: {id: bigint}\n")
    (spec / "views.yaml").write_text("views:\n  v:\n    populated: false\n    query: SELECT id FROM items\n")
    code, out, err = run("check", "spec")
    assert code != 0
    assert "SG504" in out + err and "populated: false" in out + err
    assert "spec/views.yaml:3:" in out + err

"""Foreign keys MATCH FULL (`match: full`): a key whose columns are all null or all set, as some schemas
declare multi-column keys. Rendered, read back by inspect (no longer a warning), and changed by a
migration (the key dropped and added again, validated) with the rows kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.build.writer import write_spec
from schemagen.database.inspect import inspect
from schemagen.migrate.migration import build_migration
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema

SPEC = """
project: {name: app, postgres: 15}
entities:
  regions:
    columns: {country: text, code: text, name: text}
    primary_key: [country, code]
  stores:
    columns: {id: {type: bigint, primary_key: true}, country: text?, code: text?}
    foreign_keys:
    - {columns: [country, code], references: regions, match: full, on_delete: set null}
"""

ROWS = """
INSERT INTO regions VALUES ('fr', '75', 'Paris'), ('de', 'BE', 'Berlin');
INSERT INTO stores SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'fr' END, CASE WHEN i % 3 = 0 THEN NULL ELSE '75' END
FROM generate_series(1, 30) i;
"""


def test_a_match_full_key_renders_is_enforced_and_read_back(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    model = model_of(tmp_path, "a", {"spec.yaml": SPEC})
    assert "REFERENCES public.regions (country, code) MATCH FULL ON DELETE SET NULL" in render_schema(model)
    create(pg_conn, model)
    pg_conn.execute(ROWS)
    with pytest.raises(psycopg.errors.ForeignKeyViolation), pg_conn.transaction():
        pg_conn.execute("INSERT INTO stores VALUES (100, 'fr', NULL)")  # half a key: MATCH FULL refuses
    read = inspect(pg_conn)
    assert read.warnings == []
    write_spec(read.model, tmp_path / "adopted")
    assert "match: full" in (tmp_path / "adopted" / "entities.yaml").read_text()
    adopted = compile_spec(tmp_path / "adopted").model
    assert_catalog_equal(snapshot(pg_database(render_schema(adopted))), snapshot(pg_conn))


def test_a_migration_makes_a_key_match_full_and_back_with_the_rows(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a = model_of(tmp_path, "a", {"spec.yaml": SPEC.replace("match: full, ", "")})
    b = model_of(tmp_path, "b", {"spec.yaml": SPEC})
    create(pg_conn, a)
    pg_conn.execute(ROWS)
    at_a = snapshot(pg_conn)
    rows = pg_conn.execute("SELECT * FROM stores ORDER BY id").fetchall()
    migration = build_migration(a, b, "0002_match")
    assert "MATCH FULL" in migration.up_sql and "MATCH FULL" not in migration.down_sql.split("-- Locks:")[1]
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(b))))
    assert pg_conn.execute("SELECT * FROM stores ORDER BY id").fetchall() == rows
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)
    assert pg_conn.execute("SELECT * FROM stores ORDER BY id").fetchall() == rows

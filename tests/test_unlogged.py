"""UNLOGGED tables (`unlogged: true`), as caches and session stores have them: rendered, read back by
inspect (no longer a warning), made LOGGED or UNLOGGED by a migration with the rows kept, and the
combinations PostgreSQL refuses refused at the YAML line."""

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
project: {name: app, postgres: 15}
entities:
  users:
    columns: {id: {type: bigint, primary_key: true}, name: text}
  sessions:
    unlogged: true
    columns:
      id: {type: bigint, primary_key: true}
      user_id: {type: bigint, references: users}
      data: jsonb?
    indexes: [{columns: [user_id]}]
  page_cache:
    columns: {key: {type: text, primary_key: true}, body: text}
"""

ROWS = """
INSERT INTO users SELECT i, 'u' || i FROM generate_series(1, 50) i;
INSERT INTO sessions SELECT i, 1 + i % 50, NULL FROM generate_series(1, 200) i;
INSERT INTO page_cache SELECT 'k' || i, repeat('x', 100) FROM generate_series(1, 300) i;
"""


def persistence(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute(
        "SELECT relname, relpersistence FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'i') ORDER BY 1"
    ).fetchall()
    return dict(rows)


def contents(conn: psycopg.Connection) -> list[object]:
    return [
        conn.execute(
            f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"
        ).fetchone()
        for table in ("users", "sessions", "page_cache")
    ]


def test_an_unlogged_table_renders_and_is_read_back(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    model = model_of(tmp_path, "a", {"spec.yaml": SPEC})
    assert "CREATE UNLOGGED TABLE public.sessions" in render_schema(model)
    create(pg_conn, model)
    found = persistence(pg_conn)
    assert found["sessions"] == "u" and found["sessions_pkey"] == "u" and found["users"] == "p"
    read = inspect(pg_conn)
    assert read.warnings == []
    write_spec(read.model, tmp_path / "adopted")
    assert "unlogged: true" in (tmp_path / "adopted" / "entities.yaml").read_text()
    adopted = compile_spec(tmp_path / "adopted").model
    assert_catalog_equal(snapshot(pg_database(render_schema(adopted))), snapshot(pg_conn))


def test_a_migration_makes_tables_unlogged_and_logged_with_their_rows(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    changed = SPEC.replace("  sessions:\n    unlogged: true\n", "  sessions:\n").replace(
        "  page_cache:\n", "  page_cache:\n    unlogged: true\n"
    )
    a, b = model_of(tmp_path, "a", {"spec.yaml": SPEC}), model_of(tmp_path, "b", {"spec.yaml": changed})
    create(pg_conn, a)
    pg_conn.execute(ROWS)
    at_a, rows = snapshot(pg_conn), contents(pg_conn)
    migration = build_migration(a, b, "0002_persistence")
    up = migration.up_sql
    assert (
        "ALTER TABLE public.page_cache SET UNLOGGED;" in up
        and "ALTER TABLE public.sessions SET LOGGED;" in up
    )
    assert "SG921" in up
    apply_sql(pg_conn, up)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(b))))
    assert contents(pg_conn) == rows
    assert persistence(pg_conn)["page_cache"] == "u" and persistence(pg_conn)["sessions"] == "p"
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)
    assert contents(pg_conn) == rows


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            SPEC.replace("  users:\n", "  users:\n    unlogged: true\n").replace(
                "  sessions:\n    unlogged: true\n", "  sessions:\n"
            ),
            "the permanent table `sessions` cannot reference it",
        ),
        (
            "project: {name: app, postgres: 15}\nentities:\n  events:\n    unlogged: true\n"
            "    columns: {id: bigint, at: date}\n    partition: {range: {key: at, every: year, "
            "from: 2024-01-01, to: 2026-01-01}}\n",
            "a partitioned table cannot be",
        ),
    ],
)
def test_what_postgresql_refuses_of_unlogged_tables_is_refused_at_its_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(SpecError) as raised:
        model_of(tmp_path, "a", {"spec.yaml": text})
    assert "SG122" in str(raised.value) and problem in str(raised.value), str(raised.value)

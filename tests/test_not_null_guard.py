"""A NOT NULL column without a default added to an existing table: planned behind a guard that stops
the migration first of all, having changed nothing, when the table holds rows (SG931); no guard for a
table the same migration creates. Applied up and down on real databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.migrate.migration import build_migration
from schemagen.model import Model

A = """\
project: {name: guard, postgres: 15}
entities:
  users:
    columns:
      id: {type: integer, primary_key: true}
"""

B = """\
project: {name: guard, postgres: 15}
entities:
  people:
    renamed_from: users
    columns:
      id: {type: integer, primary_key: true}
      locale: text
  orgs:
    columns:
      id: {type: integer, primary_key: true}
      name: text
"""


def models(tmp_path: Path) -> tuple[Model, Model]:
    return model_of(tmp_path, "a", {"spec.yaml": A}), model_of(tmp_path, "b", {"spec.yaml": B})


def catalog_of(pg_database: Callable[..., psycopg.Connection], model: Model) -> object:
    conn = pg_database()
    create(conn, model)
    return snapshot(conn)


def test_the_guard_comes_first_and_only_for_an_existing_table(tmp_path: Path) -> None:
    a, b = models(tmp_path)
    up = build_migration(a, b, "0002_guard").up_sql
    assert up.count("DO $guard$") == 1
    body = up.split("\n\n", 2)[2]
    # named as the table is before the migration renames it, before anything changes
    first = body.index("-- check that users holds no rows before people.locale")
    assert first < body.index("ALTER TABLE public.users RENAME TO people")
    assert first < body.index("CREATE TABLE public.orgs")
    assert "SG931 people.locale: NOT NULL without a default" in up


def test_an_empty_table_takes_the_column_up_and_down(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a, b = models(tmp_path)
    migration = build_migration(a, b, "0002_guard")
    conn = pg_database()
    create(conn, a)
    apply_sql(conn, migration.up_sql)
    assert_catalog_equal(snapshot(conn), catalog_of(pg_database, b))
    conn.execute("INSERT INTO people VALUES (1, 'en')")
    apply_sql(conn, migration.down_sql)
    assert_catalog_equal(snapshot(conn), catalog_of(pg_database, a))
    assert conn.execute("SELECT id FROM users").fetchall() == [(1,)]


def test_a_table_with_rows_stops_the_migration_with_nothing_done(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a, b = models(tmp_path)
    migration = build_migration(a, b, "0002_guard")
    conn = pg_database()
    create(conn, a)
    conn.execute("INSERT INTO users SELECT generate_series(1, 100)")
    before = snapshot(conn)
    with pytest.raises(psycopg.errors.RaiseException) as raised:
        apply_sql(conn, migration.up_sql)
    assert "table public.users holds rows, so column locale (NOT NULL, no default) cannot be added" in str(
        raised.value
    )
    assert_catalog_equal(snapshot(conn), before)
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (100,)

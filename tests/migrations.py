"""Test helpers: build a migration between two specs and apply it the way the runner will.

Scenario folders `tests/migrations/<case>/` hold spec A (`a/`), spec B (`b/`), rows loaded at A
(`rows.sql`) and the migration the planner writes from A to B, pinned: `expected.up.sql` and
`expected.down.sql` (`pin_scenarios.py` writes them).
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

import psycopg

from schemagen.migrate.migration import Migration, build_migration, is_transactional
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.postgres.expressions import split_statements
from schemagen.render.render import render_schema


def model_of(tmp_path: Path, name: str, files: dict[str, str]) -> Model:
    """The Model of a spec written from `files` into tmp_path/name."""
    root = tmp_path / name
    root.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (root / file).write_text(textwrap.dedent(text))
    return compile_spec(root).model


def apply_sql(conn: psycopg.Connection, sql: str) -> None:
    """Run a migration file: in one transaction, or statement by statement when its header says so."""
    if is_transactional(sql):
        with conn.transaction():
            conn.execute(sql.encode(), prepare=False)
    else:
        for statement in split_statements(sql):
            conn.execute(statement.text.encode(), prepare=False)


def migrate(conn: psycopg.Connection, before: Model, after: Model, name: str = "0002_change") -> Migration:
    """Plan before → after, apply its up migration to `conn` (a database at `before`), return it."""
    migration = build_migration(before, after, name)
    apply_sql(conn, migration.up_sql)
    return migration


def create(conn: psycopg.Connection, model: Model) -> None:
    """A database at `model`, from its schema.sql."""
    with conn.transaction():
        conn.execute(render_schema(model).encode(), prepare=False)


SCENARIOS = Path(__file__).resolve().parent / "migrations"
DIRECTIONS = ("up", "down")


def scenario_cases() -> list[str]:
    """The scenario folders, by name."""
    return sorted(folder.name for folder in SCENARIOS.iterdir() if (folder / "a").is_dir())


@cache
def scenario_models(case: str) -> tuple[Model, Model]:
    """Models A and B of a scenario (compiled once per session)."""
    folder = SCENARIOS / case
    return compile_spec(folder / "a").model, compile_spec(folder / "b").model


@cache
def scenario_migration(case: str) -> Migration:
    """The migration A → B of a scenario, as `migrate new` would write it as migration 0002."""
    before, after = scenario_models(case)
    return build_migration(before, after, f"0002_{case}")


def pinned_sql_path(case: str, direction: str) -> Path:
    """Where a scenario pins the SQL of one direction of its migration."""
    return SCENARIOS / case / f"expected.{direction}.sql"


def planned_sql(case: str, direction: str) -> str:
    """The text of one direction of a scenario's migration, as the planner writes it today."""
    migration = scenario_migration(case)
    return migration.up_sql if direction == "up" else migration.down_sql

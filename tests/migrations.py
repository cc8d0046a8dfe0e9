"""Test helpers: build a migration between two specs and apply it the way the runner will.

Scenario folders `tests/migrations/<case>/` hold spec A (`a/`), spec B (`b/`), rows loaded at A
(`rows.sql`) and the migration the planner writes from A to B, pinned: `expected.up.sql` and
`expected.down.sql` (`pin_scenarios.py` writes them).
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import psycopg

from schemagen.migrate.header import is_transactional
from schemagen.migrate.migration import Migration, build_migration
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


#: What the runner retries a step for: a lock not had (a NOWAIT finding the table busy — autovacuum's
#: ANALYZE of a table just filled takes one — or lock_timeout) or being a deadlock's victim.
RETRIED = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected)
ATTEMPTS = 40


def apply_sql(conn: psycopg.Connection, sql: str) -> None:
    """Run a migration file: in one transaction, or statement by statement when its header says so
    (a `BEGIN … COMMIT` group as one unit). As the runner does, a file or unit that fails for want
    of a lock is rolled back and run again."""
    if is_transactional(sql):

        def whole() -> None:
            with conn.transaction():
                conn.execute(sql.encode(), prepare=False)

        _retrying(whole)
        return
    unit: list[str] = []
    for statement in split_statements(sql):
        text = statement.text
        opens = text.lstrip()[:5].upper() == "BEGIN"
        unit = [text] if opens else [*unit, text] if unit else []
        run_in_unit(conn, unit, text)
        if text.lstrip()[:6].upper() == "COMMIT":
            unit = []


def run_in_unit(conn: psycopg.Connection, unit: list[str], text: str) -> None:
    """Run `text`, the last statement of `unit` (a `BEGIN … COMMIT` group so far; empty outside one).
    When it fails for want of a lock it is tried again, as the runner does: inside a unit, after a
    ROLLBACK and the unit's earlier statements run again."""
    earlier = unit[:-1]
    failed = False

    def step() -> None:
        nonlocal failed
        if failed and earlier:
            conn.execute(b"ROLLBACK", prepare=False)
            for done in earlier:
                conn.execute(done.encode(), prepare=False)
        failed = True
        conn.execute(text.encode(), prepare=False)
        failed = False

    _retrying(step)


def _retrying(action: Callable[[], None]) -> None:
    for attempt in range(ATTEMPTS):
        try:
            action()
            return
        except RETRIED:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(min(0.02 * (attempt + 1), 0.25))


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

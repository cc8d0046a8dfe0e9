"""Scenario folders `tests/migrations/<case>/`: spec A (`a/`), spec B (`b/`), rows loaded at A
(`rows.sql`), and the migration text the planner writes from A to B (`expected.up.sql`,
`expected.down.sql`).

Each scenario proves, on a real database at A holding the rows:
- the planner writes exactly the pinned SQL (a change to it fails here, with a diff);
- up gives the catalog that rendering B into an empty database gives, with every row kept;
- convergence: the database after up, inspected, is at B (planning from it to B finds nothing);
- down gives A's catalog and rows back, and the database inspected after it is at A.

After a deliberate planner change, re-pin the SQL with `.venv/bin/python tests/pin_scenarios.py`
(optionally naming the scenarios) and review the diff of the `expected.*.sql` files.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import psycopg
import pytest
from catalog import Catalog, assert_catalog_equal, row_counts, snapshot
from migrations import (
    DIRECTIONS,
    SCENARIOS,
    apply_sql,
    create,
    pinned_sql_path,
    planned_sql,
    scenario_cases,
    scenario_migration,
    scenario_models,
)

from schemagen.database.inspect import inspect
from schemagen.migrate.migration import build_up
from schemagen.model import Model
from schemagen.plan import Renames

CASES = scenario_cases()
REPIN = ".venv/bin/python tests/pin_scenarios.py"


def fresh_catalog(pg_database: Callable[..., psycopg.Connection], model: Model) -> Catalog:
    """The catalog of `model`'s schema.sql applied to a new, empty database."""
    conn = pg_database()
    create(conn, model)
    return snapshot(conn)


def base_tables(model: Model) -> list[str]:
    return sorted(f"{t.schema}.{t.name}" for t in model.tables)


def continued(table: str, renames: dict[str, str], after: Model) -> str | None:
    """`schema.name` of what a table of A is in B (renamed, moved to another schema), or None: dropped."""
    name = table.split(".", 1)[1]
    new = after.tables_by_name.get(renames.get(name, name))
    return f"{new.schema}.{new.name}" if new is not None else None


def assert_database_is_at(conn: psycopg.Connection, model: Model, after: str) -> None:
    """Convergence: inspect the database and plan from what is there to `model`; the plan must be empty."""
    found = inspect(conn, reference=model).model
    operations, text = build_up(found, model, f"the database after {after} → its spec")
    if operations:
        pytest.fail(f"after {after}, the database is not at its spec; planning again gives:\n{text}")


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("case", CASES)
def test_planned_sql_is_pinned(case: str, direction: str) -> None:
    path = pinned_sql_path(case, direction)
    assert path.is_file(), f"{path} is missing: run `{REPIN} {case}`"
    pinned, planned = path.read_bytes().decode("utf-8"), planned_sql(case, direction)
    if planned != pinned:
        lines = difflib.unified_diff(
            pinned.splitlines(keepends=True),
            planned.splitlines(keepends=True),
            fromfile=f"{path.parent.name}/{path.name} (pinned)",
            tofile=f"{path.parent.name}/{path.name} (planned now)",
        )
        pytest.fail(
            f"the planner writes another {direction} migration for {case}; if that is intended,"
            f" run `{REPIN} {case}` and review the diff:\n{''.join(lines)}",
            pytrace=False,
        )


@pytest.mark.parametrize("case", CASES)
def test_scenario(
    case: str, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    folder = SCENARIOS / case
    before, after = scenario_models(case)
    renames = Renames.from_model(after).tables
    create(pg_conn, before)
    at_a = snapshot(pg_conn)  # A's schema.sql in an empty database: what the down must give back
    with pg_conn.transaction():
        pg_conn.execute((folder / "rows.sql").read_bytes(), prepare=False)
    counts = row_counts(pg_conn, base_tables(before))
    assert sum(counts.values()) > 0

    migration = scenario_migration(case)
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(pg_database, after))
    kept = {new: n for t, n in counts.items() if (new := continued(t, renames, after)) is not None}
    assert row_counts(pg_conn, sorted(kept)) == kept
    assert_database_is_at(pg_conn, after, "up")

    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_a)
    assert row_counts(pg_conn, base_tables(before)) == {t: counts[t] for t in base_tables(before)}
    assert_database_is_at(pg_conn, before, "down")


def test_every_rule_has_a_scenario() -> None:
    assert {
        "hash_split",
        "hash_merge",
        "hash_rebuild",
        "window_extended",
        "renames",
        "nullability",
        "constraints_and_indexes",
        "partitioned_index",
        "enum_values",
        "views",
    } <= set(CASES)

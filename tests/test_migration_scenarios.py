"""Scenario folders `tests/migrations/<case>/`: spec A (`a/`), spec B (`b/`), rows loaded at A
(`rows.sql`), and the migration text the planner writes from A to B (`expected.up.sql`,
`expected.down.sql`).

The planner must write exactly the pinned SQL (a change to it fails here, with a diff); up gives B's
catalog with every row kept, down gives A's catalog back, and the next plan after up is empty
(convergence).

After a deliberate planner change, re-pin the SQL with `.venv/bin/python tests/pin_scenarios.py`
(optionally naming the scenarios) and review the diff of the `expected.*.sql` files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import psycopg
import pytest
from catalog import assert_catalog_equal, row_counts, snapshot
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

from schemagen.database.cluster import ThrowawayCluster
from schemagen.migrate import snapshot as model_snapshot
from schemagen.model import Model
from schemagen.plan import Renames, plan

CASES = scenario_cases()
REPIN = ".venv/bin/python tests/pin_scenarios.py"


@pytest.fixture
def fresh_catalog(pg_cluster: ThrowawayCluster, request: pytest.FixtureRequest) -> Iterator:
    made: list[str] = []

    def catalog_of(model: Model) -> dict:
        name = f"fresh_{len(made)}_{abs(hash(request.node.nodeid)):x}"[:60]
        made.append(name)
        with psycopg.connect(pg_cluster.create_database(name), autocommit=True) as conn:
            create(conn, model)
            return snapshot(conn)

    yield catalog_of
    for name in made:
        pg_cluster.drop_database(name)


def base_tables(model: Model) -> list[str]:
    return sorted(t.name for t in model.tables)


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
def test_scenario(case: str, pg_conn: psycopg.Connection, fresh_catalog) -> None:
    folder = SCENARIOS / case
    before, after = scenario_models(case)
    renames = Renames.from_model(after).tables
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute((folder / "rows.sql").read_bytes(), prepare=False)
    counts = row_counts(pg_conn, base_tables(before))
    assert sum(counts.values()) > 0

    migration = scenario_migration(case)
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(after))
    after_names = set(base_tables(after))
    kept = {renames.get(t, t): n for t, n in counts.items() if renames.get(t, t) in after_names}
    assert row_counts(pg_conn, sorted(kept)) == kept
    # convergence: the migrated database is at B, so planning B against it again finds nothing
    assert plan(model_snapshot.load(model_snapshot.dump(after)), after) == []

    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), fresh_catalog(before))
    assert row_counts(pg_conn, base_tables(before)) == {t: counts[t] for t in base_tables(before)}


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

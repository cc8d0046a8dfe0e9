"""Scenario folders `tests/migrations/<case>/{a,b}/` with `rows.sql` loaded at A: up gives B's catalog
with every row kept, down gives A's catalog back, and the next plan after up is empty (convergence)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, row_counts, snapshot
from migrations import apply_sql, create

from schemagen.database.cluster import ThrowawayCluster
from schemagen.migrate import snapshot as model_snapshot
from schemagen.migrate.migration import build_migration
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.plan import Renames, plan

SCENARIOS = Path(__file__).parent / "migrations"
CASES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "a").is_dir())


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


@pytest.mark.parametrize("case", CASES)
def test_scenario(case: str, pg_conn: psycopg.Connection, fresh_catalog) -> None:
    folder = SCENARIOS / case
    before, after = compile_spec(folder / "a").model, compile_spec(folder / "b").model
    renames = Renames.from_model(after).tables
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute((folder / "rows.sql").read_bytes(), prepare=False)
    counts = row_counts(pg_conn, base_tables(before))
    assert sum(counts.values()) > 0

    migration = build_migration(before, after, f"0002_{case}")
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

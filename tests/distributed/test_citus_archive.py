"""`archive:` on a distributed table, on a real cluster: the archive function schemagen renders for a
project with Citus moves the rows older than its cutoff into the archive table and keeps every row, and
`inspect` recognises the function again."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from schemagen.database.inspect import inspect
from schemagen.drift import drift
from schemagen.model import Distribution
from schemagen.model.archive import archive_entry
from schemagen.pipeline import compile_spec
from schemagen.postgres.expressions import split_statements
from schemagen.render.render import render_schema
from tests.catalog import assert_catalog_equal
from tests.distributed.conftest import run_script
from tests.distributed.test_citus_migrations import (
    Project,
    apply,
    down,
    fresh_catalog,
    fresh_dsn,  # noqa: F401 (a fixture)
    project,  # noqa: F401 (a fixture)
    state,
)

SPEC = """\
project: {name: events, postgres: 15, extensions: [citus], citus: {shard_count: 4}}
entities:
  tenants:
    columns:
      id: {type: bigint, primary_key: true}
    distribute: {by: id}
  events:
    columns:
      tenant_id: {type: bigint, references: tenants}
      id: bigint
      at: timestamptz
      kind: {type: bigint, identity: always}
      older_than: text?
    primary_key: [tenant_id, id, at]
    partition:
      range: {key: at, every: month, from: 2025-01-01, to: 2025-05-01}
    archive: {after: 30 days, column: at}
    distribute: {by: tenant_id, colocate_with: tenants}
"""

ROWS = """\
INSERT INTO tenants SELECT i FROM generate_series(1, 20) i;
INSERT INTO events (tenant_id, id, at, older_than)
SELECT 1 + i % 20, i, '2025-01-01'::timestamptz + i * interval '1 hour', 'row ' || i
FROM generate_series(1, 2500) i;
"""

# every row of live and archive, one text each, in a fixed order: what the rows hold, wherever they are
ALL_ROWS = """\
SELECT count(*), md5(string_agg(r::text, ',' ORDER BY r::text)) FROM (
    SELECT tenant_id, id, at, kind, older_than FROM events
    UNION ALL SELECT tenant_id, id, at, kind, older_than FROM events_archive
) r
"""


def counts(conn: psycopg.Connection) -> tuple[int, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events_archive)"
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_a_distributed_table_archives_its_rows(tmp_path: Path, citus_conn: psycopg.Connection) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(SPEC))
    model = compile_spec(folder).model
    schema = render_schema(model)
    assert "LANGUAGE plpgsql" in schema
    run_script(citus_conn, schema)
    run_script(citus_conn, ROWS)
    before = citus_conn.execute(ALL_ROWS).fetchone()
    assert before is not None and before[0] == 2500
    # the archive table is colocated with its source: the rows stay spread over the workers
    assert citus_conn.execute(
        "SELECT table_name::text, citus_table_type, distribution_column, shard_count, colocation_id"
        " = (SELECT colocation_id FROM citus_tables WHERE table_name = 'tenants'::regclass)"
        " FROM citus_tables WHERE table_name IN ('events'::regclass, 'events_archive'::regclass) ORDER BY 1"
    ).fetchall() == [
        ("events", "distributed", "tenant_id", 4, True),
        ("events_archive", "distributed", "tenant_id", 4, True),
    ]

    # the cutoff as a parameter, more than five times (PL/pgSQL then may plan it generically)
    moved = 0
    for day in range(10, 31, 3):
        (n,) = citus_conn.execute(
            "SELECT archive_events(%s::timestamptz)", (f"2025-01-{day:02d}",)
        ).fetchone() or (0,)
        moved += n
    assert moved == 27 * 24 - 1  # every hour from 2025-01-01 01:00 to 2025-01-27 23:00
    assert counts(citus_conn) == (2500 - moved, moved)
    assert citus_conn.execute("SELECT archive_events('2025-01-30')").fetchone() == (48,)
    # the default cutoff, 30 days before now: every row of 2025
    assert citus_conn.execute("SELECT archive_events()").fetchone() == (2500 - moved - 48,)
    assert counts(citus_conn) == (0, 2500)
    assert citus_conn.execute(ALL_ROWS).fetchone() == before
    assert citus_conn.execute(
        "SELECT min(at) >= '2025-01-01', max(at) < '2025-05-01' FROM events_archive"
    ).fetchone() == (True, True)

    # inspect finds the function schemagen rendered, with the archive it belongs to
    found = inspect(citus_conn.info.dsn).model
    events = found.table("events")
    assert events is not None and events.archive == model.table("events").archive  # type: ignore[union-attr]
    assert archive_entry(found, events, events.archive).citus  # type: ignore[arg-type]
    assert found.table("events_archive").distribution == Distribution("hash", "tenant_id", "tenants", 4)  # type: ignore[union-attr]
    assert drift(citus_conn, model).operations == []


def test_without_citus_the_archive_function_stays_sql(tmp_path: Path) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    plain = SPEC.replace(", extensions: [citus], citus: {shard_count: 4}", "")
    plain = "\n".join(line for line in plain.splitlines() if "distribute:" not in line)
    (folder / "spec.yaml").write_text(plain)
    schema = render_schema(compile_spec(folder).model)
    assert "LANGUAGE sql" in schema and "plpgsql" not in schema


def test_citus_cannot_plan_the_sql_function(tmp_path: Path, citus_conn: psycopg.Connection) -> None:
    """Why the function is PL/pgSQL with Citus: the SQL function a project without Citus gets."""
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(SPEC))
    model = compile_spec(folder).model
    run_script(citus_conn, render_schema(model))
    run_script(citus_conn, ROWS)
    without_citus = replace(model, project=replace(model.project, extensions=()))
    (function,) = (
        s.text for s in split_statements(render_schema(without_citus)) if s.text.startswith("CREATE FUNCTION")
    )
    assert "LANGUAGE sql" in function
    run_script(citus_conn, "DROP FUNCTION archive_events;\n" + function)
    with pytest.raises(psycopg.Error, match="could not create distributed plan"):
        citus_conn.execute("SELECT archive_events('2025-01-10')")


def test_an_archive_added_to_a_distributed_table_by_a_migration(
    project: Project,  # noqa: F811
    citus_dsn: str,
    fresh_dsn: str,  # noqa: F811
) -> None:
    entities = SPEC.split("\n", 1)[1]
    without = entities.replace("    archive: {after: 30 days, column: at}\n", "")
    project.version("initial", without, shard_count=4)
    up = project.version("archive", entities, shard_count=4)
    assert (
        "create_distributed_table('public.events_archive', 'tenant_id', colocate_with => 'public.tenants')"
        in up
    )
    assert "LANGUAGE plpgsql" in up
    apply(citus_dsn, "--to", "1")
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        run_script(conn, ROWS)
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert after[0]["distribution"]["events_archive"]["colocated_with"] == ["events", "tenants"]
    assert {k: v for k, v in after[1].items() if k != "events_archive"} == before[1]
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        every_row = conn.execute(ALL_ROWS).fetchone()
        assert conn.execute("SELECT archive_events('2025-02-01')").fetchone() == (743,)
        assert counts(conn) == (2500 - 743, 743)
        assert conn.execute(ALL_ROWS).fetchone() == every_row
        # back where they were, so the down migration (which drops the archive) loses nothing
        conn.execute("INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM events_archive")
        conn.execute("TRUNCATE events_archive")

    down(citus_dsn, 1)
    assert state(citus_dsn) == before

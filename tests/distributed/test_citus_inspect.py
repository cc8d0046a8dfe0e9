"""`inspect` of a Citus coordinator reads back `distribute:`, on a real cluster.

The round trip: a spec with a reference table, two colocation groups of different shard counts (one
holding a table partitioned by month), a plain table and one that Citus turns into a Citus local
table for its key to the reference table, rendered and applied; the database inspected; the Model's
distributions are the spec's, the written spec renders the same `create_*_table` calls, and applied to
a second database it gives the same Citus metadata. Then what `distribute:` cannot say: a warning per
table, never a failure.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from schemagen.build.writer import limitations, render_spec, write_spec
from schemagen.cli import cli
from schemagen.database.citus_cluster import CitusCluster
from schemagen.database.inspect import inspect
from schemagen.database.live import connect
from schemagen.database.queries import query
from schemagen.model import Distribution, Model
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.conftest import database_name
from tests.distributed.conftest import run_script

# Names are chosen so that picking a group's root by name alone would pick wrong: `channels` and
# `events` sort before the tables they reference (`guilds`, `tenants`).
SPEC = """
project: {name: chat, postgres: 15, extensions: [citus], citus: {shard_count: 8}}
entities:
  plans:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
    distribute: reference
  guilds:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
      name: text
    distribute: {by: id}
  channels:
    columns:
      guild_id: {type: bigint, references: {table: guilds, on_delete: cascade}}
      id: bigint
      name: text
    primary_key: [guild_id, id]
    distribute: {by: guild_id, colocate_with: guilds}
  members:
    columns:
      guild_id: {type: bigint, references: guilds}
      user_id: bigint
      channel_id: bigint?
    primary_key: [guild_id, user_id]
    foreign_keys:
      - {columns: [guild_id, channel_id], references: {table: channels, columns: [guild_id, id]}}
    distribute: {by: guild_id, colocate_with: guilds}
  tenants:
    columns:
      id: {type: integer, primary_key: true}
    distribute: {by: id, shard_count: 4}
  events:
    columns:
      tenant_id: {type: integer, references: tenants}
      id: bigint
      created_at: timestamptz
    primary_key: [tenant_id, id, created_at]
    partition:
      range: {key: created_at, every: month, from: 2025-01-01, to: 2025-04-01}
    distribute: {by: tenant_id, colocate_with: tenants}
  notes:
    columns:
      id: {type: bigint, primary_key: true}
      body: text
  plan_changes:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
"""
PARTITIONS = ("events_2025_01", "events_2025_02", "events_2025_03")
DISTRIBUTION_CALL = re.compile(r"^SELECT create_(distributed|reference)_table\(.*$", re.MULTILINE)


def spec_folder(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(text))
    return folder


def distribution_calls(schema_sql: str) -> list[str]:
    return [match.group(0) for match in DISTRIBUTION_CALL.finditer(schema_sql)]


def distributions(model: Model) -> dict[str, Distribution | None]:
    return {table.name: table.distribution for table in model.tables}


def citus_metadata(conn: psycopg.Connection) -> dict[str, Any]:
    """Each table's row of Citus's metadata without the colocation ids a cluster numbers as it goes,
    and the colocation groups as sets of table names."""
    cur = conn.cursor(row_factory=dict_row)
    tables = {}
    groups: dict[int, set[str]] = {}
    for row in cur.execute(query("inspect_distribution"), {"schemas": ["public"]}).fetchall():
        tables[row["name"]] = {k: v for k, v in row.items() if k != "colocation_id"}
        if row["colocation_id"]:
            groups.setdefault(row["colocation_id"], set()).add(row["name"])
    return {"tables": tables, "groups": sorted(sorted(group) for group in groups.values())}


@pytest.fixture
def second_citus_conn(
    citus_cluster: CitusCluster, request: pytest.FixtureRequest
) -> Iterator[psycopg.Connection]:
    """A second database of the test's own on the cluster, beside `citus_conn`'s."""
    name = "b" + database_name(request.node.nodeid)[1:]  # own names start with "t"; still unique
    conn = connect(citus_cluster.create_database(name), autocommit=True)
    yield conn
    conn.close()
    citus_cluster.drop_database(name)


def test_inspect_reads_back_the_distributions_the_spec_made(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection, second_citus_conn: psycopg.Connection
) -> None:
    original_folder = spec_folder(tmp_path, "original", SPEC)
    rendered = CliRunner().invoke(cli, ["render", str(original_folder), "-o", str(tmp_path / "generated")])
    assert rendered.exit_code == 0, rendered.output
    schema_sql = (tmp_path / "generated" / "schema.sql").read_text()
    run_script(citus_conn, schema_sql)
    original = compile_spec(original_folder).model

    result = inspect(citus_conn)
    # No warning at all: not for the citus extension in pg_catalog, where it always lives, nor for
    # `plan_changes`, which Citus made a Citus local table for its key to a reference table.
    assert result.warnings == []
    model = result.model
    # Partitions follow their parent: they are no tables of their own.
    assert sorted(distributions(model)) == sorted(distributions(original))
    events = model.table("events")
    assert events is not None and events.partition is not None
    assert [child.name for child in events.partition.children] == list(PARTITIONS)
    # Kind, column, colocation group (by its root) and shard count, as the spec says them.
    assert distributions(model) == distributions(original)
    assert distributions(model) == {
        "channels": Distribution("hash", "guild_id", "guilds", 8),
        "events": Distribution("hash", "tenant_id", "tenants", 4),
        "guilds": Distribution("hash", "id", None, 8),
        "members": Distribution("hash", "guild_id", "guilds", 8),
        "notes": None,
        "plan_changes": None,
        "plans": Distribution("reference"),
        "tenants": Distribution("hash", "id", None, 4),
    }

    written = CliRunner().invoke(cli, ["inspect", "--dsn", citus_dsn, "-o", str(tmp_path / "inspected")])
    assert written.exit_code == 0, written.output
    text = render_spec(model)
    assert "extensions: [citus]" in text["project.yaml"]
    assert "distribute: {by: id, shard_count: 8}" in text["entities.yaml"]  # no project default to lean on
    compiled = compile_spec(tmp_path / "inspected")
    assert compiled.warnings == []
    assert distributions(compiled.model) == distributions(original)
    again = render_schema(compiled.model)
    assert distribution_calls(again) == distribution_calls(schema_sql)
    assert len(distribution_calls(again)) == 6

    # Applied to a fresh database, the inspected spec gives the same Citus metadata, Citus local
    # table included.
    run_script(second_citus_conn, again)
    ours = citus_metadata(citus_conn)
    assert ours == citus_metadata(second_citus_conn)
    assert ours["tables"]["plan_changes"]["kind"] == "citus_local"
    assert ours["groups"] == [["channels", "guilds", "members"], ["events", "tenants"], ["plans"]]


HAND_MADE = """
CREATE TABLE plans (id bigint PRIMARY KEY);
SELECT create_reference_table('plans');
CREATE TABLE local_notes (id bigint PRIMARY KEY);
SELECT citus_add_local_table_to_metadata('local_notes');
CREATE TABLE settings (id bigint PRIMARY KEY);
SELECT create_distributed_table('settings', NULL);
CREATE SCHEMA tenant_one;
CREATE TABLE tenant_one.documents (id bigint PRIMARY KEY);
SELECT citus_schema_distribute('tenant_one');
CREATE TABLE imports (id bigint, loaded_on date);
SELECT create_distributed_table('imports', 'loaded_on', 'append');
CREATE TABLE b_orders (tenant_id bigint, id bigint, PRIMARY KEY (tenant_id, id));
CREATE TABLE a_items (tenant_id bigint, id bigint, PRIMARY KEY (tenant_id, id));
SELECT create_distributed_table('b_orders', 'tenant_id', shard_count => 6, colocate_with => 'none');
SELECT create_distributed_table('a_items', 'tenant_id', colocate_with => 'b_orders');
ALTER TABLE b_orders RENAME COLUMN tenant_id TO shop_id;
"""


def test_what_distribute_cannot_say_is_a_warning_and_the_table_stays_plain(
    citus_conn: psycopg.Connection,
) -> None:
    run_script(citus_conn, HAND_MADE)
    result = inspect(citus_conn)
    text = "\n".join(result.warnings)
    for expected in (
        "table `local_notes` is a Citus local table",
        "table `settings` is a single-shard distributed table",
        "table `tenant_one.documents` is sharded with its distributed schema",
        "table `imports` is append-distributed by `loaded_on`",
    ):
        assert expected in text, f"no warning says {expected}:\n{text}"
    assert len(result.warnings) == 4, text
    assert distributions(result.model) == {
        # No foreign key between them: the root is the first by name. The renamed column reads renamed.
        "a_items": Distribution("hash", "tenant_id", None, 6),
        "b_orders": Distribution("hash", "shop_id", "a_items", 6),
        "documents": None,
        "imports": None,
        "local_notes": None,
        "plans": Distribution("reference"),
        "settings": None,
    }
    # Only the requested schemas are read.
    alone = inspect(citus_conn, schemas=["tenant_one"])
    assert [w for w in alone.warnings if "distributed schema" in w] == [
        "table `tenant_one.documents` is sharded with its distributed schema (citus_schema_distribute), "
        "which the spec cannot say: written as a plain table"
    ]


def test_the_spec_writer_writes_distribute(tmp_path: Path) -> None:
    model = compile_spec(spec_folder(tmp_path, "original", SPEC)).model
    assert limitations(model) == []
    text = render_spec(model)
    assert "citus: {shard_count: 8}" in text["project.yaml"]
    entities = text["entities.yaml"]
    for expected in (
        "distribute: reference",
        "distribute: {by: id, shard_count: 8}",
        "distribute: {by: guild_id, colocate_with: guilds}",
        "distribute: {by: id, shard_count: 4}",
        "distribute: {by: tenant_id, colocate_with: tenants}",
    ):
        assert expected in entities
    write_spec(model, tmp_path / "written")
    written = compile_spec(tmp_path / "written").model
    assert distributions(written) == distributions(model)
    assert written.project.shard_count == 8
    assert render_schema(written) == render_schema(model)


def test_a_group_whose_root_the_spec_does_not_declare_is_written_as_a_root(tmp_path: Path) -> None:
    model = compile_spec(spec_folder(tmp_path, "original", SPEC)).model
    orphan = replace(model, tables=tuple(t for t in model.tables if t.name != "tenants"))
    orphan = replace(
        orphan,
        tables=tuple(replace(t, foreign_keys=()) if t.name == "events" else t for t in orphan.tables),
    )
    assert limitations(orphan) == [
        "table `events` is colocated with `tenants`, which the spec does not declare as the root of a "
        "colocation group: written as the root of a group of its own"
    ]
    assert "distribute: {by: tenant_id, shard_count: 4}" in render_spec(orphan)["entities.yaml"]

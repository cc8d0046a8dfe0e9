"""`inspect` of a Citus coordinator reads back `distribute:`, on a real cluster.

Two round trips. From a spec: a reference table, two colocation groups of different shard counts (one
holding a table partitioned by month), a plain table and one that Citus turns into a Citus local
table for its key to the reference table, rendered and applied; the database inspected; the Model's
distributions are the spec's, the written spec renders the same `create_*_table` calls, and applied to
a second database it gives the same Citus metadata. From a database distributed by hand:
`schemagen inspect` writes the `distribute:` a spec would, warns about the Citus local table it
writes plain, and the spec rebuilds the same database. Then what `distribute:` cannot say: a warning
per table, never a failure; and the spec writer's `distribute:`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from pathlib import Path

import psycopg
from click.testing import CliRunner

from schemagen.build.writer import limitations, render_spec, write_spec
from schemagen.cli import cli
from schemagen.database.inspect import inspect
from schemagen.model import DistributedSchema, Distribution, Model
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.catalog import assert_catalog_equal, snapshot
from tests.distributed.conftest import run_script

# Names are chosen so that picking a group's root by name alone would pick wrong: `channels` and
# `events` sort before the tables they reference (`guilds`, `tenants`).
SPEC = """
project:
  {name: chat, postgres: 15, extensions: [citus], citus: {shard_count: 8, distribute_concurrently: true}}
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

    # Applied to a fresh database, the inspected spec gives the same catalog, where each table is
    # kept included, and the Citus local table too.
    run_script(second_citus_conn, again)
    ours = snapshot(citus_conn)
    assert_catalog_equal(ours, snapshot(second_citus_conn))
    kept = ours.get("distribution", {})
    assert kept["plan_changes"]["kind"] == "citus local"
    assert kept["channels"]["colocated_with"] == ["guilds", "members"]
    assert kept["events"]["shard_count"] == 4


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
        "table `imports` is append-distributed by `loaded_on`",
    ):
        assert expected in text, f"no warning says {expected}:\n{text}"
    assert len(result.warnings) == 3, text
    # the distributed schema is the project's to say, and its table stays the plain table it is declared as
    assert result.model.project.distributed_schemas == (DistributedSchema("tenant_one"),)
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
    assert alone.model.project.distributed_schemas == (DistributedSchema("tenant_one"),)
    assert inspect(citus_conn, schemas=["public"]).model.project.distributed_schemas == ()


def test_the_spec_writer_writes_distribute(tmp_path: Path) -> None:
    model = compile_spec(spec_folder(tmp_path, "original", SPEC)).model
    assert limitations(model) == []
    text = render_spec(model)
    assert "citus: {shard_count: 8, distribute_concurrently: true}" in text["project.yaml"]
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
    assert written.project == model.project
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


# A database distributed by hand, as the Citus docs do it: tables (and their keys) first, with
# `enable_local_reference_table_foreign_keys` off so the keys to reference tables turn nothing into a
# Citus local table, then create_*_table. `workspaces` is the root its members name (they reference it,
# or reference a table that does): a root picked by name would be `events`. `tasks` names `projects`,
# which Citus resolves to the same group. `metrics` is a group of its own with 4 shards, and
# `audit_log` a Citus local table, which the spec cannot say.
BY_HAND = """
SET citus.enable_local_reference_table_foreign_keys = off;
CREATE TABLE plans (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE countries (code text PRIMARY KEY);
CREATE TABLE workspaces (
    id bigint PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES plans,
    country text REFERENCES countries,
    name text NOT NULL
);
CREATE TABLE projects (
    workspace_id bigint NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    id bigint NOT NULL,
    title text,
    PRIMARY KEY (workspace_id, id)
);
CREATE TABLE tasks (
    workspace_id bigint NOT NULL,
    project_id bigint NOT NULL,
    id bigint NOT NULL,
    done boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, project_id) REFERENCES projects (workspace_id, id)
);
CREATE TABLE events (
    workspace_id bigint NOT NULL REFERENCES workspaces,
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2025_01 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
CREATE TABLE events_2025_02 PARTITION OF events FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
CREATE TABLE metrics (host text, at timestamptz, value double precision, PRIMARY KEY (host, at));
CREATE TABLE audit_log (id bigint PRIMARY KEY, message text);
SELECT create_reference_table('plans');
SELECT create_reference_table('countries');
SELECT create_distributed_table('workspaces', 'id');
SELECT create_distributed_table('projects', 'workspace_id', colocate_with => 'workspaces');
SELECT create_distributed_table('tasks', 'workspace_id', colocate_with => 'projects');
SELECT create_distributed_table('events', 'workspace_id', colocate_with => 'workspaces');
SELECT create_distributed_table('metrics', 'host', shard_count => 4);
SELECT citus_add_local_table_to_metadata('audit_log');
"""
DISTRIBUTE = re.compile(r"^  (\w+):\n(?:    .*\n|      .*\n)*?    distribute: (.*)$", re.MULTILINE)


def written_distributions(entities_yaml: str) -> dict[str, str]:
    """Each entity's `distribute:` line in a written spec, by entity."""
    return {match.group(1): match.group(2) for match in DISTRIBUTE.finditer(entities_yaml)}


def test_a_database_distributed_by_hand_inspects_to_a_spec_that_rebuilds_it(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection, second_citus_conn: psycopg.Connection
) -> None:
    run_script(citus_conn, BY_HAND)
    result = CliRunner().invoke(cli, ["inspect", "--dsn", citus_dsn, "-o", str(tmp_path / "spec")])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: table `audit_log` is a Citus local table (citus_add_local_table_to_metadata), which "
        "the spec cannot say: written as a plain table"
    ]
    entities = (tmp_path / "spec" / "entities.yaml").read_text()
    assert "extensions: [citus]" in (tmp_path / "spec" / "project.yaml").read_text()
    assert written_distributions(entities) == {
        "countries": "reference",
        "events": "{by: workspace_id, colocate_with: workspaces}",
        "metrics": "{by: host, shard_count: 4}",
        "plans": "reference",
        "projects": "{by: workspace_id, colocate_with: workspaces}",
        "tasks": "{by: workspace_id, colocate_with: workspaces}",
        "workspaces": "{by: id, shard_count: 32}",  # Citus's default, written out
    }
    assert "  audit_log:\n" in entities

    compiled = compile_spec(tmp_path / "spec")
    assert compiled.warnings == []
    run_script(second_citus_conn, render_schema(compiled.model))
    # The same catalog, where each table is kept included, but for the table the warning named: plain
    ours, theirs = snapshot(citus_conn), snapshot(second_citus_conn)
    kept = ours.get("distribution", {})
    assert kept.pop("audit_log")["kind"] == "citus local"
    assert kept["tasks"] == {
        "kind": "hash",
        "distribution_column": "workspace_id",
        "shard_count": 32,
        "colocated_with": ["events", "projects", "workspaces"],
    }
    assert kept["metrics"]["shard_count"] == 4
    assert_catalog_equal(ours, theirs)

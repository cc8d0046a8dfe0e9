"""`schemagen drift` against a Citus coordinator, on a real cluster.

A database made from the spec is in sync, whichever table of a colocation group the spec names as
its root. Then the changes someone can make by hand, all in one database: a table the spec distributes
made plain again, a table the spec leaves plain distributed, a group's shard count changed with
`alter_distributed_table(…, cascade_to_colocated => true)`, a table moved out of its group, a table
redistributed by another column, and a table made single-shard, which `distribute:` cannot say (a
warning, no operation). Drift names each difference, the database's side and the spec's, plans the
`undistribute_table`/`create_distributed_table`/`alter_distributed_table` calls that undo it, and run,
that plan leaves the database in sync.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import psycopg
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.postgres.expressions import split_statements
from tests.distributed.conftest import run_script

SPEC = """
project: {name: shop, postgres: 15, extensions: [citus], citus: {shard_count: 4}}
entities:
  plans:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
    distribute: reference
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
    distribute: {by: id}
  orders:
    columns:
      account_id: {type: bigint, references: accounts}
      id: bigint
      total: numeric
    primary_key: [account_id, id]
    distribute: {by: account_id, colocate_with: accounts}
  events:
    columns:
      account_id: bigint
      id: bigint
      kind: text
    distribute: {by: account_id, colocate_with: orders}
  sessions:
    columns:
      id: bigint
      account_id: bigint
    distribute: {by: id, colocate_with: accounts}
  metrics:
    columns:
      host: text
      value: double precision
    distribute: {by: host, shard_count: 2}
  notes:
    columns:
      id: {type: bigint, primary_key: true}
      body: text
  tags:
    columns:
      id: {type: bigint, primary_key: true}
  plan_changes:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
"""

BY_HAND = """
SELECT undistribute_table('metrics');
SELECT create_distributed_table('notes', 'id', shard_count => 2, colocate_with => 'none');
SELECT alter_distributed_table('accounts', shard_count => 8, cascade_to_colocated => true);
SELECT update_distributed_table_colocation('events', colocate_with => 'none');
SELECT alter_distributed_table('sessions', distribution_column => 'account_id');
SELECT create_distributed_table('tags', NULL);
"""


def spec_folder(tmp_path: Path, text: str, name: str = "spec") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(text))
    return folder


def made_from(folder: Path, conn: psycopg.Connection) -> None:
    rendered = CliRunner().invoke(cli, ["render", str(folder), "-o", str(folder.parent / "generated")])
    assert rendered.exit_code == 0, rendered.output
    run_script(conn, (folder.parent / "generated" / "schema.sql").read_text())


def drift(folder: Path, dsn: str, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["drift", str(folder), "--dsn", dsn, *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def section(text: str, title: str) -> list[str]:
    """The lines of one part of a migration's header (`-- What differs:` …)."""
    lines = text.splitlines()
    start = lines.index(f"-- {title}") + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("--   "):
            break
        found.append(line.removeprefix("--   "))
    return found


def test_a_database_made_from_the_spec_is_in_sync(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection
) -> None:
    folder = spec_folder(tmp_path, SPEC)
    made_from(folder, citus_conn)
    # `plan_changes` became a Citus local table for its key to a reference table: no drift, no warning
    assert drift(folder, citus_dsn) == (0, f"the database is in sync with {folder}\n", "")
    # Any table of a group may be named its root: the group is what is compared.
    rooted_elsewhere = SPEC.replace(
        "distribute: {by: id}\n", "distribute: {by: id, colocate_with: sessions}\n", 1
    ).replace("distribute: {by: id, colocate_with: accounts}\n", "distribute: {by: id}\n")
    elsewhere = spec_folder(tmp_path, rooted_elsewhere, "elsewhere")
    assert drift(elsewhere, citus_dsn)[0] == 0


def test_drift_names_each_distribution_changed_by_hand_and_plans_it_back(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection
) -> None:
    folder = spec_folder(tmp_path, SPEC)
    made_from(folder, citus_conn)
    run_script(citus_conn, BY_HAND)

    code, out, err = drift(folder, citus_dsn)
    assert code == 1, err
    assert section(out, "What differs:") == [
        "notes: hash-distributed by id in 2 shards in the database, a plain table in the spec",
        "metrics: a plain table in the database, hash-distributed by host in 2 shards in the spec",
        "events: in a colocation group of its own in the database, colocated with accounts, orders, "
        "sessions in the spec",
        "sessions: distributed by account_id in the database, by id in the spec",
        "accounts: 8 shards in the database, 4 in the spec (with events, orders, sessions)",
    ]
    assert section(out, "What it does:") == [
        "make notes a plain table: rows copied back from the shards",
        "make metrics hash-distributed: rows copied into the shards while writes wait",
        "redistribute events: colocated with accounts",
        "redistribute sessions: distribution column id",
        "redistribute accounts: 4 shards (was 8) with events, orders, sessions",
    ]
    assert err.splitlines() == [
        "warning: table `tags` is a single-shard distributed table (create_distributed_table without a "
        "column), which the spec cannot say: written as a plain table",
        f"drift: the database differs from {folder} by 5 operations",
    ]
    code, listed, _ = drift(folder, citus_dsn, "--format", "json")
    assert code == 1
    assert [(op["kind"], op["target"]) for op in json.loads(listed)["operations"]] == [
        ("undistribute_table", "public.notes"),
        ("distribute_table", "public.metrics"),
        ("alter_distribution", "public.events"),
        ("alter_distribution", "public.sessions"),
        ("alter_distribution", "public.accounts"),
    ]

    # The plan, run as printed (statement by statement, outside a transaction), undoes it all.
    for statement in split_statements(out):
        citus_conn.execute(statement.text.encode(), prepare=False)
    code, out, err = drift(folder, citus_dsn)
    assert (code, out) == (0, f"the database is in sync with {folder}\n"), out
    assert "table `tags` is a single-shard distributed table" in err

"""Every static check of distributed tables, proven twice: the spec is refused at its YAML line, and a
real Citus cluster refuses what that spec describes (the DDL schemagen would render without the check,
or, where Citus accepts the DDL, the writes it then refuses or fails to enforce)."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from schemagen.build.build import build
from schemagen.diagnostics import Diagnostic, Severity, SpecError
from schemagen.load.loader import load
from schemagen.parse.spec import parse
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.distributed.conftest import run_script

PROJECT = "project: {name: shop, postgres: 15, extensions: [citus]}\n"


@dataclass(frozen=True)
class Case:
    id: str
    spec: str  # after the PROJECT line, which is line 1
    code: str
    line: int
    rejected: str  # what the cluster says about the rendered DDL, or about `proof`
    proof: str = ""  # SQL run after the rendered DDL (when Citus accepts the DDL itself)
    project: str = PROJECT


CASES = [
    Case(
        "primary-key-without-distribution-column",
        """\
        entities:
          channels:
            columns:
              id: bigint
              guild_id: bigint
            primary_key: [id]
            distribute: {by: guild_id}
        """,
        "SG802",
        7,
        "cannot create constraint on",
    ),
    Case(
        "unique-index-without-distribution-column",
        """\
        entities:
          channels:
            columns:
              id: bigint
              guild_id: bigint
              name: text
            primary_key: [guild_id, id]
            indexes:
              - {columns: [name], unique: true}
            distribute: {by: guild_id}
        """,
        "SG802",
        10,
        "creating unique indexes on non-partition columns is currently unsupported",
    ),
    Case(
        "reference-to-distributed",
        """\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id}
          settings:
            columns:
              id: {type: bigint, primary_key: true}
              guild_id: {type: bigint, references: guilds}
            distribute: reference
        """,
        "SG803",
        10,
        "foreign keys from reference tables and local tables to distributed tables are not supported",
    ),
    Case(
        "not-colocated",
        """\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id}
          channels:
            columns:
              guild_id: {type: bigint, references: guilds}
              id: bigint
            primary_key: [guild_id, id]
            distribute: {by: guild_id}
        """,
        "SG803",
        9,
        "relations are not colocated or not referencing a reference table",
    ),
    Case(
        "distribution-columns-not-paired",
        """\
        entities:
          orders:
            columns:
              tenant_id: bigint
              id: bigint
            primary_key: [id, tenant_id]
            distribute: {by: tenant_id}
          items:
            columns:
              tenant_id: bigint
              order_id: bigint
              id: bigint
            primary_key: [tenant_id, id]
            foreign_keys:
              - {columns: [tenant_id, order_id], references: {table: orders, columns: [id, tenant_id]}}
            distribute: {by: tenant_id, colocate_with: orders}
        """,
        "SG803",
        16,
        "Foreign keys are supported in two cases",
    ),
    Case(
        "on-delete-set-null-on-the-distribution-column",
        """\
        entities:
          tenants:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: reference
          orders:
            columns:
              tenant_id: {type: bigint, references: {table: tenants, on_delete: set null}}
              id: bigint
            primary_key: [tenant_id, id]
            distribute: {by: tenant_id}
        """,
        "SG803",
        9,
        "SET NULL or SET DEFAULT is not supported in ON DELETE operation",
    ),
    Case(
        "distributed-to-plain",
        """\
        entities:
          countries:
            columns:
              code: {type: text, primary_key: true}
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
              country: {type: text, references: countries}
            distribute: {by: id}
        """,
        "SG803",
        9,
        "must be a distributed table or a reference table",
    ),
    Case(
        "plain-to-distributed",
        """\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id}
          notes:
            columns:
              id: {type: bigint, primary_key: true}
              guild_id: {type: bigint, references: guilds}
        """,
        "SG803",
        10,
        # Citus accepts the key, and then lets the referenced row go: the orphan is the proof
        "an orphan row",
        proof="INSERT INTO guilds VALUES (1); INSERT INTO notes VALUES (1, 1); DELETE FROM guilds;",
    ),
    Case(
        "json-distribution-column",
        """\
        entities:
          events:
            columns:
              payload: json
            distribute: {by: payload}
        """,
        "SG804",
        6,
        "has no default operator class",
    ),
    Case(
        "nullable-distribution-column",
        """\
        entities:
          events:
            columns:
              tenant_id: bigint?
              at: timestamptz
            distribute: {by: tenant_id}
        """,
        "SG804",
        7,
        "cannot perform an INSERT with NULL in the partition column",
        proof="INSERT INTO events VALUES (NULL, now());",
    ),
    Case(
        "generated-distribution-column",
        """\
        entities:
          events:
            columns:
              a: bigint
              b: {type: bigint, generated: a * 2}
            distribute: {by: b}
        """,
        "SG804",
        7,
        "Distribution column must not use GENERATED ALWAYS AS",
    ),
    Case(
        "partitioned-reference-table",
        """\
        entities:
          events:
            columns:
              at: timestamptz
            partition:
              range: {key: at, every: month, from: 2025-01-01, to: 2025-03-01}
            distribute: reference
        """,
        "SG805",
        8,
        "distributing partitioned tables in only supported for hash-distributed tables",
    ),
    Case(
        "two-levels-of-partitioning",
        """\
        entities:
          events:
            columns:
              tenant_id: bigint
              at: timestamptz
            partition:
              range: {key: at, every: month, from: 2025-01-01, to: 2025-03-01}
              then:
                hash: {key: tenant_id, modulus: 2}
            distribute: {by: tenant_id}
        """,
        "SG805",
        11,
        "distributing multi-level partitioned tables is not supported",
    ),
    Case(
        "citus-extension-not-named",
        """\
        entities:
          users:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: reference
        """,
        "SG806",
        6,
        # the same spec on a server without Citus
        "function create_reference_table(unknown) does not exist",
        project="project: {name: shop, postgres: 15}\n",
    ),
]

# Colocation is resolved while the Model is built: with the error, the colocated table has no
# distribution to render, so the proof is the call schemagen would have made for it.
COLOCATION_CASES = [
    Case(
        "colocated-with-a-reference-table",
        """\
        entities:
          users:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: reference
          channels:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id, colocate_with: users}
        """,
        "SG801",
        10,
        "cannot colocate tables",
        proof="SELECT create_distributed_table('channels', 'id', colocate_with => 'users');",
    ),
    Case(
        "colocated-with-a-plain-table",
        """\
        entities:
          users:
            columns:
              id: {type: bigint, primary_key: true}
          channels:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id, colocate_with: users}
        """,
        "SG801",
        9,
        "relation users is not distributed",
        proof="SELECT create_distributed_table('channels', 'id', colocate_with => 'users');",
    ),
    Case(
        "distribution-column-types-differ",
        """\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id}
          channels:
            columns:
              guild_id: integer
            distribute: {by: guild_id, colocate_with: guilds}
        """,
        "SG801",
        10,
        "Distribution column types don't match",
        proof="SELECT create_distributed_table('channels', 'guild_id', colocate_with => 'guilds');",
    ),
    Case(
        "shard-counts-differ",
        """\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
            distribute: {by: id, shard_count: 4}
          channels:
            columns:
              guild_id: bigint
            distribute: {by: guild_id, colocate_with: guilds, shard_count: 8}
        """,
        "SG801",
        10,
        "Cannot use colocate_with with a table and shard_count at the same time",
        proof="SELECT create_distributed_table('channels', 'guild_id', colocate_with => 'guilds', shard_count => 8);",
    ),
]


def write(tmp_path: Path, case: Case) -> Path:
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "spec.yaml").write_text(case.project + textwrap.dedent(case.spec))
    return folder


def diagnostics(folder: Path) -> list[Diagnostic]:
    try:
        return compile_spec(folder).warnings
    except SpecError as error:
        return error.diagnostics


def unchecked_schema(folder: Path) -> str:
    """The schema.sql of a spec as it would be rendered without the static checks."""
    raw = load(folder)
    model, _ = build(parse(raw), raw)
    return render_schema(model)


def assert_refused_at_its_line(folder: Path, case: Case) -> None:
    found = [d for d in diagnostics(folder) if d.severity is Severity.ERROR]
    assert [(d.code, d.line) for d in found] == [(case.code, case.line)], found


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_check_and_the_cluster_refuse_the_same_spec(
    case: Case, tmp_path: Path, citus_conn: psycopg.Connection, pg_conn: psycopg.Connection
) -> None:
    folder = write(tmp_path, case)
    assert_refused_at_its_line(folder, case)
    conn = pg_conn if case.code == "SG806" else citus_conn
    schema = unchecked_schema(folder)
    if case.id == "plain-to-distributed":
        run_script(conn, schema + case.proof)
        assert conn.execute(
            "SELECT count(*) FROM notes WHERE guild_id NOT IN (SELECT id FROM guilds)"
        ).fetchone() == (1,)
        return
    if case.proof:
        run_script(conn, schema)
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(conn, case.proof or schema)


@pytest.mark.parametrize("case", COLOCATION_CASES, ids=[c.id for c in COLOCATION_CASES])
def test_colocation_is_refused_as_citus_refuses_it(
    case: Case, tmp_path: Path, citus_conn: psycopg.Connection
) -> None:
    folder = write(tmp_path, case)
    assert_refused_at_its_line(folder, case)
    raw = load(folder)
    model, _ = build(parse(raw), raw)
    run_script(citus_conn, render_schema(model).replace("CREATE EXTENSION IF NOT EXISTS citus;", ""))
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(citus_conn, case.proof)


def test_an_identity_column_is_a_warning_and_citus_then_refuses_to_reshard(
    tmp_path: Path, citus_conn: psycopg.Connection
) -> None:
    case = Case(
        "identity",
        """\
        entities:
          guilds:
            columns:
              id: {type: integer, identity: always, primary_key: true}
            distribute: {by: id}
        """,
        "SG807",
        5,
        "cannot complete operation on a table with identity column",
    )
    folder = write(tmp_path, case)
    found = diagnostics(folder)
    assert [(d.code, d.line, d.severity) for d in found] == [("SG807", 5, Severity.WARNING)]
    run_script(citus_conn, render_schema(compile_spec(folder).model))
    with pytest.raises(psycopg.Error, match=re.escape(case.rejected)):
        run_script(citus_conn, "SELECT alter_distributed_table('guilds', shard_count => 4)")

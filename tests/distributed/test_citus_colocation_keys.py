"""On a real cluster: a table colocated with one of two tables of one name in two schemas is inspected
as `colocate_with: tenant_b.accounts`, and the spec rebuilds the same Citus metadata (the static side
is tests/test_colocation_keys.py)."""

from __future__ import annotations

from pathlib import Path

import psycopg
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.pipeline import compile_spec
from schemagen.render.render import render_schema
from tests.catalog import assert_catalog_equal, snapshot
from tests.distributed.conftest import run_script

BY_HAND = """
CREATE SCHEMA tenant_a;
CREATE SCHEMA tenant_b;
CREATE TABLE tenant_a.accounts (id bigint PRIMARY KEY);
CREATE TABLE tenant_b.accounts (id bigint PRIMARY KEY);
CREATE TABLE public.invoices (
    account_id bigint NOT NULL REFERENCES tenant_b.accounts (id),
    n integer
);
SELECT create_distributed_table('tenant_a.accounts', 'id', shard_count => 4, colocate_with => 'none');
SELECT create_distributed_table('tenant_b.accounts', 'id', shard_count => 6, colocate_with => 'none');
SELECT create_distributed_table('public.invoices', 'account_id', colocate_with => 'tenant_b.accounts');
"""


def test_a_colocation_with_one_of_two_namesakes_round_trips(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection, second_citus_conn: psycopg.Connection
) -> None:
    run_script(citus_conn, BY_HAND)
    result = CliRunner().invoke(cli, ["inspect", "--dsn", citus_dsn, "-o", str(tmp_path / "spec")])
    assert result.exit_code == 0, result.output
    entities = (tmp_path / "spec" / "entities.yaml").read_text()
    assert "distribute: {by: account_id, colocate_with: tenant_b.accounts}" in entities, entities

    compiled = compile_spec(tmp_path / "spec")
    invoices = next(t for t in compiled.model.tables if t.name == "invoices")
    assert invoices.distribution is not None
    assert invoices.distribution.colocation_root("public") == ("tenant_b", "accounts")
    schema_sql = render_schema(compiled.model)
    assert "colocate_with => 'tenant_b.accounts'" in schema_sql, schema_sql
    run_script(second_citus_conn, schema_sql)
    assert_catalog_equal(
        snapshot(citus_conn, ("public", "tenant_a", "tenant_b")),
        snapshot(second_citus_conn, ("public", "tenant_a", "tenant_b")),
    )
    # the colocation itself: invoices shares tenant_b.accounts' group (6 shards), not tenant_a's
    query = (
        "SELECT logicalrelid::text, colocationid FROM pg_dist_partition "
        "WHERE logicalrelid::text IN ('invoices', 'tenant_a.accounts', 'tenant_b.accounts') ORDER BY 1"
    )
    for conn in (citus_conn, second_citus_conn):
        groups = dict(conn.execute(query).fetchall())
        assert groups["invoices"] == groups["tenant_b.accounts"] != groups["tenant_a.accounts"], groups


def test_drift_names_the_colocation_groups_by_schema(
    tmp_path: Path, citus_dsn: str, citus_conn: psycopg.Connection
) -> None:
    run_script(citus_conn, BY_HAND)
    spec = tmp_path / "spec"
    result = CliRunner().invoke(cli, ["inspect", "--dsn", citus_dsn, "-o", str(spec)])
    assert result.exit_code == 0, result.output
    entities = spec / "entities.yaml"
    text = entities.read_text()
    assert "colocate_with: tenant_b.accounts}" in text
    # invoices moves to the other accounts' group, its key with it
    moved = text.replace("references: tenant_b.accounts", "references: tenant_a.accounts")
    entities.write_text(moved.replace("colocate_with: tenant_b.accounts", "colocate_with: tenant_a.accounts"))

    result = CliRunner().invoke(cli, ["drift", str(spec), "--dsn", citus_dsn])
    assert result.exit_code == 1, result.output
    # two tables named accounts: each group is named by the schema-qualified key the spec uses
    assert (
        "invoices: colocated with tenant_b.accounts in the database, colocated with tenant_a.accounts "
        "in the spec"
    ) in result.output, result.output

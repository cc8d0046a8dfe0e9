"""Citus colocation when two schemas have a table of one name (keys `tenant_a.accounts`,
`tenant_b.accounts`): `colocate_with` takes the key and resolves that table — in the model, in
schema.sql's `create_distributed_table`, in the distributed foreign-key checks and in the spec inspect
writes back — and a bare name that could be either is an error at its YAML line. Static: no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagen.build.writer import render_spec
from schemagen.diagnostics import SpecError
from schemagen.pipeline import compile_spec
from tests.commandline import run

PROJECT = "project: {name: shop, postgres: 15, extensions: [citus], schemas: [tenant_a, tenant_b]}\n"

SPEC = """\
entities:
  tenant_a.accounts:
    columns:
      id: {type: bigint, primary_key: true}
    distribute: {by: id}
  tenant_b.accounts:
    columns:
      id: {type: bigint, primary_key: true}
    distribute: {by: id, shard_count: 8}
  invoices:
    columns:
      account_id: {type: bigint, references: tenant_b.accounts}
      n: integer
    distribute: {by: account_id, colocate_with: tenant_b.accounts}
  tenant_a.notes:
    columns:
      account_id: {type: bigint, references: tenant_a.accounts}
    distribute: {by: account_id, colocate_with: tenant_a.accounts}
"""


def write(tmp_path: Path, text: str) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text(PROJECT + text)
    return spec


def test_colocate_with_a_key_resolves_that_schemas_table(tmp_path: Path) -> None:
    model = compile_spec(write(tmp_path, SPEC)).model
    placed = {(t.schema, t.name): t.distribution for t in model.tables}
    invoices = placed[("public", "invoices")]
    assert invoices is not None
    assert invoices.colocation_root("public") == ("tenant_b", "accounts")
    assert invoices.shard_count == 8  # the root's, not tenant_a.accounts' 32
    notes = placed[("tenant_a", "notes")]
    assert notes is not None and notes.colocation_root("tenant_a") == ("tenant_a", "accounts")
    assert notes.colocate_schema is None  # its own schema's table: as before

    code, _, err = run("render", str(tmp_path / "spec"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / "schema.sql").read_text()
    assert (
        "SELECT create_distributed_table('public.invoices', 'account_id', colocate_with => 'tenant_b.accounts');"
        in text
    ), text
    assert (
        "SELECT create_distributed_table('tenant_a.notes', 'account_id', colocate_with => 'tenant_a.accounts');"
        in text
    ), text

    # the spec written back from the model (as inspect writes it) names the root by its key
    written = "\n".join(render_spec(model).values())
    assert "colocate_with: tenant_b.accounts}" in written, written
    assert "colocate_with: tenant_a.accounts}" in written, written


def test_a_table_colocated_with_its_namesake_in_another_schema_is_no_cycle(tmp_path: Path) -> None:
    spec = SPEC.replace(
        "    distribute: {by: id, shard_count: 8}\n",
        "    distribute: {by: id, colocate_with: tenant_a.accounts}\n",
    )
    model = compile_spec(write(tmp_path, spec)).model
    b = next(t for t in model.tables if (t.schema, t.name) == ("tenant_b", "accounts"))
    assert b.distribution is not None and b.distribution.colocation_root("tenant_b") == (
        "tenant_a",
        "accounts",
    )
    # invoices follows tenant_b.accounts into tenant_a.accounts' group
    invoices = next(t for t in model.tables if t.name == "invoices")
    assert invoices.distribution is not None
    assert invoices.distribution.colocation_root("public") == ("tenant_a", "accounts")


def test_a_bare_name_two_schemas_have_is_an_error_at_its_line(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC.replace("colocate_with: tenant_b.accounts}", "colocate_with: accounts}"))
    with pytest.raises(SpecError) as raised:
        compile_spec(spec)
    [found] = [d for d in raised.value.diagnostics if d.code == "SG139"]
    assert found.line == 15  # the PROJECT line is line 1
    code, out, err = run("check", str(spec))
    assert code == 2 and "SG139" in err and "spec.yaml:15" in err, out + err
    assert "`tenant_a.accounts`, `tenant_b.accounts`" in err and "colocate_with: tenant_b.accounts" in err, (
        err
    )
    assert "Traceback" not in err and "internal error" not in err


def test_a_foreign_key_to_the_other_schemas_namesake_is_checked_against_that_table(tmp_path: Path) -> None:
    # invoices is colocated with tenant_b.accounts but references tenant_a.accounts: not colocated
    spec = write(tmp_path, SPEC.replace("references: tenant_b.accounts}", "references: tenant_a.accounts}"))
    code, out, err = run("check", str(spec))
    assert code == 2, out + err
    assert "`invoices` and `accounts` are not colocated" in err, err
    assert "colocate_with: tenant_a.accounts" in err, err


def test_moving_to_the_namesake_group_is_planned_with_its_schema(workdir: Path) -> None:
    spec = write(workdir, SPEC.replace("shard_count: 8}", "shard_count: 32}"))
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    text = (spec / "spec.yaml").read_text()
    (spec / "spec.yaml").write_text(
        text.replace("colocate_with: tenant_b.accounts}", "colocate_with: tenant_a.accounts}").replace(
            "references: tenant_b.accounts}", "references: tenant_a.accounts}"
        )
    )
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "move", "spec")
    assert code == 0, err
    migrations = workdir / "generated" / "migrations"
    up = (migrations / "0002_move.up.sql").read_text()
    down = (migrations / "0002_move.down.sql").read_text()
    assert "alter_distributed_table('public.invoices', colocate_with => 'tenant_a.accounts')" in up, up
    assert "WHERE logicalrelid = 'tenant_a.accounts'::regclass" in up, up
    assert "alter_distributed_table('public.invoices', colocate_with => 'tenant_b.accounts')" in down, down

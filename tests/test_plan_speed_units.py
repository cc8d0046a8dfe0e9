"""The splits of a table rendered through one module of their template (`Unit.macro`): each text is the
one its template renders for the split alone, whichever table the split before it was of."""

from __future__ import annotations

from pathlib import Path

from migrations import model_of

from schemagen.migrate.migration import _StepRenderer, render_operations, render_step
from schemagen.plan import plan
from schemagen.plan.reshard_steps import ReshardSplit
from schemagen.render.templating import make_environment

#: Two hash tables split 2 → 4 (their splits one table after the other), with keys, storage and
#: indexes of their own, and a table's splits again after the other table's (the down direction).
SPEC = """\
project: {name: units, postgres: 15}
entities:
  accounts:
    columns:
      tenant: bigint
      id: bigint
      email: text?
    primary_key: [tenant, id]
    unique: [[tenant, email]]
    storage: {fillfactor: 80}
    partition:
      hash: {key: tenant, modulus: MODULUS}
    indexes:
      - {columns: [email], where: "email IS NOT NULL"}
  "Events":
    schema: Log
    columns:
      id: {type: bigint, primary_key: true}
      "At": timestamptz
    partition:
      hash: {key: id, modulus: MODULUS}
    indexes:
      - columns: ["At"]
"""


def _splits(tmp_path: Path) -> list[ReshardSplit]:
    a = model_of(tmp_path, "a", {"spec.yaml": SPEC.replace("MODULUS", "2")})
    b = model_of(tmp_path, "b", {"spec.yaml": SPEC.replace("MODULUS", "4")})
    found = [s.statement for op in plan(a, b) for s in op.up if isinstance(s.statement, ReshardSplit)]
    assert len({(s.schema, s.parent) for s in found}) == 2 and len(found) == 4
    return found


def test_a_tables_splits_render_as_each_alone(tmp_path: Path) -> None:
    env = make_environment()
    splits = _splits(tmp_path)
    # one table's, the other's, then the first's again: the module follows the table
    for order in (splits, splits[::-1], [splits[0], splits[2], splits[1], splits[3]]):
        render = _StepRenderer(env)
        for split in order:
            alone = env.get_template(f"postgres/migrate/{split.template}.sql.j2").render(dict(split.args))
            assert render.render(split) == alone
            assert render.unit_macro is not None


def test_a_users_split_template_without_the_macro_renders_whole(tmp_path: Path) -> None:
    user = tmp_path / "templates" / "postgres" / "migrate"
    user.mkdir(parents=True)
    (user / "reshard_split.sql.j2").write_text("-- split {{ source }} of {{ parent }}\n")
    env = make_environment(tmp_path / "templates")
    render = _StepRenderer(env)
    splits = _splits(tmp_path)
    texts = [render.render(split) for split in splits]
    assert texts == [f"-- split {s.source} of {s.parent}\n" for s in splits]
    assert render.unit_macro is None


def test_the_file_is_the_same_with_the_splits_rendered_alone(tmp_path: Path) -> None:
    a = model_of(tmp_path, "a", {"spec.yaml": SPEC.replace("MODULUS", "2")})
    b = model_of(tmp_path, "b", {"spec.yaml": SPEC.replace("MODULUS", "8")})
    ops = plan(a, b)
    env = make_environment()
    whole = render_operations(ops, "split", env)
    for op in ops:
        for step in op.up:
            if isinstance(step.statement, ReshardSplit):
                assert render_step(env, step) in whole


def test_a_partitions_schema_is_written_out_keeping_its_other_fields() -> None:
    """`schemes.with_schemas` makes each child anew from its fields: it must know them all."""
    from dataclasses import fields

    from schemagen.model import PartitionChild

    assert [f.name for f in fields(PartitionChild)] == ["name", "bound", "sub", "schema"]

"""The online split as one step (plan/reshard_steps.py `ReshardSplit`, a `Unit`): what it says without
making its statements (`parts`, `taken`) and what its one template renders are held to the statements
it stands for (`steps()`), each with its own builder, lock and template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migrations import model_of, scenario_cases, scenario_models
from test_migrate_partitions import SHARDED

from schemagen.migrate.migration import lock_lines, render_operations
from schemagen.model import Model
from schemagen.plan import Operation, plan, plan_down, serialize
from schemagen.plan.locking import _Order
from schemagen.plan.operations import Step, Unit, flat
from schemagen.plan.reshard_steps import ReshardSplit
from schemagen.render.templating import builtin_templates_dir, make_environment

#: A composite key hashed on its first column, storage parameters, a unique key with NULLS NOT
#: DISTINCT, an index of its own method and storage, a schema and a column that need quotes, each old
#: partition split in four.
TENANTS = """\
project: {name: tenants, postgres: 15}
entities:
  accounts:
    schema: Billing
    columns:
      tenant: bigint
      id: bigint
      email: text?
      "Mixed Case": text?
      tags: "text[]?"
    primary_key: [tenant, id]
    unique:
      - {columns: [tenant, email], nulls_not_distinct: true}
    storage: {fillfactor: 80}
    partition:
      hash: {key: tenant, modulus: MODULUS}
    indexes:
      - {columns: [tags], using: gin}
      - {columns: [email], storage: {fillfactor: 70}, where: "email IS NOT NULL"}
"""


def _plans(tmp_path: Path) -> dict[str, tuple[list[Operation], _Order]]:
    """Both directions of every scenario, and of the two specs above (each split, then merged), each
    with the lock order its plan took."""
    pairs = {case: scenario_models(case) for case in scenario_cases()}
    pairs["sharded"] = (_model(tmp_path, "a", SHARDED, 4), _model(tmp_path, "b", SHARDED, 8))
    pairs["tenants"] = (_model(tmp_path, "c", TENANTS, 2), _model(tmp_path, "d", TENANTS, 8))
    plans = {name: (plan(a, b), _Order(a, b)) for name, (a, b) in pairs.items()}
    return plans | {f"{name} (down)": (plan_down(a, b), _Order(b, a)) for name, (a, b) in pairs.items()}


def _model(tmp_path: Path, name: str, spec: str, modulus: int) -> Model:
    return model_of(tmp_path, name, {"spec.yaml": spec.replace("MODULUS", str(modulus))})


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[Operation], _Order]]:
    """The operations of every pair of Models that holds an online split, with their lock order."""
    found = {}
    for name, (ops, order) in _plans(tmp_path_factory.mktemp("unit")).items():
        if any(isinstance(step.statement, ReshardSplit) for op in ops for step in op.up):
            found[name] = (ops, order)
    assert {"hash_split", "sharded", "tenants"} <= found.keys()
    return found


def _units(steps: tuple[Step, ...]) -> list[list[Step]]:
    """Steps grouped by unit of work: what follows each BEGIN (and its LOCK TABLE) up to its COMMIT."""
    units: list[list[Step]] = []
    for step in steps:
        statement = step.statement
        if statement.opens_unit:
            units.append([])
        elif not (statement.closes_unit or statement.takes_locks_first):
            units[-1].append(step)
    return units


def test_a_split_says_the_locks_of_its_statements(planned: dict[str, tuple[list[Operation], _Order]]) -> None:
    """`parts` are the statements' locks; `taken` gives each unit the LOCK TABLE list that its
    statements would (`first`, which `steps()` puts after the unit's BEGIN)."""
    for name, (ops, order) in planned.items():
        for op in ops:
            for step in op.up:
                unit = step.statement
                if not isinstance(unit, Unit):
                    continue
                statements = unit.steps()
                said = [
                    (s.lock, s.on, s.brief, s.locks if s.statement.takes_locks_first else None)
                    for s in statements
                ]
                assert list(unit.parts()) == said, name
                assert step.lock == max(s.lock for s in statements)
                assert step.transactional == all(s.transactional for s in statements)
                assert not step.runs_long  # its template lifts the statement timeout itself
                units = _units(statements)
                assert list(unit.first) == [order.preamble(u) for u in units], name
                assert [order.first_locks(t) for t in unit.taken()] == list(unit.first), name
        assert any(first for op in ops for step in op.up for first in getattr(step.statement, "first", ()))


def test_a_split_renders_as_its_statements_do(
    planned: dict[str, tuple[list[Operation], _Order]], tmp_path: Path
) -> None:
    """The file with the split's one template, and with each statement's own template (which a user's
    template of any of them brings about: here a copy of the built-in one), is the same text; so is
    the JSON of the operations, made from `parts`."""
    root = builtin_templates_dir()
    assert root is not None
    user = tmp_path / "templates"
    (user / "postgres" / "migrate").mkdir(parents=True)
    shutil.copy(root / "postgres/migrate/rename_index.sql.j2", user / "postgres/migrate/rename_index.sql.j2")
    for name, (ops, _) in planned.items():
        whole = render_operations(ops, name, make_environment())
        by_statement = render_operations(ops, name, make_environment(user))
        assert whole == by_statement, name
        flattened = [Operation(op.kind, op.target, op.comment, tuple(flat(op.up)), op.hazards) for op in ops]
        assert serialize.render(ops) == serialize.render(flattened), name
        assert lock_lines(ops) == lock_lines(flattened), name  # the header, from `said`


def test_a_users_statement_template_is_used_in_a_split(
    planned: dict[str, list[Operation]], tmp_path: Path
) -> None:
    user = tmp_path / "templates" / "postgres" / "migrate"
    user.mkdir(parents=True)
    (user / "reshard_log_analyze.sql.j2").write_text("ANALYZE VERBOSE {{ log | qname(schema) }};\n")
    text = render_operations(planned["hash_split"][0], "split", make_environment(tmp_path / "templates"))
    assert "ANALYZE VERBOSE public.schemagen_log_guilds_p0;\n" in text
    assert "ANALYZE public." not in text

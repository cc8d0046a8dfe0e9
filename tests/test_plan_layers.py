"""The planner's three layers: `diff` finds typed, frozen changes (no SQL, no locks), `recipes` turn
each into an operation that keeps it as its `source`, `analyzers` give its hazards; no module of the
planner reaches into another's private names, and the comparison never reads the recipes."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from migrations import model_of

from schemagen.plan import Renames, plan
from schemagen.plan import changes as c
from schemagen.plan.analyzers import hazards_of
from schemagen.plan.diff import diff
from schemagen.plan.operations import Kind, Phase

PLAN = Path(__file__).resolve().parents[1] / "schemagen" / "plan"
PROJECT = "project: {name: layers, postgres: 15}\n"
BEFORE = (
    PROJECT
    + """\
entities:
  users:
    columns:
      id: {type: bigint, primary_key: true}
      name: varchar(20)
      email: text
      legacy: text?
    indexes:
      - columns: [email]
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      user_id: {type: bigint, references: users}
"""
)
AFTER = (
    PROJECT
    + """\
entities:
  accounts:
    renamed_from: users
    columns:
      id: {type: bigint, primary_key: true}
      title: {type: varchar(40), renamed_from: name}
      email: text
      age: integer?
    indexes:
      - columns: [email]
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      user_id: {type: bigint, references: accounts}
    checks:
      positive: id > 0
"""
)


@pytest.fixture
def models(tmp_path: Path) -> tuple:
    return model_of(tmp_path, "a", {"spec.yaml": BEFORE}), model_of(tmp_path, "b", {"spec.yaml": AFTER})


def test_diff_finds_typed_changes_in_the_planners_order(models: tuple) -> None:
    before, after = models
    found = diff(before, after, Renames.from_model(after))
    assert [type(change).__name__ for change in found] == [
        "RenameTable",
        "RenameColumn",
        "AlterColumnType",
        "AddColumn",
        "DropColumn",
        "RenameConstraint",
        "RenameIndex",
        "AddConstraint",
    ]
    widened = next(change for change in found if isinstance(change, c.AlterColumnType))
    assert (widened.old.type, widened.new.type, widened.conversion) == (
        "character varying(20)",
        "character varying(40)",
        "free",
    )
    renamed = next(change for change in found if isinstance(change, c.RenameConstraint))
    assert (renamed.old, renamed.new) == ("users_pkey", "accounts_pkey")
    index = next(change for change in found if isinstance(change, c.RenameIndex))
    assert (index.old, index.new) == ("users_email_idx", "accounts_email_idx")
    for change in found:
        assert dataclasses.is_dataclass(change)
        with pytest.raises(dataclasses.FrozenInstanceError):
            change.table = None  # type: ignore[union-attr]


def test_every_operation_keeps_its_change_and_the_analyzers_hazards(models: tuple) -> None:
    before, after = models
    operations = plan(before, after)
    from_changes = [op for op in operations if op.kind != Kind.LOCK_TABLES]
    assert from_changes and all(op.source is not None for op in from_changes)
    for op in from_changes:
        assert op.source is not None
        assert op.hazards == hazards_of(op.source)
    dropped = next(op for op in operations if op.kind == "drop_column")
    assert dropped.source == c.DropColumn(after.table("accounts"), before.table("users").column("legacy"))
    assert [h.code for h in dropped.hazards] == ["SG902"]
    # the phases order the operations: renames first, the drop of a column late
    orders = [op.order for op in operations]
    assert orders == sorted(orders) and dropped.order == Phase.DROP_COLUMNS


def test_analyzers_look_at_one_change_each(models: tuple) -> None:
    before, after = models
    orders = after.table("orders")
    fk = orders.foreign_keys[0]
    assert hazards_of(c.AddConstraint(orders, fk, on_new_table=True)) == ()
    assert [h.code for h in hazards_of(c.AddConstraint(orders, fk))] == ["SG931"]
    assert [h.code for h in hazards_of(c.DropTable(orders))] == ["SG901"]
    assert all(h.destructive for h in hazards_of(c.DropTable(orders)))
    assert hazards_of(c.RenameTable(before.table("users"), after.table("accounts"))) == ()


def _imports(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("schemagen"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.startswith("schemagen")]
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    private = [
        (path.relative_to(PLAN).as_posix(), module, name)
        for path in PLAN.rglob("*.py")
        for module, name in _imports(path)
        if name.startswith("_")
    ]
    assert private == []


def test_the_comparison_reads_neither_statements_nor_recipes() -> None:
    comparing = ["changes.py", "diff.py", "partition_diff.py", "matching.py", "schemes.py", "renames.py"]
    later = (
        "schemagen.plan.steps",
        "schemagen.plan.recipes",
        "schemagen.plan.locking",
        "schemagen.plan.operations",
    )
    for name in comparing:
        modules = {module for module, alias in _imports(PLAN / name)}
        modules |= {f"{module}.{alias}" for module, alias in _imports(PLAN / name)}
        assert not [m for m in modules if m.startswith(later)], name

"""docs/migrations.md names every operation kind the planner can emit."""

from __future__ import annotations

import ast
from pathlib import Path

KIND_TEMPLATES = {
    "add_{kind}": ["primary_key", "unique", "check", "foreign_key"],
    "drop_{kind}": ["primary_key", "unique", "check", "foreign_key"],
}


def operation_kinds(repo_root: Path) -> set[str]:
    kinds: set[str] = set()
    for path in (repo_root / "schemagen" / "plan").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in ("Operation", "_Move")
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    kinds.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    pattern = "".join(
                        v.value if isinstance(v, ast.Constant) else "{kind}" for v in first.values
                    )
                    kinds.update(pattern.replace("{kind}", k) for k in KIND_TEMPLATES.get(pattern, []))
    return kinds


def test_every_operation_kind_is_documented(repo_root: Path) -> None:
    page = (repo_root / "docs" / "migrations.md").read_text()
    kinds = operation_kinds(repo_root)
    assert len(kinds) > 30
    assert sorted(k for k in kinds if f"`{k}`" not in page) == []

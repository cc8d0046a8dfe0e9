"""docs/migrations.md names every operation kind the planner can emit."""

from __future__ import annotations

from pathlib import Path

from schemagen.plan.operations import Kind


def test_every_operation_kind_is_documented(repo_root: Path) -> None:
    page = (repo_root / "docs" / "migrations.md").read_text()
    kinds = {kind.value for kind in Kind}
    assert len(kinds) > 30
    assert sorted(k for k in kinds if f"`{k}`" not in page) == []

"""The documentation is generated from, or checked against, the code it documents."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from schemagen.diagnostics import rules
from schemagen.parse import spec


def test_diagnostics_page_is_fresh(repo_root: Path) -> None:
    page = (repo_root / "docs" / "diagnostics.md").read_text()
    assert page == rules.render_docs(), "run: python -m schemagen.diagnostics.rules > docs/diagnostics.md"


def test_rule_codes_are_unique_and_stable_in_shape() -> None:
    codes = [rule.code for rule in rules.ALL]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"SG\d{3}", code) for code in codes)
    assert not set(codes) & set(rules.RETIRED), "a retired code is never given to another problem"


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        for inner in _nested(field.annotation):
            _models(inner, seen)
    return seen


def _nested(annotation: object) -> list[type[BaseModel]]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in getattr(annotation, "__args__", ()) + getattr(annotation, "__metadata__", ()):
        found += _nested(arg)
    return found


def test_spec_format_page_names_every_key(repo_root: Path) -> None:
    page = (repo_root / "docs" / "spec-format.md").read_text()
    missing = sorted(
        f"{model.__name__}.{field.alias or name}"
        for model in _models(spec.Spec, set())
        for name, field in model.model_fields.items()
        if f"`{field.alias or name}`" not in page and f"{field.alias or name}:" not in page
    )
    assert missing == [], f"docs/spec-format.md does not mention: {missing}"

"""The spec read without pydantic (parse/fast.py) is the spec pydantic reads: same shapes, same values,
same types, for every spec of the repository and for thousands of mutations of the example; whatever
pydantic rejects, the fast reading leaves to pydantic (so the errors are pydantic's, at their lines)."""

from __future__ import annotations

import copy
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemagen.diagnostics import SpecError
from schemagen.load import loader
from schemagen.parse import describe, fast, spec

ROOT = Path(__file__).resolve().parent.parent


def test_the_description_is_made_from_todays_shapes() -> None:
    """After changing a shape: python -m schemagen.parse.describe > schemagen/data/shapes.json"""
    assert fast.DESCRIPTION.read_text(encoding="utf-8") == describe.render(), (
        "the shapes changed: python -m schemagen.parse.describe > schemagen/data/shapes.json"
    )
    assert fast._shapes() is not None


def plain(value: Any) -> Any:
    """A shape as nested tuples that tell every type apart (True from 1, a date from a datetime)."""
    if isinstance(value, BaseModel):
        return (type(value).__name__, tuple((n, plain(getattr(value, n))) for n in type(value).model_fields))
    if isinstance(value, fast.FastShape):
        return (type(value).__name__, tuple((n, plain(getattr(value, n))) for n in value._fields))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(plain(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, plain(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def both(raw: loader.RawSpec) -> tuple[Any, Any]:
    """(pydantic's reading or None when it rejects the spec, the fast reading or None)."""
    try:
        slow: Any = spec.parse(raw)
    except SpecError:
        slow = None
    return slow, fast.parse(raw)


def spec_folders() -> list[Path]:
    """Every folder of the repository holding YAML files, but the repository itself, templates and
    generated output, and what git ignores (the virtual environment, build output, bench caches)."""
    skipped = {"templates", "generated", "node_modules", "build", "bench", ".git", ".venv"}
    found = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in skipped and not d.startswith("."))
        if Path(folder) != ROOT and any(n.endswith(".yaml") for n in names):
            found.append(Path(folder))
    return found


def test_every_spec_of_the_repository_reads_the_same() -> None:
    read = 0
    for folder in spec_folders():
        try:
            raw = loader.load(folder)
        except SpecError:
            continue
        slow, quick = both(raw)
        if slow is None:
            assert quick is None, folder
            continue
        assert quick is not None, f"{folder}: a valid spec the fast reading leaves to pydantic"
        assert plain(quick) == plain(slow), folder
        read += 1
    assert read > 40


#: Values a mutation puts somewhere: every YAML scalar type, short forms, wrong shapes.
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1001,
    1.5,
    "",
    "x",
    "MONTH",
    "1 months",
    "users.id",
    "text?",
    "Cascade",
    "set_null",
    "FULL",
    "always",
    "reference",
    [],
    ["a"],
    ["a", "b"],
    [1, "b"],
    {},
    {"a": 1},
    {"type": "text"},
    {"columns": ["id"]},
    date(2024, 1, 1),
    datetime(2024, 1, 1, 12, 0),
    datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
]


def nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += nodes(item, (*path, i))
    return found


def mutate(data: dict[str, Any], rng: random.Random) -> None:
    path = rng.choice(nodes(data)[1:])
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    what = rng.random()
    if what < 0.15 and isinstance(parent, dict):
        del parent[last]
    elif what < 0.25 and isinstance(parent, dict):
        parent[rng.choice(["schema", "schema_", "from", "from_", "for", "with", "bogus", 1, True])] = (
            rng.choice(VALUES)
        )
    else:
        parent[last] = copy.deepcopy(rng.choice(VALUES))


@pytest.mark.parametrize("folder", ["spec", "examples/citus/spec", "tests/migrations/access/b"])
def test_mutated_specs_read_the_same_or_are_left_to_pydantic(folder: str) -> None:
    base = loader.load(ROOT / folder)
    rng = random.Random(20261206)
    agreed = left = 0
    for _ in range(600):
        raw = copy.copy(base)
        raw.data = copy.deepcopy(base.data)
        for _ in range(rng.randint(1, 3)):
            mutate(raw.data, rng)
        slow, quick = both(raw)
        if quick is None:
            left += 1
            continue
        assert slow is not None, "the fast reading took a spec pydantic rejects"
        assert plain(quick) == plain(slow)
        agreed += 1
    assert agreed > 50 and left > 50, (agreed, left)


def test_a_description_of_other_sources_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    fast._shapes.cache_clear()
    monkeypatch.setattr(fast, "sources_hash", lambda: "something else")
    try:
        assert fast.parse(loader.load(ROOT / "spec")) is None
    finally:
        fast._shapes.cache_clear()

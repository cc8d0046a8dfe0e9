"""`RawSpec.locate` and `text_at`, and the strings the loader interns, on both of its paths (the
events of a plain file, and the composed nodes of any other)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemagen.load import events, loader
from schemagen.model import Location, TextAt

SPEC = (
    "entities:\n"
    "  users:\n"
    "    comment: A user.\n"
    "    columns:\n"
    "      id: {type: bigint, primary_key: true}\n"
    '      name: "text"\n'
    "    indexes:\n"
    "      - columns: [name]\n"
    "views:\n"
    "  v:\n"
    "    query: |\n"
    "      select 1\n"
)


@pytest.fixture(params=["events", "nodes"])
def raw(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> loader.RawSpec:
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    if request.param == "nodes":
        monkeypatch.setattr(events, "read", lambda *args: False)
    return loader.load(tmp_path)


def test_locate_finds_the_value_or_the_key(raw: loader.RawSpec) -> None:
    file = raw.files[0]
    assert raw.locate(("entities", "users", "columns", "name")) == Location(file, 6, 13, 6, 19)
    assert raw.locate(("entities", "users", "columns", "name"), key=True) == Location(file, 6, 7, 6, 11)
    # a flow mapping has a span of its own; a block one only a start
    assert raw.locate(("entities", "users", "columns", "id")) == Location(file, 5, 11, 5, 44)
    assert raw.locate(("entities", "users", "columns")) == Location(file, 5, 7)
    # a list item has no key: its value stands for it
    assert raw.locate(("entities", "users", "indexes", 0), key=True) == Location(file, 8, 9)
    # a section's key is all there is of it
    assert raw.locate(("entities",)) == Location(file, 1, 1, 1, 9)


def test_locate_falls_back_to_the_nearest_ancestor(raw: loader.RawSpec) -> None:
    file = raw.files[0]
    # `name` is written `name: "text"`: its `type` is where the column's value is, or its key
    column = ("entities", "users", "columns", "name")
    assert raw.locate((*column, "type")) == raw.locate(column)
    assert raw.locate((*column, "type"), key=True) == raw.locate(column, key=True)
    assert raw.locate((*column, "type", "nested", 3)) == Location(file, 6, 13, 6, 19)
    assert raw.locate(("entities", "nobody", "columns")) == raw.locate(("entities",))
    assert raw.locate(("enums", "nothing")) is None
    assert raw.locate(()) is None


def test_text_at(raw: loader.RawSpec) -> None:
    file = raw.files[0]
    assert raw.text_at(("entities", "users", "comment"), "A user.") == TextAt(file, 3, 14)
    assert raw.text_at(("entities", "users", "columns", "name"), "text") == TextAt(file, 6, 14)
    assert raw.text_at(("views", "v", "query"), "select 1\n") == TextAt(file, 12, 7, 7)
    assert raw.text_at(("views", "v", "nothing"), "x") is None


def test_keys_and_strings_but_blocks_are_interned(raw: loader.RawSpec) -> None:
    """One object per key and per string (but a block scalar), the very one the code's constants are."""
    users = raw.data["entities"]["users"]
    assert next(iter(raw.data)) is sys.intern("entities")
    assert all(key is sys.intern(key) for key in users)
    assert users["columns"]["id"]["type"] is sys.intern("bigint")
    assert users["columns"]["name"] is sys.intern("text")
    assert users["indexes"][0]["columns"][0] is sys.intern("name")
    for path in raw.value_locations:
        assert all(part is sys.intern(part) for part in path[::2] if isinstance(part, str))

"""What the build and the fast shapes share or skip gives what each place would have made alone: an
index key read once per spec, a literal default made once per value, a field's check skipped for a
value its type takes unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_spec_fast import VALUES

from schemagen.model import Default, IndexElement
from schemagen.parse import fast
from schemagen.pipeline import compile_spec

#: `a text_pattern_ops` is a column of `spaced`, and column `a` with its opclass in `plain`
SPACED = """\
  spaced:
    columns:
      "a text_pattern_ops": text
    indexes:
      - columns: ["a text_pattern_ops"]
"""
PLAIN = """\
  plain:
    columns:
      a: text
      b: text
    indexes:
      - columns: ["a text_pattern_ops", b DESC]
      - columns: [b DESC]
"""


@pytest.mark.parametrize("first", ["spaced", "plain"])
def test_an_index_key_reads_as_its_table_has_it_whichever_table_comes_first(
    tmp_path: Path, first: str
) -> None:
    entities = [SPACED, PLAIN] if first == "spaced" else [PLAIN, SPACED]
    (tmp_path / "spec.yaml").write_text("entities:\n" + "".join(entities))
    tables = {t.name: t for t in compile_spec(tmp_path).model.tables}
    assert [ix.elements for ix in tables["spaced"].indexes] == [(IndexElement(column="a text_pattern_ops"),)]
    assert {ix.elements for ix in tables["plain"].indexes} == {
        (IndexElement(column="a", opclass="text_pattern_ops"), IndexElement(column="b", descending=True)),
        (IndexElement(column="b", descending=True),),
    }


def test_literal_defaults_keep_their_own_type(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(
        "entities:\n"
        "  t:\n"
        "    columns:\n"
        "      n: {type: integer, default: 0}\n"
        "      f: {type: boolean, default: false}\n"
        "      o: {type: integer, default: 1}\n"
        "      y: {type: boolean, default: true}\n"
        "      z: {type: float8, default: -0.0}\n"
        "      w: {type: float8, default: 0.0}\n"
        "      s: {type: text, default: '0'}\n"
        "      m: {type: integer, default: 0}\n"
    )
    columns = {c.name: c for c in compile_spec(tmp_path).model.tables[0].columns}
    shown = {name: (type(c.default.value), repr(c.default.value)) for name, c in columns.items() if c.default}
    assert shown == {
        "n": (int, "0"),
        "f": (bool, "False"),
        "o": (int, "1"),
        "y": (bool, "True"),
        "z": (float, "-0.0"),
        "w": (float, "0.0"),
        "s": (str, "'0'"),
        "m": (int, "0"),
    }
    assert columns["n"].default == Default(value=0)


def described_types() -> list[list[Any]]:
    """Every type a field of the description is of."""
    shapes = fast._shapes()
    assert shapes is not None
    return [f[2] for model in shapes.models.values() for f in model["fields"]]


def test_a_field_taken_as_it_is_takes_what_its_check_takes() -> None:
    shapes = fast._shapes()
    assert shapes is not None
    taken_as_is = 0
    for described in described_types():
        as_is = fast._as_is(described)
        if as_is is None:
            continue
        taken_as_is += 1
        check = shapes.check(described)
        for value in VALUES:
            try:
                checked = check(value)
            except fast.Rejected:
                assert type(value) not in as_is, (described, value)
            else:
                assert type(value) in as_is and checked is value, (described, value)
    assert taken_as_is > 50

"""What the build makes the short way holds what the long way gives: a Column given its fields by
position holds what the spec wrote for each, a table's partition namer names as the namer does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from schemagen.model import Column, Default, Location, naming
from schemagen.pipeline import compile_spec

SPEC = """\
entities:
  things:
    columns:
      id: {type: bigint, identity: {kind: always, start: 5}, primary_key: true}
      label:
        type: text
        nullable: true
        default: x
        collation: c
        comment: the label
        renamed_from: old_label
        using: {up: "old_label || ''", down: label}
      twice: {type: bigint, generated: id * 2}
      stamped: {type: timestamptz, default: {sql: now()}}
"""


def columns(tmp_path: Path) -> dict[str, Column]:
    (tmp_path / "spec.yaml").write_text(SPEC)
    model = compile_spec(tmp_path).model
    return {c.name: c for c in model.tables[0].columns}


def at(column: Column, field: str) -> tuple[int, int] | None:
    loc: Location | None = getattr(column, field)
    return (loc.line, loc.column) if loc is not None else None


def test_every_field_of_a_column_holds_what_the_spec_wrote(tmp_path: Path) -> None:
    found = columns(tmp_path)
    label = found["label"]
    assert (label.name, label.type, label.nullable) == ("label", "text", True)
    assert label.default == Default(value="x")
    assert (label.collation, label.comment, label.renamed_from) == ("C", "the label", "old_label")
    assert (label.using, label.using_down) == ("old_label || ''", "label")
    assert (label.identity, label.identity_options, label.identity_access, label.generated) == (None,) * 4
    assert at(label, "loc") == (5, 7)
    assert at(label, "type_loc") == (6, 15)
    assert at(label, "default_loc") == (8, 18)
    assert at(label, "collation_loc") == (9, 20)
    assert at(label, "generated_loc") is None

    identity = found["id"]
    assert (identity.type, identity.nullable, identity.identity) == ("bigint", False, "always")
    assert identity.identity_options is not None and identity.identity_options.start == 5
    assert (identity.default, identity.default_loc, identity.collation, identity.collation_loc) == (None,) * 4
    assert at(identity, "loc") == (4, 7) and at(identity, "type_loc") == (4, 18)

    twice = found["twice"]
    assert (twice.generated, at(twice, "generated_loc")) == ("id * 2", (13, 40))
    stamped = found["stamped"]
    assert stamped.default is not None and stamped.default.is_expression
    assert at(stamped, "default_loc") == (14, 51)  # the expression under `sql:`


def test_a_column_is_made_with_every_field_it_has(tmp_path: Path) -> None:
    """The positional call names as many values as Column has fields (a field added to Column must
    be added to the build's call, in its place)."""
    column = columns(tmp_path)["label"]
    rebuilt = Column(**{f.name: getattr(column, f.name) for f in dataclasses.fields(Column)})
    assert rebuilt == column and len(dataclasses.fields(Column)) == 18


def test_a_tables_partition_namer_names_as_the_namer_does() -> None:
    tables = ["events", "é" * 40, "t" * 70]
    suffixes = ["2024_01", "p0", "default", "x" * 60]
    for template in ["{table}_{suffix}", "{suffix}_of_{table}", "{table}_{nope}", "{0}", "{table", None]:
        templates = {"partition": template} if template is not None else {}
        namer = naming.Namer(templates)
        for table in tables:
            name = namer.partition_namer(table)
            for suffix in suffixes:
                assert name(suffix) == namer.make("partition", table=table, suffix=suffix)

"""The checks remember what they found fine for one table by what the finding depends on (an
expression's text and the types of the columns it reads, a literal default and its column's type, a
type's default operator class), and judge in full whatever may have a finding: each table that shares
an expression or a default with a table found fine keeps its own diagnostics, at its own place."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from schemagen.diagnostics import SpecError
from schemagen.pipeline import compile_spec

# Tables `a` and `c` are fine where `b` and `d` are not, with the same expressions and defaults.
SHARED = """\
project: {name: t, postgres: 15}
entities:
  a:
    columns: {id: bigint, flag: boolean, at: timestamp, code: text, doc: {type: jsonb, default: [1]}, made: {type: timestamptz, default: {sql: "now()"}}}
    indexes:
      - {columns: [id], where: "flag = true"}
      - {expression: "at + interval '1 day'"}
      - {expression: "lower(code)"}
  b:
    columns: {id: bigint, flag: text, at: timestamptz, code: integer, doc: {type: text, default: [1]}, made: {type: integer, default: {sql: "now()"}}}
    indexes:
      - {columns: [id], where: "flag = true"}
      - {expression: "at + interval '1 day'"}
      - {expression: "lower(code)"}
  c:
    columns: {id: bigint, flag: boolean, at: timestamp, code: text, doc: {type: jsonb, default: [.nan]}, made: {type: timestamptz, default: {sql: "now()"}}}
    indexes:
      - {columns: [id], where: "flag = true"}
      - {expression: "at + interval '1 day'"}
      - {expression: "lower(code)"}
      - {using: gin, columns: [code]}
  d:
    columns: {id: bigint, at: timestamp, code: text, doc: {type: jsonb, default: [1]}, seq: {type: bigint, default: {sql: "nextval($$nosuch_seq$$)"}}, seq2: {type: bigint, default: {sql: "nextval('nosuch_seq')"}}}
    indexes:
      - {columns: [id], where: "flag = true"}
      - {expression: "lower(code)"}
      - {using: gin, columns: [code]}
"""

# (code, line, column, the message's start) of each diagnostic of SHARED, in order
EXPECTED = [
    ("SG103", 10, 98, "default [1] does not fit column type text"),
    ("SG118", 10, 141, "the default of `made` is of type timestamp with time zone"),
    ("SG112", 12, 32, "index `b_id_idx` (predicate): operator does not exist: text = boolean"),
    ("SG102", 13, 22, "index expression `at + interval '1 day'`: timestamptz + interval on `at`"),
    ("SG111", 14, 22, "index `b_lower_idx` (expression): function lower(integer) does not exist"),
    ("SG103", 16, 97, "default [nan] does not fit column type jsonb"),
    ("SG411", 21, 32, "index `c_code_idx` (`code`): data type text has no default operator class for"),
    ("SG119", 23, 123, 'the default of `seq`: relation "nosuch_seq" does not exist'),
    ("SG119", 23, 188, 'the default of `seq2`: relation "nosuch_seq" does not exist'),
    ("SG401", 25, 32, "index `d_id_idx` (predicate) names `flag`, which is not a column of `d`"),
    ("SG411", 27, 32, "index `d_code_idx` (`code`): data type text has no default operator class for"),
]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(text, encoding="utf-8")
    return folder


def diagnostics(root: Path) -> list[tuple[str, int | None, int | None, str]]:
    try:
        compile_spec(root)
    except SpecError as error:
        return [(d.code, d.line, d.column, d.message) for d in error.diagnostics]
    return []


def test_each_table_keeps_its_findings(tmp_path: Path) -> None:
    found = diagnostics(write(tmp_path / "shared", SHARED))
    assert [(code, line, column) for code, line, column, _ in found] == [e[:3] for e in EXPECTED]
    for (*_, message), (*_, start) in zip(found, EXPECTED, strict=True):
        assert message.startswith(start), message


def test_a_table_after_one_with_findings_is_found_fine(tmp_path: Path) -> None:
    """`b` written (and checked) before `a`: what was judged wrong for `b` is not remembered for `a`."""
    head, rest = SHARED.split("  a:\n")
    a_block, rest = rest.split("  b:\n")
    b_block, tail = rest.split("  c:\n")
    reordered = f"{head}  b:\n{b_block}  a:\n{a_block}  c:\n{tail}"
    found = diagnostics(write(tmp_path / "reordered", reordered))
    assert sorted(code for code, *_ in found) == sorted(code for code, *_ in EXPECTED)
    assert all("`a`" not in message and "a_" not in message for *_, message in found)


@pytest.mark.parametrize("order", ["fine first", "wrong first"])
def test_another_spec_with_other_enums_is_judged_again(tmp_path: Path, order: str) -> None:
    """The analyses of one spec serve another only under the same catalog and enums."""
    spec = textwrap.dedent(
        """\
        project: {name: t, postgres: 15}
        enums:
          mood: [MOODS]
        entities:
          a:
            columns: {id: bigint, m: mood, n: {type: mood, default: {sql: "'x'::mood"}}}
            checks:
              not_x: "m <> 'x'"
        """
    )
    fine = write(tmp_path / "fine", spec.replace("MOODS", "x, y"))
    wrong = write(tmp_path / "wrong", spec.replace("MOODS", "y, z"))
    runs = [fine, wrong, fine] if order == "fine first" else [wrong, fine, wrong]
    for root in runs:
        found = diagnostics(root)
        if root == fine:
            assert found == []
        else:
            assert [(code, line) for code, line, *_ in found] == [("SG115", 6), ("SG115", 8)]
            assert all('invalid input value for enum mood: "x"' in message for *_, message in found)


def test_analyses_serve_only_the_catalog_they_were_made_under() -> None:
    """They are found by the catalog's id, which another catalog may get once the first is gone: the
    catalog kept with them must be the very one asked about."""
    from schemagen.check import catalog as catalog_checks
    from schemagen.postgres import builtins

    base = builtins.catalog(15, ())
    other = builtins.with_functions(base, [("f", "f(integer)", "integer", "immutable")], [])
    planted: dict[tuple[object, ...], object] = {("lower(code)",): "stale"}
    catalog_checks._ANALYSES[(id(other), ())] = (base, planted)  # type: ignore[assignment]
    try:
        found = catalog_checks._analyses(other, ())
        assert found is not planted and not found
        assert catalog_checks._analyses(other, ()) is found
    finally:
        catalog_checks._ANALYSES.clear()

"""Each output format's exact text, pinned: a changed byte is a changed contract."""

from __future__ import annotations

import json
import re

from schemagen.diagnostics import Diagnostic, Severity, SpecError
from schemagen.diagnostics.formats import github, text
from schemagen.diagnostics.formats import json as json_format

SAMPLE = [
    Diagnostic(
        "SG301",
        "primary key of partitioned table `messages` lacks the partition key column(s) created_at",
        "spec/messages.yaml",
        12,
        7,
        hint="add them: [id, created_at]",
        end_line=12,
        end_column=18,
    ),
    Diagnostic(
        "SG701",
        "generated/schema.sql is stale: it differs from a fresh render of the spec from line 40",
        "generated/schema.sql",
        40,
        None,
        hint="run `schemagen render` and commit the result",
    ),
    Diagnostic(
        "SG102",
        "index predicate `a > 1%`: 50% off,\nreally: CURRENT_DATE is not IMMUTABLE",
        "spec/a,b:c.yaml",
        3,
        1,
        Severity.WARNING,
    ),
    Diagnostic(
        "SG702",
        "the spec has changes that no migration covers: add column users.locale",
        "spec",
        hint="run `schemagen migrate new NAME` and commit the migration",
    ),
    Diagnostic(
        "SG902",
        "drops column users.avatar and its values",
        "spec/users.yaml",
        3,
        3,
        hint="keep the column, or allow it: `allow_destructive: [drop column users.avatar]`",
        end_line=3,
        end_column=8,
    ),
]


def test_text() -> None:
    assert text.render(SAMPLE, source=None) == (
        "error[SG701]: generated/schema.sql is stale: it differs from a fresh render of the spec from line 40\n"
        " --> generated/schema.sql:40\n"
        "  = hint: run `schemagen render` and commit the result\n"
        "\n"
        "error[SG702]: the spec has changes that no migration covers: add column users.locale\n"
        " --> spec\n"
        "  = hint: run `schemagen migrate new NAME` and commit the migration\n"
        "\n"
        "warning[SG102]: index predicate `a > 1%`: 50% off,\n"
        "really: CURRENT_DATE is not IMMUTABLE\n"
        " --> spec/a,b:c.yaml:3:1\n"
        "\n"
        "error[SG301]: primary key of partitioned table `messages` lacks the partition key column(s) created_at\n"
        " --> spec/messages.yaml:12:7\n"
        "  = hint: add them: [id, created_at]\n"
        "\n"
        "error[SG902]: drops column users.avatar and its values\n"
        " --> spec/users.yaml:3:3\n"
        "  = hint: keep the column, or allow it: `allow_destructive: [drop column users.avatar]`\n"
        "\n"
    )
    assert text.render([]) == ""
    assert text.render(SAMPLE, limit=1, source=None) == (
        "error[SG701]: generated/schema.sql is stale: it differs from a fresh render of the spec from line 40\n"
        " --> generated/schema.sql:40\n"
        "  = hint: run `schemagen render` and commit the result\n"
        "\n"
        "… and 4 more (--show-all prints every one)\n"
    )
    assert text.render(SAMPLE, limit=None, source=None) == text.render(SAMPLE, limit=5, source=None)


FILES = {
    "spec/messages.yaml": [
        "entities:",
        *[f"  # line {n}" for n in range(2, 11)],
        "  messages:",
        "    primary_key: [id]   # the partition key is created_at",
    ],
    "spec/users.yaml": ["entities:", "  # users", "  users:", "    columns: {id: bigint}"],
    "spec/a,b:c.yaml": ["entities:", "  t:", "\tindexes: [{where: CURRENT_DATE < d}]"],
    "generated/schema.sql": [*(["-- header"] * 39), "CREATE TABLE users ("],
}


def test_text_quotes_the_line_with_the_span_underlined() -> None:
    assert text.render(SAMPLE, source=FILES.get) == (
        "error[SG701]: generated/schema.sql is stale: it differs from a fresh render of the spec from line 40\n"
        "  --> generated/schema.sql:40\n"
        "   |\n"
        "40 | CREATE TABLE users (\n"
        "   | ^^^^^^^^^^^^^^^^^^^^\n"  # no column: the whole line
        "   = hint: run `schemagen render` and commit the result\n"
        "\n"
        "error[SG702]: the spec has changes that no migration covers: add column users.locale\n"
        " --> spec\n"  # a folder: no line to quote
        "  = hint: run `schemagen migrate new NAME` and commit the migration\n"
        "\n"
        "warning[SG102]: index predicate `a > 1%`: 50% off,\n"
        "really: CURRENT_DATE is not IMMUTABLE\n"
        " --> spec/a,b:c.yaml:3:1\n"
        "  |\n"
        "3 |  indexes: [{where: CURRENT_DATE < d}]\n"  # a tab shown as one space, so columns line up
        "  | ^\n"
        "\n"
        "error[SG301]: primary key of partitioned table `messages` lacks the partition key column(s) created_at\n"
        "  --> spec/messages.yaml:12:7\n"
        "   |\n"
        "12 |     primary_key: [id]   # the partition key is created_at\n"
        "   |       ^^^^^^^^^^^\n"  # to its end column
        "   = hint: add them: [id, created_at]\n"
        "\n"
        "error[SG902]: drops column users.avatar and its values\n"
        " --> spec/users.yaml:3:3\n"
        "  |\n"
        "3 |   users:\n"
        "  |   ^^^^^\n"
        "  = hint: keep the column, or allow it: `allow_destructive: [drop column users.avatar]`\n"
        "\n"
    )


def test_text_underlines_the_word_when_the_end_is_not_known() -> None:
    lines = ["entities:", "  users:", "    columns:", "      id: serial"]
    at = Diagnostic("SG106", "`serial` creates a sequence", "a.yaml", 4, 11)
    assert text.render([at], source=lambda _: lines).splitlines()[4] == "  |           ^^^^^^"
    multi = Diagnostic("SG004", "bad", "a.yaml", 3, 5, end_line=4, end_column=17)
    assert text.render([multi], source=lambda _: lines).splitlines()[4] == "  |     ^^^^^^^^"
    beyond = Diagnostic("SG004", "bad", "a.yaml", 9, 1)  # the file changed since: no quote
    assert text.render([beyond], source=lambda _: lines) == "error[SG004]: bad\n --> a.yaml:9:1\n\n"


def test_text_cuts_a_long_line_around_the_span() -> None:
    line = "q: " + "x" * 300 + " t.assignee " + "y" * 300
    column = line.index("t.assignee") + 1
    at = Diagnostic("SG505", "no such column", "a.yaml", 1, column, end_line=1, end_column=column + 10)
    quoted, carets = text.render([at], source=lambda _: [line]).splitlines()[3:5]
    assert quoted.startswith("1 | …x") and quoted.endswith("y…")
    assert quoted[carets.index("^") :].startswith("t.assignee ")
    assert carets.count("^") == 10


def test_text_in_colour() -> None:
    coloured = text.render(SAMPLE[4:], color=True, source=FILES.get)
    assert coloured.startswith("\x1b[1;31merror[SG902]\x1b[0m\x1b[1m: drops column")
    assert "\x1b[1;31m^^^^^\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text.render(SAMPLE[4:], source=FILES.get)


def test_text_without_a_place() -> None:
    (no_spec,) = [Diagnostic("SG001", "no spec files: nowhere does not exist", hint="point it at a folder")]
    assert text.render([no_spec]) == (
        "error[SG001]: no spec files: nowhere does not exist\n  = hint: point it at a folder\n\n"
    )


def test_a_spec_error_reads_as_the_text_layout() -> None:
    error = SpecError(SAMPLE[:1])
    assert str(error) == text.render(SAMPLE[:1]).rstrip("\n")


def test_json() -> None:
    rendered = json_format.render(SAMPLE)
    document = json.loads(rendered)
    assert document["version"] == 1
    assert document["summary"] == {"errors": 4, "warnings": 1}
    assert document["diagnostics"][0] == {
        "code": "SG701",
        "severity": "error",
        "message": "generated/schema.sql is stale: it differs from a fresh render of the spec from line 40",
        "file": "generated/schema.sql",
        "line": 40,
        "column": None,
        "end_line": None,
        "end_column": None,
        "hint": "run `schemagen render` and commit the result",
    }
    assert document["diagnostics"][3] == {
        "code": "SG301",
        "severity": "error",
        "message": "primary key of partitioned table `messages` lacks the partition key column(s) created_at",
        "file": "spec/messages.yaml",
        "line": 12,
        "column": 7,
        "end_line": 12,
        "end_column": 18,
        "hint": "add them: [id, created_at]",
    }
    assert [d["code"] for d in document["diagnostics"]] == ["SG701", "SG702", "SG102", "SG301", "SG902"]
    assert rendered.startswith('{\n  "version": 1,\n  "summary": {\n    "errors": 4,')
    assert json.loads(json_format.render([])) == {
        "version": 1,
        "summary": {"errors": 0, "warnings": 0},
        "diagnostics": [],
    }


def test_github() -> None:
    assert github.render(SAMPLE) == (
        "::error file=generated/schema.sql,line=40,title=schemagen (SG701)::generated/schema.sql is stale: it "
        "differs from a fresh render of the spec from line 40%0Afix: run `schemagen render` and commit the result\n"
        "::error file=spec,title=schemagen (SG702)::the spec has changes that no migration covers: add column "
        "users.locale%0Afix: run `schemagen migrate new NAME` and commit the migration\n"
        "::warning file=spec/a%2Cb%3Ac.yaml,line=3,col=1,title=schemagen (SG102)::index predicate `a > 1%25`: "
        "50%25 off,%0Areally: CURRENT_DATE is not IMMUTABLE\n"
        "::error file=spec/messages.yaml,line=12,col=7,endLine=12,endColumn=18,title=schemagen (SG301)::primary "
        "key of partitioned table `messages` lacks the partition key column(s) created_at%0Afix: add them: "
        "[id, created_at]\n"
        "::error file=spec/users.yaml,line=3,col=3,endLine=3,endColumn=8,title=schemagen (SG902)::drops column "
        "users.avatar and its values%0Afix: keep the column, or allow it: `allow_destructive: [drop column "
        "users.avatar]`\n"
    )
    assert github.render([]) == ""

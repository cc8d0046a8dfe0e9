"""Each output format's exact text, pinned: a changed byte is a changed contract."""

from __future__ import annotations

import json

from schemagen.diagnostics import Diagnostic, Severity
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
]


def test_text() -> None:
    assert text.render(SAMPLE) == (
        "generated/schema.sql:\n"
        "  40: error[SG701]: generated/schema.sql is stale: it differs from a fresh render of the spec from line 40\n"
        "      fix: run `schemagen render` and commit the result\n"
        "\n"
        "spec:\n"
        "  error[SG702]: the spec has changes that no migration covers: add column users.locale\n"
        "      fix: run `schemagen migrate new NAME` and commit the migration\n"
        "\n"
        "spec/a,b:c.yaml:\n"
        "  3:1: warning[SG102]: index predicate `a > 1%`: 50% off,\n"
        "really: CURRENT_DATE is not IMMUTABLE\n"
        "\n"
        "spec/messages.yaml:\n"
        "  12:7: error[SG301]: primary key of partitioned table `messages` lacks the partition key column(s) "
        "created_at\n"
        "      fix: add them: [id, created_at]\n"
    )
    assert text.render([]) == ""
    assert text.render(SAMPLE, limit=1).endswith("… and 3 more\n")


def test_json() -> None:
    rendered = json_format.render(SAMPLE)
    document = json.loads(rendered)
    assert document["version"] == 1
    assert document["summary"] == {"errors": 3, "warnings": 1}
    assert document["diagnostics"][0] == {
        "code": "SG701",
        "severity": "error",
        "message": "generated/schema.sql is stale: it differs from a fresh render of the spec from line 40",
        "file": "generated/schema.sql",
        "line": 40,
        "column": None,
        "hint": "run `schemagen render` and commit the result",
    }
    assert [d["code"] for d in document["diagnostics"]] == ["SG701", "SG702", "SG102", "SG301"]
    assert rendered.startswith('{\n  "version": 1,\n  "summary": {\n    "errors": 3,')
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
        "::error file=spec/messages.yaml,line=12,col=7,title=schemagen (SG301)::primary key of partitioned table "
        "`messages` lacks the partition key column(s) created_at%0Afix: add them: [id, created_at]\n"
    )
    assert github.render([]) == ""

"""What PostgreSQL refuses for want of a built-in object, caught statically and proven on a real server.

Each case is a spec the server refuses, caught by validate at the YAML line of what is wrong, and its
counterpart written right, which both accept. Each bad spec's schema.sql (rendered from its Model,
errors and all) is applied to a real server, which must refuse it: that is what proves the check
right. Then the literal and expression resolvers are compared with the server on samples, so that a
static check never refuses what PostgreSQL takes; and the packaged catalog is compared with the
test server's own.
"""

from __future__ import annotations

import importlib.util
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from schemagen.build import build
from schemagen.build.writer import render_spec, write_spec
from schemagen.check import checks
from schemagen.database.cluster import DatabaseError, ThrowawayCluster
from schemagen.database.live import apply_rolled_back, connect
from schemagen.diagnostics import Diagnostic, Severity
from schemagen.load import loader
from schemagen.model import Column, Model, Project, Table
from schemagen.parse import spec as spec_shape
from schemagen.pipeline import compile_spec, render_outputs
from schemagen.postgres import builtins, literals, resolve
from schemagen.postgres.expressions import parse_expression

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT = "project: {name: t, postgres: 15}\n"


@dataclass(frozen=True)
class Case:
    bad: str  # a spec (after PROJECT unless it has its own `project:`)
    code: str
    line: int  # of the bad spec, counting the project line as 1
    good: str


def table(columns: str, extra: str = "") -> str:
    return f"entities:\n  t:\n    columns:\n{textwrap.indent(textwrap.dedent(columns), '      ')}{extra}"


def indexes(*lines: str, columns: str = "id: {type: bigint, primary_key: true}\n") -> str:
    body = "".join(f"      - {line}\n" for line in lines)
    return table(columns, "    indexes:\n" + body)


CASES: dict[str, Case] = {
    "extension whose requirement is not listed": Case(
        "project: {name: t, extensions: [earthdistance]}\n" + table("id: bigint\n"),
        "SG606",
        1,
        "project: {name: t, extensions: [earthdistance, cube]}\n" + table("id: bigint\n"),
    ),
    "hash index of two columns": Case(
        indexes("{columns: [a, b], using: hash}", columns="a: bigint\nb: bigint\n"),
        "SG410",
        8,
        indexes("{columns: [a, b], using: btree}", columns="a: bigint\nb: bigint\n"),
    ),
    "gin index with INCLUDE": Case(
        indexes("{columns: [tags], using: gin, include: [id]}", columns="id: bigint\ntags: text[]\n"),
        "SG410",
        8,
        indexes("{columns: [tags], using: gin}", columns="id: bigint\ntags: text[]\n"),
    ),
    "brin index with INCLUDE": Case(
        indexes("{columns: [at], using: brin, include: [id]}", columns="id: bigint\nat: date\n"),
        "SG410",
        8,
        indexes("{columns: [at], using: btree, include: [id]}", columns="id: bigint\nat: date\n"),
    ),
    "unique hash index": Case(
        indexes("{columns: [a], using: hash, unique: true}", columns="a: bigint\n"),
        "SG410",
        7,
        indexes("{columns: [a], unique: true}", columns="a: bigint\n"),
    ),
    "spgist index of two columns": Case(
        indexes("{columns: [p, q], using: spgist}", columns="p: point\nq: point\n"),
        "SG410",
        8,
        indexes("{columns: [p], using: spgist}", columns="p: point\nq: point\n"),
    ),
    "DESC on a gist index": Case(
        indexes("{columns: [p DESC], using: gist}", columns="p: point\n"),
        "SG410",
        7,
        indexes("{columns: [p], using: gist}", columns="p: point\n"),
    ),
    "operator class that does not exist": Case(
        indexes("{columns: [name foo_ops]}", columns="name: text\n"),
        "SG411",
        7,
        indexes("{columns: [name text_pattern_ops]}", columns="name: text\n"),
    ),
    "operator class that does not take the column's type": Case(
        indexes("{columns: [n int8_ops]}", columns="n: integer\n"),
        "SG411",
        7,
        indexes("{columns: [n int4_ops]}", columns="n: integer\n"),
    ),
    "varchar in a gin index": Case(
        "project: {name: t, extensions: [pg_trgm]}\n"
        + indexes("{columns: [name], using: gin}", columns="name: varchar(32)\n"),
        "SG411",
        7,
        "project: {name: t, extensions: [pg_trgm]}\n"
        + indexes("{columns: [name gin_trgm_ops], using: gin}", columns="name: varchar(32)\n"),
    ),
    "tsvector in an spgist index": Case(
        indexes("{columns: [doc], using: spgist}", columns="doc: tsvector\n"),
        "SG411",
        7,
        indexes("{columns: [doc], using: gin}", columns="doc: tsvector\n"),
    ),
    "operator class of an extension not named": Case(
        indexes("{columns: [name gin_trgm_ops], using: gin}", columns="name: text\n"),
        "SG606",
        7,
        "project: {name: t, extensions: [pg_trgm]}\n"
        + indexes("{columns: [name gin_trgm_ops], using: gin}", columns="name: text\n"),
    ),
    "json primary key": Case(
        table("doc: json\n", "    primary_key: [doc]\n"),
        "SG411",
        6,
        table("doc: jsonb\n", "    primary_key: [doc]\n"),
    ),
    "point as a range partition key": Case(
        table("at: point\n", "    partition:\n      hash: {key: at, modulus: 2}\n"),
        "SG411",
        7,
        table("at: date\n", "    partition:\n      hash: {key: at, modulus: 2}\n"),
    ),
    "collation on bigint": Case(
        table("id: {type: bigint, collation: C}\n"),
        "SG116",
        5,
        table("id: bigint\nname: {type: text, collation: C}\n"),
    ),
    "collation on date": Case(
        table("day: {type: date, collation: C}\n"),
        "SG116",
        5,
        table("day: date\n"),
    ),
    "collation on timestamptz": Case(
        table("at: {type: timestamptz, collation: POSIX}\n"),
        "SG116",
        5,
        table("at: {type: text, collation: POSIX}\n"),
    ),
    "collation the server lacks": Case(
        table("name: {type: text, collation: Cx}\n"),
        "SG116",
        5,
        table("name: {type: text, collation: und-x-icu}\n"),
    ),
    "collation in an expression on integer": Case(
        table("n: {type: integer, check: 'n COLLATE \"C\" > 0'}\n"),
        "SG116",
        5,
        table("n: {type: text, check: 'n COLLATE \"C\" > ''a'''}\n"),
    ),
    "pg_ schema": Case(
        "project: {name: t, schema: pg_app}\n" + table("id: bigint\n"),
        "SG408",
        1,
        "project: {name: t, schema: app}\n" + table("id: bigint\n"),
    ),
    "system schema": Case(
        table("id: bigint\n", "    schema: pg_catalog\n"),
        "SG408",
        6,
        table("id: bigint\n", "    schema: public\n"),
    ),
    "CHECK that is arithmetic": Case(
        table("n: {type: integer, check: n + 1}\n"),
        "SG113",
        5,
        table("n: {type: integer, check: n + 1 > 0}\n"),
    ),
    "CHECK that is a string": Case(
        table("n: integer\n", "    checks:\n      odd: \"'abc'\"\n"),
        "SG113",
        7,
        table("n: integer\n", "    checks:\n      odd: \"'yes'\"\n"),
    ),
    "CHECK that is a text column": Case(
        table("name: text\n", "    checks:\n      named: name\n"),
        "SG113",
        7,
        table("name: text\n", "    checks:\n      named: name <> ''\n"),
    ),
    "index WHERE that is not boolean": Case(
        indexes("{columns: [n], where: n * 2}", columns="n: integer\n"),
        "SG113",
        7,
        indexes("{columns: [n], where: n * 2 > 0}", columns="n: integer\n"),
    ),
    "aggregate in a check": Case(
        table("n: {type: integer, check: count(*) > 0}\n"),
        "SG114",
        5,
        table("n: {type: integer, check: abs(n) > 0}\n"),
    ),
    "aggregate in an index expression": Case(
        indexes("{expression: sum(n)}", columns="n: integer\n"),
        "SG114",
        7,
        indexes("{expression: abs(n)}", columns="n: integer\n"),
    ),
    "window function in a default": Case(
        table("n: {type: bigint, default: {sql: 'row_number() OVER ()'}}\n"),
        "SG114",
        5,
        table("n: {type: bigint, default: {sql: '1 + 1'}}\n"),
    ),
    "subquery in a check": Case(
        table("n: {type: integer, check: n > (SELECT 1)}\n"),
        "SG114",
        5,
        table("n: {type: integer, check: n > 1}\n"),
    ),
    "subquery in an index expression": Case(
        indexes("{expression: '(SELECT 1)'}", columns="n: integer\n"),
        "SG114",
        7,
        indexes("{expression: '(n + 1)'}", columns="n: integer\n"),
    ),
    "parameter in a default": Case(
        table("n: {type: integer, default: {sql: $1}}\n"),
        "SG114",
        5,
        table("n: {type: integer, default: {sql: '1'}}\n"),
    ),
    "column in a default": Case(
        table("n: integer\nm: {type: integer, default: {sql: n + 1}}\n"),
        "SG114",
        6,
        table("n: integer\nm: {type: integer, generated: n + 1}\n"),
    ),
    "set-returning function in a check": Case(
        table("n: {type: integer, check: 'generate_series(1, 2) > n'}\n"),
        "SG114",
        5,
        table("n: {type: integer, check: 'greatest(1, 2) > n'}\n"),
    ),
    "function that does not exist": Case(
        table("name: {type: text, check: lenght(name) > 0}\n"),
        "SG111",
        5,
        table("name: {type: text, check: length(name) > 0}\n"),
    ),
    "function with an argument of the wrong type": Case(
        table("n: {type: integer, check: length(n) > 0}\n"),
        "SG111",
        5,
        table("n: {type: integer, check: length(n::text) > 0}\n"),
    ),
    "function with too many arguments": Case(
        table("name: {type: text, check: 'length(name, 10) > 0'}\n"),
        "SG111",
        5,
        table("name: {type: text, check: 'left(name, 10) <> '''''}\n"),
    ),
    "function of an extension not named": Case(
        table("name: {type: text, check: \"similarity(name, 'x') > 0.3\"}\n"),
        "SG606",
        5,
        "project: {name: t, extensions: [pg_trgm]}\n"
        + table("name: {type: text, check: \"similarity(name, 'x') > 0.3\"}\n"),
    ),
    "operator with operands of the wrong types": Case(
        table("doc: {type: jsonb, check: doc > 5}\n"),
        "SG112",
        5,
        table("doc: {type: jsonb, check: \"(doc ->> 'n')::int > 5\"}\n"),
    ),
    "cast that does not exist": Case(
        table("n: {type: integer, check: n::inet IS NOT NULL}\n"),
        "SG117",
        5,
        table("n: {type: integer, check: n::text::numeric > 0}\n"),
    ),
    "default expression of another type": Case(
        table("n: {type: integer, default: {sql: now()}}\n"),
        "SG118",
        5,
        table("n: {type: timestamptz, default: {sql: now()}}\n"),
    ),
    "inet default that does not parse": Case(
        table("address: {type: inet, default: 10.0.0.256}\n"),
        "SG103",
        5,
        table("address: {type: inet, default: 10.0.0.255}\n"),
    ),
    "time default out of range": Case(
        table("opens: {type: time, default: '25:00'}\n"),
        "SG103",
        5,
        table("opens: {type: time, default: '23:00'}\n"),
    ),
    "box default with one point": Case(
        table("area: {type: box, default: '(1,2)'}\n"),
        "SG103",
        5,
        table("area: {type: box, default: '(1,2),(3,4)'}\n"),
    ),
    "array default with a word in it": Case(
        table("ids: {type: 'integer[]', default: [1, x]}\n"),
        "SG103",
        5,
        table("ids: {type: 'integer[]', default: [1, 2]}\n"),
    ),
    "ragged array default": Case(
        table("grid: {type: 'integer[]', default: [[1, 2], [3]]}\n"),
        "SG103",
        5,
        table("grid: {type: 'integer[]', default: [[1, 2], [3, 4]]}\n"),
    ),
    "bigint default out of range": Case(
        table("n: {type: bigint, default: '9223372036854775808'}\n"),
        "SG103",
        5,
        table("n: {type: bigint, default: '9223372036854775807'}\n"),
    ),
    "literal in a check that does not parse": Case(
        table("address: {type: inet, check: \"address << '10.0.0.0/33'\"}\n"),
        "SG115",
        5,
        table("address: {type: inet, check: \"address << '10.0.0.0/8'\"}\n"),
    ),
    "enum value that does not exist": Case(
        "enums:\n  mood: [happy, sad]\n" + table("m: {type: mood, check: \"m <> 'angry'\"}\n"),
        "SG115",
        7,
        "enums:\n  mood: [happy, sad]\n" + table("m: {type: mood, check: \"m <> 'sad'\"}\n"),
    ),
    "partition bound of the wrong type": Case(
        table("n: integer\n", "    partition:\n      list: {key: n, values: {a: [x]}}\n"),
        "SG115",
        7,
        table("n: integer\n", "    partition:\n      list: {key: n, values: {a: [1]}}\n"),
    ),
    "text search configuration that does not exist": Case(
        indexes("{using: gin, expression: \"to_tsvector('englsh', body)\"}", columns="body: text\n"),
        "SG115",
        7,
        indexes("{using: gin, expression: \"to_tsvector('english', body)\"}", columns="body: text\n"),
    ),
    "type of an extension not named": Case(
        table("email: citext\n"),
        "SG606",
        5,
        "project: {name: t, extensions: [citext]}\n" + table("email: citext\n"),
    ),
    "more than 1600 columns": Case(
        "entities:\n  wide:\n    columns: {" + ", ".join(f"c{i}: integer" for i in range(1601)) + "}\n",
        "SG409",
        3,
        "entities:\n  wide:\n    columns: {" + ", ".join(f"c{i}: integer" for i in range(1600)) + "}\n",
    ),
    "duplicate column": Case(
        "entities:\n  a: {columns: {id: {type: bigint, primary_key: true}}}\n"
        "  b: {columns: {id: {type: bigint, primary_key: true}}}\n"
        "relationships:\n  - many_to_many: [a, b]\n    through: ab\n    columns: {a_id: bigint}\n",
        "SG406",
        8,
        "entities:\n  a: {columns: {id: {type: bigint, primary_key: true}}}\n"
        "  b: {columns: {id: {type: bigint, primary_key: true}}}\n"
        "relationships:\n  - many_to_many: [a, b]\n    through: ab\n    columns: {note: text}\n",
    ),
    "foreign key named as PostgreSQL names a partition's": Case(
        "entities:\n  m:\n    columns: {id: bigint, at: timestamptz}\n    primary_key: [id, at]\n"
        "    partition: {hash: {key: id, modulus: 2}}\n"
        "  e:\n    columns: {id: {type: bigint, primary_key: true}, mid: bigint, mat: timestamptz, other: bigint}\n"
        "    foreign_keys:\n"
        "      - {columns: [mid, mat], references: {table: m, columns: [id, at]}}\n"
        "      - {columns: [mid, mat], references: {table: m, columns: [id, at]}, name: e_mid_mat_fkey1}\n",
        "SG402",
        11,
        "entities:\n  m:\n    columns: {id: bigint, at: timestamptz}\n    primary_key: [id, at]\n"
        "    partition: {hash: {key: id, modulus: 2}}\n"
        "  e:\n    columns: {id: {type: bigint, primary_key: true}, mid: bigint, mat: timestamptz, other: bigint}\n"
        "    foreign_keys:\n"
        "      - {columns: [mid, mat], references: {table: m, columns: [id, at]}}\n"
        "      - {columns: [mid, mat], references: {table: m, columns: [id, at]}, name: e_mid_mat_other}\n",
    ),
    "function a view calls that does not exist": Case(
        table("id: bigint\n") + "views:\n  v: {query: 'SELECT coun(*) AS n FROM t'}\n",
        "SG111",
        7,
        table("id: bigint\n") + "views:\n  v: {query: 'SELECT count(*) AS n FROM t'}\n",
    ),
    "column a view reads that does not exist": Case(
        table("id: bigint\n") + "views:\n  v: {query: 'SELECT idd FROM t'}\n",
        "SG505",
        7,
        table("id: bigint\n") + "views:\n  v: {query: 'SELECT id FROM t'}\n",
    ),
    "bare name a view reads from another schema": Case(
        "project: {name: t, schema: app}\n"
        + table("id: bigint\n")
        + "views:\n  v: {query: 'SELECT id FROM t'}\n",
        "SG502",
        7,
        "project: {name: t, schema: app}\n"
        + table("id: bigint\n")
        + "views:\n  v: {query: 'SELECT id FROM app.t'}\n",
    ),
    "column a generated expression reads that does not exist": Case(
        table("n: integer\nm: {type: integer, generated: nn + 1}\n"),
        "SG401",
        6,
        table("n: integer\nm: {type: integer, generated: n + 1}\n"),
    ),
    "enum label longer than 63 bytes": Case(
        "enums:\n  e: [" + "x" * 64 + "]\n" + table("id: bigint\n"),
        "SG403",
        3,
        "enums:\n  e: [" + "x" * 63 + "]\n" + table("id: bigint\n"),
    ),
    "integer range bound out of range": Case(
        table("n: integer\n", "    partition:\n      range: {key: n, bounds: {a: [0, 2147483648]}}\n"),
        "SG115",
        7,
        table("n: integer\n", "    partition:\n      range: {key: n, bounds: {a: [0, 2147483647]}}\n"),
    ),
    "DEFAULT as a check": Case(
        table("n: {type: integer, check: DEFAULT}\n"),
        "SG114",
        5,
        table("n: {type: integer, check: n IS NOT NULL}\n"),
    ),
    "index of a bare literal": Case(
        indexes("{expression: \"''\"}", columns="n: text\n"),
        "SG411",
        7,
        indexes("{expression: \"('' || n)\"}", columns="n: text\n"),
    ),
    "type of a schema the spec does not create": Case(
        table("n: tex.t\n"),
        "SG105",
        5,
        "enums:\n  t: {values: [a], schema: tex}\n" + table("n: tex.t\n"),
    ),
    "constant partition key": Case(
        table("n: integer\n", "    partition:\n      hash: {key: 1 + 1, modulus: 2}\n"),
        "SG004",
        7,
        table("n: integer\n", "    partition:\n      hash: {key: n + 1, modulus: 2}\n"),
    ),
}
# An index name with a newline is a name PostgreSQL takes quoted: tested alone below.


def spec_text(text: str) -> str:
    return text if text.startswith("project:") else PROJECT + text


def judge(text: str) -> tuple[list[Diagnostic], str | None, tuple[str, ...]]:
    """The errors of a one-file spec, and its schema.sql rendered from its Model even so."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(spec_text(text), encoding="utf-8")
        raw = loader.load(Path(tmp))
        model, diagnostics = build.build(spec_shape.parse(raw), raw)
    diagnostics += checks.check(model)
    errors = [d for d in diagnostics if d.severity == Severity.ERROR]
    return errors, render_outputs(model)["schema.sql"], model.project.extensions


@pytest.fixture(scope="module")
def server(pg_cluster: ThrowawayCluster) -> Iterator[str]:
    """A database of this module's own; every script is applied in a transaction rolled back."""
    dsn = pg_cluster.create_database("builtin_checks")
    yield dsn
    pg_cluster.drop_database("builtin_checks")


def refusal(dsn: str, sql: str, extensions: tuple[str, ...]) -> str | None:
    try:
        apply_rolled_back(dsn, sql, extensions)
    except DatabaseError as error:
        return error.message
    return None


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_caught_at_its_line_and_refused_by_postgresql(case: Case, server: str) -> None:
    errors, sql, extensions = judge(case.bad)
    assert [(d.code, d.line) for d in errors] == [(case.code, case.line)], [
        (d.code, d.line, d.message) for d in errors
    ]
    assert sql is not None
    assert refusal(server, sql, extensions) is not None, "PostgreSQL took the spec validate refused"


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_the_counterpart_is_accepted_by_both(case: Case, server: str) -> None:
    errors, sql, extensions = judge(case.good)
    assert not errors, [(d.code, d.line, d.message) for d in errors]
    assert sql is not None
    assert refusal(server, sql, extensions) is None


def test_a_sequence_outside_the_spec_is_a_warning(server: str) -> None:
    """An adopted database keeps its serial columns' sequences outside the spec, so nextval() of a
    sequence the spec does not create is a warning (SG119), which the server proves on an empty
    database; nextval() of an identity column's sequence is not."""
    text = spec_text(table("n: {type: bigint, default: {sql: \"nextval('nope')\"}}\n"))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(text, encoding="utf-8")
        compiled = compile_spec(Path(tmp))
    assert [(d.code, d.line, d.severity) for d in compiled.warnings] == [("SG119", 5, Severity.WARNING)]
    sql = render_outputs(compiled.model)["schema.sql"]
    assert refusal(server, sql, ()) is not None
    good = table(
        "id: {type: bigint, identity: always}\nn: {type: bigint, default: {sql: \"nextval('t_id_seq')\"}}\n"
    )
    errors, sql, _ = judge(good)
    assert not errors and sql is not None and refusal(server, sql, ()) is None


def test_an_extension_that_does_not_exist_is_a_warning(server: str) -> None:
    """A server may have extensions of its own, so a name schemagen does not know is a warning (SG605)
    at its line, which the server proves right; declared `custom`, it is not one."""
    text = spec_text("project: {name: t, extensions: [pg_trgmx]}\n" + table("id: bigint\n"))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(text, encoding="utf-8")
        compiled = compile_spec(Path(tmp))
    assert [(d.code, d.line, d.severity) for d in compiled.warnings] == [("SG605", 1, Severity.WARNING)]
    assert "did you mean `pg_trgm`?" in compiled.warnings[0].message
    sql = render_outputs(compiled.model)["schema.sql"]
    assert refusal(server, sql, ()) is not None
    errors, sql, extensions = judge("project: {name: t, extensions: [pg_trgm]}\n" + table("id: bigint\n"))
    assert not errors and sql is not None and refusal(server, sql, extensions) is None


def test_index_name_with_a_newline_is_a_name(server: str) -> None:
    errors, sql, extensions = judge(indexes('{columns: [id], name: "ix\\n"}'))
    assert errors == [] and sql is not None
    assert 'CREATE INDEX "ix\n"' in sql
    assert refusal(server, sql, extensions) is None


def test_an_extension_of_ones_own_is_accepted_unchecked() -> None:
    errors, sql, _ = judge(
        "project: {name: t, extensions: [{name: acme_audit, custom: true}]}\n"
        + table("id: {type: bigint, default: {sql: acme_next_id()}}\n")
    )
    assert not errors
    assert sql is not None and "CREATE EXTENSION IF NOT EXISTS acme_audit;" in sql


def test_a_newer_postgres_than_the_catalog_accepts_what_it_lacks() -> None:
    """uuidv7() comes with PostgreSQL 18; the packaged catalog of 15 stands in for 18 and cannot say
    it does not exist there."""
    catalog = builtins.catalog(18)
    assert catalog.version == 15 and not catalog.exact and not catalog.complete
    errors, _, _ = judge(
        "project: {name: t, postgres: 18}\n" + table("id: {type: uuid, default: {sql: uuidv7()}}\n")
    )
    assert not errors
    errors, _, _ = judge(table("id: {type: uuid, default: {sql: uuidv7()}}\n"))
    assert [d.code for d in errors] == ["SG111"]


def test_the_nearest_catalog_stands_in_for_a_version_without_one() -> None:
    assert builtins.available_versions() == (15,)
    assert builtins.catalog(12).version == 15
    assert builtins.catalog(15).exact


def test_extensions_are_created_after_those_they_require() -> None:
    assert builtins.creation_order(["earthdistance", "cube", "pg_trgm"], 15) == (
        "cube",
        "earthdistance",
        "pg_trgm",
    )
    assert builtins.creation_order(["hstore"], 15) == ("hstore",)


# --- no false errors: the resolvers against the server --------------------------------------------------

LITERALS = {
    "integer": ["1", " 12 ", "-2147483648", "2147483648", "1.5", "abc", "", "+3", "1e3"],
    "bigint": ["9223372036854775807", "9223372036854775808", "12a"],
    "numeric(5,2)": ["999.99", "999.995", "1000", "-999.994", "Infinity", "0.001", "NaN", ".5"],
    "real": ["1e38", "1e39", "1e-45", "1e-46", "nan", "-inf"],
    "double precision": ["1e308", "1e309", "1e-320", "1e-400", "abc"],
    "boolean": ["t", "TRUE", "yes", "y", "on", "of", "o", "1", "0", "abc", "", " true ", "off"],
    "bit(3)": ["101", "102", "x5", "b101"],
    "bytea": ["\\x00ff", "\\x0", "\\xzz", "abc", "\\001", "\\9", "\\\\", "\\x 00 ff"],
    "uuid": [
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
        "xyz",
    ],
    "date": [
        "2024-01-01",
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "today",
        "abc",
        "01/02/2024",
        "January 8, 1999",
    ],
    "timestamp with time zone": [
        "2024-01-01 10:00:00+00",
        "2024-01-01T25:00",
        "2024-01-01 24:00:00",
        "now",
        "x",
    ],
    "time without time zone": ["12:00", "24:00", "24:00:01", "25:00", "12:60", "12:00:60", "allballs", "abc"],
    "interval": ["1 day", "1 lightyear", "P1D", "abc", "1", "1-2", "3 4:05:06", "@ 1 minute ago", "2 weeks"],
    "inet": ["10.0.0.1", "10.0.0.1/8", "10.0.0.256", "::1", "abc", "10", "10.0.0.1/33", "2001:db8::/32"],
    "cidr": ["10.0.0.0/8", "10.0.0.1/8", "10/8", "192.168", "::/0", "x"],
    "macaddr": [
        "08:00:2b:01:02:03",
        "08-00-2b-01-02-03",
        "0800.2b01.0203",
        "08:00:2b:01:02",
        "zz:00:2b:01:02:03",
    ],
    "point": ["(1,2)", "1,2", "(1,2,3)", "abc"],
    "box": ["(1,2),(3,4)", "((1,2),(3,4))", "1,2,3,4", "(1,2)"],
    "circle": ["<(1,2),3>", "((1,2),3)", "<(1,2),-3>", "(1,2)"],
    "line": ["{1,2,3}", "{0,0,1}", "[(1,2),(3,4)]", "[(1,2),(1,2)]"],
    "path": ["[(1,2),(3,4)]", "(1,2)", "1,2,3"],
    "json": ["{}", "[1,2]", '"a"', "abc", "NaN", '{"a":}', '"\\ud800"'],
    "jsonb": ['{"a": 1}', '"\\u0000"', '"\\ud83d\\ude00"', '"\\ude00"'],
    "integer[]": [
        "{}",
        "{1,2}",
        "{1,a}",
        "{{1,2},{3}}",
        "{{1,2},{3,4}}",
        "1,2",
        "{1,2",
        '{"1", NULL}',
        "{1,,2}",
    ],
    "text[]": ['{a,"b c",NULL}', "{a b}", '{"a"b}', "{}", "{,}", "{a,}"],
    "int4range": ["[1,10)", "(,5]", "empty", "[10,1)", "[a,1)", "[1,2,3)", "1,2"],
    "daterange": ["[2024-01-01,2024-02-01)", "[2024-02-01,2024-01-01)"],
    "int4multirange": ["{}", "{[1,2), [3,4)}", "{[2,1)}", "[1,2)"],
    "box[]": ["{(1,2),(3,4);(5,6),(7,8)}"],
}


def server_refuses(conn: psycopg.Connection, sql: str, *params: object) -> str | None:
    try:
        with conn.transaction():
            conn.execute(sql, params or None)
            raise psycopg.Rollback()
    except psycopg.Error as error:
        return str(error).splitlines()[0]
    return None


def test_literals_are_judged_as_postgresql_judges_them(server: str) -> None:
    """Every literal the static check refuses, the server's input function refuses too; and the
    samples it lets through that the server refuses are few and known."""
    missed = []
    with connect(server, autocommit=True) as conn:
        for type_, texts in LITERALS.items():
            for text in texts:
                mine = literals.input_problem(text, type_, assignment=False)
                theirs = server_refuses(conn, f"SELECT %s::{type_}", text)
                assert not (mine and not theirs), (
                    f"{type_} {text!r}: refused ({mine}), but PostgreSQL takes it"
                )
                if theirs and not mine:
                    missed.append((type_, text))
    # date/time spellings are not judged statically (DateStyle): what only --live catches
    assert missed == [("date", "01/02/2024")] or set(missed) <= {("date", "01/02/2024")}, missed


EXPRESSIONS = {
    "check": [
        "i > 0",
        "i + 1",
        "'abc'",
        "'yes'",
        "t",
        "length(t) > 0",
        "length(i) > 0",
        "lenght(t) > 0",
        "count(*) > 0",
        "row_number() OVER () > 0",
        "row_number() > 0",
        "i > (SELECT 1)",
        "i > $1",
        "generate_series(1, 2) > 0",
        "ip = 'abc'",
        "ip << '10.0.0.0/8'",
        "m = 'angry'",
        "m IN ('happy', 'sad')",
        "j > 5",
        "j ? 'a'",
        "jsonb_typeof(j) = 'array'",
        "i LIKE 'a%'",
        "t ILIKE '%x%'",
        "similarity(t, 'abc') > 0.3",
        "ts > '2024-02-30'",
        "d > current_date - 30",
        "i::inet IS NULL",
        "t::inet IS NULL",
        "'1.2.3.999'::inet IS NULL",
        "i::foo IS NULL",
        "arr @> ARRAY[1]",
        "arr @> ARRAY['x']",
        "coalesce(i, 'x') > 0",
        "greatest(i, b) > 0",
        "CASE WHEN i THEN true ELSE false END",
        "i IS TRUE",
        "flag AND i",
        "t COLLATE \"C\" > 'a'",
        "t COLLATE \"xx\" > 'a'",
        'i COLLATE "C" > 1',
        "substring(t FROM 1 FOR 2) = 'ab'",
        "position('a' IN t) > 0",
        "extract(year FROM d) > 2000",
        "trim(t) <> ''",
        "t SIMILAR TO 'a%'",
        "concat(t, i, b) <> ''",
        "format('%s', i) <> ''",
        "abs(t) > 0",
        "round(n, 2) > 0",
        "to_tsvector('english', t) @@ to_tsquery('english', 'a')",
        "to_tsvector('english', i) IS NULL",
        "nullif(i, 0) > 0",
        "(arr)[1] > 0",
        "ts + interval '1 day' > ts",
        "ts > now() - '1 day'",
        "t || i = 'y'",
        "i || i = 'y'",
        "make_interval(days => 1) > interval '0'",
        "array_append(arr, 'x') IS NOT NULL",
        "i = ANY(arr)",
        "i BETWEEN 1 AND 'x'",
        "ARRAY[] IS NOT NULL",
        "jsonb_set(j, '{a}', '1') IS NOT NULL",
        "(js -> 'n')::int > 0",
        "'9999'::numeric(3,1) > 0",
        "u = 'not-a-uuid'",
        "t::regconfig IS NOT NULL",
        "to_tsvector('englsh', t) IS NOT NULL",
        "pt <-> point(1, 2) > 0",
    ],
    "index expression": ["lower(t)", "count(i)", "(i + 1)", "generate_series(1, i)", "(SELECT 1)"],
    "default": ["5", "now()", "i + 1", "count(*)", "'abc'::int", "gen_random_uuid()", "nextval('x')"],
    "index predicate": ["i + 1", "flag", "t"],
}
COLUMNS = {
    "i": "integer",
    "b": "bigint",
    "t": "text",
    "j": "jsonb",
    "js": "json",
    "ts": "timestamp with time zone",
    "d": "date",
    "ip": "inet",
    "m": "mood",
    "flag": "boolean",
    "arr": "integer[]",
    "n": "numeric(10,2)",
    "pt": "point",
    "u": "uuid",
}
TEMPLATES = {
    "check": "ALTER TABLE t ADD CONSTRAINT c CHECK ({})",
    "index predicate": "CREATE INDEX ON t (i) WHERE {}",
    "index expression": "CREATE INDEX ON t (({}))",
    "default": "ALTER TABLE t ADD COLUMN zz text DEFAULT ({})",
}


def test_expressions_are_resolved_as_postgresql_resolves_them(server: str) -> None:
    """An expression the static checks refuse, PostgreSQL refuses too; most it refuses are caught."""
    catalog = builtins.catalog(15, ["pg_trgm"])
    enums = {"mood": ("happy", "sad")}
    caught = missed = 0
    with connect(server, autocommit=True) as conn, conn.transaction(force_rollback=True):
        conn.execute("CREATE EXTENSION pg_trgm")
        conn.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
        conn.execute("CREATE TABLE t (" + ", ".join(f"{k} {v}" for k, v in COLUMNS.items()) + ")")
        for context, texts in EXPRESSIONS.items():
            for text in texts:
                scope = resolve.Scope(catalog, COLUMNS, enums, context, relations=frozenset({"t"}))
                analysis = resolve.analyze(parse_expression(text).node, scope)
                mine = [p.message for p in analysis.problems]
                if context == "default":
                    problem = resolve.assignment_problem(catalog, analysis.type, "text")
                    mine += [problem] if problem else []
                theirs = server_refuses(conn, TEMPLATES[context].format(text))
                assert not (mine and not theirs), (
                    f"{context} `{text}`: refused ({mine}), but PostgreSQL takes it"
                )
                caught += bool(mine and theirs)
                missed += bool(theirs and not mine)
    assert caught >= 40 and missed == 0, (caught, missed)


# --- the packaged catalog is the server's ---------------------------------------------------------------


def load_script() -> object:
    spec = importlib.util.spec_from_file_location(
        "builtin_catalog", REPO_ROOT / "scripts" / "builtin_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_packaged_catalog_is_the_test_servers(server: str) -> None:
    """scripts/builtin_catalog.py reads the same core catalog from this server as the packaged file
    holds (collations and extensions depend on the machine, and are left out; so do the functions
    only pg_upgrade calls, `binary_upgrade_*`, which minor releases add: 15.20 brought one)."""
    script = load_script()
    with connect(server, autocommit=True) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
        assert row is not None
        core = script.read_core(conn)  # type: ignore[attr-defined]
    raw = builtins._raw(int(row[0]) // 10000)
    for key in ("types", "functions", "operators", "opclasses", "casts"):
        if key == "functions":
            assert _callable(core[key]) == _callable(raw[key]), key
        else:
            assert core[key] == raw[key], key


def _callable(functions: dict[str, object]) -> dict[str, object]:
    return {name: forms for name, forms in functions.items() if not name.startswith("binary_upgrade_")}


def test_inspect_writes_an_unknown_extension_as_custom(tmp_path: Path) -> None:
    """An inspected database's extension schemagen does not know is written `custom: true`, so the spec
    it writes validates; a known one is written by name."""
    model = Model(
        project=Project(
            "adopted", extensions=("acme_audit", "pg_trgm"), custom_extensions=frozenset({"acme_audit"})
        ),
        tables=(Table("t", "public", (Column("id", "bigint"),)),),
    )
    text = render_spec(model)["project.yaml"]
    assert "extensions: [{name: acme_audit, custom: true}, pg_trgm]" in text
    write_spec(model, tmp_path / "spec")
    compiled = compile_spec(tmp_path / "spec")
    assert compiled.model.project.extensions == ("acme_audit", "pg_trgm")
    assert compiled.model.project.custom_extensions == {"acme_audit"}
    assert builtins.known_extension("pg_trgm", 15) and builtins.known_extension("postgis", 15)
    assert not builtins.known_extension("acme_audit", 15)


def test_a_catalog_with_the_specs_functions_lives_as_long_as_the_process() -> None:
    """The checks cache their findings by a catalog's id: a catalog freed after one spec handed its id
    to the next spec's, which then found what the first one's catalog allowed (uuidv7() on 15)."""
    base = builtins.catalog(15)
    assert builtins.with_functions(base, []) is base
    own = [("touch", "", "trigger", "volatile")]
    first = builtins.with_functions(base, own)
    assert first is not base and "touch" in first.functions
    assert builtins.with_functions(base, list(own)) is first

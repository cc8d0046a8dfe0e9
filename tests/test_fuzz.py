"""Property tests of bad input: mutated valid specs never crash, they compile or get diagnostics.

Valid base specs (the example under `spec/` and a small one exercising partitions, relationships, views,
enums, mixins and index predicates) are mutated — keys dropped or renamed, values of the wrong type,
hostile text in names and expressions, list items duplicated, sections renamed, files replaced with
noise — and written back as YAML. Whatever comes out, schemagen either accepts it (and then renders SQL
that parses) or reports diagnostics; an exception of any other kind is a bug.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagen.build import build
from schemagen.check import checks
from schemagen.cli import cli
from schemagen.database.cluster import DatabaseError
from schemagen.database.live import apply_rolled_back
from schemagen.diagnostics import Diagnostic, Severity, SpecError
from schemagen.load import loader
from schemagen.parse import spec as spec_shape
from schemagen.pipeline import compile_spec, render_outputs

REPO_ROOT = Path(__file__).resolve().parents[1]
Files = dict[str, Any]  # file name -> YAML data, or bytes written verbatim
Node = tuple[str | int, ...]  # (file name, key or index, ...)

SMALL_SPEC: Files = yaml.safe_load(
    textwrap.dedent("""\
    project.yaml:
      project: {name: fuzz-base, postgres: 15}
      mixins:
        stamped:
          columns:
            created_at: {type: timestamptz, default: {sql: now()}}
          indexes:
            - columns: [created_at]
      enums:
        mood: [happy, sad]
    tables.yaml:
      entities:
        accounts:
          comment: "It's an account"
          mixins: [stamped]
          columns:
            id: {type: bigint, identity: always, primary_key: true}
            handle: {type: varchar(32), unique: true}
            mood: {type: mood, default: happy}
            score: {type: integer, default: 0, check: "score >= 0"}
            tags: {type: "text[]", default: [a, "b c"]}
            settings: {type: jsonb, nullable: true, default: {dark: true}}
            ratio: {type: double precision, default: 0.5}
            nick: {type: text, nullable: true, collation: C, default: "it's"}
            lower_handle: {type: text, generated: "lower(handle)"}
          checks:
            handle_not_empty: "length(handle) > 0"
          indexes:
            - {expression: "lower(handle)", unique: true}
            - {columns: [score DESC], where: "score > 10", include: [handle]}
        events:
          columns:
            id: bigint
            account_id: {type: bigint, references: {table: accounts, on_delete: cascade}}
            happened_at: timestamptz
            region: text
          primary_key: [id, happened_at, region]
          partition:
            range: {key: happened_at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
            then:
              list:
                key: region
                values: {eu: [de, fr], us: [us]}
                default: true
          archive: {after: 365 days, column: happened_at}
        readings:
          columns:
            sensor: integer
            value: numeric(10,2)?
          partition:
            range:
              key: sensor
              bounds: {low: [0, 100], high: [100, 200]}
            then:
              hash: {key: sensor, modulus: 2}
        shards:
          columns:
            id: {type: bigint, primary_key: true}
          partition:
            hash: {key: id, modulus: 3}
      relationships:
        - many_to_many: [accounts, shards]
          through: account_shards
          on_delete: cascade
          columns:
            note: text?
      views:
        account_scores:
          query: SELECT id, score FROM accounts WHERE score > 0
        event_counts:
          materialized: true
          query: SELECT account_id, count(*) AS n FROM events GROUP BY account_id
          unique: [account_id]
          refresh: concurrently
    """)
)


def example_spec() -> Files:
    """The repository's example spec, one raw data tree per file."""
    root = REPO_ROOT / "spec"
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(root.glob("*.yaml"))}


BASES: dict[str, Files] = {"example": example_spec(), "small": SMALL_SPEC}
SECTIONS = ("project", "mixins", "enums", "entities", "relationships", "views")

INJECTIONS = (
    "0); DROP TABLE x; --",
    "x'); DROP TABLE users; --",
    "'",
    '"',
    "''",
    '""',
    ";",
    "--",
    "/*",
    "*/",
    "$$",
    "$body$",
    "$1",
    "\\",
    "a b",
    "SELECT",
    "select 1",
    "DROP TABLE users",
    "COMMIT",
    "NULL",
    "DEFAULT",
    "user",
    "true",
    "1e999",
    "-1",
    "0",
    "()",
    "(",
    ")",
    "[]",
    "{}",
    "{table}",
    "{{ x }}",
    "{% raw %}",
    "%s",
    "é",
    "日本語",
    "😀",
    "\t",
    "\r\n",
    "\x1b[31m",
    "\x7f",
    "\u200b",
    "\u2028",
    "\ufeff",
    "\U0010ffff",
    "NaN",
    "Infinity",
    "2024-02-30",
    "now()",
    "CURRENT_DATE",
    "x" * 64,
    "é" * 40,
    "(" * 300,
    "1+" * 500 + "1",
    "a" * 5000,
)

# Any character but surrogates (not encodable) and NUL (test_nul_character_is_diagnosed); controls too.
characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
random_text = st.text(characters, max_size=20)
nasty_text = st.one_of(
    st.sampled_from(INJECTIONS),
    random_text,
    st.lists(st.one_of(st.sampled_from(INJECTIONS), random_text), min_size=1, max_size=4).map("".join),
)
# Values at the edges of what a literal, a bound or a count can hold.
EDGE_VALUES = (
    float("nan"),
    float("inf"),
    float("-inf"),
    -1,
    0,
    2**31,
    2**63,
    "",
    " ",
    "MINVALUE",
    "MAXVALUE",
    [],
    {},
)
scalars = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    nasty_text,
    st.dates(),
    st.datetimes(),
)
other_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.one_of(nasty_text, st.integers()), scalars, max_size=3),
)


def walk(value: Any, path: Node) -> Iterator[Node]:
    """Every node below `path`, the node itself first."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, (*path, index))


def get(files: Files, path: Node) -> Any:
    value: Any = files
    for part in path:
        value = value[part]
    return value


def nodes(files: Files, accept: Callable[[Node, Any], bool]) -> list[Node]:
    found: list[Node] = []
    for name, data in files.items():
        if isinstance(data, bytes):
            continue
        found += [p for p in walk(data, (name,)) if accept(p, get(files, p))]
    return found


def rename_key(mapping: dict[Any, Any], old: Any, new: Any) -> None:
    """Rename a key in place, keeping its position (a key renamed onto another replaces it)."""
    items = [(new if key == old else key, value) for key, value in mapping.items()]
    mapping.clear()
    mapping.update(items)


def in_mapping(files: Files, path: Node) -> bool:
    return len(path) >= 2 and isinstance(get(files, path[:-1]), dict)


def drop(draw: st.DrawFn, files: Files) -> None:
    """Delete a mapping key or a list item anywhere."""
    candidates = nodes(files, lambda p, _: len(p) >= 2)
    if candidates:
        path = draw(st.sampled_from(candidates))
        del get(files, path[:-1])[path[-1]]


def retype(draw: st.DrawFn, files: Files) -> None:
    """Replace a value (a whole file's data included) with a value of some other type."""
    path = draw(st.sampled_from(nodes(files, lambda p, _: True) or [()]))
    if not path:
        return
    replacement = draw(other_values)
    if len(path) == 1:
        files[path[0]] = replacement
    else:
        get(files, path[:-1])[path[-1]] = replacement


def hostile_name(draw: st.DrawFn, files: Files) -> None:
    """Put hostile text into a mapping key: an entity, column, check, enum or partition name."""
    candidates = nodes(files, lambda p, _: in_mapping(files, p))
    if candidates:
        path = draw(st.sampled_from(candidates))
        rename_key(get(files, path[:-1]), path[-1], draw(nasty_text))


def hostile_string(draw: st.DrawFn, files: Files) -> None:
    """Replace a string value (an expression, a type, a reference) or splice hostile text into it."""
    candidates = nodes(files, lambda p, v: len(p) >= 2 and isinstance(v, str))
    if candidates:
        path = draw(st.sampled_from(candidates))
        old: str = get(files, path)
        text = draw(nasty_text)
        at = draw(st.integers(min_value=0, max_value=len(old)))
        new = draw(st.sampled_from([text, old[:at] + text + old[at:]]))
        get(files, path[:-1])[path[-1]] = new


EDGE_NUMBERS = (float("nan"), float("inf"), float("-inf"), -1, 0, 1, 0.5, 2**31, 2**63, 10**30, 1e308)
EDGE_DATES = (
    date(1, 1, 1),
    date(2024, 2, 29),
    date(9999, 12, 31),
    datetime(9999, 12, 31, 23, 59, 59),
    datetime(2024, 1, 1, 12, 30, tzinfo=UTC),
)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def edge_value(draw: st.DrawFn, files: Files) -> None:
    """Keep a value's kind but push it to an edge: NaN or a huge count, a far date, an empty list."""
    kinds: dict[str, tuple[Callable[[Any], bool], st.SearchStrategy[Any]]] = {
        "number": (is_number, st.sampled_from(EDGE_NUMBERS)),
        "date": (lambda v: isinstance(v, date), st.sampled_from(EDGE_DATES)),
        "list": (lambda v: isinstance(v, list), st.sampled_from(([], [None], [""], [float("nan")]))),
    }
    accept, values = kinds[draw(st.sampled_from(sorted(kinds)))]
    candidates = nodes(files, lambda p, v: len(p) >= 2 and accept(v))
    if candidates:
        path = draw(st.sampled_from(candidates))
        get(files, path[:-1])[path[-1]] = copy.deepcopy(draw(values))


def duplicate_item(draw: st.DrawFn, files: Files) -> None:
    """Repeat a list item next to itself (a column in a key, an index, a relationship)."""
    candidates = nodes(files, lambda p, v: len(p) >= 2 and isinstance(v, list) and len(v) > 0)
    if candidates:
        items = get(files, draw(st.sampled_from(candidates)))
        index = draw(st.integers(min_value=0, max_value=len(items) - 1))
        items.insert(index, copy.deepcopy(items[index]))


def rename_section(draw: st.DrawFn, files: Files) -> None:
    """Rename a top-level section to another section, a near miss, or noise."""
    candidates = nodes(files, lambda p, _: len(p) == 2)
    if candidates:
        path = draw(st.sampled_from(candidates))
        new = draw(st.one_of(st.sampled_from((*SECTIONS, "entity", "Entities", "tables", "")), nasty_text))
        rename_key(files[path[0]], path[1], new)


def copy_entry(draw: st.DrawFn, files: Files) -> None:
    """Copy a named entry (an entity, a view…) into another file: the same name defined twice."""
    candidates = nodes(files, lambda p, _: len(p) == 3 and p[1] in SECTIONS and isinstance(p[2], str))
    if candidates:
        name, section, entry = draw(st.sampled_from(candidates))
        target = draw(st.sampled_from([*sorted(files), "zz_copy.yaml"]))
        data = files.setdefault(target, {})
        if isinstance(data, dict) and isinstance(data.get(section, {}), dict):
            data.setdefault(section, {})[entry] = copy.deepcopy(files[name][section][entry])


def noise_file(draw: st.DrawFn, files: Files) -> None:
    """Replace a file with random bytes or text, or add one."""
    target = draw(st.sampled_from([*sorted(files), "zz_noise.yaml"]))
    text = st.one_of(random_text, nasty_text, st.text(max_size=200)).map(lambda s: s.encode("utf-8"))
    files[target] = draw(st.one_of(st.binary(max_size=200), text))


MUTATIONS = (
    drop,
    retype,
    edge_value,
    hostile_name,
    hostile_string,
    duplicate_item,
    rename_section,
    copy_entry,
    noise_file,
)


@st.composite
def mutated_specs(draw: st.DrawFn) -> Files:
    """A base spec with one to three mutations applied."""
    files = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.sampled_from((1, 1, 2, 3)))):
        draw(st.sampled_from(MUTATIONS))(draw, files)
    return files


def write_spec(root: Path, files: Files) -> Path:
    """Write each file: data as YAML (block style, unicode kept), bytes as they are."""
    for name, data in files.items():
        if isinstance(data, bytes):
            (root / name).write_bytes(data)
        else:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
            (root / name).write_text(text, encoding="utf-8")
    return root


# The suite's runs are a few hundred cases; `bench/fuzz.py` multiplies them (thousands) by this variable.
SCALE = max(1, int(os.environ.get("SCHEMAGEN_FUZZ_SCALE", "1")))
FUZZ_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


@pytest.mark.parametrize("base", sorted(BASES))
def test_bases_are_valid(base: str) -> None:
    """The mutations start from specs that compile and render, so they probe near-valid input."""
    with tempfile.TemporaryDirectory() as tmp:
        compiled = compile_spec(write_spec(Path(tmp), BASES[base]))
        outputs = render_outputs(compiled.model)
    assert compiled.model.tables
    assert compiled.model.views
    assert "CREATE TABLE" in outputs["schema.sql"]


def assert_well_formed(diagnostics: list[Diagnostic]) -> None:
    assert diagnostics, "a SpecError must say what is wrong"
    for d in diagnostics:
        assert len(d.code) == 5 and d.code.startswith("SG") and d.code[2:].isdigit(), d
        assert d.message.strip(), d


def assert_compiles_or_reports(root: Path) -> None:
    """compile_spec returns a Model that renders to SQL that parses, or raises SpecError; nothing else.

    Any other exception propagates and fails the test; so does a RenderError, which means schemagen
    accepted a spec and then wrote SQL that PostgreSQL's parser rejects.
    """
    try:
        compiled = compile_spec(root)
    except SpecError as error:
        assert_well_formed(error.diagnostics)
        return
    outputs = render_outputs(compiled.model)
    assert sorted(outputs) == ["ERD.md", "schema.sql"]
    assert outputs["schema.sql"].strip()


@settings(max_examples=150 * SCALE, **FUZZ_SETTINGS)
@given(files=mutated_specs())
def test_compile_returns_or_reports(files: Files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_compiles_or_reports(write_spec(Path(tmp), files))


@st.composite
def near_valid_specs(draw: st.DrawFn) -> Files:
    """A base spec with one mutation that keeps each value's kind, so the spec often stays valid and
    the renderer, not the shape check, meets the edge value."""
    files = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    draw(st.sampled_from((edge_value, hostile_string, duplicate_item)))(draw, files)
    return files


@settings(max_examples=100 * SCALE, **FUZZ_SETTINGS)
@given(files=near_valid_specs())
def test_near_valid_specs_render_or_report(files: Files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_compiles_or_reports(write_spec(Path(tmp), files))


@settings(max_examples=50 * SCALE, **FUZZ_SETTINGS)
@given(files=mutated_specs())
def test_validate_exits_0_or_2(files: Files) -> None:
    """`schemagen validate` on a mutated spec exits 0 or 2 with a message, never with an exception."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_spec(Path(tmp), files)
        result = CliRunner().invoke(cli, ["validate", str(root)], prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        assert " is valid: " in result.stdout
    else:
        assert result.stderr.strip()
    assert "Traceback" not in result.output


# Hostile text at known places: each is reported with its code at its YAML line.

PROJECT = "project: {name: t, postgres: 15}\n"
INJECTION = "0); DROP TABLE x; --"
TABLE = "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
INJECTION_CASES = {
    "default-sql": (TABLE + f'      n: {{type: integer, default: {{sql: "{INJECTION}"}}}}\n', "SG101", 6),
    "column-check": (TABLE + f'      n: {{type: integer, check: "{INJECTION}"}}\n', "SG101", 6),
    "entity-check": (TABLE + f'    checks:\n      c: "{INJECTION}"\n', "SG101", 7),
    "generated": (TABLE + f'      g: {{type: integer, generated: "{INJECTION}"}}\n', "SG101", 6),
    "index-where": (
        TABLE + f'    indexes:\n      - columns: [id]\n        where: "{INJECTION}"\n',
        "SG101",
        8,
    ),
    "index-expression": (TABLE + f'    indexes:\n      - expression: "{INJECTION}"\n', "SG101", 7),
    "view-query": (
        TABLE + f'views:\n  v:\n    query: "SELECT id FROM t WHERE id > ({INJECTION}"\n',
        "SG101",
        8,
    ),
    "hash-partition-key": (
        f'entities:\n  t:\n    columns:\n      id: bigint\n    partition:\n      hash: {{key: "{INJECTION}", '
        "modulus: 2}\n",
        "SG101",
        7,
    ),
    "range-partition-key": (
        "entities:\n  t:\n    columns:\n      id: bigint\n    partition:\n      range:\n"
        f'        key: "{INJECTION}"\n        bounds: {{a: [0, 10]}}\n',
        "SG101",
        8,
    ),
    "column-type": (TABLE + '      n: "integer; DROP TABLE x; --"\n', "SG105", 6),
    # a name with quotes or spaces is a name, quoted wherever it is written: tests/test_identifiers.py
    "empty-column-name": (TABLE + "      '': text\n", "SG404", 6),
}


def diagnostics_of(text: str) -> list[Diagnostic]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(PROJECT + text, encoding="utf-8")
        with pytest.raises(SpecError) as error:
            compile_spec(Path(tmp))
    return error.value.diagnostics


@pytest.mark.parametrize(("text", "code", "line"), list(INJECTION_CASES.values()), ids=list(INJECTION_CASES))
def test_injection_is_reported_at_its_line(text: str, code: str, line: int) -> None:
    found = diagnostics_of(text)
    assert [(d.code, d.line) for d in found] == [(code, line)], [(d.code, d.line, d.message) for d in found]
    assert found[0].file is not None and found[0].file.endswith("a.yaml")


# Values at the edges that the fuzzing above has met: each must render to SQL that parses or be reported.
HASH = "entities:\n  t:\n    columns:\n      id: bigint\n    partition:\n"
EDGE_CASES = {
    "float-default-nan": TABLE + "      c: {type: double precision, default: .nan}\n",
    "numeric-default-inf": TABLE + "      c: {type: numeric, default: .inf}\n",
    "float-array-default-nan": TABLE + '      c: {type: "float8[]", default: [.nan]}\n',
    "jsonb-default-nan": TABLE + "      c: {type: jsonb, default: [.nan]}\n",
    "jsonb-default-date": TABLE + "      c: {type: jsonb, default: {at: 2024-01-01}}\n",
    "range-bound-nan": HASH + "      range: {key: id, bounds: {a: [.nan, 1]}}\n",
    "list-value-nan": HASH + "      list: {key: id, values: {a: [.nan]}}\n",
    "list-partition-without-values": HASH + "      list: {key: id, values: {a: []}}\n",
    "hash-modulus-beyond-int4": HASH + "      hash: {key: id, modulus: 2147483648}\n",
    "hash-key-empty": HASH + "      hash: {key: [], modulus: 2}\n",
    "list-key-empty": HASH + "      list: {key: [], values: {a: [1]}}\n",
    "range-key-empty": HASH + "      range: {key: [], bounds: {a: [1, 2]}}\n",
    "collation-empty": TABLE + '      c: {type: text, collation: ""}\n',
    "project-schema-empty": 'project: {name: t, schema: ""}\n' + TABLE,
    "extension-empty": 'project: {name: t, extensions: [""]}\n' + TABLE,
    "view-unique-empty": TABLE
    + 'views:\n  v: {query: "SELECT id FROM t", materialized: true, unique: [""]}\n',
}


@pytest.mark.parametrize("text", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_case_renders_or_is_reported(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(text, encoding="utf-8")
        assert_compiles_or_reports(Path(tmp))


def test_hash_modulus_gets_one_partition_per_remainder() -> None:
    """A modulus the spec accepts yields exactly that many partitions (rows hash to every remainder)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(HASH + "      hash: {key: id, modulus: 1500}\n", encoding="utf-8")
        try:
            compiled = compile_spec(Path(tmp))
        except SpecError as error:
            assert_well_formed(error.diagnostics)
            return
    sql = render_outputs(compiled.model)["schema.sql"]
    assert sql.count("FOR VALUES WITH (MODULUS 1500, REMAINDER ") == 1500


# A NUL character can be written in YAML ("\0") but not in any PostgreSQL string: it must be diagnosed.
NUL_CASES = {
    "project-name": ('project: {name: "a\\0b"}\n' + TABLE, 1),
    "table-comment": ('entities:\n  t:\n    comment: "x\\0y"\n    columns:\n      id: bigint\n', 3),
    "column-comment": (TABLE + '      c: {type: text, comment: "c\\0"}\n', 5),
    "text-default": (TABLE + '      c: {type: text, default: "q\\0r"}\n', 5),
    "array-default": (TABLE + '      c: {type: "text[]", default: ["\\0"]}\n', 5),
    "enum-value": ('enums:\n  e: ["a\\0"]\n' + TABLE + "      c: e\n", 2),
    "list-partition-value": (
        "entities:\n  t:\n    columns:\n      r: text\n    partition:\n"
        '      list: {key: r, values: {a: ["\\0"]}}\n',
        6,
    ),
    "view-comment": (TABLE + 'views:\n  v: {query: "SELECT id FROM t", comment: "\\0"}\n', 6),
}


@pytest.mark.parametrize(("text", "line"), list(NUL_CASES.values()), ids=list(NUL_CASES))
def test_nul_character_is_diagnosed(text: str, line: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(text, encoding="utf-8")
        try:
            compiled = compile_spec(Path(tmp))
        except SpecError as error:
            assert [d.line for d in error.diagnostics] == [line], error.diagnostics
            return
    render_outputs(compiled.model)  # shows where the NUL ends up when it is not diagnosed
    pytest.fail("a NUL character was accepted into the model")


# --- What validate accepts, PostgreSQL accepts ----------------------------------------------------------
#
# Specs drawn from a vocabulary of the ways a spec goes wrong only on the server (an extension that does
# not exist, an access method that cannot do what the index asks, an operator class, a collation, a
# system schema, a condition that is not boolean, an aggregate or a subquery in DDL, a function or an
# operator with arguments of the wrong type, a literal its type refuses, too many or duplicate columns,
# a name with a newline…), each slot most often filled right. Every spec is validated, and its
# schema.sql applied to a real server in a transaction rolled back (as `validate --live` does): a spec
# validate accepts must apply, and a spec it refuses but the server takes may only be refused by rules
# that are stricter than the server on purpose.

# Placeholders of the expression templates: `{int}` is replaced by a column of that kind.
KINDS = {
    "bigint": "int",
    "integer": "int",
    "smallint": "int",
    "numeric(5,2)": "num",
    "double precision": "float",
    "text": "text",
    "varchar(10)": "text",
    "citext": "citext",
    "boolean": "bool",
    "date": "date",
    "timestamptz": "ts",
    "time": "time",
    "interval": "interval",
    "inet": "inet",
    "cidr": "cidr",
    "macaddr": "mac",
    "box": "box",
    "point": "point",
    "circle": "circle",
    "uuid": "uuid",
    "jsonb": "jsonb",
    "json": "json",
    "integer[]": "arr",
    "text[]": "tags",
    "int4range": "range",
    "bytea": "bytea",
    "bit(3)": "bits",
    "mood": "mood",
    "tsvector": "tsv",
    "money": "money",
}
# Each vocabulary is (right, wrong): what PostgreSQL takes, and what it refuses.
TYPE_DEFAULTS: dict[str, tuple[list[Any], list[Any]]] = {
    "bigint": ([0, -5, 9223372036854775807], [9223372036854775808, "12a", 1.5]),
    "integer": ([0, 42], [2147483648, True]),
    "smallint": ([1, 32767], [32768]),
    "numeric(5,2)": ([1.5, 999.99, 0, "NaN"], ["abc", "1e3"]),
    "double precision": ([0.5, 1e308, "Infinity"], ["abc"]),
    "text": (["abc", "it's", ""], [5]),
    "varchar(10)": (["abc"], ["0123456789x"]),
    "citext": (["Abc"], []),
    "boolean": ([True, False], ["yes"]),
    "date": ([date(2024, 1, 1), "2024-01-01", "today"], ["2024-02-30", "garbage"]),
    "timestamptz": (["2024-01-01 10:00:00+00", datetime(2024, 1, 1, 12)], ["2024-13-01", "soon"]),
    "time": (["12:00", "23:59:59.5", "allballs"], ["25:00", "noon"]),
    "interval": (["1 day", "P1D", "2 hours 30 minutes"], ["1 fortnight", 5]),
    "inet": (["10.0.0.1", "::1", "192.168.0.0/16"], ["10.0.0.256", "abc", 5]),
    "cidr": (["10.0.0.0/8", "2001:db8::/32"], ["10.0.0.1/8"]),
    "macaddr": (["08:00:2b:01:02:03", "0800.2b01.0203"], ["08:00:2b"]),
    "box": (["(1,2),(3,4)"], ["(1,2)"]),
    "point": (["(1,2)", "1.5,-2"], ["(1,2,3)"]),
    "circle": (["<(1,2),3>"], ["<(1,2),-3>"]),
    "uuid": (["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"], ["xyz"]),
    "jsonb": ([{}, [1], '{"a": 1}', {"a": [1, None]}], ["abc"]),
    "json": ([{}, "null"], ["[1,"]),
    "integer[]": ([[], [1, 2], [[1, 2], [3, 4]], "{1,2}"], [[1, "x"], [[1, 2], [3]], "1,2"]),
    "text[]": ([["a", "b c"], []], ["{a,b", [{"a": 1}]]),
    "int4range": (["[1,10)", "empty", "(,5]"], ["[10,1)", "[a,1)"]),
    "bytea": (["\\x00ff", "abc"], ["\\xzz"]),
    "bit(3)": (["101"], ["102", "x5"]),
    "mood": (["happy"], ["angry"]),
    "tsvector": (["a b"], []),
    "money": ([5], ["abc"]),
}
# Right expression defaults per column kind; wrong ones for any column.
DEFAULT_EXPRESSIONS = {
    "ts": ["now()", "'2024-01-01 00:00+00'::timestamptz"],
    "date": ["current_date"],
    "uuid": ["gen_random_uuid()"],
    "interval": ["'1 day'::interval"],
    "jsonb": ["'{}'::jsonb", "jsonb_build_object('a', 1)"],
    "int": ["(1 + 2)"],
    "text": ["'x' || 'y'", "md5('a')"],
    "tsv": ["to_tsvector('english', 'a')"],
}
WRONG_DEFAULT_EXPRESSIONS = [
    "count(*)",
    "(SELECT 1)",
    "$1",
    "id + 1",
    "lenght('a')",
    "'abc'::int",
    "nextval('nope')",
    "to_tsvector('englsh', 'a')",
    "ARRAY[]",
    "uuid_generate_v4()",
    "now()",
]
CONDITIONS = (
    [
        "{int} > 0",
        "{int} BETWEEN 1 AND 10",
        "length({text}) > 0",
        "{text} LIKE 'a%'",
        "{bool}",
        "'yes'",
        "{jsonb} ? 'a'",
        "jsonb_typeof({jsonb}) = 'array'",
        "{json} ->> 'a' = 'b'",
        "{inet} << '10.0.0.0/8'",
        "{mood} IN ('happy', 'sad')",
        "{ts} > '2024-01-01'",
        "{date} > '2024-01-01'",
        "{text} COLLATE \"C\" > 'a'",
        "to_tsvector('english', {text}) @@ to_tsquery('english', 'a')",
        "{arr} @> ARRAY[1]",
        "{tags} && ARRAY['a']",
        "array_length({tags}, 1) < 5",
        "{num} > 1.5",
        "{uuid} <> '00000000-0000-0000-0000-000000000000'",
        "{range} @> 5",
        "{time} < '12:00'",
        "{interval} > '1 day'",
        "{point} <@ box '(0,0),(10,10)'",
        "{tsv} @@ 'a'",
        "{bits} = '101'",
        "{mac} <> '08:00:2b:01:02:03'",
    ],
    [
        "{int} + 1",
        "'abc'",
        "{text}",
        "length({int}) > 0",
        "lenght({text}) > 0",
        "count(*) > 0",
        "{int} > (SELECT 1)",
        "{int} > $1",
        "{int} LIKE 'a%'",
        "{jsonb} > 5",
        "{json} = '{{}}'",
        "{inet} << '10.0.0.0/33'",
        "{mood} = 'angry'",
        "{ts} > '2024-02-30'",
        '{int} COLLATE "C" > 0',
        "{text} COLLATE \"Cx\" > 'a'",
        "row_number() OVER () > 0",
        "generate_series(1, 2) > 0",
        "{int}::inet IS NULL",
        "'x'::foo IS NULL",
        "to_tsvector('englsh', {text}) IS NOT NULL",
        "NOT {int}",
        "{int} BETWEEN 1 AND 'x'",
        "coalesce({int}, 'x') > 0",
        "{arr} @> ARRAY['x']",
        "ARRAY[] IS NOT NULL",
        "upper({int}) = 'A'",
        "{uuid} = 'xyz'",
        "{bool} AND {int}",
        "{date} > 5",
        "{num} > 'abc'",
        "{time} < '25:00'",
        "{bits} = '102'",
        "similarity({text}, 'x') > 0.3",
        "{citext} = 'a'",
    ],
)
INDEX_EXPRESSIONS = (
    ["lower({text})", "({int} + 1)", "({jsonb} ->> 'a')", "abs({int})", "({ts} AT TIME ZONE 'UTC')"],
    ["sum({int})", "(SELECT 1)", "upper({int})", "date({ts})", "generate_series(1, {int})", "now()"],
)
# Index methods per column kind whose default operator class takes it.
METHODS_BY_KIND = {
    "int": ["btree", "hash", "brin"],
    "num": ["btree", "hash", "brin"],
    "float": ["btree", "hash"],
    "text": ["btree", "hash", "spgist", "brin"],
    "bool": ["btree"],
    "date": ["btree", "hash", "brin"],
    "ts": ["btree", "brin"],
    "time": ["btree"],
    "interval": ["btree"],
    "inet": ["btree", "spgist"],
    "cidr": ["btree"],
    "mac": ["btree", "hash"],
    "box": ["gist", "spgist"],
    "point": ["gist", "spgist"],
    "circle": ["gist"],
    "uuid": ["btree", "hash"],
    "jsonb": ["btree", "gin"],
    "arr": ["btree", "gin"],
    "tags": ["btree", "gin"],
    "range": ["btree", "gist", "spgist"],
    "bytea": ["btree"],
    "bits": ["btree"],
    "mood": ["btree", "hash"],
    "tsv": ["btree", "gin", "gist"],
    "money": ["btree"],
}
METHODS = ("btree", "hash", "gin", "gist", "spgist", "brin")
COLLATIONS = (["C", "POSIX", "C.utf8", "ucs_basic", "und-x-icu", "de-x-icu", "default"], ["Cx", "de-x-icux"])
OPCLASSES = (
    "gin_trgm_ops",
    "gist_trgm_ops",
    "text_pattern_ops",
    "varchar_pattern_ops",
    "int8_ops",
    "int4_ops",
    "jsonb_path_ops",
    "array_ops",
    "inet_ops",
    "foo_ops",
)
EXTENSIONS = (
    ["pg_trgm", "citext", "btree_gist", "btree_gin", "cube", "hstore", "uuid-ossp", "pgcrypto"],
    ["pg_trgmx", "earthdistance"],
)
SCHEMAS = (["public", "public", "app"], ["pg_app", "information_schema", "pg_catalog"])
INDEX_NAMES = ([None], ["ix_a", "ix\n", "ix b", "i" * 64])
# Rules stricter than the server on purpose: a spec they refuse may still apply.
STRICTER_THAN_THE_SERVER = {
    "SG102": "immutability in a CHECK is the spec's rule, and the server checks it in indexes only",
    "SG103": "a default too long for varchar(n) or bit(n) fails at the first insert, not CREATE TABLE",
    "SG203": "mismatched foreign key types work, slowly",
    "SG402": "a name taken twice is refused before PostgreSQL renames one",
    "SG403": "PostgreSQL cuts a long name silently",
    "SG408": "information_schema takes tables as a superuser, but is the system's",
}


class Slots:
    """Draws for one spec: each slot is filled wrong with the spec's own probability (a third of the
    specs have none wrong; validate must accept every one of those)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.rate = draw(st.sampled_from((0, 0, 10, 25)))
        self.wrong = 0

    def pick(self, vocabulary: tuple[list[Any], list[Any]]) -> Any:
        """A right value, or now and then a wrong one; None when there is no right one to give."""
        right, wrong = vocabulary
        if wrong and self.faulty():
            return copy.deepcopy(self.draw(st.sampled_from(wrong)))
        return copy.deepcopy(self.draw(st.sampled_from(right))) if right else None

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(1, one_in)) == 1

    def faulty(self) -> bool:
        """Whether a slot with no vocabulary of its own (an index's shape) is drawn wrong."""
        if self.draw(st.integers(0, 99)) < self.rate:
            self.wrong += 1
            return True
        return False


def fill(draw: st.DrawFn, template: str, columns: dict[str, str]) -> str | None:
    """`template` with each `{kind}` replaced by a column of that kind; None when the table has none."""
    by_kind: dict[str, list[str]] = {}
    for name, type_ in columns.items():
        by_kind.setdefault(KINDS.get(type_, "other"), []).append(name)
    out = template
    for kind in sorted(set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", template))):
        if kind not in by_kind:
            return None
        out = out.replace("{" + kind + "}", draw(st.sampled_from(sorted(by_kind[kind]))))
    return out.replace("{{", "{").replace("}}", "}")


def usable(templates: list[str], columns: dict[str, str]) -> list[str]:
    kinds = {KINDS.get(t, "other") for t in columns.values()}
    return [t for t in templates if set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", t)) <= kinds]


def expression(slots: Slots, vocabulary: tuple[list[str], list[str]], columns: dict[str, str]) -> str | None:
    right, wrong = usable(vocabulary[0], columns), usable(vocabulary[1], columns)
    if not right and not wrong:
        return None
    if not right:
        if not slots.faulty():
            return None
        return fill(slots.draw, slots.draw(st.sampled_from(wrong)), columns)
    return fill(slots.draw, slots.pick((right, wrong)), columns)


def index_of(slots: Slots, names: dict[str, str], extensions: list[str]) -> dict[str, Any] | None:
    draw = slots.draw
    index: dict[str, Any] = {}
    if slots.chance(4):
        text = expression(slots, INDEX_EXPRESSIONS, names)
        if text is None:
            return None
        index["expression"] = text
        method = "btree"
    elif slots.faulty():
        method = draw(st.sampled_from(METHODS))
        elements = []
        for name in draw(st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=2, unique=True)):
            if slots.chance(3):
                name += " " + draw(st.sampled_from(OPCLASSES))
            if slots.chance(5):
                name += " DESC"
            elements.append(name)
        index["columns"] = elements
        if slots.chance(4):
            index["include"] = [draw(st.sampled_from(sorted(names)))]
        if slots.chance(4):
            index["unique"] = True
    else:
        column = draw(st.sampled_from(sorted(n for n, t in names.items() if KINDS[t] in METHODS_BY_KIND)))
        kind = KINDS[names[column]]
        method = draw(st.sampled_from(METHODS_BY_KIND[kind]))
        if kind == "text" and "pg_trgm" in extensions and slots.chance(2):
            method = draw(st.sampled_from(("gin", "gist")))
            column += f" {method}_trgm_ops"
        elif method == "btree" and slots.chance(4):
            column += " DESC"
        index["columns"] = [column]
        if method == "btree":
            others = [
                n
                for n, t in names.items()
                if KINDS[t] in METHODS_BY_KIND and "btree" in METHODS_BY_KIND[KINDS[t]]
            ]
            if slots.chance(3):
                second = draw(st.sampled_from(sorted(others)))
                if second != index["columns"][0].split()[0]:
                    index["columns"].append(second)
            if slots.chance(4):
                index["include"] = [draw(st.sampled_from(sorted(names)))]
    if method != "btree":
        index["using"] = method
    if slots.chance(4):
        where = expression(slots, CONDITIONS, names)
        if where:
            index["where"] = where
    name = slots.pick(INDEX_NAMES)
    if name is not None:
        index["name"] = name
    return index


PARTITIONS = {
    # key kind: right bounds of a list, of a range
    "int": ([1, 2], [0, 10]),
    "text": (["a", "b"], ["a", "m"]),
    "date": ([date(2024, 1, 1)], [date(2024, 1, 1), date(2025, 1, 1)]),
    "mood": (["happy"], None),
    "uuid": (None, None),
}
WRONG_BOUNDS = ([1, 2], ["a", "b"], ["happy"], ["10.0.0.1"], [date(2024, 1, 1)], [0, "x"])


@st.composite
def server_specs(draw: st.DrawFn) -> Files:
    """One table `t` (and now and then a second, a relationship, partitions) from the vocabulary above."""
    slots = Slots(draw)
    project: dict[str, Any] = {"name": "fuzz", "postgres": 15}
    extensions: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        name = slots.pick(EXTENSIONS)
        if name not in extensions:
            extensions.append(name)
    schema = slots.pick(SCHEMAS)
    if schema != "public":
        project["schema"] = schema
    types = draw(st.lists(st.sampled_from(sorted(TYPE_DEFAULTS)), min_size=1, max_size=5, unique=True))
    if "citext" in types and not slots.faulty() and "citext" not in extensions:
        extensions.append("citext")
    if extensions:
        project["extensions"] = extensions
    columns: dict[str, Any] = {"id": {"type": "bigint"}}
    if slots.chance(10):
        columns["id"]["identity"] = "always"
    names = {"id": "bigint"}
    for i, type_ in enumerate(types):
        kind = KINDS[type_]
        name = f"c{i}_{kind}"
        names[name] = type_
        column: dict[str, Any] = {"type": type_, "nullable": True}
        choice = draw(st.integers(0, 5))
        if choice == 0:
            column["default"] = slots.pick(TYPE_DEFAULTS[type_])
        elif choice == 1:
            text = slots.pick((DEFAULT_EXPRESSIONS.get(kind, []), WRONG_DEFAULT_EXPRESSIONS))
            if text is not None:
                column["default"] = {"sql": text}
        if slots.chance(6) and (kind in ("text", "tags", "citext") or slots.faulty()):
            column["collation"] = slots.pick(COLLATIONS)
        if slots.chance(5):
            check = expression(slots, CONDITIONS, names)
            if check:
                column["check"] = check
        columns[name] = column
    if slots.chance(40) and slots.faulty():
        columns.update({f"w{i}": "integer?" for i in range(1601)})
    entity: dict[str, Any] = {"columns": columns}
    checks = {f"k{i}": expression(slots, CONDITIONS, names) for i in range(draw(st.integers(0, 2)))}
    if any(checks.values()):
        entity["checks"] = {key: text for key, text in checks.items() if text}
    indexes = [index_of(slots, names, extensions) for _ in range(draw(st.integers(0, 3)))]
    if any(indexes):
        entity["indexes"] = [index for index in indexes if index]
    key = None
    if slots.chance(4):
        kind_of = {n: KINDS[t] for n, t in names.items()}
        keys = [n for n, k in kind_of.items() if k in PARTITIONS]
        how = draw(st.sampled_from(("hash", "list", "range")))
        wrong = slots.faulty()
        key = draw(st.sampled_from(sorted(names) if wrong else keys))
        values, bounds = PARTITIONS.get(kind_of[key], (None, None))
        if wrong:
            values = bounds = draw(st.sampled_from(WRONG_BOUNDS))
        if how == "list" and values is not None:
            entity["partition"] = {"list": {"key": key, "values": {"a": values}, "default": True}}
        elif how == "range" and bounds is not None:
            entity["partition"] = {"range": {"key": key, "bounds": {"a": bounds}, "default": True}}
        else:
            entity["partition"] = {"hash": {"key": key, "modulus": 2}}
    if key is None or key == "id":
        entity["primary_key"] = ["id"]
    elif draw(st.booleans()):
        entity["primary_key"] = ["id", key]
        columns[key]["nullable"] = False
    if slots.chance(6):
        btree = sorted(n for n, t in names.items() if "btree" in METHODS_BY_KIND.get(KINDS[t], ()))
        column = draw(st.sampled_from(sorted(names) if slots.faulty() else btree))
        if key is None or slots.faulty():
            entity["unique"] = [[column] if key is None or column == key else [column, key]]
    entities: dict[str, Any] = {"t": entity}
    data: dict[str, Any] = {"project": project, "enums": {"mood": ["happy", "sad"]}, "entities": entities}
    if slots.chance(6) and entity.get("primary_key") == ["id"]:
        entities["u"] = {"columns": {"id": {"type": "bigint", "primary_key": True}}}
        extra = slots.pick(([{"note": "text?"}, {}], [{"t_id": "bigint?"}]))
        data["relationships"] = [{"many_to_many": ["t", "u"], "through": "tu", "columns": extra}]
    return {"spec.yaml": data, "wrong": slots.wrong}


# Warnings that announce the server's refusal: the spec is accepted, and told it will fail on an
# empty database (a relation outside the spec, as an adopted database's serial sequences are), or on
# a server without an extension schemagen does not know (one of the server's own, or a misspelling).
ANNOUNCED = {"SG119", "SG605"}


def judged(root: Path) -> tuple[list[Diagnostic] | None, str | None, tuple[str, ...], set[str]]:
    """(the errors validate reports, None when the spec's shape is wrong; schema.sql, rendered even for
    a spec with errors when its Model can be; the extensions it names; the codes of its warnings)."""
    try:
        raw = loader.load(root)
        shape = spec_shape.parse(raw)
    except SpecError:
        return None, None, (), set()
    model, diagnostics = build.build(shape, raw)
    diagnostics += checks.check(model)
    errors = [d for d in diagnostics if d.severity == Severity.ERROR]
    warned = {d.code for d in diagnostics if d.severity != Severity.ERROR}
    try:
        sql: str | None = render_outputs(model)["schema.sql"]
    except Exception:
        sql = None
    return errors, sql, model.project.extensions, warned


def server_error(dsn: str, sql: str, extensions: tuple[str, ...]) -> str | None:
    try:
        apply_rolled_back(dsn, sql, extensions)
    except DatabaseError as error:
        return error.message
    return None


def test_what_validate_accepts_postgresql_accepts(pg_dsn: str) -> None:
    figures: Counter[str] = Counter()
    stricter: Counter[str] = Counter()

    @settings(max_examples=250 * SCALE, **FUZZ_SETTINGS)
    @given(drawn=server_specs())
    def run(drawn: Files) -> None:
        spec_text = yaml.dump(
            drawn["spec.yaml"], Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False
        )
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "spec.yaml").write_text(spec_text, encoding="utf-8")
            errors, sql, extensions, warned = judged(Path(tmp))
        figures["cases"] += 1
        if errors is None:
            figures["shape errors"] += 1
            return
        if drawn["wrong"] == 0:
            figures["drawn right"] += 1
            assert not errors, (
                "validate refused a spec drawn right: "
                + "; ".join(f"{d.code} {d.message}" for d in errors)
                + f"\n{spec_text}"
            )
        figures["accepted" if not errors else "refused"] += 1
        if sql is None:
            assert errors, "an accepted spec renders"
            return
        refused_by_server = server_error(pg_dsn, sql, extensions)
        if not errors and refused_by_server is not None and warned & ANNOUNCED:
            figures["accepted with a warning of the refusal"] += 1
        elif not errors:
            figures["applied"] += refused_by_server is None
            assert refused_by_server is None, (
                f"validate accepted, PostgreSQL refused: {refused_by_server}\n{spec_text}"
            )
        elif refused_by_server is None:
            figures["refused, yet applied"] += 1
            codes = {d.code for d in errors}
            stricter.update(codes)
            assert codes <= set(STRICTER_THAN_THE_SERVER), (
                f"refused by {sorted(codes - set(STRICTER_THAN_THE_SERVER))} but PostgreSQL applies it: "
                + "; ".join(f"{d.code} {d.message}" for d in errors)
                + f"\n{spec_text}"
            )

    run()
    print(f"\n{dict(figures)}; refused only by stricter rules: {dict(stricter)}")
    assert figures["accepted"] >= 50 and figures["refused"] >= 80, figures


def test_mutated_example_specs_that_validate_accepts_apply(pg_dsn: str) -> None:
    """The near-valid mutations above (hostile text spliced into names, expressions, view queries; values
    pushed to their edges) of the example and the small spec: those validate accepts apply too."""
    figures: Counter[str] = Counter()

    @settings(max_examples=60 * SCALE, **FUZZ_SETTINGS)
    @given(files=near_valid_specs())
    def run(files: Files) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            errors, sql, extensions, warned = judged(write_spec(Path(tmp), files))
        figures["cases"] += 1
        if errors or sql is None:
            return
        figures["accepted"] += 1
        refused_by_server = server_error(pg_dsn, sql, extensions)
        assert refused_by_server is None or warned & ANNOUNCED, (
            f"validate accepted, PostgreSQL refused: {refused_by_server}\n{files}"
        )

    run()
    print(f"\n{dict(figures)}")
    assert figures["accepted"] >= 10, figures

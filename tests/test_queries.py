"""The packaged SQL of `schemagen.database`: every statement in a file, every file used and valid.

The subpackage keeps its SQL in `schemagen/database/sql/*.sql` (read by `queries.query`), never in
Python strings; these tests hold it to that without a database.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pglast
import pytest
from pglast.parser import ParseError

from schemagen.database.queries import query

PACKAGE = Path(__file__).resolve().parents[1] / "schemagen" / "database"
SQL_FILES = sorted((PACKAGE / "sql").glob("*.sql"))
PYTHON_FILES = sorted(PACKAGE.rglob("*.py"))

# What each `{placeholder}` of a file stands for, to parse the file: identifiers, or SQL fragments.
PLACEHOLDER_SAMPLES = {
    "arguments": "older_than date DEFAULT now()",
    "bound": "FOR VALUES FROM (1) TO (2)",
    "child": "s.t_p0",
    "clauses": "USING (a > 0) WITH CHECK (a > 0)",
    "column": "c",
    "command": "UPDATE",
    "columns": "a, b",
    "counts": "(SELECT count(*) FROM t)",
    "database": "d",
    "expression": "a > 0",
    "index": "s.i",
    "key": "RANGE (a)",
    "kind": "PERMISSIVE",
    "mode": "SHARE ROW EXCLUSIVE",
    "order": "a",
    "parent": "s.t",
    "partition_by": "PARTITION BY RANGE (a)",
    "probe": "pg_temp.p",
    "query": "SELECT 1",
    "result": "bigint",
    "source": "s.t",
    "table": "s.t",
    "template": "citus_template",
    "values": "1, 'a'",
    "type": "integer",
}
PARAMETER = re.compile(r"%\((\w+)\)s|%s")
PLACEHOLDER = re.compile(r"\{\w*\}")


def placeholders(text: str) -> list[str]:
    return [field for _, field, _, _ in Formatter().parse(text) if field is not None]


def filled(text: str) -> str:
    """The file's text as PostgreSQL would receive it: placeholders filled, parameters as NULLs."""
    for name in placeholders(text):
        assert name in PLACEHOLDER_SAMPLES, f"no sample for {{{name}}}: add one to PLACEHOLDER_SAMPLES"
    text = text.format_map(PLACEHOLDER_SAMPLES) if placeholders(text) else text
    return PARAMETER.sub("NULL", text).replace("%%", "%")


def string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string in a module but its docstrings; an f-string with `x` for each value."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str]] = []
    inside_fstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstrings.add(id(value))
                parts.append(value.value if isinstance(value, ast.Constant) else "x")
            found.append((node.lineno, "".join(map(str, parts))))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in inside_fstrings
        ):
            found.append((node.lineno, node.value))
    return found


def test_the_package_holds_its_sql() -> None:
    assert len(SQL_FILES) > 50
    assert len(PYTHON_FILES) > 10


@pytest.mark.parametrize("path", SQL_FILES, ids=[p.stem for p in SQL_FILES])
def test_every_packaged_statement_says_why_and_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("-- "), f"{path.name} does not start with a comment saying what it is for"
    try:
        statements = pglast.parse_sql(filled(text))
    except ParseError as exc:
        pytest.fail(f"{path.name} does not parse: {exc}")
    assert statements, f"{path.name} holds no statement"


def test_every_packaged_statement_is_used_and_every_name_is_packaged() -> None:
    names = {p.stem for p in SQL_FILES}
    constants = {text for path in PYTHON_FILES for _, text in string_constants(path)}
    assert names - constants == set(), "packaged statements no module names"
    called = set()
    for path in PYTHON_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("query", "composed")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                called.add(node.args[0].value)
    assert called, "no module reads a packaged statement"
    assert called - names == set(), "statements named but not packaged"


def test_no_python_string_of_the_subpackage_is_a_sql_statement() -> None:
    found = []
    for path in PYTHON_FILES:
        for line, text in string_constants(path):
            if not any(c.isspace() for c in text.strip()):
                continue  # a single word: a label (`begin`), never a statement
            try:
                statements = pglast.parse_sql(PARAMETER.sub("NULL", PLACEHOLDER.sub("x", text)))
            except ParseError:
                continue
            if statements:
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {text.strip()[:60]!r}")
    assert found == [], "SQL belongs in schemagen/database/sql/*.sql:\n" + "\n".join(found)


def test_a_statement_is_read_once() -> None:
    assert query("relations") is query("relations")
    assert query("relations") == (PACKAGE / "sql" / "relations.sql").read_text(encoding="utf-8")

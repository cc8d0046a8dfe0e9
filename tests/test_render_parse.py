"""The parse check of what `render` writes.

`schemagen render` with the built-in templates parses only the user's routines again (their PL/pgSQL
bodies reach no parser before); the rest of the built-in templates' output is proven to parse here,
statement by statement, for the example project, the other specs of the repository and the
benchmark's synthetic spec, which has every shape the benchmark times. The suite's other tests, the
fuzzed specs among them, render through `render_outputs`, whose default parses everything.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from commandline import run

from schemagen.pipeline import RenderError, compile_spec, render_outputs
from schemagen.postgres import expressions
from schemagen.render import render

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "example": REPO_ROOT / "spec",
    "shop": REPO_ROOT / "tests" / "specs" / "shop",
    "citus": REPO_ROOT / "examples" / "citus" / "spec",
}
SYNTHETIC_N = 120  # 24 entities partitioned by month, 6 hash-sharded, 3 views

BROKEN_ROUTINE = """
functions:
  stamp:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN
          RETURN NEW;
      END
  touch:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN
          NEW.updated = now(;
          RETURN NEW;
      END
  twice:
    arguments: [n integer]
    returns: integer
    language: sql
    volatility: immutable
    body: RETURN n * 2
"""


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO_ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "spec"
    _generator().write(SYNTHETIC_N, root)
    return root


def _statements(sql: str) -> list[str]:
    return [statement.text for statement in expressions.split_statements(sql)]


@pytest.mark.parametrize("name", [*SPECS, "synthetic"])
def test_every_rendered_statement_parses(name: str, synthetic: Path) -> None:
    model = compile_spec(synthetic if name == "synthetic" else SPECS[name]).model
    outputs = render_outputs(model, parse_all=False)
    sql = outputs["schema.sql"]
    # the whole script, PL/pgSQL and SQL bodies included, then each statement on its own
    assert expressions.check_sql(sql) == []
    statements = _statements(sql)
    assert len(statements) > 10
    for statement in statements:
        assert expressions.check_sql(statement) == [], statement
    # the limited check writes the same files as the whole one
    assert render_outputs(model) == outputs


def test_the_synthetic_spec_has_the_shapes_it_stands_for(synthetic: Path) -> None:
    sql = render_outputs(compile_spec(synthetic).model)["schema.sql"]
    for shape in (
        "PARTITION BY RANGE",
        "FOR VALUES FROM (",
        "PARTITION BY HASH",
        "FOR VALUES WITH (MODULUS",
        " DEFAULT;",
        "CREATE INDEX",
        " WHERE ",
        "CREATE VIEW",
        "CREATE TYPE",
        "FOREIGN KEY",
    ):
        assert shape in sql, shape


@pytest.fixture
def broken_routine(tmp_path: Path) -> Path:
    root = tmp_path / "spec"
    shutil.copytree(SPECS["example"], root)
    with (root / "views.yaml").open("a") as views:
        views.write(BROKEN_ROUTINE)
    return root


def test_a_broken_routine_is_reported_at_its_schema_sql_line(broken_routine: Path) -> None:
    model = compile_spec(broken_routine).model
    with pytest.raises(RenderError) as whole:
        render_outputs(model)
    with pytest.raises(RenderError) as limited:
        render_outputs(model, parse_all=False)
    assert str(limited.value) == str(whole.value)
    assert str(whole.value).startswith("schema.sql:")
    assert "function public.touch (plpgsql): mismatched parentheses" in str(whole.value)
    # the line is the statement's own in the text rendered
    line = int(str(whole.value).split(":")[1])
    text = render.render_schema(model)
    assert text.splitlines()[line - 1].startswith("CREATE FUNCTION public.touch()")


def test_render_writes_nothing_for_a_broken_routine(broken_routine: Path, tmp_path: Path) -> None:
    code, _, err = run("render", str(broken_routine), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "the rendered SQL does not parse: function public.touch (plpgsql)" in err
    assert not (tmp_path / "out").exists()


def test_render_parses_only_the_routines_with_the_built_in_templates(
    monkeypatch: pytest.MonkeyPatch, broken_routine: Path, tmp_path: Path
) -> None:
    (broken_routine / "views.yaml").write_text(
        (broken_routine / "views.yaml").read_text().replace("now(;", "now();")
    )
    parsed: list[str] = []

    def check_sql(sql: str) -> list[expressions.SqlProblem]:
        parsed.append(sql)
        return []

    monkeypatch.setattr(expressions, "check_sql", check_sql)
    code, _, err = run("render", str(broken_routine), "-o", str(tmp_path / "out"))
    assert code == 0, err
    # each routine with its body in quotes, then the SQL-standard body given, as schema.sql has them
    assert [text.split("(", 1)[0] for text in parsed] == [
        "CREATE FUNCTION public.stamp",
        "CREATE FUNCTION public.touch",
        "CREATE FUNCTION public.twice",
        "CREATE OR REPLACE FUNCTION public.twice",
    ]
    schema_sql = (tmp_path / "out" / "schema.sql").read_text()
    assert all(text in schema_sql for text in parsed)


def test_a_users_templates_are_parsed_whole(
    monkeypatch: pytest.MonkeyPatch, broken_routine: Path, tmp_path: Path
) -> None:
    (broken_routine / "views.yaml").write_text(
        (broken_routine / "views.yaml").read_text().replace("now(;", "now();")
    )
    templates = tmp_path / "templates" / "postgres"
    templates.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "schemagen" / "templates" / "postgres" / "view.sql.j2", templates)
    parsed: list[str] = []
    original = expressions.check_sql

    def check_sql(sql: str) -> list[expressions.SqlProblem]:
        parsed.append(sql)
        return original(sql)

    monkeypatch.setattr(expressions, "check_sql", check_sql)
    out = tmp_path / "out"
    code, _, err = run(
        "render", str(broken_routine), "-o", str(out), "--templates", str(tmp_path / "templates")
    )
    assert code == 0, err
    assert parsed == [(out / "schema.sql").read_text()]

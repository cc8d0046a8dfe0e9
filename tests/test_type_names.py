"""Every type name sqlglot knows in any dialect (its `DataType.Type` values, each dialect's tokenizer
keywords that stand for a type and its generator's type spellings) and random words, fed through (a) a
spec column's type and (b) a domain of that name in a real database, adopted by inspect and rendered:
never an internal error. Each name is either accepted — and PostgreSQL then accepts the rendered DDL — or
refused with a diagnostic."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from functools import cache
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from schemagen.cli import cli
from schemagen.diagnostics import Diagnostic, SpecError
from schemagen.pipeline import compile_spec, render_outputs
from schemagen.postgres import sqltypes

PROJECT = "project: {name: t, postgres: 15}\n"
# PostgreSQL's limit on a name; a longer one is cut short, which the domain side does not test
MAX_NAME = 63


@cache
def sqlglot_type_names() -> tuple[str, ...]:
    """Every spelling of a type sqlglot knows, in any dialect, as written and in lower case."""
    types = set(exp.DataType.Type)
    names = {t.value for t in types}
    for dialect in Dialect.classes.values():
        for keyword, token in dialect.tokenizer_class.KEYWORDS.items():
            if token.name in exp.DataType.Type.__members__:
                names.add(keyword)
        names.update(dialect.generator_class.TYPE_MAPPING.values())
    return tuple(sorted({n for name in names if name.strip() for n in (name, name.lower())}))


def postgres_type(name: str) -> bool:
    """Whether PostgreSQL itself knows `name` as a type (a domain so named shadows it: another matter)."""
    try:
        sqltypes.canonical_type(name)
    except sqltypes.UnknownTypeError:
        return False
    return True


def spec_with(root: Path, types: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    columns = "".join(f"      c{i}: {{type: {json.dumps(t)}}}\n" for i, t in enumerate(types))
    (root / "a.yaml").write_text(
        PROJECT + "entities:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n" + columns
    )
    return root


def verdict(root: Path) -> list[Diagnostic] | None:
    """None when the spec under `root` compiles and renders, else its diagnostics (never an exception)."""
    try:
        compiled = compile_spec(root)
    except SpecError as error:
        assert error.diagnostics, "refused without a diagnostic"
        return error.diagnostics
    render_outputs(compiled.model)
    return None


def test_every_sqlglot_type_name_is_accepted_or_refused_and_accepted_ones_apply(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    names = sqlglot_type_names()
    assert len(names) > 200
    accepted = []
    for i, name in enumerate(names):
        refused = verdict(spec_with(tmp_path / f"s{i}", [name]))
        if refused is None:
            accepted.append(name)
        else:
            assert all(d.code.startswith("SG") and d.message for d in refused), (name, refused)
    assert "int" in accepted and "bigint" in accepted and "year" not in accepted
    # what is accepted, PostgreSQL accepts
    compiled = compile_spec(spec_with(tmp_path / "all", accepted))
    schema_sql = render_outputs(compiled.model)["schema.sql"]
    pg_database().execute(schema_sql.encode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=string.ascii_letters + string.digits + "_ ()[],.\"'-", min_size=1, max_size=24))
def test_a_random_word_as_a_column_type_is_accepted_or_refused(tmp_path: Path, name: str) -> None:
    root = tmp_path / f"r{abs(hash(name))}"
    verdict(spec_with(root, [name]))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def domain_names() -> list[str]:
    """The sqlglot names that can name a domain: as PostgreSQL keeps them (a quoted name, cut at 63)."""
    return sorted({n for n in sqlglot_type_names() if len(n.encode()) <= MAX_NAME and "\x00" not in n})


def adopt_domains(
    names: list[str],
    tmp_path: Path,
    pg_database: Callable[..., psycopg.Connection],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Domains named `names` and a table using each, inspected, rendered and applied to an empty database."""
    script = "".join(
        f'CREATE DOMAIN "{n.replace(chr(34), chr(34) * 2)}" AS integer CHECK (VALUE > 0);\n' for n in names
    )
    columns = ", ".join(f'c{i} public."{n.replace(chr(34), chr(34) * 2)}"' for i, n in enumerate(names))
    script += f"CREATE TABLE holder (id integer PRIMARY KEY{', ' + columns if columns else ''});\n"
    conn = pg_database(script)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("inspect", "--dsn", conn.info.dsn, "-o", "spec")
    assert code == 0, err
    run("drift", "spec", "--dsn", conn.info.dsn)  # drift says what it says, without an internal error
    refused = verdict(tmp_path / "spec")
    if refused is None:
        compiled = compile_spec(tmp_path / "spec")
        pg_database().execute(render_outputs(compiled.model)["schema.sql"].encode())
    return refused


def test_domains_with_plain_names_of_sqlglot_types_are_adopted(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A domain named as a type of another dialect (`year`, `mediumint`, `datetime64`…) with a plain
    lower-case name, and one named as a PostgreSQL type keyword that needs quotes (`time`), is adopted,
    not refused, and its rendered DDL applies."""
    plain = [n for n in domain_names() if re.fullmatch(r"[a-z_][a-z0-9_]*", n) and not postgres_type(n)]
    assert len(plain) > 50 and "year" in plain
    refused = adopt_domains([*plain, "time"], tmp_path, pg_database, monkeypatch)
    assert refused is None, "\n".join(f"{d.code} {d.message}" for d in refused or [])


@pytest.mark.parametrize("part", range(8))
def test_domains_named_as_sqlglot_types_are_adopted_or_refused(
    part: int, tmp_path: Path, pg_database: Callable[..., psycopg.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = domain_names()
    adopt_domains(names[part::8], tmp_path, pg_database, monkeypatch)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=string.ascii_lowercase + string.digits + "_ ", min_size=1, max_size=20))
def test_a_domain_named_by_a_random_word_is_adopted_or_refused(
    tmp_path_factory: pytest.TempPathFactory,
    pg_database: Callable[..., psycopg.Connection],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    adopt_domains([name], tmp_path_factory.mktemp("d"), pg_database, monkeypatch)

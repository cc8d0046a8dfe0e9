"""The render's quicker paths give the text the plain ones give.

`ident` tells a bare name by string methods before its pattern and `qname` quotes the name it
qualifies without remembering it; output that is text already is not passed through `str()`;
schema.sql.j2 imports the templates of the rarer objects only where their statements are.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from schemagen.postgres import identifiers
from schemagen.postgres.identifiers import ident, qname
from schemagen.render import templating

_SIMPLE = re.compile(r"[a-z_][a-z0-9_]*")


def _reference(name: str) -> str:
    if _SIMPLE.fullmatch(name) and name not in identifiers._QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


NAMES = [
    "users", "_", "_1", "__", "a1", "1a", "Users", "uSers", "user", "select", "name", "json", "a$b",
    "a b", 'a"b', "été", "ſ", "ǅ", "a-b", "", "x" * 70, "ABC", "_A", "a\u0131", "order_2024_01",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_quoting_is_the_pattern_s(name: str) -> None:
    assert identifiers._quote(name) == _reference(name)
    assert ident(name) == _reference(name)
    assert qname(name, "Sales") == '"Sales".' + _reference(name)
    assert qname(name) == _reference(name)


SOURCES = [
    ("{{ x | ident }}|{{ 'a' if x else 'b' }}|{{ x ~ 1 }}|{{ xs | join(', ') }}", {"x": "Id", "xs": [1, 2]}),
    ("{{ 'a' if x }}|{{ x if x else 'b' }}|{{ n }}", {"x": 0, "n": 3}),
    ("{{ xs | map('literal') | join(', ') }}|{{ n | literal }}", {"xs": [1, "a"], "n": None}),
]


@pytest.mark.parametrize(("source", "values"), SOURCES)
def test_text_is_output_as_it_is(source: str, values: dict[str, Any]) -> None:
    env = templating.make_environment()
    plain = templating._CodeGenerator.__mro__[1]
    env_plain = templating.make_environment().overlay()
    env_plain.code_generator_class = plain
    assert env.from_string(source).render(values) == env_plain.from_string(source).render(values)
    assert "str(t_" not in env.compile("{{ x | ident }}", raw=True)


def test_an_overridden_filter_is_passed_through_str() -> None:
    env = templating.make_environment().overlay()
    env.filters = {**env.filters, "ident": lambda value: len(value)}
    assert env.from_string("{{ x | ident }}").render(x="abc") == "3"


def test_schema_sql_imports_the_rarer_templates_in_their_sections() -> None:
    from schemagen.render import render

    env = templating.make_environment()
    text = env.loader.get_source(env, render.SCHEMA_TEMPLATE)[0]
    top, rest = text.split("-- {{ project.name", 1)
    for name in ("maintain_function", "access", "archive_function", "function", "role", "trigger"):
        assert f"postgres/{name}.sql.j2" not in top and f"postgres/{name}.sql.j2" in rest

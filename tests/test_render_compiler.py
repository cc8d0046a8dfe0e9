"""The rendering environment's shortcuts give what Jinja itself gives.

`make_environment` compiles `x.name` and `x is none` without a call, and calls a macro given its
arguments by position (and a built-in method such as `items.append`) straight through. Each template
here is rendered by it and by a stock Jinja environment with the same options, and must give the same
text, or fail with the same error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import jinja2
import pytest
from model_factory import kitchen_sink

from schemagen.model import Model
from schemagen.render import render, templating


@dataclass(frozen=True)
class Thing:
    name: str
    inner: Any = None
    items: tuple[str, ...] = ()


THING = Thing("outer", Thing("inner", {"key": "item", "none": None}), ("a", "b"))

TEMPLATES = {
    "attribute": "{{ thing.name }}",
    "nested": "{{ thing.inner.name }}/{{ thing.inner.inner.key }}",
    "item of a mapping": "{{ mapping.key }} {{ mapping.items }}",
    "attribute before item": "{{ mapping.keys() | sort | join(',') }}",
    "in an expression": "{{ (thing.name ~ thing.inner.name) | upper if thing.inner.name else 'no' }}",
    "in a filtered loop": "{% for t in things if t.name != 'x' %}{{ t.name }}{{ t.inner.name }} {% endfor %}",
    "in a loop's else": "{% for t in [] %}{% else %}{{ thing.name }}{% endfor %}",
    "in a set": "{% set n = thing.inner.name %}{{ n }}",
    "in a macro": "{% macro m(t) %}{{ t.name }}{% endmacro %}{{ m(thing) }}",
    "none tests": "{{ thing.inner is none }} {{ thing.inner is not none }} {{ thing.inner.inner.none is none }}"
    " {{ none is none }} {{ 0 is none }} {{ '' is not none }}",
    "none test of an undefined": "{{ nothing is none }} {{ nothing is not none }}",
    "sameas tests": "{{ thing is sameas thing }} {{ thing is sameas thing.inner }} {{ thing is not sameas none }}"
    " {% set last = things[-1] %}{% for t in things %}{{ t.name }}{{ ',' if t is not sameas last else '' }}{% endfor %}",
    "none test in a loop filter": "{% for v in [1, none, 2] if v is not none %}{{ v }}{% endfor %}",
    "macro by position": "{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1, 2) }}",
    "macro with defaults": "{% macro m(a, b=2, c='x') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }}",
    "macro with keywords": "{% macro m(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ m(1, b=5) }} {{ m(a=4) }}",
    "macro in a loop": "{% macro m(a) %}<{{ a }}>{% endmacro %}{% for i in [1, 2] %}{{ m(i) }}{% endfor %}",
    "macro with varargs": "{% macro m(a) %}{{ a }}{{ varargs | join }}{% endmacro %}{{ m(1, 2, 3) }}",
    "macro with kwargs": "{% macro m(a) %}{{ a }}{{ kwargs | dictsort }}{% endmacro %}{{ m(1, z=2) }}",
    "macro with caller": "{% macro m(a) %}[{{ caller() }}{{ a }}]{% endmacro %}{% call m(1) %}in{% endcall %}",
    "macro calling itself": "{% macro m(n) %}{{ n }}{% if n %}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(3) }}",
    "missing argument": "{% macro m(a, b) %}{{ a }}{{ b is defined }}{% endmacro %}{{ m(1) }}",
    "a built-in method": "{% set items = [] %}{% for i in [1, 2] %}{% set _ = items.append(i) %}{% endfor %}{{ items }}",
    "a built-in method raising StopIteration": "{% set it = things.__iter__() %}{{ it.__next__() }}"
    "{{ it.__next__().name }}{{ it.__next__() is defined }}",
    "a method of a mapping": "{{ mapping.get('key') }} {{ mapping.get('nope', 'd') }}",
    "join": "{{ [1, 2] | join(', ') }} {{ things | join('/', attribute='name') }} {{ [] | join }}{{ 'ab' | join('.') }}",
    "join with autoescape": "{% autoescape true %}{{ ['<a>', '&'] | join('<br>') }}"
    "{{ ['<a>' | safe, '&'] | join('<br>') }}{% endautoescape %}",
    "undefined attribute": "{{ thing.nope }}",
    "undefined item": "{{ mapping.nope }}",
    "attribute of undefined": "{{ thing.nope.deeper }}",
    "too many arguments": "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
    "unknown keyword": "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, b=2) }}",
}
VALUES = {"thing": THING, "mapping": {"key": "value", "items": "its items"}, "things": [THING, THING.inner]}


def _stock() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, **templating._COMPILE_OPTIONS)
    env.filters.update({name: f for name, f in templating.FILTERS.items() if name != "join"})
    env.tests.update(templating.TESTS)
    return env


def _outcome(env: jinja2.Environment, source: str) -> tuple[str, str]:
    try:
        return "text", env.from_string(source).render(VALUES)
    except Exception as error:  # the same failure is as good as the same text
        return type(error).__name__, str(error)


@pytest.mark.parametrize("source", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_the_same_as_jinja(source: str) -> None:
    ours = templating.make_environment()
    assert ours.code_generator_class is not jinja2.compiler.CodeGenerator
    assert _outcome(ours, source) == _outcome(_stock(), source)


def test_the_shortcuts_are_compiled_in() -> None:
    env = templating.make_environment()
    code = env.compile("{{ a.b }}{{ a is none }}", raw=True)
    assert "environment.getattr(a" not in code
    assert "is None" in code


@pytest.fixture(scope="module")
def sink() -> Model:
    return kitchen_sink()


def test_the_schema_is_the_same_as_jinja_renders_it(sink: Model) -> None:
    stock = _stock()
    stock.loader = templating.make_environment().loader
    assert render.render_all(sink, stock) == render.render_all(sink)


def test_create_tables_columns_are_column_definitions(sink: Model) -> None:
    """CREATE TABLE writes its columns inline (a macro call per column was a tenth of a render); each
    must read as `column_definition`, which ADD COLUMN writes, does."""
    table_sql = templating.make_environment().get_template("postgres/table.sql.j2").module
    seen = 0
    for table in sink.tables:
        text = str(table_sql.create_table(table, table.foreign_keys))  # type: ignore[attr-defined]
        lines = text.splitlines()[1:]
        for column, line in zip(table.columns, lines, strict=False):
            expected = "    " + str(table_sql.column_definition(column))  # type: ignore[attr-defined]
            assert line.removesuffix(",") == expected
            seen += 1
    assert seen > 20


@pytest.mark.parametrize(
    ("value", "type_"),
    [
        ("it's", None),
        ("it's", "text"),
        ("[1]", "jsonb"),
        ("{a}", "text[]"),
        (True, None),
        (1, None),
        (1.0, None),
        (Decimal("1.0"), None),
        (Decimal("1"), None),
        (["a", None], "text[]"),
        ({"k": 1}, "jsonb"),
        (date(2024, 1, 1), None),
        (None, None),
    ],
)
def test_the_remembered_literal_filter_is_literal(value: Any, type_: str | None) -> None:
    remembered = templating.FILTERS["literal"]
    for _ in range(2):  # once to remember, once from memory
        assert remembered(value, type_) == templating.literal(value, type_)


def test_the_remembered_literal_filter_tells_equal_values_apart() -> None:
    remembered = templating.FILTERS["literal"]
    assert [remembered(v) for v in (1, True, Decimal("1.0"), Decimal("1"), 1.0)] == [
        "1",
        "true",
        "1.0",
        "1",
        "1.0",
    ]
    assert remembered("x", "jsonb") == "'x'" and remembered("x") == "'x'"
    assert templating.FILTERS["qname"]("User", "app") == 'app."User"'

"""The render's cheaper paths give the text the plain ones give.

Macro calls go through `_Context.call_positional` (loop variables by position), the `literal` filter
remembers integers and booleans, `qname` is not remembered while `ident` is, CREATE TABLE joins its
constraints and an index of one element is written without a loop.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jinja2
import pytest

from schemagen.model import Index, IndexElement
from schemagen.postgres.identifiers import ident, qname
from schemagen.render import templating


def _stock() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, **templating._COMPILE_OPTIONS)
    env.filters.update({name: f for name, f in templating.FILTERS.items() if name != "join"})
    env.tests.update(templating.TESTS)
    return env


@jinja2.pass_context
def _seen(context: jinja2.runtime.Context, name: str) -> Any:
    return context.get(name, "-")


SOURCES = [
    # a function taking the context sees the loop's and the block's variables
    "{% for i in [1, 2] %}{% set x = i * 10 %}{{ seen('x') }}{{ seen('i') }},{% endfor %}",
    "{% macro m(a) %}{% for i in [a] %}{% set y = i %}{{ seen('y') }}{% endfor %}{% endmacro %}{{ m(3) }}",
    "{% set z = 7 %}{{ seen('z') }}",
    # positions and keywords mixed, and a call with none
    "{% macro m(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{% for i in [1] %}{{ m(i) }}{{ m(i, b=4) }}{% endfor %}",
    "{% macro m() %}x{% endmacro %}{% for i in [1, 2] %}{{ m() }}{% endfor %}",
]


@pytest.mark.parametrize("source", SOURCES)
def test_calls_are_the_same_as_jinja(source: str) -> None:
    ours = templating.make_environment().from_string(source, globals={"seen": _seen})
    theirs = _stock().from_string(source, globals={"seen": _seen})
    assert ours.render() == theirs.render()
    assert "context.call_positional(" in templating.make_environment().compile(source, raw=True)


@pytest.mark.parametrize(
    ("value", "type_"),
    [(True, None), (1, None), (False, None), (0, None), (1, "bigint"), (True, "boolean"), (1.0, None)],
)
def test_remembered_literals_keep_their_class(value: Any, type_: str | None) -> None:
    for _ in range(2):  # the second time from memory
        assert templating._literal(value, type_) == templating.literal(value, type_)
    assert templating._literal(True) == "true" and templating._literal(1) == "1"
    assert templating._literal(Decimal("1.0")) == "1.0" and templating._literal(Decimal("1")) == "1"


def test_json_literals() -> None:
    assert templating._literal({"b": [1, None], "a": "x'y"}, "jsonb") == """'{"a": "x''y", "b": [1, null]}'"""
    with pytest.raises(ValueError):
        templating._literal({"a": float("nan")}, "jsonb")


def test_names() -> None:
    assert templating.FILTERS["qname"] is qname
    for _ in range(2):
        assert qname("Events_p1", "app") == 'app."Events_p1"'
        assert ident("select") == '"select"' and ident("users") == "users"


@pytest.mark.parametrize(
    "elements",
    [
        (IndexElement(column="a"),),
        (IndexElement(column="a"), IndexElement(expression="lower(b)", descending=True)),
        (IndexElement(column="a"), IndexElement(column="a")),
    ],
)
def test_index_elements(elements: tuple[IndexElement, ...]) -> None:
    index = Index(name="ix", table="t", elements=elements)
    module: Any = templating.make_environment().get_template("postgres/index.sql.j2").module
    parts = ", ".join(str(module.index_element(e)) for e in elements)
    assert str(module.create_index(index, "app")) == f"CREATE INDEX ix ON app.t ({parts});\n"

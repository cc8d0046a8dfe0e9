"""What keeps `schemagen inspect` fast, held to the same answers: a partition's bound read from the
parse tree's JSON reads as pglast's node objects read it, an index definition without COLLATE is not
parsed, and inspecting a database without functions never loads Jinja."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from typing import Any

import pglast
import pytest
from pglast import ast

from schemagen.database.inspect.catalog_text import partition_bound
from schemagen.database.inspect.values import UnreadableText, number
from schemagen.database.live import connect
from schemagen.model import PartitionBound
from schemagen.postgres import sqltypes
from schemagen.postgres.index_keys import own_collations

# (bound as pg_get_expr prints it, key types, what it reads as)
BOUNDS: list[tuple[str, list[str | None], PartitionBound]] = [
    ("DEFAULT", ["date"], PartitionBound(is_default=True)),
    ("FOR VALUES WITH (modulus 4, remainder 0)", ["bigint"], PartitionBound(modulus=4, remainder=0)),
    ("FOR VALUES WITH (modulus 8, remainder 7)", ["uuid"], PartitionBound(modulus=8, remainder=7)),
    (
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')",
        ["timestamp with time zone"],
        PartitionBound(range_from="2024-01-01 00:00:00+00", range_to="2024-02-01 00:00:00+00"),
    ),
    ("FOR VALUES FROM (MINVALUE) TO ('n')", ["text"], PartitionBound(range_from="MINVALUE", range_to="n")),
    (
        "FOR VALUES FROM (2024, MINVALUE) TO (2024, 7)",
        ["integer", "integer"],
        PartitionBound(range_from=[2024, "MINVALUE"], range_to=[2024, 7]),
    ),
    ("FOR VALUES FROM ('0') TO ('10')", ["bigint"], PartitionBound(range_from=0, range_to=10)),
    ("FOR VALUES FROM ('1.50') TO ('2')", ["numeric"], PartitionBound(range_from="1.50", range_to=2)),
    ("FOR VALUES IN ('de', 'fr', 'it''s')", ["text"], PartitionBound(values=("de", "fr", "it's"))),
    ("FOR VALUES IN ('2024-01-01')", ["date"], PartitionBound(values=(date(2024, 1, 1),))),
    ("FOR VALUES IN (NULL, 0, -2, 1.5, true, false, '')", [None], None),  # checked against pglast below
]
UNREADABLE = [
    "FOR VALUES IN (B'101')",
    "FOR VALUES FROM (1) TO (2, 3)",
    "FOR VALUES FROM (x) TO (1)",
    "FOR VALUES IN (1 + 2)",
    "FOR VALUES IN ('a'::text)",
    "not a bound",
]


def _pglast_bound(text: str, key_types: list[str | None]) -> PartitionBound:
    """The bound as pglast's node objects read it: how inspect read it before, kept as the reference."""
    statement = pglast.parse_sql(f"CREATE TABLE p PARTITION OF q {text}")[0].stmt
    assert isinstance(statement, ast.CreateStmt)
    spec = statement.partbound
    assert spec is not None

    def value(node: Any, key_type: str | None, listed: bool = False) -> Any:
        if isinstance(node, ast.ColumnRef):
            return {"minvalue": "MINVALUE", "maxvalue": "MAXVALUE"}[node.fields[0].sval]
        if node.isnull:
            return None
        constant = node.val
        if isinstance(constant, ast.Boolean):
            return bool(constant.boolval)
        if isinstance(constant, ast.Integer):
            return constant.ival
        if isinstance(constant, ast.Float):
            return number(constant.fval)
        family = sqltypes.type_family(key_type) if key_type else "other"
        if family in ("integer", "numeric") and (found := number(constant.sval)) is not None:
            return found
        return date.fromisoformat(constant.sval) if listed and family == "date" else constant.sval

    if spec.is_default:
        return PartitionBound(is_default=True)
    if spec.strategy == "h":
        return PartitionBound(modulus=spec.modulus, remainder=spec.remainder)
    if spec.strategy == "l":
        return PartitionBound(values=tuple(value(v, key_types[0], listed=True) for v in spec.listdatums))
    low = [value(v, t) for v, t in zip(spec.lowerdatums, key_types, strict=True)]
    high = [value(v, t) for v, t in zip(spec.upperdatums, key_types, strict=True)]
    if len(key_types) == 1:
        return PartitionBound(range_from=low[0], range_to=high[0])
    return PartitionBound(range_from=low, range_to=high)


@pytest.mark.parametrize(("text", "key_types", "expected"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_a_bound_reads_as_pglast_reads_it(
    text: str, key_types: list[str | None], expected: PartitionBound | None
) -> None:
    found = partition_bound(text, key_types)
    assert found == _pglast_bound(text, key_types)
    if expected is not None:
        assert found == expected
    assert [type(v) for v in found.values] == [type(v) for v in _pglast_bound(text, key_types).values]


@pytest.mark.parametrize("text", UNREADABLE)
def test_a_bound_of_another_shape_is_unreadable(text: str) -> None:
    with pytest.raises(UnreadableText):
        partition_bound(text, ["integer"])


def test_only_an_index_that_says_collate_is_parsed_for_its_collations() -> None:
    assert own_collations("CREATE INDEX i ON public.t USING btree (a, lower(b))") == []
    assert own_collations('CREATE INDEX i ON public.t USING btree (a COLLATE "C", b)') == [(None, "C"), None]
    assert own_collations('CREATE INDEX i ON public.t USING btree (a collate pg_catalog."C")') == [
        ("pg_catalog", "C")
    ]


def test_inspecting_a_database_without_functions_loads_no_jinja(pg_dsn: str) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '')")
    script = (
        "import sys\n"
        "from schemagen.database.inspect import inspect\n"
        "from schemagen.build.writer import write_spec\n"
        f"found = inspect({pg_dsn!r})\n"
        "assert [t.name for t in found.model.tables] == ['accounts'], found.model.tables\n"
        "print('jinja2' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

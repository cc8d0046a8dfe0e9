"""Type canonicalisation: PostgreSQL's format_type() spelling, and rejection of non-types."""

from __future__ import annotations

import psycopg
import pytest

from schemagen.postgres.sqltypes import (
    UnknownTypeError,
    canonical_type,
    has_toast_table,
    is_array,
    is_integer,
    is_text_like,
    type_family,
    varchar_length,
)

CANONICAL = [
    ("int8", "bigint"),
    ("bigint", "bigint"),
    ("BIGINT", "bigint"),
    ("int", "integer"),
    ("int4", "integer"),
    ("integer", "integer"),
    ("int2", "smallint"),
    ("smallint", "smallint"),
    ("varchar(32)", "character varying(32)"),
    ("character varying(32)", "character varying(32)"),
    ("varchar", "character varying"),
    ("text", "text"),
    ("text[]", "text[]"),
    ("timestamptz", "timestamp with time zone"),
    ("timestamp with time zone", "timestamp with time zone"),
    ("timestamptz(3)", "timestamp(3) with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp(6) without time zone", "timestamp(6) without time zone"),
    ("time", "time without time zone"),
    ("timetz", "time with time zone"),
    ("bool", "boolean"),
    ("boolean", "boolean"),
    ("float8", "double precision"),
    ("double precision", "double precision"),
    ("float", "double precision"),
    ("float4", "real"),
    ("float(24)", "real"),
    ("numeric(10,2)", "numeric(10,2)"),
    ("numeric(10)", "numeric(10,0)"),
    ("decimal(5, 1)", "numeric(5,1)"),
    ("numeric", "numeric"),
    ("jsonb", "jsonb"),
    ("json", "json"),
    ("uuid", "uuid"),
    ("date", "date"),
    ("bytea", "bytea"),
    ("inet", "inet"),
    ("interval", "interval"),
    ("interval day to second(3)", "interval day to second(3)"),
    ("tsvector", "tsvector"),
    ("citext", "citext"),
    ("char(2)", "character(2)"),
    ("char", "character(1)"),
    ("bigint[]", "bigint[]"),
    ("integer ARRAY", "integer[]"),
    ("int[][]", "integer[]"),
    ("varchar(32)[]", "character varying(32)[]"),
    ("bit varying(5)", "bit varying(5)"),
    ("pg_catalog.int4", "integer"),
    ("  Text  ", "text"),
    ("int /* comment */", "integer"),
    # the serial pseudo-types come back unchanged: the validator flags them on its own
    ("serial", "serial"),
    ("bigserial", "bigserial"),
    ("smallserial", "smallserial"),
    # user-defined and extension types: as written, folded like the parser folds them
    ("my_enum", "my_enum"),
    ("Mood", "mood"),
    ("public.my_enum", "public.my_enum"),
    ('"MyType"', '"MyType"'),
    ("vector(3)", "vector(3)"),
]


# The spec's own types (enums), as the build passes them in.
USER_TYPES = frozenset({"my_enum", "mood", "MyType"})


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_type(text: str, expected: str) -> None:
    assert canonical_type(text, USER_TYPES) == expected


def test_unknown_names_are_errors_with_the_postgres_type_as_fix() -> None:
    for name, meant in [("datetime", "timestamp without time zone"), ("string", "text"), ("int64", "bigint")]:
        with pytest.raises(UnknownTypeError, match=f"use {meant}"):
            canonical_type(name)
    with pytest.raises(UnknownTypeError, match="neither a PostgreSQL type nor an enum"):
        canonical_type("no_such_type")
    # a typo of the name PostgreSQL prints is pointed at that name, not at a shorter internal one
    for typo, meant in [("bigintt", "bigint"), ("boolen", "boolean"), ("integr", "integer")]:
        with pytest.raises(UnknownTypeError, match=f"did you mean {meant}\\?"):
            canonical_type(typo)


def test_enum_names_are_returned_as_is() -> None:
    assert canonical_type("mood", frozenset({"mood"})) == "mood"
    # an enum may even be named like another database's type
    assert canonical_type("string", frozenset({"string"})) == "string"


INVALID = [
    ("varchar(", "not a valid type"),
    ("not a type", "not a valid type"),
    ("int; drop table x", "not a valid type"),
    ("int) FROM (SELECT 1", "not a valid type"),
    ("int) UNION (SELECT 1", "not a valid type"),
    ("int -- comment", "not a valid type"),
    ("", "empty type"),
    ("   ", "empty type"),
    ("int\x00", "NUL"),
    ("array<int>", "not a valid type"),
    ("string", "not a PostgreSQL type: use text"),
    ("datetime", "not a PostgreSQL type"),
    ("text(10)", "type modifier is not allowed"),
    ("varchar(0)", "length for type character varying"),
    ("numeric(1001)", "precision"),
    ("timestamp(7)", "precision 7"),
    ("setof int", "SETOF"),
    ("serial[]", "array of serial"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_types_raise(text: str, message: str) -> None:
    with pytest.raises(UnknownTypeError) as raised:
        canonical_type(text)
    assert message in raised.value.message
    assert "\n" not in raised.value.message
    assert isinstance(raised.value, ValueError)


FAMILIES = [
    ("smallint", "integer"),
    ("integer", "integer"),
    ("bigint", "integer"),
    ("serial", "integer"),
    ("numeric(10,2)", "numeric"),
    ("real", "numeric"),
    ("double precision", "numeric"),
    ("text", "text"),
    ("character varying(32)", "text"),
    ("character(2)", "text"),
    ("citext", "text"),
    ("boolean", "boolean"),
    ("json", "json"),
    ("jsonb", "json"),
    ("timestamp with time zone", "timestamp"),
    ("timestamp(3) without time zone", "timestamp"),
    ("date", "date"),
    ("time with time zone", "time"),
    ("interval", "interval"),
    ("interval day to second(3)", "interval"),
    ("uuid", "uuid"),
    ("bytea", "bytea"),
    ("text[]", "array"),
    ("inet", "other"),
    ("mood", "other"),
]


@pytest.mark.parametrize(("canonical", "family"), FAMILIES)
def test_type_family(canonical: str, family: str) -> None:
    assert type_family(canonical) == family


def test_type_family_enum() -> None:
    assert type_family("mood", frozenset({"mood"})) == "enum"
    assert type_family("public.mood", frozenset({"mood"})) == "enum"
    assert type_family("mood[]", frozenset({"mood"})) == "array"


@pytest.mark.parametrize(
    ("canonical", "text_like", "integer", "array", "length"),
    [
        ("text", True, False, False, None),
        ("character varying(32)", True, False, False, 32),
        ("character varying", True, False, False, None),
        ("character(2)", True, False, False, None),
        ("citext", True, False, False, None),
        ("bigint", False, True, False, None),
        ("smallint", False, True, False, None),
        ("numeric(10,2)", False, False, False, None),
        ("text[]", False, False, True, None),
        ("character varying(32)[]", False, False, True, None),
    ],
)
def test_predicates(canonical: str, text_like: bool, integer: bool, array: bool, length: int | None) -> None:
    assert is_text_like(canonical) is text_like
    assert is_integer(canonical) is integer
    assert is_array(canonical) is array
    assert varchar_length(canonical) == length


def test_canonical_form_is_stable() -> None:
    # Feeding the canonical spelling back in gives the same spelling.
    for _, expected in CANONICAL:
        assert canonical_type(expected, USER_TYPES) == expected


TOAST_CASES = [
    ["integer"],
    ["integer", "text"],
    ["varchar(32)", "bigint"],
    ["varchar(600)"],
    ["varchar(400)", "varchar(200)"],
    ["numeric"],
    ["numeric(10,2)"],
    ["jsonb"],
    ["integer[]"],
    ["char(500)"],
    ["char(510)"],
    ["timestamptz", "uuid", "boolean", "interval", "date"],
    ["bit(100)"],
    ["inet"],
]


def test_has_toast_table_agrees_with_postgresql(pg_conn: psycopg.Connection) -> None:
    for number, types in enumerate(TOAST_CASES):
        columns = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
        pg_conn.execute(f"CREATE TABLE t{number} ({columns})")
        (toasted,) = pg_conn.execute(
            "SELECT reltoastrelid <> 0 FROM pg_class WHERE oid = %s::regclass", (f"t{number}",)
        ).fetchone()
        assert has_toast_table([canonical_type(t) for t in types]) == toasted, types

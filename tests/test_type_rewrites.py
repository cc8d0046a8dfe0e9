"""Which type changes rewrite a table, as the planner says (`type_conversion`) and as PostgreSQL does
it: the table's relfilenode changes exactly when the planner calls the change a rewrite (or a
narrowing, which rewrites and may fail), so the header's SG921 and its lock facts are true."""

from __future__ import annotations

import psycopg
import pytest

from schemagen.plan.changes import type_conversion
from schemagen.postgres.sqltypes import canonical_type

PAIRS = [
    ("numeric(5,2)", "numeric(7,2)"),
    ("numeric(7,2)", "numeric(5,2)"),
    ("numeric(5,2)", "numeric(7,3)"),
    ("numeric(5,2)", "numeric"),
    ("numeric", "numeric(12,2)"),
    ("varchar(10)", "varchar(20)"),
    ("varchar(20)", "varchar(10)"),
    ("varchar(10)", "text"),
    ("text", "varchar"),
    ("timestamp(3)", "timestamp(6)"),
    ("timestamp(3)", "timestamp"),
    ("timestamp", "timestamp(3)"),
    ("timestamptz(0)", "timestamptz(3)"),
    ("time(2)", "time(4)"),
    ("interval(2)", "interval"),
    ("varbit(4)", "varbit(8)"),
    ("integer", "bigint"),
    ("smallint", "integer"),
    ("bigint", "numeric(20,0)"),
]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_the_planner_calls_a_rewrite_exactly_what_postgres_rewrites(
    pg_conn: psycopg.Connection, old: str, new: str
) -> None:
    conversion = type_conversion(canonical_type(old), canonical_type(new))
    with pg_conn.transaction():
        pg_conn.execute(f"CREATE TABLE t (v {old})")
        before = pg_conn.execute("SELECT pg_relation_filenode('t')").fetchone()
        pg_conn.execute(f"ALTER TABLE t ALTER COLUMN v TYPE {new}")
        after = pg_conn.execute("SELECT pg_relation_filenode('t')").fetchone()
        pg_conn.execute("DROP TABLE t")
    assert (before != after) == (conversion != "free"), conversion

"""A column's type changed to one PostgreSQL has no cast to is refused with the fix (SG952), and the
spec's `using:` converts it instead, up and down, on a database with rows; a conversion through the
text form is flagged (SG953). The planner's idea of which conversions exist is checked against the
server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.migrate.migration import build_migration
from schemagen.plan import PlanError, plan
from schemagen.plan.casts import castability

SPEC = """\
project: {{name: conversions, postgres: 15}}
entities:
  events:
    columns:
      id: {{type: integer, primary_key: true}}
      seen_at: {seen_at}
      quantity: {quantity}
"""

PAIRS = [
    ("bigint", "timestamp with time zone", "1"),
    ("date", "integer", "'2026-01-01'"),
    ("integer", "bigint", "1"),
    ("integer", "boolean", "1"),
    ("text", "integer", "'12'"),
    ("text", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"),
    ("integer", "text", "1"),
    ("timestamp without time zone", "date", "now()"),
    ("text[]", "integer[]", "'{1,2}'"),
    ("integer[]", "bigint[]", "'{1,2}'"),
    ("boolean", "numeric", "true"),
    ("numeric(5,2)", "numeric(7,2)", "1.5"),
]


@pytest.mark.parametrize(("old", "new", "value"), PAIRS)
def test_castability_agrees_with_the_server(
    pg_conn: psycopg.Connection, old: str, new: str, value: str
) -> None:
    how = castability(old, new)
    assert how != "unknown"
    table = f"cast_{abs(hash((old, new))) % 10**8}"
    try:
        with pg_conn.transaction():
            pg_conn.execute(f"CREATE TABLE {table} (c {old})")
            pg_conn.execute(f"INSERT INTO {table} VALUES ({value})")
            pg_conn.execute(f"ALTER TABLE {table} ALTER COLUMN c TYPE {new} USING c::{new}")
            raise _Worked
    except _Worked:
        worked = True
    except (psycopg.errors.DatatypeMismatch, psycopg.errors.CannotCoerce):
        worked = False
    assert worked == (how != "none"), (old, new, how)


class _Worked(Exception):
    pass


def spec(tmp_path: Path, name: str, seen_at: str, quantity: str) -> object:
    return model_of(tmp_path, name, {"spec.yaml": SPEC.format(seen_at=seen_at, quantity=quantity)})


def test_a_type_without_a_cast_is_refused_with_the_fix(tmp_path: Path) -> None:
    a = spec(tmp_path, "a", "bigint", "text")
    b = spec(tmp_path, "b", "timestamptz", "text")
    with pytest.raises(PlanError) as raised:
        plan(a, b)
    error = raised.value
    assert error.rule is not None and error.rule.code == "SG952"
    assert error.target == "events.seen_at"
    assert "events.seen_at" in str(error) and "`using:`" in str(error)


def test_a_down_without_a_cast_back_is_refused(tmp_path: Path) -> None:
    a = spec(tmp_path, "a", "bigint", "text")
    b = spec(tmp_path, "b", "{type: timestamptz, using: to_timestamp(seen_at)}", "text")
    assert plan(a, b)
    with pytest.raises(PlanError) as raised:
        build_migration(a, b, "0002_change")
    assert raised.value.rule is not None and raised.value.rule.code == "SG952"
    assert "down:" in str(raised.value)


ROWS = "INSERT INTO events SELECT i, 1700000000 + i, i::text FROM generate_series(1, 500) AS i"


def test_using_converts_up_and_down_with_rows(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a = spec(tmp_path, "a", "bigint", "text")
    b = spec(
        tmp_path,
        "b",
        "{type: timestamptz, using: {up: to_timestamp(seen_at), down: 'extract(epoch FROM seen_at)::bigint'}}",
        "{type: integer, using: 'nullif(quantity, '''')::integer'}",
    )
    migration = build_migration(a, b, "0002_change")
    assert "USING to_timestamp(seen_at)" in migration.up_sql
    assert "USING nullif(quantity, '')::integer" in migration.up_sql
    assert "SG952" not in migration.up_sql and "SG953" not in migration.up_sql
    assert "USING EXTRACT(epoch FROM seen_at)::bigint" in migration.down_sql.replace("extract", "EXTRACT")
    # quantity back to text has a cast: no `using` needed down
    assert "quantity TYPE text USING quantity::text" in migration.down_sql

    conn = pg_database()
    create(conn, a)
    conn.execute(ROWS)
    before = conn.execute("SELECT id, seen_at, quantity FROM events ORDER BY id").fetchall()
    apply_sql(conn, migration.up_sql)
    fresh = pg_database()
    create(fresh, b)
    assert_catalog_equal(snapshot(conn), snapshot(fresh))
    converted = conn.execute(
        "SELECT count(*) FROM events WHERE extract(epoch FROM seen_at) = 1700000000 + id AND quantity = id"
    ).fetchone()
    assert converted == (500,)
    apply_sql(conn, migration.down_sql)
    back = pg_database()
    create(back, a)
    assert_catalog_equal(snapshot(conn), snapshot(back))
    assert conn.execute("SELECT id, seen_at, quantity FROM events ORDER BY id").fetchall() == before


def test_a_conversion_through_text_is_flagged_and_fails_on_junk(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a = spec(tmp_path, "a", "bigint", "text")
    b = spec(tmp_path, "b", "bigint", "integer")
    migration = build_migration(a, b, "0002_change")
    assert "SG953 events.quantity: text → integer reads each value's text as integer" in migration.up_sql
    assert "USING quantity::integer" in migration.up_sql

    conn = pg_database()
    create(conn, a)
    conn.execute(ROWS)
    conn.execute("UPDATE events SET quantity = 'n/a' WHERE id = 7")
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        apply_sql(conn, migration.up_sql)
    assert conn.execute(
        "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'events'::regclass "
        "AND attname = 'quantity'"
    ).fetchone() == ("text",)


def test_a_bad_using_is_an_error_at_its_line(tmp_path: Path) -> None:
    from schemagen.diagnostics.diagnostic import SpecError

    with pytest.raises(SpecError) as raised:
        spec(tmp_path, "a", "{type: timestamptz, using: 'to_timestamp(seen_at'}", "text")
    text = str(raised.value)
    assert "SG" in text and "the `using` of `seen_at`" in text and "spec.yaml:6:" in text
    with pytest.raises(SpecError) as raised:
        spec(tmp_path, "b", "{type: timestamptz, using: {up: to_timestamp(seen_at), back: x}}", "text")
    assert "unknown key `back`" in str(raised.value)

"""Changes PostgreSQL cannot make by altering a table — a plain table becoming partitioned and back, a
new partition key, a generated column's new expression — are planned as a rebuild with every row kept
(SG923, SG922): the old table moved aside, the new one created and filled, the old one dropped, in the
migration's one transaction, with the indexes, the foreign keys in and out, the views and the triggers
made again. Applied up and down on a real database with rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot
from migrations import apply_sql, create, model_of

from schemagen.migrate.migration import build_migration
from schemagen.model import Model

SPEC = """\
project: {{name: rebuild, postgres: 15}}
functions:
  touch:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN
          NEW.kind = trim(NEW.kind);
          RETURN NEW;
      END
entities:
  events:
    columns:
      id: {{type: bigint, identity: always}}
      at: timestamptz
      kind: text
      shout: {{type: text, generated: {generated}}}
    primary_key: [id, at]
    indexes: [{{columns: [kind]}}]
    triggers:
      touch: {{function: touch, timing: before, events: [insert, update], for_each: row}}
{partition}
  notes:
    columns:
      id: {{type: bigint, primary_key: true}}
      event_id: bigint
      event_at: timestamptz
    foreign_keys:
      - {{columns: [event_id, event_at], references: {{table: events, columns: [id, at]}}}}
views:
  kinds:
    query: SELECT kind, shout FROM events
  counted:
    query: SELECT count(*) AS n FROM kinds
"""

RANGE = "    partition: {range: {key: at, every: month, from: 2026-01-01, to: 2026-04-01}}"
HASH = "    partition: {hash: {key: id, modulus: 4}}"

ROWS = (
    "INSERT INTO events (at, kind) SELECT timestamptz '2026-01-01' + i * interval '1 hour', "
    "chr(97 + i % 3) FROM generate_series(1, 300) AS i;"
    "INSERT INTO notes SELECT id, id, at FROM events WHERE id % 7 = 0;"
)

CASES = {
    "becomes partitioned": (("upper(kind)", ""), ("upper(kind)", RANGE)),
    "partition key changes": (("upper(kind)", RANGE), ("upper(kind)", HASH)),
    "generated expression changes": (("upper(kind)", ""), ("kind || '!'", "")),
}


def spec(tmp_path: Path, name: str, generated: str, partition: str) -> Model:
    return model_of(tmp_path, name, {"spec.yaml": SPEC.format(generated=generated, partition=partition)})


def rows(conn: psycopg.Connection) -> tuple[list[tuple], list[tuple]]:
    events = conn.execute("SELECT id, at, kind FROM events ORDER BY id").fetchall()
    notes = conn.execute("SELECT * FROM notes ORDER BY id").fetchall()
    return events, notes


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_table_is_rebuilt_with_its_rows_up_and_down(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], case: str
) -> None:
    (a_generated, a_partition), (b_generated, b_partition) = CASES[case]
    a = spec(tmp_path, "a", a_generated, a_partition)
    b = spec(tmp_path, "b", b_generated, b_partition)
    migration = build_migration(a, b, "0002_rebuild")
    header = migration.up_sql.split("\n\n", 1)[0]
    assert "SG923 rebuilds events" in header and "SG922 holds a lock on events" in header
    assert "schemagen:no-transaction" not in header

    conn = pg_database()
    create(conn, a)
    conn.execute(ROWS)
    before = rows(conn)
    apply_sql(conn, migration.up_sql)
    fresh = pg_database()
    create(fresh, b)
    assert_catalog_equal(snapshot(conn), snapshot(fresh))
    assert rows(conn) == before
    # the generated column holds the new expression's values; the identity goes on past the rows
    expected = "upper(kind)" if b_generated == "upper(kind)" else "kind || '!'"
    assert conn.execute(
        f"SELECT count(*) FROM events WHERE shout IS DISTINCT FROM {expected}"
    ).fetchone() == (0,)
    new_id = conn.execute(
        "INSERT INTO events (at, kind) VALUES ('2026-02-01', ' b ') RETURNING id, kind"
    ).fetchone()
    assert new_id == (301, "b")  # numbered after the copied rows, and the trigger is there
    conn.execute("DELETE FROM events WHERE id = 301")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("INSERT INTO notes VALUES (9999, 12345, '2026-01-01')")
    assert conn.execute("SELECT n FROM counted").fetchone() == (300,)

    apply_sql(conn, migration.down_sql)
    back = pg_database()
    create(back, a)
    assert_catalog_equal(snapshot(conn), snapshot(back))
    assert rows(conn) == before


SERIAL = """\
project: {{name: rebuild, postgres: 15}}
entities:
  tickets:
    columns:
      id: {{type: bigint, serial: true, primary_key: true}}
      title: text
{partition}
"""


def test_a_serial_keeps_its_sequence_through_the_rebuild(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    a = model_of(tmp_path, "a", {"spec.yaml": SERIAL.format(partition="")})
    b = model_of(
        tmp_path, "b", {"spec.yaml": SERIAL.format(partition="    partition: {hash: {key: id, modulus: 2}}")}
    )
    migration = build_migration(a, b, "0002_rebuild")
    conn = pg_database()
    create(conn, a)
    conn.execute("INSERT INTO tickets (title) SELECT 't' || i FROM generate_series(1, 50) AS i")
    before = conn.execute("SELECT * FROM tickets ORDER BY id").fetchall()
    apply_sql(conn, migration.up_sql)
    fresh = pg_database()
    create(fresh, b)
    assert_catalog_equal(snapshot(conn), snapshot(fresh))
    assert conn.execute("SELECT * FROM tickets ORDER BY id").fetchall() == before
    assert conn.execute("INSERT INTO tickets (title) VALUES ('next') RETURNING id").fetchone() == (51,)
    conn.execute("DELETE FROM tickets WHERE id = 51")
    apply_sql(conn, migration.down_sql)
    back = pg_database()
    create(back, a)
    assert_catalog_equal(snapshot(conn), snapshot(back))
    assert conn.execute("SELECT * FROM tickets ORDER BY id").fetchall() == before

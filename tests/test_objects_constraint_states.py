"""Checks and foreign keys kept NOT VALID (`valid: false`), and NO INHERIT checks: inspected, rendered
(a NOT VALID one after its table, as CREATE TABLE would validate it), migrated up and down with the rows
kept; `valid: false` → true is VALIDATE CONSTRAINT; a partitioned table refuses both at the YAML line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE items (id integer PRIMARY KEY, owner_id integer, qty integer NOT NULL, price integer);
INSERT INTO owners SELECT g FROM generate_series(1, 20) g;
-- rows the NOT VALID constraints would refuse: an owner that does not exist, a negative quantity
INSERT INTO items SELECT g, CASE WHEN g = 7 THEN 999 ELSE 1 + g % 20 END, CASE WHEN g = 3 THEN -1 ELSE g END, g
    FROM generate_series(1, 200) g;
ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners NOT VALID;
ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0) NOT VALID;
ALTER TABLE items ADD CONSTRAINT items_price_check CHECK (price > 0) NO INHERIT;
"""

TABLES = {"owners": "id", "items": "id, owner_id, qty, price"}


def states(dsn: str) -> dict[str, tuple[bool, bool]]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT conname, convalidated, connoinherit FROM pg_constraint "
            "WHERE conrelid = 'items'::regclass AND contype IN ('c', 'f')"
        ).fetchall()
    return {name: (valid, no_inherit) for name, valid, no_inherit in rows}


def test_not_valid_and_no_inherit_constraints_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)
    assert states(pg_dsn) == {
        "items_owner_id_fkey": (False, True),
        "items_qty_check": (False, False),
        "items_price_check": (True, True),
    }

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "NOT VALID" not in out and "NO INHERIT" not in out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "qty: {expression: qty >= 0, valid: false}" in entities, entities
    assert "price: {expression: price > 0, no_inherit: true}" in entities, entities
    assert "valid: false}" in entities.split("owner_id:")[1].split("\n")[0], entities

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "CHECK (qty >= 0) NOT VALID;" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    # the bad rows are fixed by hand; then the spec validates both, and the NO INHERIT goes
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("UPDATE items SET owner_id = 1 WHERE id = 7; UPDATE items SET qty = 0 WHERE id = 3")
    rows = fingerprint(pg_dsn, TABLES)
    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "qty: {expression: qty >= 0, valid: false}", "qty: qty >= 0")
    edit(spec, "price: {expression: price > 0, no_inherit: true}", "price: price > 0")
    edit(spec, ", valid: false}", "}")
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "VALIDATE CONSTRAINT items_qty_check" in up and "VALIDATE CONSTRAINT items_owner_id_fkey" in up, up
    assert "SHARE UPDATE EXCLUSIVE" in up
    assert "DROP CONSTRAINT items_qty_check" not in up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert states(pg_dsn) == {
        "items_owner_id_fkey": (True, True),
        "items_qty_check": (True, False),
        "items_price_check": (True, False),
    }
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    # and back: NOT VALID again (dropped and added NOT VALID), NO INHERIT again
    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert states(pg_dsn) == {
        "items_owner_id_fkey": (False, True),
        "items_qty_check": (False, False),
        "items_price_check": (True, True),
    }
    assert fingerprint(pg_dsn, TABLES) == rows


def test_no_inherit_on_a_partitioned_table_is_refused_at_its_line(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "entities.yaml").write_text(
        "entities:\n"
        "  events:\n"
        "    columns: {id: bigint, n: integer, at: date}\n"
        "    partition:\n"
        "      hash: {key: id, modulus: 2}\n"
        "    checks:\n"
        "      positive: {expression: n > 0, no_inherit: true}\n"
    )
    code, out, err = run("check", "spec")
    text = out + err
    assert code != 0 and "SG137" in text and "is NO INHERIT" in text and "spec/entities.yaml:7:" in text, text

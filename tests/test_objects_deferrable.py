"""Deferrable keys: primary keys and unique constraints (and foreign keys) DEFERRABLE, INITIALLY
IMMEDIATE or DEFERRED, inspected, rendered, and changed by migrations up and down with the rows kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE lanes (id integer, position integer NOT NULL, code text NOT NULL,
    CONSTRAINT lanes_pkey PRIMARY KEY (id) DEFERRABLE,
    CONSTRAINT lanes_position_key UNIQUE (position) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE cars (id integer PRIMARY KEY, owner_id integer NOT NULL,
    CONSTRAINT cars_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners DEFERRABLE INITIALLY IMMEDIATE);
INSERT INTO lanes SELECT g, g, 'c' || g FROM generate_series(1, 200) g;
INSERT INTO owners SELECT g FROM generate_series(1, 50) g;
INSERT INTO cars SELECT g, 1 + g % 50 FROM generate_series(1, 100) g;
"""

TABLES = {"lanes": "id, position, code", "owners": "id", "cars": "id, owner_id"}


def deferral(dsn: str) -> dict[str, tuple[bool, bool]]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT conname, condeferrable, condeferred FROM pg_constraint WHERE conrelid::regclass::text "
            "IN ('lanes', 'cars', 'owners') AND contype IN ('p', 'u', 'f') AND condeferrable"
        ).fetchall()
    return {name: (deferrable, deferred) for name, deferrable, deferred in rows}


def test_deferrable_keys_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)
    assert deferral(pg_dsn) == {
        "lanes_pkey": (True, False),
        "lanes_position_key": (True, True),
        "cars_owner_id_fkey": (True, False),
    }

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "DEFERRABLE" not in out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "primary_key: {columns: [id], deferrable: initially_immediate}" in entities, entities
    assert "- {columns: [position], deferrable: true}" in entities, entities
    assert "deferrable: initially_immediate" in entities.split("cars:")[1].split("lanes:")[0], entities

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    # the primary key becomes INITIALLY DEFERRED, the unique constraint not deferrable, a new
    # deferrable unique constraint is added to an existing table (through its index, built concurrently)
    spec = workdir / "spec" / "entities.yaml"
    edit(
        spec,
        "primary_key: {columns: [id], deferrable: initially_immediate}",
        "primary_key: {columns: [id], deferrable: initially_deferred}",
    )
    edit(
        spec,
        "    - {columns: [position], deferrable: true}",
        "    - [position]\n    - {columns: [code], deferrable: initially_immediate}",
    )
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "USING INDEX lanes_code_key DEFERRABLE;" in up, up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert deferral(pg_dsn) == {
        "lanes_pkey": (True, True),
        "lanes_code_key": (True, False),
        "cars_owner_id_fkey": (True, False),
    }
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows

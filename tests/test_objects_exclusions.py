"""Exclusion constraints (`exclude:`): inspected, rendered, and added and dropped by migrations with the
rows kept and drift empty; a malformed entry is an error at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import run
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE EXTENSION btree_gist;
CREATE TABLE bookings (
    id bigint PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    CONSTRAINT no_double_booking EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (NOT cancelled)
        DEFERRABLE INITIALLY DEFERRED,
    EXCLUDE USING gist ((lower(during)) WITH =, room WITH <>)
);
INSERT INTO bookings
    SELECT g, g % 7, tstzrange(TIMESTAMPTZ '2026-01-01' + g * interval '1 hour',
                               TIMESTAMPTZ '2026-01-01' + (g + 1) * interval '1 hour'), g % 11 = 0
    FROM generate_series(1, 300) g;
"""

TABLES = {"bookings": "id, room, during, cancelled"}


def test_exclusion_constraints_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "exclusion constraint" not in out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "exclude:" in entities and "deferrable: true" in entities, entities

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "EXCLUDE USING gist (room WITH =, during WITH &&) WHERE" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    # one dropped, one changed (its predicate goes), one added
    spec = workdir / "spec" / "entities.yaml"
    text = spec.read_text()
    start = text.index("    exclude:\n")
    spec.write_text(
        text[:start]
        + "    exclude:\n"
        + "      - elements: [{column: room, with: '='}, {column: during, with: '&&'}]\n"
        + "        name: no_double_booking\n"
        + "      - using: gist\n"
        + "        elements: [{column: id, with: '='}]\n"
        + "        deferrable: initially_immediate\n"
        + text[text.index("\n", text.index("deferrable: true")) + 1 :]
    )
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "ACCESS EXCLUSIVE" in up and "EXCLUDE USING gist (id WITH =) DEFERRABLE;" in up, up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows


def test_a_malformed_exclusion_is_an_error_at_its_line(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "entities.yaml").write_text(
        "entities:\n"
        "  bookings:\n"
        "    columns: {id: bigint, during: tstzrange}\n"
        "    exclude:\n"
        "      - using: gin\n"
        "        elements:\n"
        "          - {column: durng, with: '&&'}\n"
    )
    code, out, err = run("check", "spec")
    assert code != 0
    text = out + err
    assert "SG135" in text and "`using: gin`" in text and "spec/entities.yaml:5:" in text
    assert "`durng` is not a column of `bookings`" in text and "spec/entities.yaml:7:" in text

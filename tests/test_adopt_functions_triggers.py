"""Adopting a Pagila-like database with functions and triggers, through the command line: inspect writes
them into the spec, schema.sql builds the same catalog, baseline and drift agree; a function body
changed by hand shows as drift; then a migration replaces a trigger function's body (the rows stay and
the trigger fires with the new body) and adds a trigger, and its down gives the catalog and rows back."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from catalog import Catalog, assert_catalog_equal, snapshot

from schemagen.database.live import connect
from tests.commandline import edit, run

HAND_MADE = """
CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$;
CREATE FUNCTION valid_rating(r text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT r IN ('G', 'PG', 'PG-13', 'R', 'NC-17') $$;
CREATE TABLE actor (
    actor_id integer PRIMARY KEY,
    name text NOT NULL,
    last_update timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE film (
    film_id integer PRIMARY KEY,
    title text NOT NULL,
    rating text CHECK (valid_rating(rating)),
    last_update timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION film_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM film $$;
CREATE VIEW film_total AS SELECT film_count() AS n;
CREATE TRIGGER last_updated BEFORE UPDATE ON actor FOR EACH ROW EXECUTE FUNCTION last_updated();
CREATE TRIGGER last_updated BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION last_updated();
"""

ROWS = """
INSERT INTO actor SELECT g, 'actor ' || g, '2020-01-01' FROM generate_series(1, 200) g;
INSERT INTO film SELECT g, 'film ' || g, 'PG', '2020-01-01' FROM generate_series(1, 300) g;
"""


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",))


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table in ("actor", "film"):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_functions_and_triggers_are_adopted_and_migrate_with_their_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "function" not in err and "trigger" not in err, err  # nothing about them is left out
    project = (workdir / "spec" / "project.yaml").read_text()
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "valid_rating:" in project and "volatility: immutable" in project
    assert "returns: trigger" in project
    assert (
        "last_updated: {function: last_updated, timing: before, events: [update], for_each: row}" in entities
    )

    code, _, err = run("render", "spec")
    assert code == 0, err
    assert_catalog_equal(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift: a body changed and a trigger added by hand
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION film_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT 0::bigint $$"
        )
        conn.execute(
            "CREATE TRIGGER by_hand AFTER INSERT ON film FOR EACH STATEMENT EXECUTE FUNCTION last_updated()"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1, out + err
    assert "replace function film_count()" in out and "drop trigger by_hand on film" in out, out
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER by_hand ON film")
        conn.execute(
            "CREATE OR REPLACE FUNCTION film_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM film $$"
        )
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    # the trigger function's body changes (CREATE OR REPLACE), and actor gains a trigger on insert
    spec = workdir / "spec"
    edit(spec / "project.yaml", "NEW.last_update = CURRENT_TIMESTAMP;", "NEW.last_update = '2030-01-01';")
    edit(
        spec / "entities.yaml",
        "    triggers:\n      last_updated: {function: last_updated, timing: before, events: [update], for_each: row}\n"
        "  film:",
        "    triggers:\n      last_updated: {function: last_updated, timing: before, events: [update], for_each: row}\n"
        "      stamped: {function: last_updated, timing: before, events: [insert], for_each: row}\n"
        "  film:",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "CREATE OR REPLACE FUNCTION public.last_updated()" in up
    assert "create trigger stamped on actor" in up and "SHARE ROW EXCLUSIVE on actor" in up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert fingerprint(pg_dsn) == rows
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("BEGIN")
        conn.execute("UPDATE film SET title = 'x' WHERE film_id = 1")
        conn.execute("INSERT INTO actor VALUES (1000, 'new', '2020-01-01')")
        (film,) = conn.execute("SELECT last_update::date::text FROM film WHERE film_id = 1").fetchone()
        (actor,) = conn.execute("SELECT last_update::date::text FROM actor WHERE actor_id = 1000").fetchone()
        conn.execute("ROLLBACK")
    assert (film, actor) == ("2030-01-01", "2030-01-01")  # the new body, and the new trigger fire

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn) == rows

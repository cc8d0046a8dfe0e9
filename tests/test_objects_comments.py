"""Comments on indexes: inspected, rendered after CREATE INDEX, set, changed and removed in place by
migrations (COMMENT ON INDEX, never a rebuild), up and down with the rows kept and drift empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE people (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL, born date);
INSERT INTO people SELECT g, 'p' || g || '@example.com', 'n' || g, DATE '1990-01-01' + g FROM generate_series(1, 150) g;
CREATE UNIQUE INDEX people_email_idx ON people (email);
COMMENT ON INDEX people_email_idx IS 'one account per address';
CREATE INDEX people_name_idx ON people (name);
COMMENT ON INDEX people_name_idx IS 'search by name';
CREATE INDEX people_born_idx ON people (born);
"""

TABLES = {"people": "id, email, name, born"}


def comments(dsn: str) -> dict[str, str | None]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'people'::regclass AND NOT i.indisprimary"
        ).fetchall()
    return dict(rows)


def test_index_comments_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "comment on index" not in out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "comment: one account per address" in entities and "comment: search by name" in entities, entities

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "COMMENT ON INDEX public.people_email_idx IS 'one account per address';" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    # one changed, one removed, one set
    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "comment: one account per address", "comment: one account per e-mail address")
    edit(spec, ", comment: search by name}", "}")
    edit(spec, "{columns: [born]}", "{columns: [born], comment: by birthday}")
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "COMMENT ON INDEX public.people_name_idx IS NULL;" in up, up
    assert "DROP INDEX" not in up and "CREATE INDEX" not in up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert comments(pg_dsn) == {
        "people_email_idx": "one account per e-mail address",
        "people_name_idx": None,
        "people_born_idx": "by birthday",
    }
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows


CONSTRAINTS = """
CREATE TABLE teams (id bigint PRIMARY KEY, code text NOT NULL, CONSTRAINT teams_code_key UNIQUE (code));
CREATE TABLE players (id bigint, team_id bigint NOT NULL REFERENCES teams, age integer NOT NULL,
    CONSTRAINT players_pkey PRIMARY KEY (id), CONSTRAINT players_age_check CHECK (age > 0));
COMMENT ON CONSTRAINT players_pkey ON players IS 'the player';
COMMENT ON CONSTRAINT players_age_check ON players IS 'born already';
COMMENT ON CONSTRAINT players_team_id_fkey ON players IS 'plays for';
COMMENT ON CONSTRAINT teams_code_key ON teams IS 'one code each';
INSERT INTO teams SELECT g, 'c' || g FROM generate_series(1, 10) g;
INSERT INTO players SELECT g, 1 + g % 10, 18 + g % 20 FROM generate_series(1, 100) g;
"""

CONSTRAINT_TABLES = {"teams": "id, code", "players": "id, team_id, age"}


def constraint_comments(dsn: str) -> dict[str, str | None]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT conname, obj_description(oid, 'pg_constraint') FROM pg_constraint "
            "WHERE conrelid IN ('teams'::regclass, 'players'::regclass) AND contype <> 'n'"
        ).fetchall()
    return dict(rows)


def test_constraint_comments_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(CONSTRAINTS)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, CONSTRAINT_TABLES)
    expected = constraint_comments(pg_dsn)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "comment on constraint" not in out
    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert (
        "COMMENT ON CONSTRAINT players_team_id_fkey ON public.players IS 'plays for';"
        in schema_sql.read_text()
    )
    target = fresh("s")
    assert_catalog_equal(applied(target, schema_sql), before)
    assert constraint_comments(target) == expected
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "comment: born already", "comment: born and counted")
    edit(spec, ", comment: plays for}", "}")
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "COMMENT ON CONSTRAINT players_team_id_fkey ON public.players IS NULL;" in up, up
    assert "DROP CONSTRAINT" not in up and "ADD CONSTRAINT" not in up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert constraint_comments(pg_dsn) == {
        **expected,
        "players_age_check": "born and counted",
        "players_team_id_fkey": None,
    }
    ok("drift", "spec", "--dsn", pg_dsn)
    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert constraint_comments(pg_dsn) == expected
    assert fingerprint(pg_dsn, CONSTRAINT_TABLES) == rows

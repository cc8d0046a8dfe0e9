"""Comments on every object kind: triggers, view columns and composite and range types (the others are
in tests/test_objects_comments.py). Each is read by inspect into the spec, rendered so that schema.sql
gives the same catalog, seen by drift, and set, changed and removed by migrations, up and down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import edit, run

HAND_MADE = """
CREATE TABLE notes (id bigint PRIMARY KEY, body text, touched_at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.touched_at := now(); RETURN NEW; END
$$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TRIGGER notes_touch ON notes IS 'keeps touched_at';
CREATE TRIGGER notes_other BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON notes USING (true);
COMMENT ON POLICY everyone ON notes IS 'all rows';
CREATE POLICY long_ones ON notes FOR SELECT USING (length(body) > 5);
CREATE TYPE pair AS (a integer, b integer);
COMMENT ON TYPE pair IS 'two numbers';
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE VIEW recent AS SELECT id, body FROM notes WHERE id > 10;
COMMENT ON COLUMN recent.body IS 'the text';
CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM notes;
COMMENT ON COLUMN counts.n IS 'how many';
INSERT INTO notes (id, body) SELECT g, 'note ' || g FROM generate_series(1, 50) g;
"""


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",))


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def policy_comments(dsn: str) -> list[tuple[str, str | None]]:
    with connect(dsn, autocommit=True) as conn:
        query = "SELECT polname::text, obj_description(oid, 'pg_policy') FROM pg_policy ORDER BY 1"
        return [(name, text) for name, text in conn.execute(query).fetchall()]


def test_trigger_and_type_comments_round_trip_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before = catalog(pg_dsn)
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "comment" not in err, err
    entities = (workdir / "spec" / "entities.yaml").read_text()
    project = (workdir / "spec" / "project.yaml").read_text()
    assert "comment: keeps touched_at" in entities
    assert "everyone: {using: 'true', comment: all rows}" in entities, entities
    assert "comment: two numbers" in project
    views = (workdir / "spec" / "views.yaml").read_text()
    assert "column_comments:\n      body: the text" in views, views
    code, _, err = run("render", "spec")
    assert code == 0, err
    schema_sql = (workdir / "generated" / "schema.sql").read_text()
    assert "COMMENT ON TRIGGER notes_touch ON public.notes IS 'keeps touched_at';" in schema_sql
    assert_catalog_equal(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # a comment changed, one removed and one set, on triggers and on types
    edit(workdir / "spec" / "entities.yaml", "comment: keeps touched_at", "comment: stamps each update")
    edit(workdir / "spec" / "project.yaml", "    comment: two numbers\n", "")
    edit(
        workdir / "spec" / "project.yaml",
        "range: {subtype: double precision}",
        "range: {subtype: double precision}\n    comment: a span of reals",
    )
    edit(workdir / "spec" / "entities.yaml", "comment: all rows", "comment: every row")
    edit(
        workdir / "spec" / "entities.yaml",
        "long_ones: {for: select, using: length(body) > 5}",
        "long_ones: {for: select, using: length(body) > 5, comment: wordy}",
    )
    edit(workdir / "spec" / "views.yaml", "body: the text", "id: the key")
    edit(workdir / "spec" / "views.yaml", "n: how many", "n: how many notes")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "comment" in out, out + err
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "comments", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_comments.up.sql")).read_text()
    for text in (
        "COMMENT ON TRIGGER notes_touch ON public.notes IS 'stamps each update';",
        "COMMENT ON TYPE public.pair IS NULL;",
        "COMMENT ON TYPE public.floatrange IS 'a span of reals';",
        "COMMENT ON COLUMN public.recent.body IS NULL;",
        "COMMENT ON POLICY everyone ON public.notes IS 'every row';",
        "COMMENT ON POLICY long_ones ON public.notes IS 'wordy';",
        "COMMENT ON COLUMN public.recent.id IS 'the key';",
        "COMMENT ON COLUMN public.counts.n IS 'how many notes';",
    ):
        assert text in up, up
    # a comment alone recreates neither the trigger nor the views
    assert (
        "DROP TRIGGER" not in up and "DROP POLICY" not in up and "VIEW" not in up.replace("COMMENT ON", "")
    ), up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    assert policy_comments(pg_dsn) == [("everyone", "every row"), ("long_ones", "wordy")]
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert policy_comments(pg_dsn) == [("everyone", "all rows"), ("long_ones", None)]
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (50,)

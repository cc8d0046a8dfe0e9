"""Triggers with arguments, and triggers calling a trigger function PostgreSQL or an extension ships
(tsvector_update_trigger, tsvector_update_trigger_column, suppress_redundant_updates_trigger, moddatetime):
adopted from a database (inspect → render → an empty database gets the same catalog and triggers; baseline
accepts; drift is empty), checked statically (SG121 knows the built-ins, SG140 their rules), and migrated
up and down with the rows kept."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from catalog import Catalog, assert_catalog_equal, snapshot

from schemagen.database.live import connect
from schemagen.diagnostics import Severity, SpecError
from schemagen.pipeline import compile_spec
from tests.commandline import edit, run

HAND_MADE = """
CREATE EXTENSION moddatetime;
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note = TG_ARGV[0] || '/' || TG_ARGV[1];
    RETURN NEW;
END $$;
CREATE TABLE film (
    film_id integer PRIMARY KEY,
    title text NOT NULL,
    description text,
    config regconfig NOT NULL DEFAULT 'english',
    fulltext tsvector,
    fulltext2 tsvector,
    note text,
    last_update timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER film_fulltext_trigger BEFORE INSERT OR UPDATE ON film FOR EACH ROW
    EXECUTE FUNCTION tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title', 'description');
CREATE TRIGGER film_fulltext2 BEFORE INSERT OR UPDATE ON film FOR EACH ROW
    EXECUTE FUNCTION tsvector_update_trigger_column('fulltext2', 'config', 'title');
CREATE TRIGGER film_same BEFORE UPDATE ON film FOR EACH ROW
    EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TRIGGER film_moddatetime BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION moddatetime(last_update);
CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp('it''s', '42');
"""

ROWS = """
INSERT INTO film (film_id, title, description, last_update)
SELECT g, 'film ' || g, 'about ' || g, '2020-01-01' FROM generate_series(1, 300) g;
"""

TRIGGERS = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal ORDER BY 1, 2
"""


def catalog(dsn: str) -> tuple[Catalog, list[tuple[str, ...]]]:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",)), [tuple(r) for r in conn.execute(TRIGGERS).fetchall()]


def fingerprint(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM film ORDER BY 1").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def same(a: tuple[Catalog, list[tuple[str, ...]]], b: tuple[Catalog, list[tuple[str, ...]]]) -> None:
    assert_catalog_equal(a[0], b[0])
    assert a[1] == b[1]


def applied(dsn: str, schema_sql: Path) -> tuple[Catalog, list[tuple[str, ...]]]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_triggers_with_arguments_and_builtin_functions_are_adopted_and_migrate(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "trigger" not in err, err  # nothing about them is left out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "function: tsvector_update_trigger," in entities, entities
    assert "arguments: [fulltext, pg_catalog.english, title, description]" in entities, entities
    assert "arguments: [it's, '42']" in entities, entities

    code, _, err = run("render", "spec")
    assert code == 0, err
    schema_sql = (workdir / "generated" / "schema.sql").read_text()
    assert "EXECUTE FUNCTION moddatetime('last_update');" in schema_sql
    same(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift sees a changed argument
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER film_stamp ON film")
        conn.execute(
            "CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp('x')"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "replace trigger film_stamp on film" in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER film_stamp ON film")
        conn.execute(
            "CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp('it''s', '42')"
        )
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    # an argument changes (the trigger is replaced), a built-in trigger goes, another comes
    spec = workdir / "spec"
    edit(spec / "entities.yaml", "arguments: [it's, '42']", "arguments: [changed, 7]")
    text = (spec / "entities.yaml").read_text()
    start = text.index("      film_same:")
    end = text.index("\n", start) + 1
    (spec / "entities.yaml").write_text(
        text[:start]
        + "      film_same_insert: {function: suppress_redundant_updates_trigger, timing: before, "
        "events: [update], for_each: row}\n" + text[end:]
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "EXECUTE FUNCTION public.stamp('changed', '7');" in up, up
    assert "drop trigger film_same on film" in up and "SHARE ROW EXCLUSIVE on film" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    same(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert fingerprint(pg_dsn) == rows
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO film (film_id, title) VALUES (1000, 'new film')")
        note, fulltext = conn.execute("SELECT note, fulltext::text FROM film WHERE film_id = 1000").fetchone()
        conn.execute("ROLLBACK")
    assert (note, fulltext) == ("changed/7", "'film':2 'new':1")

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    same(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn) == rows


STATIC = """\
project: {{name: t, postgres: 15{extensions}}}
entities:
  film:
    columns:
      film_id: {{type: integer, primary_key: true}}
      title: text
      rank: integer
      fulltext: tsvector?
      last_update: timestamptz
    triggers:
      t: {trigger}
"""


def diagnose(tmp_path: Path, trigger: str, extensions: str = "") -> list[tuple[str, int | None, str]]:
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    (root / "a.yaml").write_text(STATIC.format(trigger=trigger, extensions=extensions))
    try:
        found = compile_spec(root).warnings
    except SpecError as error:
        found = error.diagnostics
    return [(d.code, d.line, d.message) for d in found if d.severity is Severity.ERROR]


@pytest.mark.parametrize(
    ("trigger", "extensions", "code", "needle"),
    [
        (
            "{function: tsvector_update_trigger, timing: before, events: [insert, update], for_each: row, "
            "arguments: [fulltext, pg_catalog.english, title]}",
            "",
            None,
            "",
        ),
        (
            "{function: suppress_redundant_updates_trigger, timing: before, events: update, for_each: row}",
            "",
            None,
            "",
        ),
        (
            "{function: moddatetime, timing: before, events: update, for_each: row, arguments: [last_update]}",
            ", extensions: [moddatetime]",
            None,
            "",
        ),
        (
            "{function: tsvector_update_trigger, timing: before, events: [insert], for_each: row, "
            "arguments: [fulltext, english, title]}",
            "",
            "SG140",
            "schema-qualified",
        ),
        (
            "{function: tsvector_update_trigger, timing: before, events: [insert], for_each: row, "
            "arguments: [fulltext, pg_catalog.english, rank]}",
            "",
            "SG140",
            "`rank` is a column of type integer",
        ),
        (
            "{function: tsvector_update_trigger, timing: before, events: [insert], for_each: row, "
            "arguments: [fulltext, pg_catalog.english, nope]}",
            "",
            "SG140",
            "not a column",
        ),
        (
            "{function: tsvector_update_trigger, timing: after, events: [insert], for_each: row, "
            "arguments: [fulltext, pg_catalog.english]}",
            "",
            "SG140",
            "row-level before",
        ),
        (
            "{function: suppress_redundant_updates_trigger, timing: before, events: insert, for_each: row}",
            "",
            "SG140",
            "fires only on update",
        ),
        (
            "{function: moddatetime, timing: before, events: update, for_each: row, arguments: [title]}",
            ", extensions: [moddatetime]",
            "SG140",
            "`title` is a column of type text",
        ),
        ("{function: now, timing: before, events: update, for_each: row}", "", "SG121", "does not return"),
        (
            "{function: moddatetime, timing: before, events: update, for_each: row, arguments: [last_update]}",
            "",
            "SG121",
            "extension moddatetime has one",
        ),
        (
            "{function: nothing_at_all, timing: before, events: update, for_each: row}",
            "",
            "SG121",
            "not a function",
        ),
    ],
)
def test_static_checks_know_the_builtin_trigger_functions(
    tmp_path: Path, trigger: str, extensions: str, code: str | None, needle: str
) -> None:
    found = diagnose(tmp_path, trigger, extensions)
    if code is None:
        assert found == []
    else:
        assert [(c, line) for c, line, _ in found][:1] == [(code, 11)], found
        assert needle in found[0][2], found

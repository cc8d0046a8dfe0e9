"""Function overloads: functions of the same name with other argument types, keyed `name(types)` under
`functions:`. A database holding some is adopted (inspect → render → an empty database gets the same
catalog and functions; baseline accepts; drift is empty, and sees a body changed by hand in one overload
only); a migration replaces one overload, adds another and drops a third, up and down with the rows kept;
the static checks resolve a call to its overload and refuse a key that lies (SG142)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from catalog import Catalog, assert_catalog_equal, snapshot

from schemagen.database.live import connect
from schemagen.diagnostics import Severity, SpecError
from schemagen.pipeline import compile_spec
from tests.commandline import edit, run

HAND_MADE = """
CREATE FUNCTION size(t text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT length(t) $$;
CREATE FUNCTION size(n integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs(n) $$;
CREATE FUNCTION size(b bytea) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT octet_length(b) $$;
CREATE FUNCTION size(t text, width integer, OUT n integer) LANGUAGE sql IMMUTABLE AS $$ SELECT length(t) * width $$;
CREATE TABLE item (
    id integer PRIMARY KEY,
    label text NOT NULL CHECK (size(label) < 100),
    n integer NOT NULL CHECK (size(n) < 1000)
);
CREATE INDEX item_label_size ON item (size(label));
CREATE VIEW sizes AS SELECT id, size(label) AS l, size(n) AS s FROM item;
"""

ROWS = "INSERT INTO item SELECT g, 'item ' || g, g - 100 FROM generate_series(1, 200) g;"

FUNCTIONS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid),
       btrim(p.prosrc, E' \n'), p.provolatile, p.proisstrict
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1, 2
"""

Snapshot = tuple[Catalog, list[tuple[object, ...]]]


def catalog(dsn: str) -> Snapshot:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",)), [tuple(r) for r in conn.execute(FUNCTIONS).fetchall()]


def same(a: Snapshot, b: Snapshot) -> None:
    assert_catalog_equal(a[0], b[0])
    assert a[1] == b[1]


def fingerprint(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM sizes ORDER BY 1").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def applied(dsn: str, schema_sql: Path) -> Snapshot:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_overloads_are_adopted_and_migrate_by_signature(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "function" not in err, err
    project = (workdir / "spec" / "project.yaml").read_text()
    assert "  size(text):\n" in project and "  size(integer):\n" in project and "  size(bytea):\n" in project
    assert "  size(text, integer):\n" in project  # its OUT argument is no part of its signature

    code, _, err = run("render", "spec")
    assert code == 0, err
    same(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift: one overload's body changed by hand
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION size(n integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT n $$"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "replace function size(n integer)" in out and "size(t text)" not in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION size(n integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs(n) $$"
        )
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    # one overload's body changes, one is added, one is dropped
    spec = workdir / "spec"
    edit(spec / "project.yaml", "SELECT abs(n)", "SELECT abs(n) + 0")
    text = (spec / "project.yaml").read_text()
    start = text.index("  size(bytea):\n")
    end = text.index("  size(integer):\n")
    (spec / "project.yaml").write_text(
        text[:start]
        + "  size(integer[]):\n    returns: integer\n    language: sql\n    volatility: immutable\n"
        "    body: SELECT cardinality($1)\n" + text[end:]
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "CREATE OR REPLACE FUNCTION public.size(n integer)" in up, up
    assert "CREATE FUNCTION public.size(integer[])" in up, up
    assert (
        "DROP FUNCTION IF EXISTS public.size(b bytea)" in up
        or "DROP FUNCTION IF EXISTS public.size(bytea)" in up
    ), up
    assert "size(t text)" not in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    same(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert fingerprint(pg_dsn) == rows
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    same(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn) == rows


STATIC = """\
project: {{name: t, postgres: 15}}
functions:
{functions}
entities:
  item:
    columns:
      id: {{type: integer, primary_key: true}}
      label: text
    checks:
      short: {check}
"""
SIZE_TEXT = "  size(text): {returns: integer, language: sql, volatility: immutable, body: SELECT length($1)}"
SIZE_INT = "  size(integer): {returns: text, language: sql, volatility: immutable, body: SELECT $1::text}"


def diagnose(tmp_path: Path, functions: str, check: str) -> list[tuple[str, int | None, str]]:
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    (root / "a.yaml").write_text(STATIC.format(functions=functions, check=check))
    try:
        found = compile_spec(root).warnings
    except SpecError as error:
        found = error.diagnostics
    return [(d.code, d.line, d.message) for d in found if d.severity is Severity.ERROR]


def test_a_call_resolves_to_its_overload(tmp_path: Path) -> None:
    both = f"{SIZE_TEXT}\n{SIZE_INT}"
    assert diagnose(tmp_path, both, "size(label) < 100") == []  # size(text) returns integer
    found = diagnose(tmp_path, both, "size(id)")  # size(integer) returns text: not a boolean
    assert found and found[0][0] != "SG142", found


def test_a_key_that_lies_about_its_arguments_is_sg142(tmp_path: Path) -> None:
    lying = "  size(text): {arguments: [n integer], returns: integer, language: sql, body: SELECT $1}"
    found = diagnose(tmp_path, f"{lying}\n{SIZE_INT}", "id > 0")
    assert [c for c, _, _ in found][:1] == ["SG142"], found
    assert "its arguments are (integer)" in found[0][2], found


def test_the_same_signature_twice_is_sg142(tmp_path: Path) -> None:
    twice = "  size: {arguments: [t text], returns: integer, language: sql, body: SELECT 1}"
    found = diagnose(tmp_path, f"{SIZE_TEXT}\n{twice}", "id > 0")
    assert [c for c, _, _ in found] == ["SG142"], found

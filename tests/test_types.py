"""Composite and range types (`types:`), adopted from a database made by hand: inspect writes them into
the spec, schema.sql builds the same catalog, a baseline is accepted and drift is empty; each change to
them migrates up and down with the rows kept; what PostgreSQL cannot alter is refused with the fix; and
the static checks point at the YAML line."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import edit, run

SCHEMAS = ("public", "geo")

HAND_MADE = """
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE DOMAIN zipcode AS varchar(10) CHECK (VALUE <> '');
CREATE TYPE address AS (street text, city text, zip zipcode);
COMMENT ON TYPE address IS 'a postal address';
CREATE TYPE place AS (home address, others address[], feeling mood);
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE textrange AS RANGE (subtype = text, collation = "C");
CREATE SCHEMA geo;
CREATE TYPE geo.point3 AS (x float8, y float8, z float8);
CREATE TABLE people (
    id integer PRIMARY KEY,
    home address,
    old address[],
    spot place,
    span floatrange,
    names textrange,
    position geo.point3
);
CREATE FUNCTION city_of(a address) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT (a).city
$$;
"""

ROWS = """
INSERT INTO people
SELECT g, ROW('street ' || g, 'city', '1000' || g)::address,
       ARRAY[ROW('s', 'c', 'z')::address],
       ROW(ROW('a', 'b', 'c')::address, ARRAY[]::address[], 'calm')::place,
       floatrange(g, g + 1.5), textrange('a', 'b'), ROW(g, g, g)::geo.point3
FROM generate_series(1, 200) g;
"""


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, SCHEMAS)


def fingerprint(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id, (home).street, (home).city, old::text, spot::text, span::text, names::text, "
            "position::text FROM people ORDER BY id"
        ).fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def adopt(workdir: Path, pg_dsn: str, fresh: Callable[[str], str]) -> Catalog:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before = catalog(pg_dsn)
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "type" not in err, err  # nothing about them is left out
    code, _, err = run("render", "spec")
    assert code == 0, err
    assert_catalog_equal(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    return before


def test_types_are_adopted_and_migrate_with_their_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    before = adopt(workdir, pg_dsn, fresh)
    rows = fingerprint(pg_dsn)
    project = (workdir / "spec" / "project.yaml").read_text()
    assert "address:\n    composite: {street: text, city: text, zip: zipcode}" in project
    assert "comment: a postal address" in project
    assert "floatrange:\n    range: {subtype: double precision, subtype_diff: float8mi}" in project
    assert "textrange:\n    range: {subtype: text, collation: C}" in project
    assert "schema: geo" in project

    spec = workdir / "spec" / "project.yaml"
    # an attribute added and one dropped (no column holds point3's values in an array), a type created
    # and one dropped, a comment changed
    edit(
        spec,
        "composite: {street: text, city: text, zip: zipcode}",
        "composite: {street: text, city: text, zip: zipcode, country: varchar(2)}",
    )
    edit(spec, "comment: a postal address", "comment: where mail goes")
    edit(
        spec,
        "composite: {x: double precision, y: double precision, z: double precision}",
        "composite: {x: double precision, y: double precision}",
    )
    edit(spec, "types:\n", "types:\n  intpair:\n    composite: {a: integer, b: integer}\n")
    code, _, err = run("render", "spec")
    assert code == 0, err
    # dropping an attribute drops its values from every column of the type: refused unless allowed
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 1 and "SG902" in err and "point3.z" in err, err
    edit(spec, "project:\n", "project:\n  allow_destructive: [drop column point3.z]\n")
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    for kind in (
        "create type intpair",
        "add attribute country of type address",
        "drop attribute z of type point3",
        "ALTER TYPE public.address ADD ATTRIBUTE country character varying(2);",
        "COMMENT ON TYPE public.address IS 'where mail goes';",
    ):
        assert kind in up, kind
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM people WHERE (home).street LIKE 'street %'").fetchone() == (
            200,
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    before_geo = {k: v for k, v in before.items()}
    assert_catalog_equal(catalog(pg_dsn), before_geo)
    count, _ = fingerprint(pg_dsn)
    assert count == rows[0]
    with connect(pg_dsn, autocommit=True) as conn:  # z came back empty: its values went with it
        assert conn.execute("SELECT count(*) FROM people WHERE (position).z IS NULL").fetchone() == (200,)
        assert conn.execute("SELECT (home).street FROM people WHERE id = 7").fetchone() == ("street 7",)


REFUSED = [
    (
        "attribute-type-held",
        "composite: {street: text, city: text, zip: zipcode}",
        "composite: {street: text, city: varchar(40), zip: zipcode}",
        "attribute `city` of type `address` changes type from text to character varying(40)",
    ),
    (
        "attribute-order",
        "composite: {street: text, city: text, zip: zipcode}",
        "composite: {city: text, street: text, zip: zipcode}",
        "PostgreSQL cannot reorder them",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_postgres_cannot_alter_is_refused_with_the_fix(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str], case: str, old: str, new: str, message: str
) -> None:
    adopt(workdir, pg_dsn, fresh)
    edit(workdir / "spec" / "project.yaml", old, new)
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 1 and "SG706" in err and message in err, err
    assert "Traceback" not in err and "internal error" not in err


STATIC = [
    ("types:\n  t: {composite: {a: nosuchtype}}\n", "SG105", 2),
    ("types:\n  t:\n    composite: {a: int}\n    range: {subtype: int}\n", "SG150", 2),
    ("types:\n  t: {comment: nothing}\n", "SG150", 2),
    ("types:\n  t: {composite: {a: 'u[]'}}\n  u: {composite: {b: t}}\n", "SG150", 2),
    ("types:\n  r: {range: {subtype: nosuchtype}}\n", "SG105", 2),
    ("domains:\n  d: {type: pair}\ntypes:\n  pair: {composite: {a: int}}\n", "SG150", 2),
    (
        "types:\n  r: {range: {subtype: float8, subtype_diff: mydiff}}\nfunctions:\n"
        "  mydiff: {arguments: [a float8, b float8], returns: float8, language: sql, body: SELECT a - b}\n",
        "SG150",
        2,
    ),
    ("types:\n  t: {composite: {a: {type: int, renamed: b}}}\n", "SG003", 2),
    ("types:\n  t: {composite: {a: {type: nosuchtype, renamed_from: b}}}\n", "SG105", 2),
]


@pytest.mark.parametrize(("text", "code", "line"), STATIC)
def test_static_checks_point_at_the_yaml_line(tmp_path: Path, text: str, code: str, line: int) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text("project: {name: t}\n" + text)
    status, out, err = run("check", str(spec))
    assert status == 2, out + err
    assert code in err and f"spec.yaml:{line + 1}" in err, err
    assert "Traceback" not in err and "internal error" not in err


def test_a_type_renders_before_the_tables_and_functions_using_it(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text(
        "project: {name: t}\n"
        "domains:\n  zipcode: {type: varchar(10)}\n"
        "types:\n"
        "  place: {composite: {home: address, others: 'address[]'}}\n"
        "  address: {composite: {street: text, zip: zipcode}}\n"
        "  floatrange: {range: {subtype: float8, subtype_diff: float8mi}}\n"
        "entities:\n  people:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      spot: place\n      span: floatrange?\n"
        "functions:\n  street_of: {arguments: [a address], returns: text, language: sql, body: SELECT (a).street}\n"
    )
    code, _, err = run("render", str(spec), "-o", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / "schema.sql").read_text()
    order = [
        text.index(s)
        for s in (
            "CREATE DOMAIN public.zipcode",
            "CREATE TYPE public.address AS (",
            "CREATE TYPE public.place AS (",
            "CREATE FUNCTION public.street_of(a address)",
            "CREATE TABLE public.people",
        )
    ]
    assert order == sorted(order)
    assert (
        "CREATE TYPE public.floatrange AS RANGE (\n    SUBTYPE = double precision,\n    SUBTYPE_DIFF = float8mi\n);"
        in text
    )


def test_an_attribute_renamed_keeps_its_values(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    before = adopt(workdir, pg_dsn, fresh)
    edit(
        workdir / "spec" / "project.yaml",
        "composite: {street: text, city: text, zip: zipcode}",
        "composite: {street: text, town: {type: text, renamed_from: city}, zip: zipcode}",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "rename", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_rename.up.sql")).read_text()
    down = next((workdir / "generated" / "migrations").glob("0002_rename.down.sql")).read_text()
    assert "ALTER TYPE public.address RENAME ATTRIBUTE city TO town;" in up, up
    assert "ALTER TYPE public.address RENAME ATTRIBUTE town TO city;" in down, down
    assert "DROP ATTRIBUTE" not in up + down
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM people WHERE (home).town = 'city'").fetchone() == (200,)
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM people WHERE (home).city = 'city'").fetchone() == (200,)


def test_a_new_type_comes_before_the_functions_and_columns_using_it_and_goes_after_them(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    project = spec / "spec.yaml"
    project.write_text(
        "project: {name: t}\nentities:\n  people:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
    )
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    before = catalog(pg_dsn)
    project.write_text(
        "project: {name: t}\n"
        "enums:\n  mood: [calm, busy]\n"
        "types:\n"
        "  address: {composite: {street: text, feeling: mood}}\n"
        "  spans: {range: {subtype: date}}\n"
        "functions:\n"
        "  street_of: {arguments: [a address], returns: text, language: sql, body: SELECT (a).street}\n"
        "  home_of: {arguments: [s text], returns: address, language: sql, body: \"SELECT ROW(s, 'calm')::address\"}\n"
        "entities:\n  people:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      home: address?\n      stay: spans?\n"
    )
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "types", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)

"""The last of what composite and range types hold that inspect used to leave out: a range type's operator
class (`subtype_opclass:`), a composite attribute's collation of its own (`{type, collation}`), both
inspected into the spec, rendered, migrated up and down with the rows of a table of the type kept, and
seen by drift; a range type's canonical function (which PostgreSQL takes in C only) stays a warning,
said once, that drift and baseline pass over. The static checks point at the YAML line."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot
from tests.commandline import edit, run

HAND_MADE = """
CREATE TYPE textrange AS RANGE (subtype = text, subtype_opclass = text_pattern_ops);
CREATE TYPE coderange AS RANGE (subtype = text, subtype_opclass = text_pattern_ops, collation = "C");
CREATE TYPE labelled AS (code text COLLATE "C", title text, tag varchar(20) COLLATE "POSIX");
CREATE TYPE spare AS (a text, b text COLLATE "C");
CREATE TYPE sparerange AS RANGE (subtype = text, subtype_opclass = text_pattern_ops);
COMMENT ON TYPE sparerange IS 'not used yet';
CREATE TABLE items (
    id integer PRIMARY KEY,
    span textrange,
    label labelled,
    codes coderange
);
INSERT INTO items
SELECT g, textrange('a' || g, 'b' || g), ROW('C' || g, 'title ' || g, 'tag')::labelled,
       coderange('A', 'a' || g)
FROM generate_series(1, 200) g;
"""

# what tests.catalog does not read of types: each range's operator class and collation, and each
# composite attribute's collation
TYPES = """
SELECT t.typname, oc.opcname, co.collname, NULL AS attribute
FROM pg_type t JOIN pg_range r ON r.rngtypid = t.oid JOIN pg_opclass oc ON oc.oid = r.rngsubopc
LEFT JOIN pg_collation co ON co.oid = r.rngcollation
WHERE t.typnamespace = 'public'::regnamespace
UNION ALL
SELECT t.typname, NULL, co.collname, a.attname
FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'c'
  AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'
ORDER BY 1, 4
"""


def catalog(dsn: str) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        found = dict(snapshot(conn, ("public",)))
        found["type details"] = {
            f"{name}.{attribute or ''}": {"opclass": opclass, "collation": collation}
            for name, opclass, collation, attribute in conn.execute(TYPES).fetchall()
        }
    return found


def rows(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        found = conn.execute(
            "SELECT id, span::text, (label).code, (label).title, (label).tag, codes::text FROM items ORDER BY id"
        ).fetchall()
    return len(found), hashlib.sha256(repr(found).encode()).hexdigest()


def applied(dsn: str, schema_sql: Path) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def adopt(workdir: Path, pg_dsn: str, fresh: Callable[[str], str]) -> dict[str, Any]:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before = catalog(pg_dsn)
    code, out, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "warning:" not in err and "0 warnings" in out + err, out + err  # nothing of them is left out
    code, _, err = run("render", "spec")
    assert code == 0, err
    assert_catalog_equal(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    return before


def test_opclasses_and_collations_are_adopted_and_migrate_with_their_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    before = adopt(workdir, pg_dsn, fresh)
    kept = rows(pg_dsn)
    spec = workdir / "spec" / "project.yaml"
    project = spec.read_text()
    for written in (
        "textrange:\n    range: {subtype: text, subtype_opclass: text_pattern_ops}",
        "coderange:\n    range: {subtype: text, collation: C, subtype_opclass: text_pattern_ops}",
        "labelled:\n    composite: {code: {type: text, collation: C}, title: text, tag: {type: varchar(20), "
        "collation: POSIX}}",
        "spare:\n    composite: {a: text, b: {type: text, collation: C}}",
    ):
        assert written in project, project

    # a range type nothing uses gets another operator class (dropped and created anew, its comment
    # again) and a column; an attribute of a type no column holds another collation; a type a column
    # holds an attribute with a collation of its own
    edit(
        spec,
        "sparerange:\n    range: {subtype: text, subtype_opclass: text_pattern_ops}",
        "sparerange:\n    range: {subtype: text, subtype_opclass: varchar_ops}",
    )
    edit(spec, "collation: POSIX}}\n", "collation: POSIX}, note: {type: text, collation: C}}\n")
    edit(spec, "b: {type: text, collation: C}}", "b: {type: text, collation: POSIX}}")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    migrations = workdir / "generated" / "migrations"
    up = (migrations / "0002_change.up.sql").read_text()
    down = (migrations / "0002_change.down.sql").read_text()
    for statement in (
        "DROP TYPE IF EXISTS public.sparerange;\n",
        "CREATE TYPE public.sparerange AS RANGE (\n    SUBTYPE = text,\n    SUBTYPE_OPCLASS = varchar_ops\n);",
        "COMMENT ON TYPE public.sparerange IS 'not used yet';",
        'ALTER TYPE public.spare ALTER ATTRIBUTE b TYPE text COLLATE "POSIX";',
        'ALTER TYPE public.labelled ADD ATTRIBUTE note text COLLATE "C";',
    ):
        assert statement in up, statement + "\n" + up
    assert up.index("DROP TYPE IF EXISTS public.sparerange") < up.index("CREATE TYPE public.sparerange")
    assert "SUBTYPE_OPCLASS = text_pattern_ops" in down and 'TYPE text COLLATE "C";' in down, down
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # then a column of the new range type; once a column holds it, its operator class is for good
    entities = workdir / "spec" / "entities.yaml"
    edit(entities, "      codes: coderange?\n", "      codes: coderange?\n      spare: sparerange?\n")
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "column", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("b"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("UPDATE items SET spare = sparerange('a', 'b') WHERE id = 1")
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    # once a column holds it, another operator class rebuilds it with the column (through its text)
    edit(spec, "subtype_opclass: varchar_ops}", "subtype_opclass: text_pattern_ops}")
    code, _, err = run("migrate", "new", "back", "spec")
    assert code == 0, err
    back = (migrations / "0004_back.up.sql").read_text()
    for statement in (
        "ALTER TYPE public.sparerange RENAME TO sparerange_old;",
        "ALTER TABLE public.items ALTER COLUMN spare TYPE sparerange USING spare::text::sparerange;",
        "DROP TYPE IF EXISTS public.sparerange_old;",
    ):
        assert statement in back, statement + "\n" + back
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("c"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT spare::text FROM items WHERE id = 1").fetchone() == ("[a,b)",)

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


REFUSED = [
    (
        "collation-of-an-attribute-a-column-holds",
        "title: text,",
        "title: {type: text, collation: C},",
        "attribute `title` of type `labelled` changes collation from its type's to C",
        "items.label",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "message", "holder"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_a_column_holds_is_refused_with_the_fix(
    workdir: Path,
    pg_dsn: str,
    fresh: Callable[[str], str],
    case: str,
    old: str,
    new: str,
    message: str,
    holder: str,
) -> None:
    adopt(workdir, pg_dsn, fresh)
    edit(workdir / "spec" / "project.yaml", old, new)
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 1 and "SG706" in err and message in err and holder in err, err
    assert "Traceback" not in err and "internal error" not in err


CANONICAL = """
CREATE TYPE evenrange;
CREATE FUNCTION evenrange_canonical(evenrange) RETURNS evenrange
    LANGUAGE internal IMMUTABLE STRICT AS 'int4range_canonical';
CREATE TYPE evenrange AS RANGE (subtype = integer, canonical = evenrange_canonical);
CREATE TYPE plainrange AS RANGE (subtype = integer, subtype_opclass = int4_ops);
CREATE TABLE things (id integer PRIMARY KEY, span plainrange);
"""


def test_a_canonical_function_is_said_to_need_c_and_is_passed_over_once(workdir: Path, pg_dsn: str) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(CANONICAL)
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert err.count("range type `evenrange` has a canonical function (`evenrange_canonical`)") == 1, err
    assert "written in C only" in err, err
    # the range's own constructors go with it, unwarned; its default operator class is no opclass of its own
    assert "plainrange(" not in err and "plainmultirange" not in err, err
    project = (workdir / "spec" / "project.yaml").read_text()
    assert "plainrange:\n    range: {subtype: integer}\n" in project and "evenrange" not in project, project
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)  # accepted: the type is passed over
    assert code == 0 and "at 0001" in out, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0 and "in sync" in out, out + err
    assert err.count("range type `evenrange` has a canonical function") == 1, err
    # a column of it is warned about at the column, as any type the spec cannot declare
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE evens (id integer PRIMARY KEY, span evenrange)")
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "again")
    assert code == 0 and "column `evens.span` has type `evenrange`, which the spec cannot declare" in err, err


STATIC = [
    ("types:\n  r:\n    range: {subtype: text, subtype_opclass: nosuch_ops}\n", "SG411", 3),
    ("types:\n  r:\n    range:\n      subtype: integer\n      subtype_opclass: int8_ops\n", "SG411", 5),
    ("types:\n  r:\n    range:\n      subtype: text\n      subtype_opclass: gin_trgm_ops\n", "SG", 5),
    ("types:\n  r:\n    range: {subtype: text, subtype_opclass: 'bad ops'}\n", "SG404", 3),
    # the subtype's default class: the catalog cannot tell it from none, so it is refused
    ("types:\n  r:\n    range:\n      subtype: integer\n      subtype_opclass: int4_ops\n", "SG411", 5),
    ("types:\n  r:\n    range:\n      subtype: integer\n      collation: C\n", "SG116", 5),
    ("types:\n  t:\n    composite:\n      a: {type: text, collation: nosuch}\n", "SG116", 4),
    ("types:\n  t:\n    composite:\n      a: {type: integer, collation: C}\n", "SG116", 4),
]


@pytest.mark.parametrize(("text", "code", "line"), STATIC)
def test_static_checks_point_at_the_yaml_line(tmp_path: Path, text: str, code: str, line: int) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text("project: {name: t, postgres: 15}\n" + text)
    status, out, err = run("check", str(spec))
    assert status == 2, out + err
    assert code in err and f"spec.yaml:{line + 1}" in err, err
    assert "Traceback" not in err and "internal error" not in err


def test_a_range_with_its_opclass_and_an_attribute_with_its_collation_render(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "spec.yaml").write_text(
        "project: {name: t}\n"
        "types:\n"
        "  coderange: {range: {subtype: text, subtype_opclass: TEXT_PATTERN_OPS, collation: C}}\n"
        "  labelled: {composite: {code: {type: text, collation: C}, title: text}}\n"
    )
    code, _, err = run("render", str(spec), "-o", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / "schema.sql").read_text()
    assert (
        "CREATE TYPE public.coderange AS RANGE (\n    SUBTYPE = text,\n    SUBTYPE_OPCLASS = text_pattern_ops,\n"
        '    COLLATION = "C"\n);' in text
    ), text
    assert 'CREATE TYPE public.labelled AS (\n    code text COLLATE "C",\n    title text\n);' in text, text


def test_a_range_made_anew_with_a_new_column_of_it_migrates_up_and_down(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    before = adopt(workdir, pg_dsn, fresh)
    kept = rows(pg_dsn)
    edit(
        workdir / "spec" / "project.yaml",
        "sparerange:\n    range: {subtype: text, subtype_opclass: text_pattern_ops}",
        "sparerange:\n    range: {subtype: text}",
    )
    entities = workdir / "spec" / "entities.yaml"
    edit(entities, "      codes: coderange?\n", "      codes: coderange?\n      spare: sparerange?\n")
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "spare", "spec")
    assert code == 0, err
    migrations = workdir / "generated" / "migrations"
    up = (migrations / "0002_spare.up.sql").read_text()
    down = (migrations / "0002_spare.down.sql").read_text()
    # up: the type made anew before the column of it is added; down: once the column is dropped
    assert up.index("DROP TYPE IF EXISTS public.sparerange") < up.index(
        "ADD COLUMN IF NOT EXISTS spare sparerange"
    ), up
    assert down.index("DROP COLUMN") < down.index("DROP TYPE IF EXISTS public.sparerange"), down
    assert "SUBTYPE_OPCLASS = text_pattern_ops" in down, down
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


def test_drift_sees_a_changed_operator_class_and_collation(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    adopt(workdir, pg_dsn, fresh)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "DROP TYPE sparerange; CREATE TYPE sparerange AS RANGE (subtype = text);"
            " COMMENT ON TYPE sparerange IS 'not used yet';"
            ' ALTER TYPE spare ALTER ATTRIBUTE b TYPE text COLLATE "POSIX"'
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code != 0, out + err
    assert "drop and create type sparerange anew" in out + err, out + err
    assert "attribute b of type spare" in out + err, out + err
    assert "Traceback" not in err and "internal error" not in err


def test_a_range_type_a_view_or_a_standard_body_names_is_rebuilt_with_them(
    tmp_path: Path, pg_database: Callable[..., Any]
) -> None:
    """DROP TYPE fails while a view's query or a SQL-standard body names it: the view is dropped before
    the rebuild and created after, the function too (its result names the type), up and down."""
    from migrations import apply_sql, create, model_of

    from schemagen.migrate.migration import build_migration

    spec = """
        project: {name: t, postgres: 15}
        types:
          textrange:
            range: {subtype: text, subtype_opclass: text_pattern_ops}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, a: text}}
        views:
          spans:
            query: SELECT id, textrange(a, a || 'z') AS span FROM t
        functions:
          widest:
            returns: textrange
            language: sql
            body: RETURN textrange('a', 'z')
          widest_text:
            returns: text
            language: sql
            body: RETURN textrange('b', 'y')::text
    """
    a = model_of(tmp_path, "a", {"spec.yaml": spec})
    b = model_of(tmp_path, "b", {"spec.yaml": spec.replace(", subtype_opclass: text_pattern_ops", "")})
    migration = build_migration(a, b, "0002_change")
    up = migration.up_sql
    assert up.index("DROP VIEW IF EXISTS public.spans") < up.index("RENAME TO textrange_old")
    assert up.index("DROP FUNCTION IF EXISTS public.widest()") < up.index("RENAME TO textrange_old")
    assert up.index("DROP TYPE IF EXISTS public.textrange_old") < up.index("CREATE VIEW public.spans")
    conn, at_a, at_b = pg_database(), pg_database(), pg_database()
    create(conn, a)
    create(at_a, a)
    create(at_b, b)
    conn.execute("INSERT INTO t VALUES (1, 'k')")
    apply_sql(conn, up)
    assert_catalog_equal(snapshot(conn), snapshot(at_b))
    assert conn.execute("SELECT span::text FROM spans").fetchone() == ("[k,kz)",)
    assert conn.execute("SELECT widest()::text").fetchone() == ("[a,z)",)
    assert conn.execute("SELECT widest_text()").fetchone() == ("[b,y)",)
    # its body alone names the type: put in quotes before the rebuild, given back after
    assert "put the body of function widest_text() in quotes" in up, up
    apply_sql(conn, migration.down_sql)
    assert_catalog_equal(snapshot(conn), snapshot(at_a))

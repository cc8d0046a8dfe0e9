"""A range type whose subtype or operator class changes while columns, functions and views use it is
rebuilt with them: the old type parked under another name (its multirange type and constructors too),
the new one created, each column converted through its text, the functions naming it and the views
over its columns made again, the parked type dropped last. Up and down on a database with rows: after
each, the catalog is a fresh render's and the rows are kept. A composite type holding the range type
is still refused, with the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot
from tests.commandline import edit, run

SPEC = """\
project:
  name: rooms
  extensions: [btree_gist]
types:
  slotrange:
    range: {subtype: integer}
    comment: a span of slots
functions:
  slot_width:
    arguments: [s slotrange]
    returns: integer
    language: sql
    volatility: immutable
    body: SELECT upper(s) - lower(s)
  slot_start:
    arguments: [s slotrange]
    returns: integer
    language: sql
    volatility: immutable
    body: RETURN lower(s)
entities:
  bookings:
    columns:
      id: {type: integer, primary_key: true}
      room: integer
      during: {type: slotrange, default: {sql: "'[1,2)'::public.slotrange"}}
      past: slotrange[]?
    exclude:
      - elements: [{column: room, with: '='}, {column: during, with: '&&'}]
    indexes:
      - {expression: lower(during), name: bookings_starts, where: "during && '[0,100000)'::public.slotrange"}
views:
  wide_bookings:
    query: SELECT id, during, slot_width(during) AS width FROM bookings WHERE NOT isempty(during)
  first_slots:
    query: SELECT slotrange(1, 10) AS first
"""

ROWS = """
INSERT INTO bookings (id, room, during, past)
SELECT g, g % 7, slotrange(g * 10, g * 10 + 1 + g % 5),
       CASE WHEN g % 3 = 0 THEN ARRAY[slotrange(g, g + 2), 'empty'::slotrange] END
FROM generate_series(1, 300) g;
INSERT INTO bookings (id, room) VALUES (0, 99);
"""


def catalog(dsn: str) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        found = dict(snapshot(conn, ("public",)))
        found["range types"] = {
            name: {"subtype": subtype, "opclass": opclass, "multirange": multirange}
            for name, subtype, opclass, multirange in conn.execute(
                "SELECT t.typname, format_type(r.rngsubtype, NULL), oc.opcname, m.typname"
                " FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid"
                " JOIN pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_type m ON m.oid = r.rngmultitypid"
                " WHERE t.typnamespace = 'public'::regnamespace"
            ).fetchall()
        }
        found["routines"] = {
            signature: {"result": result}
            for signature, result in conn.execute(
                "SELECT p.oid::regprocedure::text, format_type(p.prorettype, NULL) FROM pg_proc p"
                " WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'slot%'"
            ).fetchall()
        }
    return found


def rows(dsn: str) -> list[tuple[Any, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT id, room, during::text, past::text FROM bookings ORDER BY id").fetchall()


def applied(dsn: str, schema_sql: Path) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def project(workdir: Path, pg_dsn: str, spec: str) -> Path:
    """The spec at version 1, migrated into `pg_dsn`, with rows."""
    (workdir / "spec").mkdir()
    path = workdir / "spec" / "spec.yaml"
    path.write_text(spec)
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(ROWS)
    return path


def test_a_range_type_in_use_is_rebuilt_with_its_columns_up_and_down(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    spec = project(workdir, pg_dsn, SPEC)
    before, kept = catalog(pg_dsn), rows(pg_dsn)
    edit(spec, "range: {subtype: integer}", "range: {subtype: bigint}")
    edit(
        spec,
        "returns: integer\n    language: sql\n    volatility: immutable\n    body: SELECT",
        "returns: bigint\n    language: sql\n    volatility: immutable\n    body: SELECT",
    )
    edit(
        spec,
        "returns: integer\n    language: sql\n    volatility: immutable\n    body: RETURN",
        "returns: bigint\n    language: sql\n    volatility: immutable\n    body: RETURN",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "new", "wider", "spec")
    assert code == 0, out + err
    up = (workdir / "generated" / "migrations" / "0002_wider.up.sql").read_text()
    down = (workdir / "generated" / "migrations" / "0002_wider.down.sql").read_text()
    for statement in (
        "ALTER TYPE public.slotrange RENAME TO slotrange_old;",
        "ALTER TYPE public.slotmultirange RENAME TO slotmultirange_old;",
        "ALTER FUNCTION public.slotmultirange() RENAME TO slotmultirange_old;",
        "ALTER TABLE public.bookings ALTER COLUMN during TYPE slotrange USING during::text::slotrange;",
        "ALTER TABLE public.bookings ALTER COLUMN past TYPE slotrange[] USING past::text::slotrange[];",
        "DROP FUNCTION IF EXISTS public.slot_width(s slotrange);",
        "DROP TYPE IF EXISTS public.slotrange_old;",
        "DROP VIEW IF EXISTS public.first_slots;",
    ):
        assert statement in up, statement + "\n" + up
    # flagged as the enum rebuild is: a rewrite, the values re-read through their text
    assert "SG921 rewrites bookings" in up and "re-read through its text" in up, up
    assert "drop index bookings_starts (it reads a column converted to a rebuilt range type" in up, up
    assert up.index("DROP VIEW IF EXISTS public.wide_bookings") < up.index("RENAME TO slotrange_old")
    assert up.index("RENAME TO slotrange_old") < up.index("DROP TYPE IF EXISTS public.slotrange_old")
    assert up.index("DROP TYPE IF EXISTS public.slotrange_old") < up.index("CREATE VIEW public.wide_bookings")
    assert "SUBTYPE = integer" in down and "USING during::text::slotrange" in down, down

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = catalog(pg_dsn)
    assert_catalog_equal(after, applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert after["range types"]["slotrange"] == {
        "subtype": "bigint",
        "opclass": "int8_ops",
        "multirange": "slotmultirange",
    }
    assert rows(pg_dsn) == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:  # the exclusion constraint holds on the new type
        assert conn.execute("SELECT sum(width) FROM wide_bookings").fetchone() is not None
        conn.execute("INSERT INTO bookings (id, room, during) VALUES (1000, 5, '[3000000000,3000000005)')")
        conn.execute("DELETE FROM bookings WHERE id = 1000")

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


def test_a_new_subtype_diff_rebuilds_it_though_the_subtype_stays(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    # the constructors keep their arguments: the old ones are renamed out of the new ones' way
    spec = project(workdir, pg_dsn, SPEC)
    before, kept = catalog(pg_dsn), rows(pg_dsn)
    edit(spec, "range: {subtype: integer}", "range: {subtype: integer, subtype_diff: int4range_subdiff}")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "new", "diff", "spec")
    assert code == 0, out + err
    up = (workdir / "generated" / "migrations" / "0002_diff.up.sql").read_text()
    assert "ALTER FUNCTION public.slotrange(integer, integer) RENAME TO slotrange_old;" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


def test_a_composite_type_holding_the_range_type_is_still_refused_with_the_fix(
    workdir: Path, pg_dsn: str
) -> None:
    spec = project(
        workdir,
        pg_dsn,
        SPEC.replace(
            "    comment: a span of slots\n",
            "    comment: a span of slots\n  booked:\n    composite: {slots: slotrange, note: text}\n",
        ).replace("      past: slotrange[]?\n", "      past: slotrange[]?\n      held: booked?\n"),
    )
    edit(spec, "range: {subtype: integer}", "range: {subtype: bigint}")
    code, _, err = run("migrate", "new", "wider", "spec")
    assert code == 1 and "SG706" in err, err
    assert "the subtype of range type `slotrange` changes from integer to bigint" in err, err
    assert "composite type `booked` holds it" in err and "bookings.held" in err, err
    assert "create a range type under another name, move the columns to it, then drop this one" in err, err
    assert "Traceback" not in err and "internal error" not in err


def test_a_range_type_in_a_partition_key_is_refused_with_the_fix(tmp_path: Path) -> None:
    from migrations import model_of

    from schemagen.migrate.migration import build_migration
    from schemagen.plan import PlanError

    spec = """
        project: {name: t}
        types:
          slotrange:
            range: {subtype: integer}
        entities:
          spans:
            columns: {id: integer, during: slotrange}
            partition:
              hash: {key: during, modulus: 2}
    """
    a = model_of(tmp_path, "a", {"spec.yaml": spec})
    b = model_of(tmp_path, "b", {"spec.yaml": spec.replace("subtype: integer", "subtype: bigint")})
    with pytest.raises(PlanError) as raised:
        build_migration(a, b, "0002_change")
    assert "spans.during" in str(raised.value) and "partition key of spans" in str(raised.value)


def test_a_range_type_of_another_schema_is_rebuilt_there(
    tmp_path: Path, pg_database: Callable[..., Any]
) -> None:
    from migrations import apply_sql, create, model_of

    from schemagen.migrate.migration import build_migration

    spec = """
        project: {name: t}
        types:
          spans:
            range: {subtype: numeric}
            schema: geo
        entities:
          stretches:
            schema: geo
            columns: {id: {type: integer, primary_key: true}, span: geo.spans?}
    """
    a = model_of(tmp_path, "a", {"spec.yaml": spec})
    b = model_of(tmp_path, "b", {"spec.yaml": spec.replace("subtype: numeric", "subtype: double precision")})
    migration = build_migration(a, b, "0002_change")
    assert "ALTER TYPE geo.spans RENAME TO spans_old;" in migration.up_sql, migration.up_sql
    assert "ALTER TYPE geo.spans_multirange RENAME TO spans_multirange_old;" in migration.up_sql
    conn, at_a, at_b = pg_database(), pg_database(), pg_database()
    create(conn, a)
    create(at_a, a)
    create(at_b, b)
    conn.execute("INSERT INTO geo.stretches VALUES (1, '[1.5,2.25)'), (2, NULL)")
    apply_sql(conn, migration.up_sql)
    assert_catalog_equal(snapshot(conn, ("geo",)), snapshot(at_b, ("geo",)))
    assert conn.execute("SELECT span::text FROM geo.stretches ORDER BY id").fetchall() == [
        ("[1.5,2.25)",),
        (None,),
    ]
    apply_sql(conn, migration.down_sql)
    assert_catalog_equal(snapshot(conn, ("geo",)), snapshot(at_a, ("geo",)))
    assert conn.execute("SELECT span::text FROM geo.stretches ORDER BY id").fetchall() == [
        ("[1.5,2.25)",),
        (None,),
    ]

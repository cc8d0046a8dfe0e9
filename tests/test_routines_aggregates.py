"""Aggregates (`functions:` with `aggregate:`): a Pagila-like database whose views call its aggregates is
adopted (inspect → render → an empty database gets the same catalog and aggregates; baseline accepts;
drift is empty), the static checks know them (a view calling one validates, a check calling one is
SG114, a missing state function SG141), and a change to an aggregate migrates up and down with the rows
and the views calling it kept."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from catalog import Catalog, assert_catalog_equal, snapshot

from schemagen.database.live import connect
from schemagen.diagnostics import Severity, SpecError
from schemagen.pipeline import compile_spec, render_outputs
from tests.commandline import edit, run

HAND_MADE = """
CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END
$$;
CREATE FUNCTION half(bigint) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT $1 / 2.0 $$;
CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
CREATE AGGREGATE half_total(integer) (
    SFUNC = int84pl, STYPE = bigint, FINALFUNC = half, COMBINEFUNC = int8pl, INITCOND = '0', PARALLEL = SAFE
);
COMMENT ON AGGREGATE group_concat(text) IS 'names, comma separated';
CREATE TABLE actor (actor_id integer PRIMARY KEY, name text NOT NULL);
CREATE VIEW actor_names AS SELECT group_concat(name ORDER BY name) AS names, half_total(actor_id) AS half FROM actor;
"""

ROWS = "INSERT INTO actor SELECT g, 'actor ' || g FROM generate_series(1, 200) g;"

AGGREGATES = """
SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), a.aggtransfn::regproc::text,
       a.aggfinalfn::regproc::text, a.aggcombinefn::regproc::text, format_type(a.aggtranstype, NULL),
       a.agginitval, p.proparallel, obj_description(p.oid, 'pg_proc')
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' ORDER BY 1
"""


def catalog(dsn: str) -> tuple[Catalog, list[tuple[object, ...]], list[tuple[object, ...]]]:
    with connect(dsn, autocommit=True) as conn:
        aggregates = [tuple(r) for r in conn.execute(AGGREGATES).fetchall()]
        result = [tuple(r) for r in conn.execute("SELECT * FROM actor_names").fetchall()]
        return snapshot(conn, ("public",)), aggregates, result


def same(
    a: tuple[Catalog, list[tuple[object, ...]], list[tuple[object, ...]]], b: tuple[Catalog, ...]
) -> None:
    assert_catalog_equal(a[0], b[0])
    assert a[1] == b[1]


def fingerprint(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM actor ORDER BY 1").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def applied(dsn: str, schema_sql: Path) -> tuple[Catalog, list[tuple[object, ...]], list[tuple[object, ...]]]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_aggregates_are_adopted_and_migrate_with_their_views(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)
    assert before[2] == [(", ".join(sorted(f"actor {g}" for g in range(1, 201))), 10050)]

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "aggregate" not in err and "function" not in err, err
    project = (workdir / "spec" / "project.yaml").read_text()
    assert "aggregate: {state_function: _group_concat, state_type: text}" in project, project
    assert (
        "aggregate: {state_function: int84pl, state_type: bigint, final_function: half, initial_value: '0', "
        "combine_function: int8pl, parallel: safe}" in project
    ), project

    code, _, err = run("render", "spec")
    assert code == 0, err
    same(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift: an aggregate changed by hand
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text, INITCOND = '')"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "replace aggregate group_concat(text)" in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text)")
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    # the aggregate changes in place (the view calling it stays), and a new one is added
    spec = workdir / "spec"
    edit(
        spec / "project.yaml",
        "aggregate: {state_function: _group_concat, state_type: text}",
        "aggregate: {state_function: _group_concat, state_type: text, initial_value: start}",
    )
    text = (spec / "project.yaml").read_text()
    (spec / "project.yaml").write_text(
        text.replace(
            "functions:\n",
            "functions:\n  total:\n    arguments: [integer]\n"
            "    aggregate: {state_function: int4pl, state_type: integer, initial_value: 0}\n",
            1,
        )
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "CREATE OR REPLACE AGGREGATE public.group_concat(text)" in up, up
    assert "CREATE AGGREGATE public.total(integer)" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    after = catalog(pg_dsn)
    same(after, applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert after[2][0][0].startswith("start, actor 1, ")
    assert fingerprint(pg_dsn) == rows
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    same(catalog(pg_dsn), before)
    assert catalog(pg_dsn)[2] == before[2]
    assert fingerprint(pg_dsn) == rows


STATIC = """\
project: {{name: t, postgres: 15}}
functions:
  step:
    arguments: [text, text]
    returns: text
    language: sql
    body: SELECT $1 || $2
  joined:
    arguments: [text]
    aggregate: {aggregate}
entities:
  actor:
    columns:
      id: {{type: integer, primary_key: true}}
      name: text
{checks}views:
  names:
    query: SELECT joined(name) AS names FROM actor
"""


def diagnose(tmp_path: Path, aggregate: str, checks: str = "") -> list[tuple[str, int | None, str]]:
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    (root / "a.yaml").write_text(STATIC.format(aggregate=aggregate, checks=checks))
    try:
        found = compile_spec(root).warnings
    except SpecError as error:
        found = error.diagnostics
    return [(d.code, d.line, d.message) for d in found if d.severity is Severity.ERROR]


def test_a_view_calling_an_aggregate_validates(tmp_path: Path) -> None:
    assert diagnose(tmp_path, "{state_function: step, state_type: text}") == []


def test_an_aggregate_in_a_check_is_refused(tmp_path: Path) -> None:
    found = diagnose(
        tmp_path,
        "{state_function: step, state_type: text}",
        "    checks:\n      c: joined(name) IS NOT NULL\n",
    )
    assert [c for c, _, _ in found] == ["SG114"], found


@pytest.mark.parametrize(
    ("aggregate", "needle"),
    [
        ("{state_function: nope, state_type: text}", "`nope` is not a function"),
        ("{state_function: step, state_type: txet}", "its state type"),
        (
            "{state_function: step, state_type: text, final_function: upper, combine_function: nope2}",
            "`nope2`",
        ),
    ],
)
def test_an_aggregate_s_mistakes_are_sg141(tmp_path: Path, aggregate: str, needle: str) -> None:
    found = diagnose(tmp_path, aggregate)
    assert found and found[0][0] == "SG141" and needle in found[0][2], found
    assert found[0][1] == 10, found


ROW_TYPED = """\
project: {name: t, postgres: 15}
functions:
  _pick:
    arguments: [actor, actor]
    returns: actor
    language: sql
    body: SELECT CASE WHEN $1 IS NULL OR $2.actor_id < $1.actor_id THEN $2 ELSE $1 END
  first_actor:
    arguments: [actor]
    aggregate: {state_function: _pick, state_type: actor}
  busy_actors:
    arguments: [n integer]
    returns: SETOF actor
    language: sql
    body: SELECT * FROM actor WHERE actor_id > n
entities:
  actor:
    columns:
      actor_id: {type: integer, primary_key: true}
      name: text
views:
  busy:
    query: SELECT b.name, (SELECT (first_actor(a)).name FROM actor a) AS first FROM busy_actors(1) b
"""


def test_functions_on_a_table_s_row_type_come_after_the_table(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    root = tmp_path / "spec"
    root.mkdir()
    (root / "a.yaml").write_text(ROW_TYPED)
    schema_sql = render_outputs(compile_spec(root).model)["schema.sql"]
    table = schema_sql.index("CREATE TABLE public.actor")
    assert table < schema_sql.index("CREATE FUNCTION public.busy_actors")
    assert schema_sql.index("CREATE FUNCTION public._pick") < schema_sql.index(
        "CREATE AGGREGATE public.first_actor"
    )
    pg_conn.execute(schema_sql.encode())
    pg_conn.execute("INSERT INTO actor VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    rows = pg_conn.execute("SELECT * FROM busy ORDER BY 1").fetchall()
    assert rows == [("b", "a"), ("c", "a")]


def test_a_new_table_and_functions_on_its_row_type_migrate_in_order(workdir: Path, pg_dsn: str) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(
        "project: {name: t, postgres: 15}\nentities:\n  other:\n    columns:\n      id: {type: integer, primary_key: true}\n"
    )
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    (spec / "a.yaml").write_text(
        ROW_TYPED.replace(
            "entities:\n", "entities:\n  other:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        )
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "functions", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_functions.up.sql")).read_text()
    assert (
        up.index("CREATE TABLE public.actor")
        < up.index("CREATE FUNCTION public.busy_actors")
        < up.index("CREATE VIEW")
    )
    assert up.index("CREATE FUNCTION public._pick") < up.index("CREATE AGGREGATE public.first_actor")
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err

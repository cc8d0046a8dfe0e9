"""Owners and grants of what is not a table (views and materialized views): a database adopted
through the command line — inspect writes them into the spec, schema.sql builds the same catalog,
baseline and drift agree, a grant changed by hand shows as drift; then a migration changes them with
the rows kept (a view dropped and created again gets its grants back), and its down gives the catalog
back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from catalog import assert_catalog_equal, snapshot
from test_access import create_roles, fingerprint, roles_for

from schemagen.database.live import connect
from tests.commandline import edit, run


def hand_made(r: dict[str, str]) -> str:
    return f"""
CREATE TABLE docs (id bigint PRIMARY KEY, body text);
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
CREATE VIEW doc_bodies AS SELECT id, body FROM docs;
CREATE MATERIALIZED VIEW doc_ids AS SELECT id FROM docs;
ALTER VIEW doc_bodies OWNER TO {r["owner"]};
GRANT SELECT ON doc_bodies TO {r["reader"]};
GRANT SELECT, INSERT ON doc_bodies TO {r["writer"]} WITH GRANT OPTION;
GRANT SELECT ON doc_ids TO PUBLIC;
INSERT INTO docs SELECT g, 'body ' || g FROM generate_series(1, 300) g;
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 100) g;
REFRESH MATERIALIZED VIEW doc_ids;
"""


def catalog(dsn: str) -> dict[str, object]:
    with connect(dsn, autocommit=True) as conn:
        found = snapshot(conn, ("public",))
        me = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    # the migrating role differs between the databases compared only by its name
    return {
        name: {
            **rel,
            "owner": None if rel["owner"] == me else rel["owner"],
            "acl": sorted(a.replace(me, "ME") for a in rel["acl"] or []),
        }
        for name, rel in found["relations"].items()
    }


def applied(dsn: str, schema_sql: Path) -> dict[str, object]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_view_access_is_adopted_and_migrates_with_its_rows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(hand_made(r))
        before_catalog = snapshot(conn, ("public",))
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)
    assert before["doc_bodies"]["owner"] == r["owner"]  # type: ignore[index]

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "view" not in err, err
    views = (tmp_path / "spec" / "views.yaml").read_text()
    assert f"owner: {r['owner']}" in views, views
    assert f"{r['writer']}: {{privileges: [insert, select], grant_option: true}}" in views, views
    assert "public: [select]" in views, views

    code, _, err = run("render", "spec")
    assert code == 0, err
    assert applied(fresh("s"), tmp_path / "generated" / "schema.sql") == before
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift: a grant revoked by hand
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"REVOKE SELECT ON doc_bodies FROM {r['reader']}")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1, out + err
    assert "doc_bodies" in out and r["reader"] in out, out
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON doc_bodies TO {r['reader']}")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # owner back to the migrating role, grants changed; the materialized view's query changes, so it
    # is dropped and created again, and gets its grants back plus a new one
    spec = tmp_path / "spec" / "views.yaml"
    edit(spec, f"    owner: {r['owner']}\n", "")
    edit(
        spec,
        f"{r['writer']}: {{privileges: [insert, select], grant_option: true}}",
        f"{r['writer']}: [select, update]",
    )
    edit(spec, "public: [select]", f"public: [select]\n      {r['reader']}: [select]")
    edit(
        spec,
        "  SELECT docs.id\n         FROM docs\n",
        "  SELECT docs.id\n         FROM docs\n        WHERE docs.id > 0\n",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = (tmp_path / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert "ALTER VIEW public.doc_bodies OWNER TO CURRENT_USER;" in up, up
    assert f"REVOKE INSERT ON TABLE public.doc_bodies FROM {r['writer']};" in up, up
    assert f"REVOKE GRANT OPTION FOR SELECT ON TABLE public.doc_bodies FROM {r['writer']};" in up, up
    assert "DROP MATERIALIZED VIEW" in up, up
    assert "GRANT SELECT ON TABLE public.doc_ids TO PUBLIC;" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = catalog(pg_dsn)
    assert after == applied(fresh("a"), tmp_path / "generated" / "schema.sql")
    assert after != before
    assert fingerprint(pg_dsn) == rows
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert catalog(pg_dsn) == before
    assert fingerprint(pg_dsn) == rows
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, ("public",)), before_catalog)


def sequence_db(r: dict[str, str]) -> str:
    return f"""
CREATE TABLE orders (id serial PRIMARY KEY, note text);
CREATE TABLE plain (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
CREATE SEQUENCE tickets;
ALTER SEQUENCE tickets OWNER TO {r["owner"]};
GRANT USAGE, SELECT ON SEQUENCE tickets TO {r["reader"]};
GRANT UPDATE ON SEQUENCE tickets TO {r["writer"]} WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE orders_id_seq TO {r["writer"]};
GRANT USAGE ON SEQUENCE plain_id_seq TO {r["writer"]};
INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 50) g;
SELECT nextval('tickets') FROM generate_series(1, 7);
"""


def test_sequence_access_is_adopted_and_migrates(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sequence_db(r))
        before_catalog = snapshot(conn, ("public",))
    before = catalog(pg_dsn)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    # an identity column's sequence stays the column's: its grants are under its `identity:`
    assert "warning" not in err, err
    entities = (tmp_path / "spec" / "entities.yaml").read_text()
    assert f"grants: {{{r['writer']}: [usage]}}" in entities, entities
    sequences = (tmp_path / "spec" / "project.yaml").read_text()
    assert f"owner: {r['owner']}" in sequences, sequences
    assert f"{r['reader']}: [select, usage]" in sequences, sequences
    assert f"{r['writer']}: {{privileges: [update], grant_option: true}}" in sequences, sequences
    assert "orders_id_seq" in sequences  # a serial's sequence with grants is written out

    code, _, err = run("render", "spec")
    assert code == 0, err
    made = fresh("s")
    with connect(made, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
    assert catalog(made) == before
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"REVOKE USAGE ON SEQUENCE tickets FROM {r['reader']}")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "tickets" in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"GRANT USAGE ON SEQUENCE tickets TO {r['reader']}")

    spec = tmp_path / "spec" / "project.yaml"
    edit(spec, f"owner: {r['owner']}, ", "")
    edit(spec, f"{r['reader']}: [select, usage]", f"{r['reader']}: [select]")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = (tmp_path / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert "ALTER SEQUENCE public.tickets OWNER TO CURRENT_USER;" in up, up
    assert f"REVOKE USAGE ON SEQUENCE public.tickets FROM {r['reader']};" in up, up
    assert "ALTER SEQUENCE public.tickets AS" not in up and "RESTART" not in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT last_value FROM tickets").fetchone() == (7,)
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (50,)
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert catalog(pg_dsn) == before
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, ("public",)), before_catalog)


def routine_db(r: dict[str, str]) -> str:
    return f"""
CREATE TABLE nums (n integer PRIMARY KEY);
INSERT INTO nums SELECT g FROM generate_series(1, 40) g;
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql AS $$
SELECT x + 1
$$;
CREATE FUNCTION secret() RETURNS integer LANGUAGE sql AS $$
SELECT 42
$$;
CREATE FUNCTION plain() RETURNS integer LANGUAGE sql AS $$
SELECT 1
$$;
CREATE PROCEDURE touch() LANGUAGE sql AS $$
SELECT 1
$$;
ALTER FUNCTION add_one(integer) OWNER TO {r["owner"]};
GRANT EXECUTE ON FUNCTION add_one(integer) TO {r["reader"]} WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION secret() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secret() TO {r["writer"]};
GRANT EXECUTE ON PROCEDURE touch() TO {r["reader"]};
CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer);
ALTER AGGREGATE total(integer) OWNER TO {r["owner"]};
REVOKE EXECUTE ON FUNCTION total(integer) FROM PUBLIC;
"""


def test_routine_access_is_adopted_and_migrates(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(routine_db(r))
        before = snapshot(conn, ("public",))

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "function" not in err and "procedure" not in err, err
    functions = (tmp_path / "spec" / "project.yaml").read_text()
    assert f"owner: {r['owner']}" in functions, functions
    assert f"{r['reader']}: {{privileges: [execute], grant_option: true}}" in functions, functions
    assert "public_execute: false" in functions and f"{r['writer']}: [execute]" in functions, functions

    code, _, err = run("render", "spec")
    assert code == 0, err
    made = fresh("s")
    with connect(made, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert_catalog_equal(snapshot(conn, ("public",)), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # EXECUTE given back to PUBLIC by hand: drift
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("GRANT EXECUTE ON FUNCTION secret() TO PUBLIC")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "secret" in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("REVOKE EXECUTE ON FUNCTION secret() FROM PUBLIC")

    spec = tmp_path / "spec" / "project.yaml"
    text = spec.read_text()
    text = text.replace(f"    owner: {r['owner']}\n", "")
    text = text.replace("public_execute: false", "public_execute: true")
    text = text.replace(
        "  plain:\n", f"  plain:\n    public_execute: false\n    grants: {{{r['writer']}: [execute]}}\n"
    )
    spec.write_text(text)
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = (tmp_path / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert "ALTER FUNCTION public.add_one(x integer) OWNER TO CURRENT_USER;" in up or (
        "ALTER FUNCTION public.add_one(integer) OWNER TO CURRENT_USER;" in up
    ), up
    assert "GRANT EXECUTE ON FUNCTION public.secret() TO PUBLIC;" in up, up
    assert "REVOKE EXECUTE ON FUNCTION public.plain() FROM PUBLIC;" in up, up
    assert "ALTER AGGREGATE public.total(integer) OWNER TO CURRENT_USER;" in up, up
    assert "CREATE OR REPLACE" not in up and "DROP FUNCTION" not in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        migrated = snapshot(conn, ("public",))
        assert conn.execute("SELECT count(*) FROM nums").fetchone() == (40,)
    with connect(fresh("a"), autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert_catalog_equal(snapshot(conn, ("public",)), migrated)
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, ("public",)), before)


def schema_db(r: dict[str, str]) -> str:
    return f"""
CREATE SCHEMA reporting;
CREATE TABLE reporting.totals (id bigint PRIMARY KEY, n integer);
INSERT INTO reporting.totals SELECT g, g * 2 FROM generate_series(1, 30) g;
CREATE SCHEMA staging AUTHORIZATION {r["owner"]};
ALTER SCHEMA reporting OWNER TO {r["owner"]};
GRANT USAGE ON SCHEMA reporting TO {r["reader"]};
GRANT USAGE, CREATE ON SCHEMA reporting TO {r["writer"]} WITH GRANT OPTION;
GRANT CREATE ON SCHEMA public TO {r["writer"]};
"""


def test_schema_access_is_adopted_and_migrates(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    schemas = ("public", "reporting", "staging")
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(schema_db(r))
        before = snapshot(conn, schemas)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "schema" not in err, err
    project = (tmp_path / "spec" / "project.yaml").read_text()
    assert f"name: reporting, owner: {r['owner']}" in project, project
    assert f"{r['writer']}: {{privileges: [all], grant_option: true}}" in project, project
    assert f"name: public, grants: {{{r['writer']}: [create]}}" in project, project
    assert f"name: staging, owner: {r['owner']}" in project, project

    code, _, err = run("render", "spec")
    assert code == 0, err
    with connect(fresh("s"), autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert_catalog_equal(snapshot(conn, schemas), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"REVOKE USAGE ON SCHEMA reporting FROM {r['reader']}")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "reporting" in out, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"GRANT USAGE ON SCHEMA reporting TO {r['reader']}")

    spec = tmp_path / "spec" / "project.yaml"
    edit(
        spec,
        f"name: public, grants: {{{r['writer']}: [create]}}",
        f"name: public, grants: {{{r['reader']}: [create]}}, public_usage: false",
    )
    edit(spec, f"{r['writer']}: {{privileges: [all], grant_option: true}}", f"{r['writer']}: [usage]")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = (tmp_path / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert f"REVOKE CREATE ON SCHEMA public FROM {r['writer']};" in up, up
    assert f"GRANT CREATE ON SCHEMA public TO {r['reader']};" in up, up
    assert "REVOKE USAGE ON SCHEMA public FROM PUBLIC;" in up, up
    assert f"REVOKE CREATE ON SCHEMA reporting FROM {r['writer']};" in up, up
    assert f"REVOKE GRANT OPTION FOR USAGE ON SCHEMA reporting FROM {r['writer']};" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        migrated = snapshot(conn, schemas)
        assert conn.execute("SELECT count(*) FROM reporting.totals").fetchone() == (30,)
    with connect(fresh("a"), autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert_catalog_equal(snapshot(conn, schemas), migrated)
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, schemas), before)


DEFAULT_ACL = """
SELECT coalesce(n.nspname, '-'), d.defaclobjtype, ARRAY(SELECT a::text FROM unnest(d.defaclacl) a ORDER BY 1)
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ORDER BY 1, 2
"""


def default_acl(dsn: str) -> list[tuple[object, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute(DEFAULT_ACL).fetchall()


def test_global_default_privileges_are_adopted_and_migrate(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        conn.execute(f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {r['reader']}")
        conn.execute(f"ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO {r['writer']} WITH GRANT OPTION")
        conn.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
    before = default_acl(pg_dsn)
    assert [row[0] for row in before] == ["-", "-", "-"]

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "default privileges" not in err, err
    project = (tmp_path / "spec" / "project.yaml").read_text()
    assert "- objects: functions\n    global: true\n    public_execute: false\n" in project, project
    assert f"- objects: tables\n    global: true\n    grants:\n      {r['reader']}: [select]\n" in project, (
        project
    )

    code, _, err = run("render", "spec")
    assert code == 0, err
    made = fresh("s")
    with connect(made, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
    assert default_acl(made) == before
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    spec = tmp_path / "spec" / "project.yaml"
    edit(spec, f"{r['reader']}: [select]", f"{r['reader']}: [select, insert]")
    edit(spec, "  - objects: functions\n    global: true\n    public_execute: false\n", "")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = (tmp_path / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert f"ALTER DEFAULT PRIVILEGES GRANT INSERT ON TABLES TO {r['reader']};" in up, up
    assert "ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert default_acl(pg_dsn) == before


BAD_OBJECTS = """
project:
  schemas:
    - {name: reporting, grants: {app_reader: [select]}}
  default_privileges:
    - {objects: tables, global: true, schema: reporting, grants: {app_reader: [select]}}
entities:
  docs:
    columns:
      id: {type: bigint, primary_key: true}
views:
  doc_ids:
    query: SELECT id FROM docs
    grants: {app_reader: [execute]}
sequences:
  tickets:
    grants: {public: {privileges: [usage], grant_option: true}}
functions:
  one:
    returns: integer
    language: sql
    body: SELECT 1
    public_execute: false
    grants: {public: [execute], Bad-Role: [execute]}
  two:
    returns: integer
    language: sql
    body: SELECT 2
    owner: app_owner
"""


def test_object_access_errors_are_at_their_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_access import write_spec

    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, BAD_OBJECTS)
    code, out, err = run("validate", "spec")
    text = out + err
    assert code != 0
    assert "a schema has no privilege `select`" in text and "entities.yaml:4" in text, text
    assert "`global: true` sets them for every schema" in text, text
    assert "a view has no privilege `execute`" in text and "entities.yaml:14" in text, text
    assert "never to PUBLIC" in text, text
    assert "`public_execute: false` takes EXECUTE back from PUBLIC" in text, text
    assert "Bad-Role" in text, text
    assert "SG133" in text and "app_owner" in text, text


RECREATED = """
roles:
  app_reader:
  app_owner:
entities:
  docs:
    columns:
      id: {type: bigint, primary_key: true}
      body: text?
      extra: text?
views:
  doc_bodies:
    query: SELECT id, body FROM docs
    owner: app_owner
    grants: {app_reader: [select]}
sequences:
  tickets:
    grants: {app_reader: [usage]}
"""


def test_a_recreated_view_gets_its_access_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_access import write_spec

    monkeypatch.chdir(tmp_path)
    spec = write_spec(tmp_path, RECREATED) / "entities.yaml"
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    # the table loses a column the view reads: the view is created again
    edit(spec, "      body: text?\n", "")
    edit(spec, "SELECT id, body FROM docs", "SELECT id, extra FROM docs")
    code, _, err = run("migrate", "new", "change", "spec", "--allow-destructive")
    assert code == 0, err
    up = next((tmp_path / "generated" / "migrations").glob("0002_*.up.sql")).read_text()
    assert "DROP VIEW" in up and "CREATE VIEW public.doc_bodies" in up, up
    assert "ALTER VIEW public.doc_bodies OWNER TO app_owner;" in up, up
    assert "GRANT SELECT ON TABLE public.doc_bodies TO app_reader;" in up, up
    assert "ON SEQUENCE" not in up, up  # the sequence stays, and so do its grants


def test_public_owned_by_a_role_of_its_own_keeps_that_owner(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    fresh: Callable[[str], str],
) -> None:
    """Since PostgreSQL 15 `public` belongs to pg_database_owner; a database dumped from an older one (or
    changed by hand) has it owned by a role by name, which inspect writes even when that role owns the
    database: schema.sql then gives `public` the same owner and ACL."""
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER SCHEMA public OWNER TO {r['owner']}; GRANT CREATE ON SCHEMA public TO PUBLIC")
        before = snapshot(conn, ("public",))
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    project = (tmp_path / "spec" / "project.yaml").read_text()
    assert f"name: public, owner: {r['owner']}, grants: {{public: [create]}}" in project, project
    code, _, err = run("render", "spec")
    assert code == 0, err
    with connect(fresh("s"), autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert_catalog_equal(snapshot(conn, ("public",)), before)

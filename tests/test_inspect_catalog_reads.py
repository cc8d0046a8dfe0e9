"""How inspect reads the catalog: the queries every inspection sends go out on a thread as soon as the
connection is open (`inspect.prefetch`), what PostgreSQL 15 added to keys is read by a query of its
own (`inspect_keys_15.sql`), comments by a join, and schemagen's own functions are told apart from
shapes kept between runs (`inspect.shape_cache`). Each reads the same as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from schemagen.database.cluster import connect
from schemagen.database.inspect import inspect
from schemagen.database.inspect.catalog_text import is_nextval
from schemagen.database.inspect.own_functions import OwnFunctions
from schemagen.database.inspect.shape_cache import ShapeCache
from schemagen.database.inspect.templates import Templates

KEYS = """
CREATE TABLE regions (code text NOT NULL, name text);
COMMENT ON TABLE regions IS 'Where stores are';
COMMENT ON COLUMN regions.name IS 'As people say it';
CREATE UNIQUE INDEX regions_code_key ON regions (code) NULLS NOT DISTINCT;
COMMENT ON INDEX regions_code_key IS 'One of each';
CREATE TABLE stores (
    id bigint PRIMARY KEY,
    region text,
    kind text,
    CONSTRAINT stores_region_kind_key UNIQUE NULLS NOT DISTINCT (region, kind),
    CONSTRAINT stores_region_fkey FOREIGN KEY (region) REFERENCES regions (code) ON DELETE SET NULL (region)
);
COMMENT ON CONSTRAINT stores_region_kind_key ON stores IS 'One store of a kind per region';
CREATE TABLE shelves (id bigint PRIMARY KEY, store bigint REFERENCES stores, region text REFERENCES regions (code));
CREATE UNIQUE INDEX shelves_region_key ON shelves (region);
"""


def test_what_postgresql_15_added_to_keys_and_comments_are_read(pg_conn: psycopg.Connection) -> None:
    pg_conn.execute(KEYS)
    found = inspect(pg_conn)
    tables = {t.name: t for t in found.model.tables}
    regions, stores, shelves = tables["regions"], tables["stores"], tables["shelves"]
    assert regions.comment == "Where stores are"
    assert [c.comment for c in regions.columns] == [None, "As people say it"]
    (index,) = regions.indexes
    assert (index.name, index.nulls_not_distinct, index.comment) == ("regions_code_key", True, "One of each")
    (unique,) = stores.uniques
    assert (unique.nulls_not_distinct, unique.comment) == (True, "One store of a kind per region")
    # a key's or index's NULLS NOT DISTINCT is its own, not that of the index a foreign key references
    assert [i.nulls_not_distinct for i in shelves.indexes] == [False]
    assert stores.primary_key is not None and shelves.primary_key is not None
    assert [w for w in found.warnings if "ON DELETE" in w] == [
        "foreign key `stores_region_fkey` of `stores` sets only some columns ON DELETE, which the spec "
        "cannot say"
    ]


def test_the_queries_are_sent_once_each(pg_conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    pg_conn.execute(KEYS)
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor, query: object, *args: object, **kwargs: object) -> psycopg.Cursor:
        sent.append(str(query).split("\n", 1)[0])
        return execute(self, query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    inspect(pg_conn)
    assert len(sent) == len(set(sent)), sorted(sent)


def test_a_query_the_prefetch_sends_that_fails_is_a_database_error(pg_dsn: str) -> None:
    from schemagen.database.cluster import DatabaseError

    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        # a schema name PostgreSQL cannot hold: the prefetch's first query by schema fails, on its thread
        with pytest.raises(DatabaseError, match="inspect failed"):
            inspect(conn, ["public", "a\x00b"])
        assert [t.name for t in inspect(conn).model.tables] == ["t"]  # the connection is still usable


def test_a_serial_default_is_read_without_the_parser_as_with_it() -> None:
    for text, expected in [
        ("nextval('a_id_seq'::regclass)", True),
        ("nextval('\"Odd\"''s_seq'::regclass)", True),
        ("nextval('billing.a_id_seq'::regclass)", True),
        ("pg_catalog.nextval('a'::regclass)", True),
        ("nextval('a'::regclass) + 1", False),
        ("nextval('a')", False),
        ("nextval('a'::text)", False),
    ]:
        assert is_nextval(text) is expected, text


def test_own_function_shapes_are_kept_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE", raising=False)
    rendered = OwnFunctions(Templates(None), lambda a, b: a == b)
    kept = OwnFunctions(Templates(None), lambda a, b: a == b)
    assert [s.pattern.pattern for s in rendered.archive_shapes] == [
        s.pattern.pattern for s in kept.archive_shapes
    ]
    assert [(m, s.pattern.pattern) for m, s in rendered.refresh_shapes] == [
        (m, s.pattern.pattern) for m, s in kept.refresh_shapes
    ]
    (cached,) = (tmp_path / "schemagen").glob("inspect-shapes-*.json")
    # a template of the user's names another file: its shapes are its own
    user = tmp_path / "templates"
    (user / "postgres").mkdir(parents=True)
    builtin = Path(__file__).resolve().parents[1] / "templates" / "postgres" / "refresh_function.sql.j2"
    (user / "postgres" / "refresh_function.sql.j2").write_text(
        builtin.read_text().replace("Refreshes ", "Brings up to date ")
    )
    theirs = OwnFunctions(Templates(user), lambda a, b: a == b)
    assert ShapeCache(user).get("refresh") is None
    patterns = [s.pattern.pattern for _, s in theirs.refresh_shapes]
    assert all("Brings" in p for p in patterns)
    assert ShapeCache(user).get("refresh") == patterns
    assert cached.exists() and len(list((tmp_path / "schemagen").glob("inspect-shapes-*.json"))) == 2


def test_inspecting_a_database_with_a_trigger_function_loads_no_jinja_once_shapes_are_kept(
    pg_dsn: str, tmp_path: Path
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, updated_at timestamptz);"
            "CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN NEW.updated_at := now(); RETURN NEW; END$$;"
            "CREATE TRIGGER accounts_updated_at BEFORE UPDATE ON accounts "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at();"
        )
    script = (
        "import sys\n"
        "from schemagen.database.inspect import inspect\n"
        f"found = inspect({pg_dsn!r})\n"
        "assert [f.name for f in found.model.functions] == ['set_updated_at'], found.model.functions\n"
        "print('jinja2' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("SCHEMAGEN_NO_CACHE", None)
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]


def test_a_collation_the_database_made_is_warned_about(pg_conn: psycopg.Connection) -> None:
    """`CREATE COLLATION` makes nothing the spec can declare: inspect says so (a column of it names it,
    and the collation must be made by hand) instead of leaving it out silently."""
    pg_conn.execute(
        'CREATE COLLATION posix FROM "POSIX";'
        "CREATE COLLATION numeric (provider = icu, locale = 'en-u-kn-true');"
        "CREATE TABLE t (a text, b text COLLATE posix)"
    )
    found = inspect(pg_conn)
    assert [w for w in found.warnings if "collation" in w] == [
        "collation `numeric` is not expressible in the spec: left out",
        "collation `posix` is not expressible in the spec: left out",
    ]

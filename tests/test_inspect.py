"""`inspect` and the spec writer, on real PostgreSQL.

The round trip: a spec's schema.sql applied to database A; A inspected; the spec written from it
compiled, rendered and applied to a fresh database B; A and B have the same catalog. Convergence: A
inspected against the original spec (`reference=`) plans no operation, so drift right after apply is
empty. Run for the example spec, the shop spec and three small specs, one per partition kind, each
partitioned a second time with `then:`. Then what the spec cannot say: warnings, never silence.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from catalog import assert_catalog_equal, snapshot

from schemagen.build.writer import limitations, render_spec, write_spec
from schemagen.database.catalog import user_schemas
from schemagen.database.inspect import inspect
from schemagen.database.live import connect
from schemagen.model import CheckConstraint, Model, StorageParameter
from schemagen.pipeline import compile_spec, render_outputs
from schemagen.plan import plan

if TYPE_CHECKING:
    from psycopg import Connection

    from schemagen.database.cluster import ThrowawayCluster

REPO_ROOT = Path(__file__).resolve().parents[1]

# Range windows by week, then a list; explicit range bounds with MINVALUE/MAXVALUE; a quarterly window
# on a date key, then hash. Also: an archive "after 6 months" (PostgreSQL prints `6 mons`), an enum
# default, numeric and array defaults, an index whose NULLS FIRST is PostgreSQL's default for DESC.
RANGE_SPEC = """
project: {name: metrics, postgres: 15}
enums:
  unit: [celsius, kelvin]
entities:
  readings:
    comment: Sensor readings by week, then by sensor group.
    columns:
      id: {type: bigint, identity: always}
      sensor: varchar(16)
      taken_at: timestamp
      value: {type: "numeric(8,3)", default: -1.5}
      unit: {type: unit, default: celsius}
      tags: {type: "integer[]", default: [1, 2]}
    primary_key: [id, taken_at, sensor]
    partition:
      range: {key: taken_at, every: week, from: 2024-01-01, to: 2024-02-05}
      then:
        list: {key: sensor, values: {indoor: [a1, a2], outdoor: [b1]}, default: true}
    indexes:
      - columns: [sensor, taken_at DESC NULLS FIRST]
      - {expression: "lower(sensor)", where: "value > 0"}
    archive: {after: 6 months, column: taken_at}
  scores:
    columns:
      player: integer
      points: {type: integer, check: "points BETWEEN -1000 AND 1000"}
    partition:
      range:
        key: points
        bounds: {low: [MINVALUE, 0], mid: [0, 100], high: [100, MAXVALUE]}
  ledger:
    columns:
      account: integer
      booked_on: date
      amount: "numeric(12,2)"
    partition:
      range: {key: booked_on, every: quarter, from: 2024-01-01, to: 2025-01-01, default: true}
      then:
        hash: {key: account, modulus: 2}
    indexes:
      - {columns: [account, booked_on], include: [amount]}
"""

# A list with a DEFAULT, then explicit timestamptz bounds; a list of integers with NULL; checks with
# IN and a text default with a quote; a foreign key ON DELETE RESTRICT; a jsonb object default; a list
# over an expression.
LIST_SPEC = """
project: {name: tickets, postgres: 15}
entities:
  queues:
    comment: 'Where tickets wait; it''s a "queue".'
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, unique: true, default: "it's new"}
  tickets:
    columns:
      id: {type: bigint, identity: by_default}
      queue_id: {type: integer, references: {table: queues, on_delete: restrict}}
      status: text
      opened_at: {type: timestamptz, default: {sql: now()}}
      body: {type: jsonb, default: {priority: low, labels: []}}
    primary_key: [id, status, opened_at]
    checks:
      known_status: "status IN ('open', 'closed', 'parked')"
    partition:
      list: {key: status, values: {active: [open], done: [closed]}, default: true}
      then:
        range: {key: opened_at, bounds: {old: [MINVALUE, 2024-01-01], recent: [2024-01-01, MAXVALUE]}}
    indexes:
      - {columns: [queue_id], include: [status]}
  zones:
    columns:
      code: smallint?
      label: {type: text, collation: "C"}
    partition:
      list: {key: code, values: {small: [1, 2, 3], unknown: [null], big: [100]}}
  labels:
    comment: PostgreSQL prints this partition key `lower((name)::text)`.
    columns:
      name: varchar(20)
    partition:
      list: {key: "lower(name)", values: {a: [a], b: [b]}, default: true}
"""

# Hash over two columns, then a quarterly window with a DEFAULT; hash on an expression; a unique
# constraint with NULLS NOT DISTINCT; views (one reading BETWEEN, which PostgreSQL rewrites) and a
# materialized view refreshed concurrently.
HASH_SPEC = """
project: {name: sessions, postgres: 15}
entities:
  accounts:
    columns:
      id: {type: uuid, primary_key: true, default: {sql: gen_random_uuid()}}
      email: {type: text, nullable: true, collation: "C"}
    unique:
      - {columns: [email], nulls_not_distinct: true}
  sessions:
    columns:
      account_id: {type: uuid, references: {table: accounts, on_delete: cascade}}
      device: smallint
      started_on: date
      data: jsonb?
      flags: {type: "boolean[]", default: [true, false]}
    primary_key: [account_id, device, started_on]
    partition:
      hash: {key: [account_id, device], modulus: 4}
      then:
        range: {key: started_on, every: quarter, from: 2024-01-01, to: 2025-01-01, default: true}
    indexes:
      - {using: gin, columns: [data]}
  visits:
    columns:
      email: text
      at: timestamptz
    partition:
      hash: {key: "lower(email)", modulus: 2}
views:
  active_accounts:
    comment: Accounts with a session in 2024.
    query: |
      SELECT account_id, count(*) AS sessions
      FROM sessions
      WHERE started_on BETWEEN '2024-01-01' AND '2024-12-31'
      GROUP BY account_id
  device_counts:
    materialized: true
    query: "SELECT device, count(*) AS n FROM sessions GROUP BY device"
    unique: [device]
    refresh: concurrently
"""

# Storage parameters of a plain table, and of a partitioned one (kept by each leaf partition).
STORAGE_SPEC = """
project: {name: ledger, postgres: 15}
entities:
  branches:
    columns:
      id: {type: integer, primary_key: true}
      balance: integer
      note: text?
    storage: {fillfactor: 100, autovacuum_vacuum_scale_factor: 0.02, toast.autovacuum_enabled: false}
  accounts:
    columns:
      id: integer
      branch_id: {type: integer, references: branches}
    primary_key: [id]
    partition:
      hash: {key: id, modulus: 2}
      then:
        hash: {key: id, modulus: 2}
    storage: {fillfactor: 90, vacuum_index_cleanup: "off"}
"""

SMALL_SPECS = {"range": RANGE_SPEC, "list": LIST_SPEC, "hash": HASH_SPEC, "storage": STORAGE_SPEC}
REPO_SPECS = {"example": REPO_ROOT / "spec", "shop": REPO_ROOT / "tests" / "specs" / "shop"}


@pytest.fixture
def fresh_database(
    pg_cluster: ThrowawayCluster, pg_conn: Connection
) -> Iterator[Callable[[str], Connection]]:
    """Opens more empty databases beside pg_conn's: `fresh_database("b")`."""
    (own,) = pg_conn.execute("SELECT current_database()").fetchone()
    opened: list[tuple[Connection, str]] = []

    def open_database(letter: str) -> Connection:
        name = letter + own[1:]  # own names start with "t"; same length, still unique
        conn = connect(pg_cluster.create_database(name), autocommit=True)
        opened.append((conn, name))
        return conn

    yield open_database
    for conn, name in opened:
        conn.close()
        pg_cluster.drop_database(name)


def spec_folder(tmp_path: Path, name: str) -> Path:
    if name in REPO_SPECS:
        return REPO_SPECS[name]
    folder = tmp_path / "original"
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(SMALL_SPECS[name]))
    return folder


def apply(conn: Connection, model: Model) -> None:
    conn.execute(render_outputs(model)["schema.sql"].encode())


@pytest.mark.parametrize("name", [*REPO_SPECS, *SMALL_SPECS])
def test_inspect_round_trip_and_convergence(
    name: str, tmp_path: Path, pg_conn: Connection, fresh_database: Callable[[str], Connection]
) -> None:
    original = compile_spec(spec_folder(tmp_path, name)).model
    apply(pg_conn, original)

    inspected = inspect(pg_conn)
    assert inspected.warnings == []
    written = write_spec(inspected.model, tmp_path / "inspected")
    assert [p.name for p in written] == sorted(p.name for p in written)
    compiled = compile_spec(tmp_path / "inspected")
    assert compiled.warnings == []
    # The written spec says exactly what was inspected: nothing to plan between the two.
    assert plan(inspected.model, compiled.model) == []

    other = fresh_database("b")
    apply(other, compiled.model)
    schemas = user_schemas(pg_conn)
    assert_catalog_equal(snapshot(pg_conn, schemas), snapshot(other, schemas))

    # Convergence: drift right after apply is empty.
    assert plan(inspect(pg_conn, reference=original).model, original) == []
    # The same bytes every time.
    assert render_spec(inspect(pg_conn).model) == render_spec(inspected.model)


@pytest.mark.parametrize("name", [*REPO_SPECS, *SMALL_SPECS])
def test_the_spec_writer_reproduces_a_compiled_spec(name: str, tmp_path: Path) -> None:
    model = compile_spec(spec_folder(tmp_path, name)).model
    assert limitations(model) == []
    write_spec(model, tmp_path / "written")
    assert plan(model, compile_spec(tmp_path / "written").model) == []


def test_windows_bounds_and_archives_are_written_as_the_spec_says_them(
    tmp_path: Path, pg_conn: Connection
) -> None:
    original = compile_spec(spec_folder(tmp_path, "range")).model
    apply(pg_conn, original)
    model = inspect(pg_conn).model
    for name in ("readings", "ledger"):
        table, source = model.table(name), original.table(name)
        assert table is not None and table.partition is not None
        assert source is not None and source.partition is not None
        assert table.partition.window == source.partition.window
        assert table.partition.children[0].sub == source.partition.children[0].sub
    text = render_spec(model)["entities.yaml"]
    assert "every: week" in text and "every: quarter" in text
    assert "bounds:" in text and "MINVALUE" in text
    assert "archive: {after: 6 months, column: taken_at}" in text


def test_a_reference_changes_spelling_never_meaning(tmp_path: Path, pg_conn: Connection) -> None:
    original = compile_spec(spec_folder(tmp_path, "range")).model
    apply(pg_conn, original)
    # Without the spec, expressions read as PostgreSQL prints them: `BETWEEN` is gone.
    scores = inspect(pg_conn).model.table("scores")
    assert scores is not None
    assert [c.expression for c in scores.checks] == ["points >= '-1000'::integer AND points <= 1000"]
    # With a spec that means something else, the difference is drift.
    source = original.table("scores")
    assert source is not None
    other = replace(source, checks=(CheckConstraint("scores_points_check", "points BETWEEN -1000 AND 999"),))
    changed = replace(original, tables=tuple(other if t.name == "scores" else t for t in original.tables))
    drift = plan(inspect(pg_conn, reference=changed).model, changed)
    assert drift and {op.target for op in drift} == {"scores.scores_points_check"}


STRAY_OBJECTS = """
CREATE TABLE notes (id bigint PRIMARY KEY, body text, touched_at timestamptz);
ALTER TABLE notes ADD CONSTRAINT body_not_empty CHECK (body <> '');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.touched_at := now(); RETURN NEW; END$$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 + 1';
CREATE FUNCTION add_two(integer) RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT $1 + 2; END;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON notes USING (true);
CREATE SEQUENCE ticket_numbers;
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b integer);
CREATE TABLE legacy (id serial PRIMARY KEY, note_id bigint REFERENCES notes);
CREATE TABLE shards (k integer, v text) PARTITION BY HASH (k);
CREATE TABLE shard_a PARTITION OF shards FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE shard_b PARTITION OF shards FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE SCHEMA audit;
CREATE TABLE audit.entries (id integer);
"""


def test_what_the_spec_cannot_say_is_a_warning(tmp_path: Path, pg_conn: Connection, pg_dsn: str) -> None:
    pg_conn.execute(STRAY_OBJECTS)
    result = inspect(pg_dsn, schemas=["public"])
    text = "\n".join(result.warnings)
    # Names of its own making are pinned in the spec, not warned about; sequences (a serial's too),
    # domains, functions with a quoted or a SQL-standard body and the triggers that call them are read.
    for name in (
        "body_not_empty",
        "shard_a",
        "shard_b",
        "ticket_numbers",
        "legacy_id_seq",
        "positive",
        "pair",  # a composite type (tests/test_types.py)
        "touch",
        "add_one",
        "add_two",  # a SQL-standard body (tests/test_standard_bodies.py)
        "own_notes",  # a table's policies and row-level security are read (tests/test_access.py)
        "row-level security",
    ):
        assert name not in text
    assert [f.name for f in result.model.functions] == ["add_one", "add_two", "touch"]
    assert result.model.functions[1].body == "BEGIN ATOMIC\n SELECT ($1 + 2);\nEND"
    assert [(t.table, t.name) for t in result.model.triggers] == [("notes", "notes_touch")]
    assert [s.name for s in result.model.sequences] == ["legacy_id_seq", "ticket_numbers"]
    assert [d.name for d in result.model.domains] == ["positive"]
    # Only the requested schema is read; the tables are still there, with what the Model can hold.
    assert [t.name for t in result.model.tables] == ["legacy", "notes", "shards"]
    notes = result.model.table("notes")
    assert notes is not None and [c.expression for c in notes.checks] == ["body <> ''::text"]
    assert (
        notes.access is not None
        and notes.access.row_security
        and [p.name for p in notes.access.policies] == ["own_notes"]
    )
    assert limitations(result.model) == [w for w in result.warnings if w in limitations(result.model)]
    write_spec(result.model, tmp_path / "spec")
    written = compile_spec(tmp_path / "spec").model
    notes, shards = written.table("notes"), written.table("shards")
    assert notes is not None and [c.name for c in notes.checks] == ["body_not_empty"]
    assert shards is not None and shards.partition is not None
    assert [c.name for c in shards.partition.children] == ["shard_a", "shard_b"]


# What a database made by hand may hold that the spec cannot say, beside what it can: literal
# defaults of many types, which must come back as the same literals.
UNWRITABLE = """
CREATE TABLE "Users" ("Id" integer GENERATED BY DEFAULT AS IDENTITY (START 100) PRIMARY KEY, "Email" text,
    CONSTRAINT uq_email UNIQUE ("Email") DEFERRABLE INITIALLY IMMEDIATE);
CREATE TABLE rooms (id integer PRIMARY KEY, during tstzrange, EXCLUDE USING gist (during WITH &&));
CREATE TABLE notes (id bigint CONSTRAINT notes_pk PRIMARY KEY, a integer, b integer,
    owner integer CONSTRAINT fk_owner REFERENCES "Users" MATCH FULL);
ALTER TABLE notes ADD CONSTRAINT positive CHECK (a > 0) NOT VALID;
CREATE INDEX notes_multi ON notes ((a + b), (a - b));
CREATE INDEX notes_fill ON notes (b) WITH (fillfactor = 70);
CREATE UNLOGGED TABLE scratch (x integer);
CREATE TABLE base (id integer);
CREATE TABLE derived (extra integer) INHERITS (base);
CREATE VIEW positive_notes AS SELECT id, a FROM notes WHERE a > 0 WITH CHECK OPTION;
CREATE MATERIALIZED VIEW note_counts AS SELECT owner, count(*) AS n FROM notes GROUP BY owner WITH NO DATA;
CREATE TABLE grid (x integer, y integer) PARTITION BY RANGE (x, y);
CREATE TABLE grid_low PARTITION OF grid FOR VALUES FROM (0, 0) TO (10, 10);
CREATE TABLE logs (at timestamptz, msg text) PARTITION BY RANGE (at);
CREATE TABLE logs_jan PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE logs_rest PARTITION OF logs DEFAULT;
CREATE INDEX logs_jan_msg ON logs_jan (msg);
CREATE PROCEDURE noop() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
CREATE SCHEMA empty_one;
CREATE TABLE defaults (
    i integer DEFAULT -1, big bigint DEFAULT 3000000000, n numeric DEFAULT 1.50, r real DEFAULT 0.25,
    nan numeric DEFAULT 'NaN', d date DEFAULT '2024-02-03', ts timestamptz DEFAULT '2024-01-01 12:00+02',
    j json DEFAULT '{"b":1}', jb jsonb DEFAULT '{"x": 1.50, "y": [true, null]}', js jsonb DEFAULT '"x"',
    words text[] DEFAULT '{"a b",c,NULL,"NULL"}', flags boolean[] DEFAULT '{t,f}', grid integer[] DEFAULT '{{1,2},{3,4}}',
    iv interval DEFAULT '6 months', t text DEFAULT 'it''s', null_text text DEFAULT 'NULL', c char(3) DEFAULT 'ab',
    v varchar(5) DEFAULT 'x', e text DEFAULT NULL, now_ts timestamptz DEFAULT now()
);
"""


def test_what_a_hand_made_database_holds_is_written_or_named(
    tmp_path: Path, pg_conn: Connection, fresh_database: Callable[[str], Connection]
) -> None:
    pg_conn.execute(UNWRITABLE)
    result = inspect(pg_conn)
    text = "\n".join(result.warnings)
    for expected in (
        "table `derived` inherits from base",
        "the partitions of `grid` have bounds over several columns",
    ):
        assert expected in text, f"no warning says {expected}:\n{text}"
    # written: an index of several expressions, and an index of one partition only
    for pinned in (
        "notes_multi",
        "logs_jan_msg",
        "check `positive`",
        "primary key `notes_pk`",
        "partition `logs_rest`",
        "Users_Id_seq",
    ):
        assert pinned not in text  # the spec pins these names, and says the identity's START 100
    write_spec(result.model, tmp_path / "spec")
    written = compile_spec(tmp_path / "spec").model
    owner = written.table("notes")
    assert owner is not None and [fk.match_full for fk in owner.foreign_keys if fk.name == "fk_owner"] == [
        True
    ]
    scratch = written.table("scratch")
    assert scratch is not None and scratch.unlogged  # UNLOGGED is written, not warned
    note_counts = written.views_by_name["note_counts"]
    assert note_counts.materialized and note_counts.unpopulated  # WITH NO DATA is written, not warned
    users = written.table("Users")
    assert users is not None and [u.deferrable for u in users.uniques] == ["immediate"]
    assert written.views_by_name["positive_notes"].check_option == "cascaded"
    filled = written.table("notes")
    assert filled is not None
    assert [ix.storage for ix in filled.indexes if ix.name == "notes_fill"] == [
        (StorageParameter("fillfactor", "70"),)
    ]
    rooms = written.table("rooms")
    assert rooms is not None and [x.name for x in rooms.exclusions] == ["rooms_during_excl"]
    notes, logs = written.table("notes"), written.table("logs")
    assert notes is not None and notes.primary_key is not None and notes.primary_key.name == "notes_pk"
    assert [c.not_valid for c in notes.checks if c.name == "positive"] == [True]  # kept NOT VALID
    assert logs is not None and logs.partition is not None
    assert [c.name for c in logs.partition.children] == ["logs_jan", "logs_rest"]
    assert "empty_one" not in text and [s.name for s in written.project.schemas] == ["empty_one"]
    assert [i.name for i in notes.indexes if i.name == "notes_multi"] == ["notes_multi"]
    assert [(o.partition, [i.name for i in o.indexes]) for o in logs.partition_objects] == [
        ("logs_jan", ["logs_jan_msg"])
    ]
    other = fresh_database("b")
    apply(other, written)
    ours, theirs = snapshot(pg_conn)["relations"], snapshot(other)["relations"]
    for name in ("defaults", "notes", "logs", '"Users"', "derived"):
        assert ours[name]["columns"] == theirs[name]["columns"], name
    assert ours["logs_jan"]["partition_bound"] == theirs["logs_jan"]["partition_bound"]


def test_write_spec_refuses_a_folder_with_other_spec_files(tmp_path: Path) -> None:
    model = compile_spec(spec_folder(tmp_path, "list")).model
    folder = tmp_path / "spec"
    written = write_spec(model, folder)
    with pytest.raises(FileExistsError, match=r"entities\.yaml"):
        write_spec(model, folder)
    assert write_spec(model, folder, overwrite=True) == written
    (folder / "mine.yaml").write_text("entities: {}\n")
    with pytest.raises(FileExistsError, match=r"mine\.yaml"):
        write_spec(model, folder, overwrite=True)


def test_inspect_command_writes_a_spec(pg_dsn: str, repo_root: Path, tmp_path: Path) -> None:
    import psycopg
    from click.testing import CliRunner

    from schemagen.cli import cli

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute((repo_root / "generated" / "schema.sql").read_bytes(), prepare=False)
    result = CliRunner().invoke(cli, ["inspect", "--dsn", pg_dsn, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "entities.yaml").exists()
    again = CliRunner().invoke(cli, ["inspect", "--dsn", pg_dsn, "-o", str(tmp_path / "out")])
    assert again.exit_code == 2
    assert CliRunner().invoke(cli, ["inspect", "--dsn", "host=/nonexistent dbname=x"]).exit_code == 2

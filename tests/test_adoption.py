"""Adopting a database schemagen did not create (`inspect`, `migrate baseline`) and `drift`, against
the session's real PostgreSQL, through the command line as a user runs them."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import run

# A database made by hand, with its own naming: nothing here follows schemagen's templates.
HAND_MADE = """
CREATE TABLE accounts (
    id bigint NOT NULL,
    email text NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_accounts PRIMARY KEY (id),
    CONSTRAINT uq_accounts_email UNIQUE (email),
    CONSTRAINT ck_email_has_at CHECK (position('@' in email) > 0)
);
CREATE TABLE orders (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    total numeric(12,2) NOT NULL DEFAULT 0,
    CONSTRAINT pk_orders PRIMARY KEY (id),
    CONSTRAINT fk_orders_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT ck_total_positive CHECK (total >= 0)
) PARTITION BY HASH (id);
CREATE TABLE orders_shard_a PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE orders_shard_b PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE orders_shard_c PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE orders_shard_d PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 3);
CREATE INDEX ix_orders_account ON orders (account_id);
CREATE TABLE order_notes (
    id bigint NOT NULL,
    order_id bigint NOT NULL,
    body text,
    CONSTRAINT pk_order_notes PRIMARY KEY (id),
    CONSTRAINT fk_notes_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE TABLE events (
    at timestamptz NOT NULL,
    kind text NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE events_q1 PARTITION OF events FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-04-01 00:00+00');
CREATE TABLE events_q2 PARTITION OF events FOR VALUES FROM ('2024-04-01 00:00+00') TO ('2024-07-01 00:00+00');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
CREATE TABLE regions (code text NOT NULL, name text, CONSTRAINT regions_key PRIMARY KEY (code))
    PARTITION BY LIST (code);
CREATE TABLE regions_europe PARTITION OF regions FOR VALUES IN ('de', 'fr');
CREATE TABLE regions_americas PARTITION OF regions FOR VALUES IN ('us', 'ca');
"""

ROWS = """
INSERT INTO accounts (id, email) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
INSERT INTO orders (id, account_id, total) SELECT g, 1 + g % 200, g * 1.5 FROM generate_series(1, 5000) g;
INSERT INTO order_notes (id, order_id, body) SELECT g, g * 3, 'note ' || g FROM generate_series(1, 1000) g;
INSERT INTO events (at, kind) SELECT '2024-01-01'::timestamptz + g * interval '1 day', 'tick'
    FROM generate_series(0, 400) g;
INSERT INTO regions VALUES ('de', 'Germany'), ('us', 'United States');
"""

TABLES = ("accounts", "orders", "order_notes", "events", "regions")


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of every row in primary-key order."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table in TABLES:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def adopt(dsn: str) -> None:
    """inspect → render → migrate new initial → baseline, as the README walks through it."""
    code, _, err = run("inspect", "--dsn", dsn, "-o", "spec")
    assert code == 0, err
    assert run("render", "spec")[0] == 0
    code, out, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", dsn)
    assert code == 0, err
    assert "recorded 1 migration as applied" in out


def test_adopting_a_hand_made_database_then_resharding_it(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before = catalog(pg_dsn)
    rows = fingerprint(pg_dsn)
    adopt(pg_dsn)
    # The spec pins the database's own names, so schema.sql builds exactly this catalog.
    entities = (workdir / "spec" / "entities.yaml").read_text()
    for pinned in ("pk_orders", "ck_total_positive", "orders_shard_a", "events_rest", "regions_key"):
        assert pinned in entities
    reference = fresh("s")
    with connect(reference, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
    assert_catalog_equal(catalog(reference), before)
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, _ = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 0 and "the database is at 0001_initial; 0 pending" in out

    # The change: orders 4 → 8 hash partitions, applied with rows in place.
    spec = workdir / "spec" / "entities.yaml"
    assert entities.count("modulus: 4") == 1
    spec.write_text(entities.replace("modulus: 4", "modulus: 8"))
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "shard_orders_8", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert "applied 1 migration (0002_shard_orders_8)" in out

    after = fresh("a")
    with connect(after, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
    assert_catalog_equal(catalog(pg_dsn), catalog(after))
    assert fingerprint(pg_dsn) == rows
    with connect(pg_dsn, autocommit=True) as conn:
        shards = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'orders'::regclass ORDER BY 1"
        ).fetchall()
        # Clones (conparentid <> 0) of an FK to a partitioned table stay NOT VALID in PG 15 even after
        # VALIDATE CONSTRAINT; the constraint itself is what holds the rows to account.
        unvalidated = conn.execute(
            "SELECT conname FROM pg_constraint WHERE NOT convalidated AND conparentid = 0"
        ).fetchall()
    assert len(shards) == 8 and ("orders_shard_a",) in shards
    assert unvalidated == []
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0


def test_a_baseline_is_refused_when_the_database_differs(workdir: Path, pg_dsn: str) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    assert run("inspect", "--dsn", pg_dsn, "-o", "spec")[0] == 0
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE accounts ADD COLUMN nickname text")
        conn.execute("DROP INDEX ix_orders_account")
    code, _, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 1
    assert "does not have the schema of 0001_initial" in err
    assert "accounts.nickname" in err and "ix_orders_account" in err
    code, out, _ = run("migrate", "status", "--dsn", pg_dsn)
    assert "1 pending" in out and "no migration is applied" in out


def test_a_baseline_is_refused_on_a_database_with_history(workdir: Path, pg_dsn: str) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    adopt(pg_dsn)
    code, _, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 1 and "already has a migration history (newest 0001_initial)" in err


def test_a_baseline_at_an_older_migration_then_apply(
    workdir: Path, repo_root: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    """The example's database at 0001 (built by hand from that file): baseline --to 1 proves it against
    the history replayed up to 0001, and apply runs 0002."""
    shutil.copytree(repo_root / "spec", workdir / "spec")
    shutil.copytree(repo_root / "generated", workdir / "generated")
    initial = workdir / "generated" / "migrations" / "0001_initial.up.sql"
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(initial.read_bytes())
    code, _, err = run("migrate", "baseline", "--dsn", pg_dsn, "--to", "2")
    assert code == 1 and "does not have the schema of 0002" in err
    code, _, err = run("migrate", "baseline", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    reference = fresh("r")
    with connect(reference, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
    assert_catalog_equal(catalog(pg_dsn), catalog(reference))


@pytest.fixture
def example_database(workdir: Path, repo_root: Path, pg_dsn: str) -> str:
    """The example spec's schema, applied by the runner."""
    shutil.copytree(repo_root / "spec", workdir / "spec")
    shutil.copytree(repo_root / "generated", workdir / "generated")
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    return pg_dsn


def test_drift_is_empty_right_after_apply(example_database: str) -> None:
    code, out, err = run("drift", "spec", "--dsn", example_database)
    assert code == 0, err
    assert "in sync" in out


def test_drift_finds_what_was_changed_by_hand(example_database: str) -> None:
    with connect(example_database, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN nickname text")
        conn.execute("DROP INDEX messages_channel_id_created_at_idx")
        conn.execute("ALTER TABLE guilds ALTER COLUMN member_count SET DEFAULT 7")
    code, out, err = run("drift", "spec", "--dsn", example_database)
    assert code == 1
    # The three changes; the view over users reads no column the drop takes, and is left alone.
    assert "drift: the database differs from spec by 3 operations" in err
    assert any("public.users DROP COLUMN" in line and "nickname" in line for line in out.splitlines())
    assert "messages_channel_id_created_at_idx" in out and "CREATE INDEX" in out
    assert "SET DEFAULT 0" in out

    code, out, _ = run("drift", "spec", "--dsn", example_database, "--format", "json")
    assert code == 1
    kinds = {(op["kind"], op["target"]) for op in json.loads(out)["operations"]}
    assert {target for _, target in kinds} >= {
        "users.nickname",
        "guilds.member_count",
        "messages_channel_id_created_at_idx",
    }

    code, out, _ = run("drift", "spec", "--dsn", example_database, "--format", "github")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 3
    # Each at the spec line of what changed: the column's own line where the spec has it.
    locale = next(a for a in annotations if "guilds.member_count" in a)
    lines = Path("spec/guilds.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith("member_count:"))
    assert f"file=spec/guilds.yaml,line={line}," in locale


def test_drift_on_an_unreachable_database_is_one_line(workdir: Path, repo_root: Path) -> None:
    shutil.copytree(repo_root / "spec", workdir / "spec")
    code, _, err = run("drift", "spec", "--dsn", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run("migrate", "baseline", "--dsn", "postgresql://nobody@127.0.0.1:1/none", "-g", "x")
    assert code == 2 and "Traceback" not in err


PINNED = """\
project: {name: pinned}
entities:
  orders:
    columns:
      id: bigint
      total: numeric(10,2)
    primary_key: {columns: [id], name: pk_orders}
    checks:
      positive: {expression: total >= 0, name: ck_orders_total}
      small: total < 1000000
    partition:
      hash: {key: id, modulus: 4}
      names: {p0: orders_a, p1: orders_b, p2: "{table}_c"}
  events:
    columns:
      id: bigint
      at: timestamptz
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
      names: {2024_01: ev_jan, default: ev_rest}
      then:
        hash: {key: id, modulus: 2}
        names: {p1: "{table}_odd"}
views:
  totals:
    query: SELECT id, total FROM orders
    materialized: true
    unique: {columns: [id], name: totals_by_id}
    refresh: concurrently
    refresh_function: totals_refresh
"""


def test_pinned_names_are_the_catalog_names_and_inspect_writes_them_back(workdir: Path, pg_dsn: str) -> None:
    (workdir / "spec").mkdir()
    (workdir / "spec" / "spec.yaml").write_text(PINNED)
    assert run("render", "spec")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
        relations = {r for (r,) in conn.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')")}
        constraints = {r for (r,) in conn.execute("SELECT conname FROM pg_constraint")}
        functions = {r for (r,) in conn.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'totals%'")}
        indexes = {r for (r,) in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'i'")}
    assert {"orders_a", "orders_b", "orders_c", "orders_p3", "ev_jan", "ev_jan_p0", "ev_jan_odd"} <= relations
    assert {"ev_rest", "ev_rest_odd", "events_2024_02_odd"} <= relations
    assert {"pk_orders", "ck_orders_total", "orders_small_check"} <= constraints
    assert functions == {"totals_refresh"}
    assert "totals_by_id" in indexes
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "inspected")
    assert code == 0, err
    assert run("render", "inspected", "-o", "again")[0] == 0
    assert run("drift", "inspected", "--dsn", pg_dsn)[0] == 0
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    written = (workdir / "inspected" / "entities.yaml").read_text()
    assert "names: {p1: '{table}_odd'}" in written or "p1: '{table}_odd'" in written


def test_every_drift_annotation_points_into_the_spec(repo_root: Path) -> None:
    """A database missing everything: each operation's annotation names the spec file of its object."""
    from schemagen.drift import Drift, diagnostics
    from schemagen.model import Model
    from schemagen.pipeline import compile_spec
    from schemagen.plan import plan

    model = compile_spec(repo_root / "spec").model
    operations = plan(Model(project=model.project), model)
    found = diagnostics(Drift(operations=operations, sql="", warnings=[]), model)
    assert len(found) == len(operations) > 16
    assert all(d.file and Path(d.file).resolve().parent == (repo_root / "spec").resolve() for d in found)
    assert all(d.code == "SG707" and d.line for d in found)


def test_drift_names_each_thing_left_out_once(workdir: Path, pg_dsn: str) -> None:
    """A key to a table of a schema the spec does not use, a rule: each is one warning of inspect, and
    drift prints each once, on stderr, in every format.

    Warned means ignored: what inspect leaves out (the rule) and what the spec written from the
    database leaves out (the key, which names a table the spec cannot declare without inspecting its
    schema too) are alike to drift and baseline. Neither is planned: planning the key's drop would make
    drift never empty for a database whose spec was written from it, and running that plan would drop
    a key the application relies on. The warning says, once, what drift does not look at."""
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE SCHEMA audit; CREATE TABLE audit.actors (id bigint PRIMARY KEY);"
            "CREATE TABLE notes (id bigint PRIMARY KEY, actor_id bigint REFERENCES audit.actors);"
            "CREATE RULE notes_kept AS ON DELETE TO notes DO INSTEAD NOTHING"
        )
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec", "--schema", "public")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, err
    assert sum("notes_actor_id_fkey" in line for line in warnings) == 1
    assert sum("notes_kept" in line for line in warnings) == 1
    for output_format in ("text", "json", "github"):
        # the key the spec leaves out is not drift (no drop is planned); the warning says so, once
        code, out, err = run("drift", "spec", "--dsn", pg_dsn, "--format", output_format)
        assert code == 0 and "notes_actor_id_fkey" not in out, out + err
        assert [line for line in err.splitlines() if line.startswith("warning: ")] == warnings
        assert "notes_kept" not in out


def test_what_the_spec_cannot_say_is_ignored_by_drift_and_baseline(workdir: Path, pg_dsn: str) -> None:
    """An index whose access method the spec cannot say (bloom) is left out of the written spec with a
    warning: drift is empty, says it once, and a baseline is accepted; the index stays."""
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE EXTENSION bloom; CREATE TABLE notes (id bigint PRIMARY KEY, a integer, b integer);"
            "CREATE INDEX notes_ab_bloom ON notes USING bloom (a, b)"
        )
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "notes_ab_bloom" in err and "left out" in err
    assert "notes_ab_bloom" not in (workdir / "spec" / "entities.yaml").read_text()
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert sum("notes_ab_bloom" in line for line in err.splitlines()) == 1
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('notes_ab_bloom') IS NOT NULL").fetchone() == (True,)

"""An online hash split (plan/recipes/reshard.py), applied statement by statement on a database with
rows while other connections read and write: the old partition takes writes while its rows are copied
and while the log of those writes is replayed (a writer with a 100 ms lock_timeout never fails), the
parent is held in ACCESS EXCLUSIVE only by the swap, every write made meanwhile (inserts, updates of
a key's partition-mates, key changes, deletes) is in the new partitions, the attach scans nothing and
builds no index, the result is the catalog and rows of spec B, and a run killed at any unit resumes."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psycopg
from catalog import assert_catalog_equal, snapshot, table_rows
from migrations import apply_sql, create, model_of, run_in_unit

from schemagen.database.cluster import connect
from schemagen.database.runner import _plan as runner_steps
from schemagen.migrate.migration import build_migration
from schemagen.model import Model
from schemagen.postgres.expressions import split_statements
from schemagen.render.render import render_schema
from tests.catalog import Catalog
from tests.test_runner import (  # noqa: F401 (fixtures)
    catalog,
    project,
    reference,
    run,
)
from tests.test_runner_kills import (
    BLOCKER,
    HOLD_RECORD,
    RELEASE_RECORD,
    kill_when_waiting,
    start,
    steps_done,
)

SPEC = """\
project: {{name: reshard, postgres: 15}}
entities:
  users:
    columns:
      id: {{type: bigint, primary_key: true}}
  guilds:
    columns:
      id: {{type: bigint, primary_key: true}}
      name: text
      owner_id: {{type: bigint, references: users}}
      score: {{type: integer, default: 0}}
    partition:
      hash: {{key: id, modulus: {modulus}}}
    indexes:
      - columns: [name]
      - {{columns: [owner_id, score], where: "score > 10"}}
  members:
    columns:
      guild_id: {{type: bigint, references: {{table: guilds, on_delete: cascade}}}}
      user_id: bigint
    primary_key: [guild_id, user_id]
"""
ROWS = """
INSERT INTO users SELECT i FROM generate_series(1, 50) AS i;
INSERT INTO guilds (id, name, owner_id, score) SELECT i, 'guild ' || i, 1 + i % 50, i % 20 FROM generate_series(1, 4000) AS i;
INSERT INTO members SELECT 1 + i % 4000, i FROM generate_series(1, 8000) AS i;
"""
# The hash partition (modulus 4 and 8) of an id, as PostgreSQL routes it.
REMAINDER = (
    "SELECT r FROM generate_series(0, %(modulus)s - 1) AS r "
    "WHERE satisfies_hash_partition('guilds'::regclass::oid, %(modulus)s, r, %(id)s::bigint)"
)
PARENT_LOCKS = """
SELECT mode FROM pg_locks WHERE pid = %s AND relation = 'guilds'::regclass AND granted ORDER BY mode
"""
WAITING = """
SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted AND relation = to_regclass('guilds_p0')
"""


def models(tmp_path: Path) -> tuple[Model, Model]:
    before = model_of(tmp_path, "a", {"spec.yaml": SPEC.format(modulus=4)})
    after = model_of(tmp_path, "b", {"spec.yaml": SPEC.format(modulus=8)})
    return before, after


def remainder(conn: psycopg.Connection, modulus: int, key: int) -> int:
    row = conn.execute(REMAINDER, {"modulus": modulus, "id": key}).fetchone()
    assert row is not None
    return int(row[0])


def ids_in(conn: psycopg.Connection, modulus: int, wanted: int, count: int, start: int) -> list[int]:
    """`count` ids from `start` up that hash to remainder `wanted` under `modulus`."""
    found: list[int] = []
    key = start
    while len(found) < count:
        if remainder(conn, modulus, key) == wanted:
            found.append(key)
        key += 1
    return found


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


APP_ROLE = """
DO $$ BEGIN CREATE ROLE reshard_app; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON guilds, members TO reshard_app;
"""
APP_ROLE_GONE = "REVOKE ALL ON guilds, members FROM reshard_app; DROP ROLE reshard_app"
CAPTURE_LEFT = """
SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'schemagen_capture%'),
       (SELECT count(*) FROM pg_class WHERE relname LIKE 'schemagen_log%'),
       (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'schemagen_capture%')
"""
HELD_ON_P0 = """
SELECT mode FROM pg_locks WHERE pid = %s AND relation = to_regclass('guilds_p0') AND granted ORDER BY mode
"""


def unit_kind(unit: list[str], source: str) -> str:
    """Which unit of `source`'s split the statements of `unit` (from its BEGIN on) belong to."""
    text = "\n".join(unit)
    if f"CREATE TRIGGER schemagen_capture_{source} " in text:
        return "capture"
    if "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ" in text and re.search(
        rf"ANALYZE public\.schemagen_log_{source}\b", text
    ):
        return "catch-up"
    if re.search(rf"DETACH PARTITION public\.{source}\b", text):
        return "swap"
    if f"FROM public.{source} WHERE satisfies_hash_partition" in text:
        return "copy"
    return "other"


def test_split_copies_and_catches_up_while_the_old_partition_takes_writes(
    tmp_path: Path, pg_dsn: str, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    before, after = models(tmp_path)
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute(ROWS.encode(), prepare=False)
    migration = build_migration(before, after, "0002_split")
    assert "CREATE TRIGGER schemagen_capture_guilds_p0 " in migration.up_sql
    # The application's role may write the table, nothing else: the trigger's function logs as its
    # owner (SECURITY DEFINER), so the writer needs no privilege on the log.
    pg_conn.execute(APP_ROLE.encode())
    other = connect(pg_dsn, autocommit=True)
    other.execute("SET ROLE reshard_app")
    other.execute("SET lock_timeout = '100ms'")  # a write that waited for the copy would fail
    me = pg_conn.info.backend_pid
    in_p0 = iter(ids_in(other, 4, 0, 6, 10_000))  # new rows for the old partition guilds_p0
    updated = ids_in(other, 4, 0, 6, 1)  # existing rows of guilds_p0
    deleted = ids_in(other, 4, 0, 6, 200)
    expected = {
        key: (name, score) for key, name, score in other.execute("SELECT id, name, score FROM guilds")
    }
    notices: list[str] = []
    pg_conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    index_oids: dict[str, set[int]] = {}
    seen: list[str] = []

    def write(n: int) -> None:
        """Writes to guilds_p0 while the split holds a transaction open: none of them waits."""
        key = next(in_p0)
        other.execute("INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'meanwhile', 3)", [key])
        expected[key] = ("meanwhile", 0)
        other.execute("UPDATE guilds SET name = 'updated', score = %s WHERE id = %s", [n, updated[n]])
        expected[updated[n]] = ("updated", n)
        other.execute("DELETE FROM members WHERE guild_id = %s", [deleted[n]])  # its key is dropped now
        other.execute("DELETE FROM guilds WHERE id = %s", [deleted[n]])
        del expected[deleted[n]]
        moved = key + 100_000  # a key change: the row may now hash to the other new partition
        other.execute("UPDATE guilds SET id = %s WHERE id = %s", [moved, key])
        expected[moved] = expected.pop(key)

    unit: list[str] = []
    for statement in split_statements(migration.up_sql):
        text = statement.text
        if text.strip().upper().startswith("BEGIN"):
            unit = []
        unit.append(text)
        kind = unit_kind(unit, "guilds_p0")
        committing = text.strip().upper().startswith("COMMIT")
        if committing and kind in ("copy", "catch-up"):
            # Still in the unit: the parent and the old partition are held in ACCESS SHARE (and the
            # log in ROW EXCLUSIVE) only, so reads and writes go on.
            assert [m for (m,) in pg_conn.execute(PARENT_LOCKS, [me])] == ["AccessShareLock"]
            assert [m for (m,) in pg_conn.execute(HELD_ON_P0, [me])] == ["AccessShareLock"]
            assert other.execute("SELECT count(*) FROM guilds").fetchone() is not None
            write(len(seen))
            seen.append(kind)
        if committing and kind == "capture":
            pg_conn.execute(text.encode(), prepare=False)
            write(len(seen))  # logged: between the capture and the copy
            seen.append("between")
            continue
        if committing and kind == "swap":
            assert "AccessExclusiveLock" in [m for (m,) in pg_conn.execute(PARENT_LOCKS, [me])]
            index_oids = {
                name: {
                    oid
                    for (oid,) in pg_conn.execute(
                        "SELECT indexrelid::int FROM pg_index WHERE indrelid = %s::regclass", [name]
                    )
                }
                for name in ("guilds_p0", "guilds_p4")
            }
        if kind == "swap" and "ATTACH PARTITION" in text:
            pg_conn.execute("SET client_min_messages = debug1")
            pg_conn.execute(text.encode(), prepare=False)
            pg_conn.execute("RESET client_min_messages")
            continue
        pg_conn.execute(text.encode(), prepare=False)
    other.close()
    pg_conn.execute(APP_ROLE_GONE.encode())
    assert seen == ["between", "copy", "copy", "catch-up", "catch-up"]

    # ATTACH proved each bound from the CHECK (no scan) and adopted the indexes built before it.
    for child in ("guilds_p0", "guilds_p4"):
        assert f'partition constraint for table "{child}" is implied by existing constraints' in notices
        assert len(index_oids[child]) == 3

    rows = {key: (name, score) for key, name, score in pg_conn.execute("SELECT id, name, score FROM guilds")}
    assert rows == expected
    spread = pg_conn.execute("SELECT count(DISTINCT tableoid) FROM guilds").fetchone()
    assert spread == (8,)
    assert pg_conn.execute(CAPTURE_LEFT).fetchone() == (0, 0, 0)
    fresh = pg_database(render_schema(after))
    assert_catalog_equal(snapshot(pg_conn), snapshot(fresh))


class Writer:
    """The application during a split: one write per transaction — an insert, an update of a row's
    other columns, a key change (the row may hash to another new partition), a delete (of a row
    the writer inserted, or of an original one with its members) — each applied to its own model of
    the table only once committed, with the phase of the migration it committed in."""

    def __init__(
        self, dsn: str, rows: dict[int, tuple[str, int, int]], members: set[tuple[int, int]]
    ) -> None:
        self.dsn = dsn
        self.rows = dict(rows)  # id -> (name, owner_id, score), as committed
        self.members = set(members)
        self.mine: list[int] = []  # ids it inserted (no member references them)
        self.next_id = 10_000
        self.random = random.Random(17)
        self.phase = "before"
        self.phases: Counter[str] = Counter()
        self.commits = 0
        self.failures: Counter[str] = Counter()
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        try:
            with connect(self.dsn, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '5s'")
                while not self.stop.is_set():
                    try:
                        with conn.transaction():
                            apply = self.write(conn)
                    except psycopg.errors.LockNotAvailable:
                        self.failures["lock timeout"] += 1
                        continue
                    apply()
                    self.phases[self.phase] += 1
                    self.commits += 1
        except Exception as exc:  # reported by the test
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def write(self, conn: psycopg.Connection) -> Callable[[], None]:
        """One write, in the open transaction; what it does to the model once committed."""
        pick = self.random.random()
        if pick < 0.35 or len(self.mine) < 5:
            key, self.next_id = self.next_id, self.next_id + 1
            conn.execute(
                "INSERT INTO guilds (id, name, owner_id, score) VALUES (%s, %s, %s, %s)",
                [key, f"w{key}", 1 + key % 50, key % 20],
            )
            return lambda: (
                self.rows.__setitem__(key, (f"w{key}", 1 + key % 50, key % 20)),
                self.mine.append(key),
            )
        if pick < 0.6:
            key = self.random.choice(sorted(self.rows))
            name, owner, score = self.rows[key]
            conn.execute(
                "UPDATE guilds SET name = %s, score = %s WHERE id = %s", [name + "+", score + 1, key]
            )
            return lambda: self.rows.__setitem__(key, (name + "+", owner, score + 1))
        if pick < 0.8:
            key = self.random.choice(self.mine)
            moved, self.next_id = self.next_id, self.next_id + 1
            conn.execute("UPDATE guilds SET id = %s WHERE id = %s", [moved, key])

            def moved_key(key: int = key, moved: int = moved) -> None:
                self.rows[moved] = self.rows.pop(key)
                self.mine[self.mine.index(key)] = moved

            return moved_key
        if pick < 0.9:
            key = self.random.choice(self.mine)
            conn.execute("DELETE FROM guilds WHERE id = %s", [key])
            return lambda: (self.rows.pop(key), self.mine.remove(key))
        key = self.random.choice([k for k in sorted(self.rows) if k < 10_000])
        # guilds first, as the migration locks them (its foreign key cascades, while it exists)
        conn.execute("DELETE FROM guilds WHERE id = %s", [key])
        conn.execute("DELETE FROM members WHERE guild_id = %s", [key])

        def deleted(key: int = key) -> None:
            self.rows.pop(key)
            self.members = {m for m in self.members if m[0] != key}

        return deleted

    def progress(self, commits: int) -> None:
        """Wait until the writer has committed `commits` more writes (it may be waiting for a lock)."""
        target = self.commits + commits
        wait_for(lambda: self.commits >= target or bool(self.errors), f"{commits} more writes commit")


def digest(rows: object) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_a_writer_inserting_updating_and_deleting_through_every_phase_loses_nothing(
    tmp_path: Path, pg_dsn: str, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    """Every write a concurrent writer committed, in every unit of every split and between them, is
    in the table after the migration: a digest of its rows against the writer's model."""
    before, after = models(tmp_path)
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute(ROWS.encode(), prepare=False)
    rows = {k: (n, o, s) for k, n, o, s in pg_conn.execute("SELECT id, name, owner_id, score FROM guilds")}
    members = set(pg_conn.execute("SELECT guild_id, user_id FROM members").fetchall())
    migration = build_migration(before, after, "0002_split")
    writer = Writer(pg_dsn, rows, members)
    writer.thread.start()
    try:
        writer.progress(20)
        unit: list[str] = []
        for statement in split_statements(migration.up_sql):
            text = statement.text
            if text.strip().upper().startswith("BEGIN"):
                unit = []
            unit.append(text)
            kinds = {unit_kind(unit, f"guilds_p{n}") for n in range(4)} - {"other"}
            kind = kinds.pop() if kinds else "other"
            if text.strip().upper().startswith("COMMIT") and kind in ("copy", "catch-up"):
                writer.phase = kind
                writer.progress(5)  # writes go on inside the unit
            run_in_unit(pg_conn, unit, text)
            if text.strip().upper().startswith("COMMIT"):
                writer.phase = "between" if kind != "swap" else "after a swap"
                writer.progress(5)
    finally:
        writer.stop.set()
        writer.thread.join(30)
    assert not writer.errors
    assert {"copy", "catch-up", "between", "after a swap"} <= set(writer.phases), writer.phases
    assert writer.commits > 200
    found = pg_conn.execute("SELECT id, name, owner_id, score FROM guilds ORDER BY id").fetchall()
    assert digest(found) == digest(sorted((k, *v) for k, v in writer.rows.items()))
    found_members = pg_conn.execute("SELECT guild_id, user_id FROM members ORDER BY 1, 2").fetchall()
    assert digest(found_members) == digest(sorted(writer.members))
    # each row in the partition its key hashes to, the foreign keys back and validated
    misplaced = pg_conn.execute(
        "SELECT count(*) FROM guilds WHERE NOT satisfies_hash_partition('guilds'::regclass::oid, 8, "
        "substring(tableoid::regclass::text FROM '[0-9]+$')::int, id)"
    ).fetchone()
    assert misplaced == (0,)
    declared = "SELECT bool_and(convalidated) FROM pg_constraint WHERE contype = 'f' AND conparentid = 0"
    assert pg_conn.execute(declared).fetchone() == (True,)
    assert pg_conn.execute(CAPTURE_LEFT).fetchone() == (0, 0, 0)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(after))))


def test_split_keeps_rows_up_and_down(
    tmp_path: Path, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    before, after = models(tmp_path)
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute(ROWS.encode(), prepare=False)
    at_before = snapshot(pg_conn)
    rows = {
        t: table_rows(pg_conn, t, k) for t, k in (("guilds", ["id"]), ("members", ["guild_id", "user_id"]))
    }
    migration = build_migration(before, after, "0002_split")
    apply_sql(pg_conn, migration.up_sql)
    assert_catalog_equal(snapshot(pg_conn), snapshot(pg_database(render_schema(after))))
    assert {
        t: table_rows(pg_conn, t, k) for t, k in (("guilds", ["id"]), ("members", ["guild_id", "user_id"]))
    } == rows
    apply_sql(pg_conn, migration.down_sql)
    assert_catalog_equal(snapshot(pg_conn), at_before)
    assert {
        t: table_rows(pg_conn, t, k) for t, k in (("guilds", ["id"]), ("members", ["guild_id", "user_id"]))
    } == rows


GUILD_ROWS = """
INSERT INTO users (id, username) SELECT i, 'user' || i FROM generate_series(1, 300) AS i;
INSERT INTO guilds (id, name, owner_id) SELECT i, 'guild ' || i, 1 + i % 300 FROM generate_series(1, 3000) AS i;
INSERT INTO channels (id, guild_id, name, type) SELECT i, 1 + i % 3000, 'c' || i, 0 FROM generate_series(1, 2000) AS i;
"""


def guild_rows(dsn: str) -> list[tuple[object, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT g.id, g.name, g.owner_id, count(c.id) FROM guilds g LEFT JOIN channels c ON c.guild_id = g.id "
            "GROUP BY 1, 2, 3 ORDER BY 1"
        ).fetchall()


def write_between_kills(dsn: str, kill: int) -> None:
    """Three new guilds (spread over the partitions), two renamed, one of the last kill's deleted and
    another given a new key."""
    base = 100_000 + 3 * kill
    with connect(dsn, autocommit=True) as conn:
        for key in range(base, base + 3):
            conn.execute("INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'k' || %s, 1)", [key, kill])
        conn.execute(
            "UPDATE guilds SET name = name || '*' WHERE id IN (%s, %s)", [1 + 7 * kill, 2 + 11 * kill]
        )
        if kill > 1:
            conn.execute("DELETE FROM guilds WHERE id = %s", [base - 3])
            conn.execute("UPDATE guilds SET id = id + 500000 WHERE id = %s", [base - 2])


def kill_points(up: Path) -> list[int]:
    """The steps of a migration file (numbered as the runner numbers them) that begin a unit of a new
    shape: the first of the units whose statements differ only in names and numbers (the same phase of
    the split of another partition, the same key dropped or validated on another table). The files
    write keywords in capitals and names in lower case: a unit's shape is its words in capitals."""
    seen: set[str] = set()
    points = []
    for number, step in enumerate(runner_steps(up, up.read_text()), start=1):
        shape = " ".join(re.findall(r"\b[A-Z]+\b", " ".join(s.text for s in step.statements)))
        if shape not in seen:
            seen.add(shape)
            points.append(number)
    return points


def test_a_split_killed_at_every_kind_of_unit_resumes_and_keeps_every_row(
    project: Path,  # noqa: F811
    pg_dsn: str,
    reference: Callable[[str], Catalog],  # noqa: F811
) -> None:
    """The example's guilds split 8 → 16 online by `migrate apply`, killed at the record of each unit
    of each shape (the step rolled back with it: every phase of a partition's split, and what comes
    before and after the splits; the splits of the other partitions are the same units with other
    numbers), with writes between the kills (inserts, updates, key changes, deletes, landing in
    whatever phase each split is in): every resumed run completes, with the catalog of the spec and the
    rows as last written."""
    spec = project / "spec/guilds.yaml"
    spec.write_text(
        spec.read_text().replace("hash: {key: id, modulus: 8}", "hash: {key: id, modulus: 16}", 1)
    )
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", "shard_guilds_16")
    assert code == 0, err
    (up,) = (project / "generated/migrations").glob("0004_*.up.sql")
    assert "CREATE TRIGGER schemagen_capture_guilds_p0 " in up.read_text()
    points = kill_points(up)
    assert len(points) >= 8
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(GUILD_ROWS.encode())
    rows = guild_rows(pg_dsn)
    kills = 0
    for step in points:
        if step <= steps_done(pg_dsn):
            continue
        with connect(pg_dsn, autocommit=True) as holder:
            holder.execute(HOLD_RECORD.format(step=step, version=4, blocker=BLOCKER).encode())
            holder.execute("SELECT pg_advisory_lock(%s)", (BLOCKER,))
            killed = kill_when_waiting(start("migrate", "apply", "--dsn", pg_dsn), pg_dsn, "advisory")
            holder.execute("SELECT pg_advisory_unlock(%s)", (BLOCKER,))
            holder.execute(RELEASE_RECORD)
        assert killed, f"the runner finished before step {step}"
        kills += 1
        write_between_kills(pg_dsn, kills)
        rows = guild_rows(pg_dsn)  # through the parent: the truth, whichever partitions hold it
    assert kills == len(points)
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))
    assert guild_rows(pg_dsn) == rows

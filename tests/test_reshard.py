"""An online hash split (plan/recipes/reshard.py), applied statement by statement on a database with
rows while other connections read and write: the old partition's writes wait for its copy (seen in
pg_locks, not timed), its reads and the other partitions' writes go on, the parent is held in ACCESS
EXCLUSIVE only by the swap, writes made between the copy and the swap reach the new partitions, the
attach scans nothing and builds no index, and the result is the catalog and rows of spec B."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from catalog import assert_catalog_equal, snapshot, table_rows
from migrations import apply_sql, create, model_of

from schemagen.database.cluster import connect
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


def test_split_holds_only_the_old_partitions_writes_while_it_copies(
    tmp_path: Path, pg_dsn: str, pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection]
) -> None:
    before, after = models(tmp_path)
    create(pg_conn, before)
    with pg_conn.transaction():
        pg_conn.execute(ROWS.encode(), prepare=False)
    migration = build_migration(before, after, "0002_split")
    assert "CREATE TRIGGER schemagen_mirror_guilds_p0" in migration.up_sql
    other = connect(pg_dsn, autocommit=True)
    other.execute("SET lock_timeout = '20s'")
    me = pg_conn.info.backend_pid
    in_p0 = ids_in(other, 4, 0, 4, 10_000)  # new rows for the old partition guilds_p0
    elsewhere = ids_in(other, 4, 1, 1, 10_000)[0]  # and one for guilds_p1, copied later
    updated, deleted = ids_in(other, 4, 0, 2, 1)  # existing rows of guilds_p0
    notices: list[str] = []
    pg_conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    index_oids: dict[str, set[int]] = {}

    unit: list[str] = []
    for statement in split_statements(migration.up_sql):
        text = statement.text
        if text.strip().upper().startswith("BEGIN"):
            unit = []
        unit.append(text)
        building = any("CREATE TRIGGER schemagen_mirror_guilds_p0 " in s for s in unit)
        swapping = any(s.strip().endswith("DETACH PARTITION public.guilds_p0") for s in unit)
        if text.strip().upper().startswith("COMMIT") and building:
            # The build of guilds_p0's split, not committed yet: the parent is not held, reads go on,
            # other partitions take writes, and a write to guilds_p0 waits (seen in pg_locks).
            assert [m for (m,) in pg_conn.execute(PARENT_LOCKS, [me])] == ["AccessShareLock"]
            assert other.execute("SELECT count(*) FROM guilds").fetchone() == (4000,)
            other.execute("INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'p1', 1)", [elsewhere])
            writer = connect(pg_dsn, autocommit=True)
            done = threading.Event()

            def write(writer: psycopg.Connection = writer, done: threading.Event = done) -> None:
                writer.execute("INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'waited', 2)", [in_p0[0]])
                done.set()

            thread = threading.Thread(target=write)
            thread.start()
            pid = writer.info.backend_pid
            wait_for(
                lambda pid=pid: other.execute(WAITING, [pid]).fetchone() == (1,),
                "the writer waits for guilds_p0",
            )
            assert not done.is_set()
            pg_conn.execute(text.encode(), prepare=False)
            thread.join(30)
            assert done.is_set()
            writer.close()
            # Between the build and the swap, writes to the old partition reach the new tables.
            for key in in_p0[1:]:
                other.execute("INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'meanwhile', 3)", [key])
            other.execute("UPDATE guilds SET name = 'updated', score = 99 WHERE id = %s", [updated])
            other.execute("UPDATE guilds SET id = %s WHERE id = %s", [in_p0[-1] + 100_000, in_p0[-1]])
            other.execute(
                "DELETE FROM members WHERE guild_id = %s", [deleted]
            )  # its key is dropped meanwhile
            other.execute("DELETE FROM guilds WHERE id = %s", [deleted])
            index_oids = {
                name: {
                    oid
                    for (oid,) in pg_conn.execute(
                        "SELECT indexrelid::int FROM pg_index WHERE indrelid = %s::regclass", [name]
                    )
                }
                for name in ("guilds_p0_new", "guilds_p4_new")
            }
            continue
        if text.strip().upper().startswith("COMMIT") and swapping:
            assert "AccessExclusiveLock" in [m for (m,) in pg_conn.execute(PARENT_LOCKS, [me])]
        if swapping and "ATTACH PARTITION" in text:
            pg_conn.execute("SET client_min_messages = debug1")
            pg_conn.execute(text.encode(), prepare=False)
            pg_conn.execute("RESET client_min_messages")
            continue
        pg_conn.execute(text.encode(), prepare=False)
    other.close()

    # ATTACH proved each bound from the CHECK (no scan) and adopted the indexes built before it.
    for child in ("guilds_p0", "guilds_p4"):
        assert f'partition constraint for table "{child}" is implied by existing constraints' in notices
    for child, oids in (
        ("guilds_p0", index_oids["guilds_p0_new"]),
        ("guilds_p4", index_oids["guilds_p4_new"]),
    ):
        attached = {
            oid
            for (oid,) in pg_conn.execute(
                "SELECT i.inhrelid::int FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
                "WHERE x.indrelid = %s::regclass",
                [child],
            )
        }
        assert attached == oids and len(oids) == 3

    rows = {key: (name, score) for key, name, score in pg_conn.execute("SELECT id, name, score FROM guilds")}
    assert len(rows) == 4000 + 1 + len(in_p0) - 1
    assert rows[in_p0[0]] == ("waited", 0) and rows[elsewhere] == ("p1", 0)
    assert rows[updated] == ("updated", 99) and deleted not in rows
    assert in_p0[-1] not in rows and rows[in_p0[-1] + 100_000] == ("meanwhile", 0)
    spread = pg_conn.execute("SELECT count(DISTINCT tableoid) FROM guilds").fetchone()
    assert spread == (8,)
    assert pg_conn.execute(
        "SELECT count(*) FROM pg_proc WHERE proname LIKE 'schemagen_mirror%'"
    ).fetchone() == (0,)
    fresh = pg_database(render_schema(after))
    assert_catalog_equal(snapshot(pg_conn), snapshot(fresh))


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


def test_a_split_killed_at_every_unit_resumes_and_keeps_every_row(
    project: Path,  # noqa: F811
    pg_dsn: str,
    reference: Callable[[str], Catalog],  # noqa: F811
) -> None:
    """The example's guilds split 8 → 16 online by `migrate apply`, killed at each step's record (the
    step rolled back with it): every resumed run completes, with the catalog of the spec and the rows."""
    spec = project / "spec/guilds.yaml"
    spec.write_text(
        spec.read_text().replace("hash: {key: id, modulus: 8}", "hash: {key: id, modulus: 16}", 1)
    )
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", "shard_guilds_16")
    assert code == 0, err
    (up,) = (project / "generated/migrations").glob("0004_*.up.sql")
    assert "CREATE TRIGGER schemagen_mirror_guilds_p0 " in up.read_text()
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(GUILD_ROWS.encode())
    rows = guild_rows(pg_dsn)
    kills, step, finished = 0, 0, False
    while not finished:
        step = max(step + 1, steps_done(pg_dsn) + 1)
        assert step < 200, "the runner never finished"
        with connect(pg_dsn, autocommit=True) as holder:
            holder.execute(HOLD_RECORD.format(step=step, version=4, blocker=BLOCKER).encode())
            holder.execute("SELECT pg_advisory_lock(%s)", (BLOCKER,))
            if kill_when_waiting(start("migrate", "apply", "--dsn", pg_dsn), pg_dsn, "advisory"):
                kills += 1
            else:
                finished = True
            holder.execute("SELECT pg_advisory_unlock(%s)", (BLOCKER,))
            holder.execute(RELEASE_RECORD)
    assert kills > 10
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))
    assert guild_rows(pg_dsn) == rows

"""The runner killed at every step of a no-transaction migration, up and down: each time a resumed
`migrate apply` / `migrate down` completes, the catalog is the version's and every row is kept.

Two moments per step. While the step's progress record waits (a trigger on the history table holds it
on an advisory lock the test owns): a step that runs in a transaction block is then rolled back with
its record, and a `… CONCURRENTLY` one has committed without its record, the window in which a resume
used to run it twice. And inside the step, while its statement waits for a table the test holds. The
runner's process is killed with SIGKILL and its server session terminated, as a crashed machine would
leave them.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal
from tests.test_runner import (  # noqa: F401 (fixtures)
    HANG_GUARD_SECONDS,
    catalog,
    change_spec,
    project,
    reference,
    run,
)

BLOCKER = 7_700_001  # the advisory lock the test holds to stop a record
HOLD_RECORD = """
CREATE FUNCTION schemagen.hold_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.steps_done = {step} AND NEW.version = {version} THEN
        PERFORM pg_advisory_xact_lock({blocker});
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hold_record BEFORE UPDATE ON schemagen.schema_migrations
FOR EACH ROW EXECUTE FUNCTION schemagen.hold_record();
"""
RELEASE_RECORD = (
    "DROP TRIGGER hold_record ON schemagen.schema_migrations; DROP FUNCTION schemagen.hold_record();"
)
ROWS = """
INSERT INTO users (id, username, avatar) SELECT i, 'user' || i, 'a' || i || '.png' FROM generate_series(1, 500) i;
INSERT INTO user_profiles (user_id, bio) SELECT i, 'bio ' || i FROM generate_series(1, 500, 2) i;
"""


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "schemagen", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def digest(dsn: str) -> dict[str, str]:
    with connect(dsn, autocommit=True) as conn:
        return {
            table: hashlib.sha256(
                repr(conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()).encode()
            ).hexdigest()
            for table, columns in (("users", "id, username"), ("user_profiles", "user_id, bio"))
        }


def steps_done(dsn: str) -> int:
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT steps_done FROM schemagen.schema_migrations WHERE version = 4").fetchone()
    return row[0] or 0 if row else 0


def waiting_runner(dsn: str, wait_event_type: str) -> int | None:
    """The server pid of the runner's session waiting on a lock of that type, if one is."""
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'schemagen%%' "
            "AND wait_event_type = 'Lock' AND wait_event = %s AND state = 'active'",
            (wait_event_type,),
        ).fetchone()
    return row[0] if row else None


def kill_when_waiting(process: subprocess.Popen[str], dsn: str, wait_event: str) -> bool:
    """SIGKILL the runner once its session waits on `wait_event`, then end that session; False when the
    runner finished first (the moment never came: the migration is complete)."""
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while (pid := waiting_runner(dsn, wait_event)) is None:
        if process.poll() is not None:
            _, err = process.communicate()
            assert process.returncode == 0, err
            return False
        assert time.monotonic() < deadline, "the runner never reached the moment"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            time.sleep(0.02)
    return True


@pytest.fixture
def migrated(project: Path, pg_dsn: str) -> Iterator[Path]:  # noqa: F811
    """The example at 0003 with rows, and a 0004 that renames a column, adds one and indexes built
    concurrently (a no-transaction file of several steps)."""
    change_spec(
        project,
        "users.yaml",
        "      avatar: varchar(255)?",
        "      picture: {type: varchar(255), nullable: true, renamed_from: avatar}",
    )
    text = (project / "spec/users.yaml").read_text().replace("      avatar: varchar(255)?\n", "", 1)
    text = text.replace(
        "      - columns: [created_at DESC]",
        "      - columns: [created_at DESC]\n      - columns: [picture]\n      - columns: [flags, id]",
        1,
    )
    text = text.replace(
        "      flags: {type: integer, nullable: true, default: 0}",
        "      flags: {type: integer, nullable: true, default: 0}\n      locale: text?",
        1,
    )
    (project / "spec/users.yaml").write_text(text)
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", "profile_picture")
    assert code == 0, err
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(ROWS)
    (up,) = (project / "generated/migrations").glob("0004_*.up.sql")
    assert "-- schemagen:no-transaction" in up.read_text()
    yield project


def test_killed_at_every_step_up_and_down_a_resume_completes_and_keeps_every_row(
    migrated: Path,
    pg_dsn: str,
    reference: Callable[[str], Catalog],  # noqa: F811
) -> None:
    rows = digest(pg_dsn)
    at_3 = catalog(pg_dsn)
    at_4 = reference((migrated / "generated/schema.sql").read_text())
    for direction, args, expected in (
        ("up", ("migrate", "apply", "--dsn", pg_dsn), at_4),
        ("down", ("migrate", "down", "--dsn", pg_dsn, "--to", "3"), at_3),
    ):
        # inside a step: its statement waits for a table the test holds
        with connect(pg_dsn) as holder:
            holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            assert kill_when_waiting(start(*args, "--lock-timeout", "10min"), pg_dsn, "relation")
            holder.rollback()
        # then at each step's record, until a run gets through
        kills, step, finished = 1, 0, False
        while not finished:
            # the step after the last one recorded, or the one after the last held if that one's
            # record was rolled back with it
            step = max(step + 1, steps_done(pg_dsn) + 1)
            assert step < 100, "the runner never finished"
            with connect(pg_dsn, autocommit=True) as holder:
                holder.execute(HOLD_RECORD.format(step=step, version=4, blocker=BLOCKER).encode())
                holder.execute("SELECT pg_advisory_lock(%s)", (BLOCKER,))
                if kill_when_waiting(start(*args), pg_dsn, "advisory"):
                    kills += 1
                else:
                    finished = True
                holder.execute("SELECT pg_advisory_unlock(%s)", (BLOCKER,))
                holder.execute(RELEASE_RECORD)
        assert kills > 3, f"{direction}: too few moments to prove anything"
        assert_catalog_equal(catalog(pg_dsn), expected)
        assert digest(pg_dsn) == rows, f"rows changed by {direction}"
        code, out, _ = run("migrate", "status", "--dsn", pg_dsn)
        assert code == 0, out


EVENTS_A = """\
project: {name: events, postgres: 15}
entities:
  events:
    columns:
      id: {type: bigint}
      at: {type: timestamptz}
      payload: text?
    primary_key: [id, at]
    partition: {range: {key: at, every: month, from: 2024-01-01, to: 2024-05-01}}
"""
EVENT_ROWS = """
INSERT INTO events (id, at, payload)
SELECT i, timestamptz '2024-01-01 00:00+00' + (i % 120) * interval '1 day', 'event ' || i
FROM generate_series(1, 2000) i;
"""


def test_a_concurrent_detach_interrupted_between_its_transactions_is_finished_on_resume(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    reference: Callable[[str], Catalog],  # noqa: F811
) -> None:
    """DETACH PARTITION … CONCURRENTLY commits its first transaction, then waits for every older
    snapshot: the runner killed there leaves the partition pending detach, which no plain DETACH can
    finish. A resumed `migrate apply` finds it pending and completes it with FINALIZE, then drops it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec/events.yaml").write_text(EVENTS_A)
    assert run("render")[0] == 0
    assert run("migrate", "new", "initial")[0] == 0
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    at_1 = catalog(pg_dsn)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(EVENT_ROWS)
        kept = conn.execute(
            "SELECT count(*), md5(string_agg(id::text || payload, ',' ORDER BY id)) FROM events "
            "WHERE at >= '2024-02-01'"
        ).fetchone()
    (tmp_path / "spec/events.yaml").write_text(
        EVENTS_A.replace("from: 2024-01-01", "from: 2024-02-01").replace(
            "postgres: 15}", "postgres: 15, allow_destructive: [shrink events]}"
        )
    )
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", "expire_january")
    assert code == 0, err
    (up,) = (tmp_path / "generated/migrations").glob("0002_*.up.sql")
    assert "DETACH PARTITION public.events_2024_01 CONCURRENTLY" in up.read_text()

    # an older snapshot the detach's second transaction waits for
    with connect(pg_dsn) as reader:
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT count(*) FROM events").fetchone()
        assert kill_when_waiting(start("migrate", "apply", "--dsn", pg_dsn), pg_dsn, "virtualxid")
        reader.rollback()
    with connect(pg_dsn, autocommit=True) as conn:
        pending = conn.execute(
            "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = 'public.events_2024_01'::regclass"
        ).fetchone()
    assert pending == (True,), "the kill did not leave the detach half-done"

    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert "finishing the interrupted detach of" in err, err
    assert_catalog_equal(catalog(pg_dsn), reference((tmp_path / "generated/schema.sql").read_text()))
    with connect(pg_dsn, autocommit=True) as conn:
        assert (
            conn.execute(
                "SELECT count(*), md5(string_agg(id::text || payload, ',' ORDER BY id)) FROM events"
            ).fetchone()
            == kept
        )
        assert conn.execute("SELECT to_regclass('public.events_2024_01')").fetchone() == (None,)

    # and back: the down recreates the period, empty (its rows were dropped with it, as allowed)
    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    assert_catalog_equal(catalog(pg_dsn), at_1)
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM events_2024_01").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (kept[0],)

"""`schemagen migrate apply / status / down` against the session's real PostgreSQL.

Each scenario runs on a copy of the example project (0001_initial with guilds in 4 hash partitions,
0002_shard_guilds_8 splitting them into 8, 0003_keep_messages_window adding the maintenance function)
and a database of its own. A migrated database is right
when its catalog equals that of a fresh database built from schema.sql (or from the migration the
scenario went back to).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagen.cli import cli
from schemagen.database.catalog import user_schemas
from schemagen.database.cluster import ThrowawayCluster
from schemagen.database.live import connect
from schemagen.database.runner import LOCK_KEY
from schemagen.migrate import checksums
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.terminal import run_on_a_terminal

MIGRATIONS = Path("generated") / "migrations"
INITIAL_UP = MIGRATIONS / "0001_initial.up.sql"
RESHARD_UP = MIGRATIONS / "0002_shard_guilds_8.up.sql"
KEEP_UP = MIGRATIONS / "0003_keep_messages_window.up.sql"
APPLIED_ALL = (
    "applied 3 migrations (0001_initial, 0002_shard_guilds_8, 0003_keep_messages_window): "
    "the database is at 0003\n"
)
# A hang of a subprocess fails the test instead of stalling the suite; nothing is timed.
HANG_GUARD_SECONDS = 600


@pytest.fixture
def project(tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def reference(pg_cluster: ThrowawayCluster, pg_dsn: str) -> Iterator[Callable[[str], Catalog]]:
    """Build a fresh database from a script and return its catalog; the databases are dropped after."""
    made: list[str] = []
    base = conninfo_to_dict(pg_dsn)["dbname"]

    def build(script: str) -> Catalog:
        name = "ref_" + hashlib.sha1(f"{base}/{len(made)}".encode()).hexdigest()[:20]
        made.append(name)
        with connect(pg_cluster.create_database(name), autocommit=True) as conn:
            if script:
                conn.execute(script.encode())
            return snapshot(conn)

    yield build
    for name in made:
        pg_cluster.drop_database(name)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def start(*args: str) -> subprocess.Popen[str]:
    """`python -m schemagen ARGS` in its own process, in the current directory."""
    return subprocess.Popen(
        [sys.executable, "-m", "schemagen", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=HANG_GUARD_SECONDS)
    return process.returncode, out, err


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def recorded(dsn: str) -> list[tuple]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT version, name, checksum, applied_at IS NOT NULL, in_progress, steps_done "
            "FROM schemagen.schema_migrations ORDER BY version"
        ).fetchall()


def versions(dsn: str) -> list[int]:
    return [row[0] for row in recorded(dsn)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def change_spec(project: Path, file: str, anchor: str, added: str) -> None:
    path = project / "spec" / file
    text = path.read_text()
    assert anchor in text
    path.write_text(text.replace(anchor, f"{anchor}\n{added}", 1))


def new_migration(project: Path, name: str, index: str) -> Path:
    """Add an index to users in the spec, render, and write the migration; returns its up file."""
    change_spec(project, "users.yaml", "      - columns: [created_at DESC]", f"      - {index}")
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", name)
    assert code == 0, err
    (up,) = (project / MIGRATIONS).glob(f"*_{name}.up.sql")
    return up


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_apply_on_an_empty_database_equals_schema_sql_and_again_is_a_no_op(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert out == APPLIED_ALL
    assert "applying 0001_initial: 114 statements in one transaction" in err
    assert "applying 0002_shard_guilds_8: 36 steps, each committed on its own" in err
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))
    assert recorded(pg_dsn) == [
        (1, "initial", sha256(INITIAL_UP), True, None, None),
        (2, "shard_guilds_8", sha256(RESHARD_UP), True, None, None),
        (3, "keep_messages_window", sha256(KEEP_UP), True, None, None),
    ]
    with connect(pg_dsn, autocommit=True) as conn:
        # The history has a schema of its own; the application's is exactly schema.sql's.
        assert user_schemas(conn) == ["public", "schemagen"]
        before = conn.execute("SELECT version, applied_at FROM schemagen.schema_migrations").fetchall()

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out, err) == (0, "nothing to apply: the database is at 0003\n", "")
    with connect(pg_dsn, autocommit=True) as conn:
        assert (
            conn.execute("SELECT version, applied_at FROM schemagen.schema_migrations").fetchall() == before
        )


def test_status_lists_every_version(project: Path, pg_dsn: str) -> None:
    code, out, err = run("migrate", "status", "--dsn", pg_dsn)
    assert (code, err) == (0, "")
    assert out == (
        "version  name                  applied  checksum\n"
        "0001     initial               pending\n"
        "0002     shard_guilds_8        pending\n"
        "0003     keep_messages_window  pending\n"
        "no migration is applied; 3 pending\n"
    )
    with connect(pg_dsn, autocommit=True) as conn:
        assert user_schemas(conn) == ["public"]  # status reads; it creates nothing

    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "1")[:2] == (
        0,
        "applied 1 migration (0001_initial): the database is at 0001\n",
    )
    code, out, _ = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"0001     initial               \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  ok", lines[1])
    assert lines[2] == "0002     shard_guilds_8        pending"
    assert lines[3] == "0003     keep_messages_window  pending"
    assert lines[4] == "the database is at 0001_initial; 2 pending"


def test_down_returns_to_each_versions_catalog_and_keeps_the_rows(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username) SELECT g, 'user ' || g FROM generate_series(1, 50) AS g"
        )
        conn.execute(
            "INSERT INTO guilds (id, name, owner_id) SELECT g, 'guild ' || g, 1 + g % 50 "
            "FROM generate_series(1, 500) AS g"
        )

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    assert out == (
        "reverted 2 migrations (0003_keep_messages_window, 0002_shard_guilds_8): the database is at 0001\n"
    )
    assert len(re.findall(r"step \d+/36: merge .*: \d+ rows moved into public\.guilds", err)) == 4
    assert_catalog_equal(catalog(pg_dsn), reference((project / INITIAL_UP).read_text()))
    assert versions(pg_dsn) == [1]
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*), sum(id) FROM guilds").fetchone() == (500, 500 * 501 // 2)

    assert (
        run("migrate", "down", "--dsn", pg_dsn, "--to", "1")[1]
        == "nothing to revert: the database is at 0001\n"
    )
    code, out, _ = run("migrate", "down", "--dsn", pg_dsn, "--to", "0")
    assert (code, out) == (0, "reverted 1 migration (0001_initial): no migration is applied\n")
    # Down migrations leave extensions installed (the planner never drops one).
    assert_catalog_equal(catalog(pg_dsn), reference("CREATE EXTENSION pg_trgm"))
    assert versions(pg_dsn) == []

    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_two_concurrent_applies_apply_each_migration_once(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    first, second = start("migrate", "apply", "--dsn", pg_dsn), start("migrate", "apply", "--dsn", pg_dsn)
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], results
    # One run holds the lock for all of its work, so one applies them all and the other finds nothing.
    assert sorted(out for _, out, _ in results) == [
        APPLIED_ALL,
        "nothing to apply: the database is at 0003\n",
    ]
    assert versions(pg_dsn) == [1, 2, 3]
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_two_concurrent_applies_of_a_concurrent_index_both_finish_once(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    up = new_migration(project, "index_flags", "columns: [flags]")
    assert "CREATE INDEX CONCURRENTLY" in up.read_text()
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0

    first, second = start("migrate", "apply", "--dsn", pg_dsn), start("migrate", "apply", "--dsn", pg_dsn)
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], results
    assert sorted(out for _, out, _ in results) == [
        "applied 1 migration (0004_index_flags): the database is at 0004\n",
        "nothing to apply: the database is at 0004\n",
    ]
    assert versions(pg_dsn) == [1, 2, 3, 4]
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_a_runner_waiting_for_the_lock_holds_no_transaction(
    project: Path, pg_dsn: str, pg_conn: psycopg.Connection, reference: Callable[[str], Catalog]
) -> None:
    """The deadlock of runners that wait inside a transaction: the other runner's CREATE INDEX
    CONCURRENTLY waits for every older transaction, so it would wait for the waiting runner forever."""
    new_migration(project, "index_flags", "columns: [flags]")
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    pg_conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])  # as another runner would hold it
    waiting = start("migrate", "apply", "--dsn", pg_dsn)
    try:
        line = waiting.stderr.readline() if waiting.stderr else ""
        assert line == (
            f"waiting for another schemagen migrate (pid {pg_conn.info.backend_pid}) "
            "to release the migration lock\n"
        )
        # While it waits: a concurrent index build must not wait for it. Had it a transaction open,
        # this would wait until the lock timeout and fail.
        with connect(pg_dsn, autocommit=True) as other:
            other.execute("SET lock_timeout = '30s'")
            other.execute("CREATE INDEX CONCURRENTLY probe_idx ON users (avatar)")
            other.execute("DROP INDEX CONCURRENTLY probe_idx")
    finally:
        pg_conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    code, out, err = finish(waiting)
    assert code == 0, err
    assert out == "applied 1 migration (0004_index_flags): the database is at 0004\n"
    assert "waiting for another" not in err  # said once
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_a_failed_no_transaction_migration_resumes_after_the_fix(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    up = new_migration(project, "unique_avatar", "{columns: [avatar], unique: true}")
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_avatar_idx" in up.read_text()
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO users (id, username, avatar) VALUES (1, 'a', 'x.png'), (2, 'b', 'x.png')")

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    line = line_of(up, "CREATE UNIQUE INDEX CONCURRENTLY")
    first, where, _, quoted, _, second, _ = err.splitlines()[-7:]
    assert first.startswith('error[SG709]: could not create unique index "users_avatar_idx"')
    assert "Key (avatar)=(x.png) is duplicated." in first
    assert where == f"  --> {MIGRATIONS / up.name}:{line}"
    assert quoted.startswith(f"{line} | CREATE UNIQUE INDEX CONCURRENTLY")
    done = int(
        re.fullmatch(r"   = hint: 0004_unique_avatar stopped after step (\d+)/(\d+) .*", second).group(1)
    )
    assert f"it resumes at step {done + 1}" in second
    assert recorded(pg_dsn)[-1][3:] == (False, "up", done)

    code, out, err = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 1
    assert re.search(r"^0004     unique_avatar         partial \(up\): \d+/\d+ steps done  ok$", out, re.M)
    assert (
        "0004_unique_avatar is part-way through its up migration: `schemagen migrate apply` resumes it" in err
    )
    # Going down from a half-applied migration is refused: it would run a down file over a state it
    # was not written for.
    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "3")
    assert code == 1 and "refused, nothing was run" in err
    with connect(pg_dsn, autocommit=True) as conn:
        # What a failed concurrent build leaves; IF NOT EXISTS alone would keep it, invalid, for good.
        assert conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_avatar_idx'::regclass"
        ).fetchone() == (False,)
        conn.execute("DELETE FROM users WHERE id = 2")

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert out == "applied 1 migration (0004_unique_avatar): the database is at 0004\n"
    assert f"resuming at step {done + 1}/" in err
    assert "dropping the invalid index public.users_avatar_idx" in err
    assert recorded(pg_dsn)[-1] == (4, "unique_avatar", sha256(up), True, None, None)
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT bool_and(indisvalid) FROM pg_index").fetchone() == (True,)
    assert run("migrate", "status", "--dsn", pg_dsn)[0] == 0


def test_a_step_that_cannot_get_its_lock_is_retried_then_resumed(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "1")[0] == 0
    with connect(pg_dsn) as holder:  # a transaction of the application, sitting on guilds
        holder.execute("LOCK TABLE guilds IN ACCESS SHARE MODE")
        code, out, err = run("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "50ms", "--retries", "2")
        holder.rollback()
    assert (code, out) == (1, "")
    retries = re.findall(
        r"step (\d+)/36 of 0002_shard_guilds_8\.up\.sql: canceling statement due to lock timeout"
        r".*; retry (\d)/2 in [\d.]+ s \(lock_timeout 50ms\)",
        err,
    )
    assert [n for _, n in retries] == ["1", "2"]
    step = int(retries[0][0])
    assert f"0002_shard_guilds_8 stopped after step {step - 1}/36" in err
    assert recorded(pg_dsn)[-1][3:] == (False, "up", step - 1)

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "50ms")
    assert code == 0, err
    assert f"applying 0002_shard_guilds_8: resuming at step {step}/36" in err
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_a_lock_timeout_names_the_session_holding_the_lock(project: Path, pg_dsn: str) -> None:
    """Who held the table, read from pg_blocking_pids while the step waited: its pid, application_name,
    state and query, in each retry's line and in the failure; and for a NOWAIT lock, which never
    waits, from the locks granted on its table."""
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "2")[0] == 0
    write_migration(
        project,
        "locks_two_tables",
        "LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE;\nLOCK TABLE public.guilds IN ACCESS EXCLUSIVE MODE;\n"
        "SELECT count(*) FROM public.guilds;\n",
    )
    with connect(f"{pg_dsn} application_name=the_application") as holder:
        holder.execute("UPDATE guilds SET name = name WHERE false")  # ROW EXCLUSIVE on guilds, then idle
        pid = holder.info.backend_pid
        code, out, err = run("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "200ms", "--retries", "1")
        holder.rollback()
    assert (code, out) == (1, "")
    held = (
        rf"held by pid {pid} \(the_application, idle in transaction for [\d.]+ s: "
        r"`UPDATE guilds SET name = name WHERE false`\)"
    )
    # the first attempt takes users, then guilds NOWAIT: busy, and the holder is read from pg_locks
    assert re.search(
        r"0004_locks_two_tables\.up\.sql \(one transaction\): could not obtain lock on relation "
        rf"\"public\.guilds\"; public\.guilds is locked \(RowExclusiveLock\) by {held.removeprefix('held by ')}; "
        r"retry 1/1 in",
        err,
    ), err
    # the retry waits for guilds first, until lock_timeout: the holder is what pg_blocking_pids named
    failure = err.split("error[SG709]: ", 1)[1].split("\n", 1)[0]
    assert re.fullmatch(
        rf"canceling statement due to lock timeout; waited for AccessExclusiveLock on guilds, {held}",
        failure,
    ), failure
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err


def test_progress_bars_on_a_terminal_plain_lines_elsewhere(project: Path, pg_dsn: str) -> None:
    """On a terminal, a bar over the re-shard's steps (rich) with the runner's lines above it; through a
    pipe the same lines alone, as every other test here reads them."""
    code, out, err = run_on_a_terminal(project, {"NO_COLOR": "1"}, "migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert out == (
        "applied 3 migrations (0001_initial, 0002_shard_guilds_8, 0003_keep_messages_window): "
        "the database is at 0003\n"
    )
    assert "━" in err  # the bar
    assert re.search(r"applying 0002_shard_guilds_8 .*\d+/36 .*step \d+: ", err), err
    lines = [line.strip() for line in re.split(r"[\r\n]+", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err))]
    for expected in (
        "applying 0002_shard_guilds_8: 36 steps, each committed on its own",
        "applied 0002_shard_guilds_8 in",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, lines)
    assert any(re.fullmatch(r"step \d+/36: .*: \d+ rows moved into .*, [\d.]+ s", line) for line in lines)

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")  # not a terminal
    assert code == 0, err
    assert "━" not in err and "\x1b" not in err
    assert err.startswith("reverting 0003_keep_messages_window: ")
    assert "\nreverting 0002_shard_guilds_8: " in err


def test_a_step_chosen_as_a_deadlock_victim_is_retried_and_completes(project: Path, pg_dsn: str) -> None:
    """A deadlock forced with opposite lock orders: the migration reads users, then guilds; the test's
    session holds guilds, then asks for users. The migration waits first, so its deadlock check fires
    first and PostgreSQL cancels it (the test's session waits longer before checking): the runner rolls
    the step back, says so, and runs it again once the other session is done."""
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "3")[0] == 0
    write_migration(
        project,
        "reads_two_tables",
        "SELECT count(*) FROM public.users;\n\nSELECT count(*) FROM public.guilds;\n",
    )
    with connect(pg_dsn) as other:
        other.execute("SET deadlock_timeout = '60s'")
        other.execute("LOCK TABLE public.guilds IN ACCESS EXCLUSIVE MODE")
        migration = start("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "30s")
        with connect(pg_dsn, autocommit=True) as watcher:
            while not watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE 'SELECT count(*) FROM public.guilds%'"
            ).fetchall():
                assert migration.poll() is None, finish(migration)
                time.sleep(0.02)
        other.execute("LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE")  # closes the cycle
        other.commit()
        code, out, err = finish(migration)
    assert code == 0, err
    assert out == "applied 1 migration (0004_reads_two_tables): the database is at 0004\n"
    assert re.search(
        r"0004_reads_two_tables.*: deadlock detected.*; retry 1/5 in [\d.]+ s", err, re.DOTALL
    ), err
    assert versions(pg_dsn) == [1, 2, 3, 4]


def write_migration(project: Path, name: str, up: str, header: str = "") -> Path:
    """A hand-written migration after the example's three, signed into the checksum chain."""
    folder = project / MIGRATIONS
    number = len(list(folder.glob("*.up.sql"))) + 1
    path = folder / f"{number:04d}_{name}.up.sql"
    path.write_text(f"-- {name} (up)\n{header}\n{up}")
    (folder / f"{number:04d}_{name}.down.sql").write_text(f"-- {name} (down)\n\nSELECT 1;\n")
    checksums.write(folder)
    return path


# Fails unless the session's lock_timeout is the runner's 50ms.
EXPECT_RUNNER_LOCK_TIMEOUT = """DO $$
BEGIN
    IF current_setting('lock_timeout') <> '50ms' THEN
        RAISE EXCEPTION 'lock_timeout is %', current_setting('lock_timeout');
    END IF;
END
$$;
"""


def test_the_runners_lock_timeout_wins_over_the_files_own(project: Path, pg_dsn: str) -> None:
    write_migration(project, "in_one_transaction", f"SET lock_timeout = '5s';\n{EXPECT_RUNNER_LOCK_TIMEOUT}")
    write_migration(
        project,
        "step_by_step",
        f"SET lock_timeout = '5s';\n{EXPECT_RUNNER_LOCK_TIMEOUT}"
        f"BEGIN;\nSET LOCAL lock_timeout = '7s';\n{EXPECT_RUNNER_LOCK_TIMEOUT}COMMIT;\n",
        header="-- schemagen:no-transaction\n",
    )
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "50ms")
    assert code == 0, err
    assert out.startswith("applied 5 migrations")
    assert "applying 0005_step_by_step: 3 steps, each committed on its own" in err


def test_a_failing_transactional_migration_leaves_nothing_behind(project: Path, pg_dsn: str) -> None:
    up = write_migration(project, "half", "CREATE TABLE public.half (id bigint);\n\nSELECT 1 / 0;\n")
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err.endswith(
        f"error[SG709]: division by zero\n --> {MIGRATIONS / up.name}:5\n  |\n5 | SELECT 1 / 0;\n  | ^^^^^^^^^^^^^\n"
        "  = hint: 0004_half was rolled back, nothing of it is applied: fix the cause and run the command again\n\n"
    )
    assert versions(pg_dsn) == [1, 2, 3]  # the three before it were applied and recorded
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.half')").fetchone() == (None,)


@dataclass
class Writer:
    """The application: inserts guilds and counts them in a loop, on its own connection."""

    dsn: str
    next_id: int = 1_000_000
    expected: int = 0  # rows committed before the writer started
    committed: list[int] = field(default_factory=list)
    lock_timeouts: int = 0
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            with connect(self.dsn, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '1s'")
                while not self.stop.is_set():
                    self.write(conn)
                for _ in range(10):  # once the migration is done, every write goes through
                    before = self.lock_timeouts
                    self.write(conn)
                    if self.lock_timeouts != before:
                        self.problems.append("a lock timeout after the migration finished")
        except Exception as exc:  # any error but a lock timeout fails the test
            self.problems.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.started.set()

    def write(self, conn: psycopg.Connection) -> None:
        try:
            conn.execute(
                "INSERT INTO guilds (id, name, owner_id) VALUES (%s, 'written meanwhile', 1)", [self.next_id]
            )
            self.committed.append(self.next_id)
            self.next_id += 1
            self.started.set()
            (count,) = conn.execute("SELECT count(*) FROM guilds").fetchone()
            if count != self.expected + len(self.committed):
                self.problems.append(f"{count} guilds seen, {self.expected + len(self.committed)} written")
        except errors.LockNotAvailable:
            self.lock_timeouts += 1


def test_the_reshard_under_a_concurrent_writer_loses_nothing(
    project: Path, pg_dsn: str, reference: Callable[[str], Catalog]
) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "1")[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username) SELECT g, 'user ' || g FROM generate_series(1, 100) AS g"
        )
        conn.execute(
            "INSERT INTO guilds (id, name, owner_id) SELECT g, 'guild ' || g, 1 + g % 100 "
            "FROM generate_series(1, 5000) AS g"
        )
    writer = Writer(pg_dsn, expected=5000)
    thread = threading.Thread(target=writer.run)
    thread.start()
    try:
        writer.started.wait()
        code, out, err = finish(start("migrate", "apply", "--dsn", pg_dsn, "--to", "2"))
    finally:
        writer.stop.set()
        thread.join()
    assert code == 0, err
    assert out == "applied 1 migration (0002_shard_guilds_8): the database is at 0002\n"
    moves = re.findall(
        r"step \d+/36: split guilds_p(\d) \(modulus 4\) .*: (\d+) rows moved into public\.guilds, ", err
    )
    assert [p for p, _ in moves] == ["0", "1", "2", "3"]
    assert sum(int(rows) for _, rows in moves) >= 5000
    # Lock waits of the writer are bounded by its own lock_timeout: the only error it may see.
    assert writer.problems == []
    assert writer.committed
    with connect(pg_dsn, autocommit=True) as conn:
        ids = {id_ for (id_,) in conn.execute("SELECT id FROM guilds").fetchall()}
    assert ids == set(range(1, 5001)) | set(writer.committed)
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    assert_catalog_equal(catalog(pg_dsn), reference((project / "generated/schema.sql").read_text()))


def test_an_applied_migration_edited_since_is_refused(project: Path, pg_dsn: str) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "1")[0] == 0
    up = project / INITIAL_UP
    up.write_text(up.read_text() + "-- an afterthought\n")
    checksums.write(up.parent)  # re-signed: only the recorded checksum can tell

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err == (
        f"error[SG708]: refused, nothing was run: {INITIAL_UP} was changed after it was applied (its checksum"
        " differs from the recorded one)\n"
        "  = hint: restore the migration files from version control, or run the command the message names;"
        " nothing was run, so there is nothing to undo\n\n"
    )
    assert versions(pg_dsn) == [1]
    code, out, err = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 1
    assert re.search(r"^0001     initial .* UTC  MISMATCH$", out, re.M)
    assert "was changed after it was applied" in err
    assert run("migrate", "down", "--dsn", pg_dsn, "--to", "0")[0] == 1
    assert versions(pg_dsn) == [1]


def test_a_broken_checksum_chain_is_refused_before_connecting(project: Path, pg_dsn: str) -> None:
    up = project / RESHARD_UP
    up.write_text(up.read_text() + "-- an afterthought\n")
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err.startswith(
        "error[SG708]: refused, nothing was run: the migration history on disk was changed after it was"
    )
    assert "0002_shard_guilds_8.up.sql" in err
    with connect(pg_dsn, autocommit=True) as conn:
        assert user_schemas(conn) == ["public"]


def test_a_recorded_migration_missing_on_disk_is_refused(project: Path, pg_dsn: str) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    for path in (project / MIGRATIONS).glob("0002_*.sql"):
        path.unlink()
    checksums.write(project / MIGRATIONS)
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 1
    assert "0002_shard_guilds_8 is recorded in the database but its files are not on disk" in err
    code, out, _ = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 1
    assert re.search(r"^0002     shard_guilds_8  .* UTC  missing on disk$", out, re.M)


@pytest.fixture
def unprivileged_dsn(pg_cluster: ThrowawayCluster, pg_dsn: str) -> Iterator[str]:
    """The test database as a role that may connect but not create anything."""
    role = "r_" + hashlib.sha1(pg_dsn.encode()).hexdigest()[:16]
    with connect(pg_cluster.dsn(), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    yield make_conninfo(pg_dsn, user=role)
    with connect(pg_cluster.dsn(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE {role}")


def test_unusable_databases_exit_2_in_one_line(
    project: Path, pg_cluster: ThrowawayCluster, pg_dsn: str, unprivileged_dsn: str
) -> None:
    unreachable = make_conninfo(pg_dsn, port=1)
    missing = make_conninfo(pg_dsn, dbname="no_such_database")
    for args in (
        ("apply", "--dsn", unreachable),
        ("status", "--dsn", unreachable),
        ("down", "--dsn", unreachable, "--to", "0"),
    ):
        code, out, err = run("migrate", *args)
        assert (code, out) == (2, "")
        assert err.startswith("cannot connect to PostgreSQL: ") and err.count("\n") == 1
    code, _, err = run("migrate", "apply", "--dsn", missing)
    assert code == 2 and 'database "no_such_database" does not exist' in err and err.count("\n") == 1

    code, out, err = run("migrate", "apply", "--dsn", unprivileged_dsn)
    assert (code, out) == (2, "")
    assert err.startswith("cannot create schemagen.schema_migrations: permission denied for database")
    assert err.count("\n") == 1

    code, _, err = run("migrate", "apply", "--dsn", pg_dsn, "--lock-timeout", "soon")
    assert code == 2
    assert err == '--lock-timeout soon: invalid value for parameter "lock_timeout": "soon"\n'
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn, "--to", "7")
    assert code == 2 and err == "--to 7: there is no migration 0007 in generated/migrations\n"
    code, _, err = run("migrate", "down", "--dsn", pg_dsn)
    assert code == 2 and "Missing option '--to'" in err

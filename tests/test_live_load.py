"""Migrations under a real application's traffic: pgbench's TPC-B, a client nobody here wrote.

pgbench's standard transaction updates an account, a teller and a branch, then inserts into history:
it locks the tables in that order, referencing and referenced mixed. A migration that locks two of
them the other way round deadlocks with it. Each test adopts a `pgbench -i` database through the
command line (inspect, render, migrate new initial, baseline), changes the spec, and applies the
migration while `pgbench -c 4 -T 15` runs. The promise: the migration finishes without being re-run,
pgbench sees no failed transaction, no row is lost (TPC-B's balances still add up), and the database
is what a fresh render builds.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict

from schemagen.cli import cli
from schemagen.database.cluster import ThrowawayCluster, find_server_bin
from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot

SCALE = 2
ACCOUNTS = 100_000 * SCALE
CLIENTS = 4
SECONDS = 15
# A hang fails the test instead of stalling the suite; nothing is timed.
HANG_GUARD_SECONDS = 600
POLL_SECONDS = 0.05


def pgbench_program() -> Path:
    """pgbench ships with the server programs; a missing one fails the test (never a skip)."""
    candidates = []
    if (found := find_server_bin()) is not None:
        candidates += [found, found.resolve()]
    if (initdb := shutil.which("initdb")) is not None:
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "pgbench").is_file():
            return directory / "pgbench"
    pytest.fail("pgbench was not found beside the PostgreSQL server programs", pytrace=False)


def pgbench(dsn: str, *args: str) -> list[str]:
    info = conninfo_to_dict(dsn)
    connection = ["-h", str(info["host"]), "-p", str(info["port"]), "-U", str(info["user"])]
    return [str(pgbench_program()), *connection, *args, str(info["dbname"])]


def initialise(dsn: str, *flags: str) -> None:
    subprocess.run(
        pgbench(dsn, "-i", "-q", "-s", str(SCALE), "--partitions", "4", "--partition-method", "hash", *flags),
        check=True,
        capture_output=True,
        timeout=HANG_GUARD_SECONDS,
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def adopt(dsn: str) -> None:
    """inspect → render → migrate new initial → baseline, as the README walks through it."""
    code, _, err = run("inspect", "--dsn", dsn, "-o", "spec")
    assert code == 0, err
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "baseline", "--dsn", dsn)
    assert code == 0, err


def edit_spec(change: Callable[[dict], None]) -> None:
    path = Path("spec/entities.yaml")
    document = yaml.safe_load(path.read_text())
    change(document["entities"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def new_migration(name: str) -> None:
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", name, "spec")
    assert code == 0, err


def under_load(dsn: str, *command: str) -> tuple[tuple[int, str, str], str]:
    """Run a schemagen command while pgbench's TPC-B runs; (its outcome, pgbench's report)."""
    load = subprocess.Popen(
        pgbench(dsn, "-n", "-c", str(CLIENTS), "-T", str(SECONDS)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with connect(dsn, autocommit=True) as conn:
            while load.poll() is None:
                (running,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench' AND state = 'active'"
                ).fetchone()
                if running:
                    break
                time.sleep(POLL_SECONDS)
        outcome = run(*command)
        overlapped = load.poll() is None
        report, _ = load.communicate(timeout=HANG_GUARD_SECONDS)
    finally:
        if load.poll() is None:
            load.kill()
    assert overlapped, f"the migration outlasted the load, so it did not run under it:\n{report}"
    assert load.returncode == 0, report
    return outcome, report


def assert_no_failed_transaction(report: str) -> None:
    assert "number of failed transactions: 0 (0.000%)" in report, report
    assert "aborted" not in report and "ERROR" not in report, report


def assert_tpcb_holds(dsn: str) -> None:
    """Every row kept: the balances of accounts, tellers and branches each add up to history's deltas."""
    with connect(dsn, autocommit=True) as conn:
        accounts, tellers, branches, history, count = conn.execute(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers),"
            " (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(delta) FROM pgbench_history),"
            " (SELECT count(*) FROM pgbench_accounts)"
        ).fetchone()
        (transactions,) = conn.execute("SELECT count(*) FROM pgbench_history").fetchone()
    assert transactions > 0
    assert accounts == tellers == branches == history
    assert count == ACCOUNTS


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fresh_render(pg_cluster: ThrowawayCluster, pg_dsn: str) -> Iterator[Callable[[], dict]]:
    """The catalog of generated/schema.sql applied to an empty database of its own."""
    made: list[str] = []

    def build() -> dict:
        name = f"fresh_{len(made)}_{conninfo_to_dict(pg_dsn)['dbname']}"[:63]
        made.append(name)
        with connect(pg_cluster.create_database(name), autocommit=True) as conn:
            conn.execute(Path("generated/schema.sql").read_bytes())
            return snapshot(conn)

    yield build
    for name in made:
        pg_cluster.drop_database(name)


def assert_migrated(dsn: str, fresh_render: Callable[[], dict]) -> None:
    assert_tpcb_holds(dsn)
    with connect(dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn), fresh_render())
    code, out, err = run("drift", "spec", "--dsn", dsn)
    assert code == 0, out + err


def set_modulus(modulus: int) -> Callable[[dict], None]:
    def change(entities: dict) -> None:
        entities["pgbench_accounts"]["partition"]["hash"]["modulus"] = modulus

    return change


def test_a_reshard_under_tpcb_fails_no_transaction_both_ways(
    workdir: Path, pg_dsn: str, fresh_render: Callable[[], dict]
) -> None:
    initialise(pg_dsn, "--foreign-keys")
    adopt(pg_dsn)
    for number, modulus in ((2, 8), (3, 4)):
        edit_spec(set_modulus(modulus))
        new_migration(f"accounts_{modulus}")
        (code, out, err), report = under_load(pg_dsn, "migrate", "apply", "--dsn", pg_dsn)
        assert code == 0, err
        assert out.endswith(f"the database is at {number:04d}\n"), out
        assert_no_failed_transaction(report)
        assert_migrated(pg_dsn, fresh_render)


def test_a_foreign_key_an_index_and_set_not_null_under_tpcb(
    workdir: Path, pg_dsn: str, fresh_render: Callable[[], dict]
) -> None:
    initialise(pg_dsn)  # without pgbench's foreign keys: the migration adds one

    def reference_and_index(entities: dict) -> None:
        history = entities["pgbench_history"]
        history["columns"]["aid"] = {"type": "integer", "nullable": True, "references": "pgbench_accounts"}
        history["indexes"] = [{"columns": ["tid", "mtime"]}]

    def mtime_not_null(entities: dict) -> None:
        entities["pgbench_history"]["columns"]["mtime"] = "timestamp"

    adopt(pg_dsn)
    edit_spec(reference_and_index)
    new_migration("history_aid_fkey")
    edit_spec(mtime_not_null)
    new_migration("history_mtime_not_null")
    (code, out, err), report = under_load(pg_dsn, "migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert out.endswith("the database is at 0003\n"), out
    assert_no_failed_transaction(report)
    assert_migrated(pg_dsn, fresh_render)
    with connect(pg_dsn, autocommit=True) as conn:
        (valid,) = conn.execute(
            "SELECT bool_and(convalidated) FROM pg_constraint WHERE conname = 'pgbench_history_aid_fkey'"
        ).fetchone()
        (not_null,) = conn.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'pgbench_history'::regclass AND attname = 'mtime'"
        ).fetchone()
    assert valid and not_null

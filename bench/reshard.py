"""Time a planned hash re-shard (modulus 4 -> 8) of N rows against copying the rows once.

On a throwaway cluster: migration 0001 (a hash-partitioned `accounts`, modulus 4, and `events`
referencing it) is written and applied through the runner, N accounts and N events are loaded, then
0002 (modulus 8) is written the way `schemagen migrate new` writes it and applied through the runner:
that apply is `reshard_s`. The floor, in the same run and on the same rows, is one
`INSERT INTO fresh SELECT * FROM accounts` into a plain table with the same columns, primary key and
indexes. After the re-shard the row counts must be unchanged, the rows spread over 8 partitions and
the foreign key validated; otherwise the script fails.

With --writer, a thread on its own autocommit connection inserts accounts (ids above N, one row per
transaction) and reads a random existing account by primary key after each insert, for as long as
0002 is applied, under its own lock_timeout; each statement's latency and each error's SQLSTATE are
recorded. Afterwards every row it committed and the N original rows must be there, and it must have
seen no error but lock timeouts.

With --repeat K, the whole measurement runs K times (each on a cluster of its own, one after the
other) and a last line gives the min and median of each figure: the machine is shared, one run says
little.

    python bench/reshard.py --rows 1000000
    python bench/reshard.py --rows 1000000 --writer
    python bench/reshard.py --rows 1000000 --writer --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

SPEC = """\
project: {{name: reshard-bench, postgres: 15}}
entities:
  accounts:
    columns:
      id: {{type: bigint, primary_key: true}}
      name: text
      balance: {{type: "numeric(12,2)", default: 0}}
      created_at: {{type: timestamptz, default: {{sql: now()}}}}
    partition:
      hash: {{key: id, modulus: {modulus}}}
    indexes:
      - columns: [name]
      - columns: [created_at DESC]
  events:
    columns:
      id: {{type: bigint, primary_key: true}}
      account_id: {{type: bigint, references: {{table: accounts, on_delete: cascade}}}}
      kind: varchar(20)
      at: {{type: timestamptz, default: {{sql: now()}}}}
    indexes:
      - columns: [account_id]
"""
MODULUS_BEFORE, MODULUS_AFTER = 4, 8
DATABASE = "bench_reshard"
LOAD_ROWS = (
    """
    INSERT INTO accounts (id, name, balance, created_at)
    SELECT i, 'account ' || i, i %% 1000,
           timestamptz '2024-01-01' + i * interval '1 second'
    FROM generate_series(1, %(rows)s::bigint) AS i
    """,
    """
    INSERT INTO events (id, account_id, kind, at)
    SELECT i, 1 + (i * 7919) %% %(rows)s, 'kind ' || i %% 10,
           timestamptz '2024-01-01' + i * interval '1 second'
    FROM generate_series(1, %(rows)s::bigint) AS i
    """,
)
FLOOR_TABLE = "INSERT INTO fresh SELECT * FROM accounts"
CREATE_FLOOR = "CREATE TABLE fresh (LIKE accounts INCLUDING ALL)"
# The declared key (conparentid = 0), and the clones PostgreSQL adds, one per referenced partition.
FOREIGN_KEYS = """
SELECT conname, convalidated, conparentid = 0 AS declared FROM pg_constraint
WHERE conrelid = 'events'::regclass AND contype = 'f'
ORDER BY conname
"""


WRITER_LOCK_TIMEOUT = "10s"
WRITER_INSERT = "INSERT INTO accounts (id, name) VALUES (%s, 'written meanwhile')"
WRITER_READ = "SELECT id FROM accounts WHERE id = %s"
LONG_WAIT_S = 0.1
LOCK_TIMEOUT_SQLSTATE = "55P03"  # lock_not_available


class ReshardFailed(Exception):
    """The re-shard lost rows, left them in the wrong place, or left the foreign key unvalidated."""


def write_spec(root: Path, modulus: int) -> Path:
    """A one-file spec folder with `accounts` sharded `modulus` ways."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "spec.yaml").write_text(SPEC.format(modulus=modulus), encoding="utf-8")
    return root


@dataclass
class Writer:
    """The application during the re-shard: insert one account per transaction, then read a random
    existing one by primary key, until told to stop; every statement timed, every error counted."""

    dsn: str
    rows: int  # accounts 1..rows exist before the writer starts; it inserts ids above them
    committed: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, every statement, failed ones too
    long: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, what) over LONG_WAIT_S
    errors: Counter[str] = field(default_factory=Counter)  # SQLSTATE -> count
    messages: dict[str, str] = field(default_factory=dict)  # SQLSTATE -> first message
    problems: list[str] = field(default_factory=list)
    began: float = 0.0
    ended: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from schemagen.database.cluster import connect

        try:
            with connect(self.dsn, autocommit=True) as conn:
                conn.execute("SELECT set_config('lock_timeout', %s, false)", [WRITER_LOCK_TIMEOUT])
                conn.execute("SET application_name = 'reshard bench writer'")
                next_id = self.rows + 1
                self.began = time.perf_counter()
                while not self.stop.is_set():
                    if self.statement(conn, "insert", WRITER_INSERT, next_id):
                        self.committed.append(next_id)
                        self.started.set()
                    next_id += 1
                    pick = random.randint(1, self.rows + len(self.committed))
                    pick = pick if pick <= self.rows else self.committed[pick - self.rows - 1]
                    found = self.statement(conn, "read", WRITER_READ, pick)
                    if found is not None and found[0] is None:
                        self.problems.append(f"account {pick}, committed earlier, was not found by a read")
        except Exception as exc:  # a lost connection, or a bug: the run fails
            self.problems.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.ended = time.perf_counter()
            self.started.set()

    def statement(self, conn: psycopg.Connection, what: str, query: str, key: int) -> tuple[Any] | None:
        """Run one statement; its first row (a tuple holding None when there is none), or None when it
        failed with an SQLSTATE. Anything else, a broken connection included, is raised."""
        import psycopg

        start = time.perf_counter()
        try:
            cursor = conn.execute(query, [key])
            result = (cursor.fetchone() if cursor.description else (key,)) or (None,)
            failed = ""
        except psycopg.Error as exc:
            if conn.broken or not exc.sqlstate:
                raise
            self.errors[exc.sqlstate] += 1
            self.messages.setdefault(exc.sqlstate, str(exc).splitlines()[0])
            result, failed = None, f" ({exc.sqlstate})"
        end = time.perf_counter()
        self.latencies.append(end - start)
        if end - start > LONG_WAIT_S:
            self.long.append((start, end, f"{what} of {key}{failed}"))
        return result

    def figures(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        elapsed = self.ended - self.began

        def percentile(q: float) -> float:
            return round(1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3) if ordered else 0.0

        return {
            "writer_inserts": len(self.committed),
            "writer_inserts_per_s": round(len(self.committed) / elapsed) if elapsed > 0 else 0,
            "writer_statements": len(ordered),
            "writer_p50_ms": percentile(0.50),
            "writer_p99_ms": percentile(0.99),
            "writer_max_ms": round(1000 * ordered[-1], 3) if ordered else 0.0,
            "writer_waits_over_100ms": len(self.long),
            "writer_errors": dict(sorted(self.errors.items())),
        }


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per table."""
    return {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("accounts", "events")
    }


def settle(conn: psycopg.Connection) -> None:
    """Hint bits set, statistics fresh, dirty pages written: each timed step starts from the same state."""
    conn.execute("VACUUM (ANALYZE)")
    conn.execute("CHECKPOINT")


def measure(rows: int, verbose: bool = False, writer: bool = False) -> dict[str, Any]:
    """Build, load, copy and re-shard on a throwaway cluster, with a concurrent writer if asked; the
    figures of one run."""
    from schemagen.database import runner
    from schemagen.database.cluster import ThrowawayCluster, connect
    from schemagen.migrate import history
    from schemagen.pipeline import compile_spec

    report = (lambda line: print(line, file=sys.stderr)) if verbose else (lambda _line: None)
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as folder, ThrowawayCluster() as server:
        root = Path(folder)
        generated = root / "generated"
        dsn = server.create_database(DATABASE)

        def migrate_new(modulus: int, name: str) -> None:
            model = compile_spec(write_spec(root / f"spec_{modulus}", modulus)).model
            result = history.new_migration(model, generated, name)
            if not isinstance(result, tuple):
                raise ReshardFailed(f"`migrate new {name}` wrote nothing: {result!r}")

        migrate_new(MODULUS_BEFORE, "initial")
        runner.apply(dsn, generated, report=report)
        with connect(dsn, autocommit=True) as conn:
            with conn.transaction():
                for statement in LOAD_ROWS:
                    conn.execute(statement, {"rows": rows})
            settle(conn)
            before = counts(conn)
            if before != {"accounts": rows, "events": rows}:
                raise ReshardFailed(f"loading {rows} rows gave {before}")

            conn.execute(CREATE_FLOOR)
            postmaster = postmaster_pid(conn)
            with ServerCpu(postmaster) as cpu:
                start = time.perf_counter()
                conn.execute(FLOOR_TABLE)
                copy_floor_s = time.perf_counter() - start
            copy_floor_cpu_s = cpu.seconds
            conn.execute("DROP TABLE fresh")
            conn.execute("CHECKPOINT")

        migrate_new(MODULUS_AFTER, f"shard_accounts_{MODULUS_AFTER}")
        application = Writer(dsn, rows) if writer else None
        thread = threading.Thread(target=application.run, daemon=True) if application else None
        if application and thread:
            thread.start()
            application.started.wait()
            if not application.committed:
                raise ReshardFailed(f"the writer could not start: {application.problems}")
        cpu = ServerCpu(postmaster).__enter__()
        start = time.perf_counter()

        def progress(line: str) -> None:  # the runner's progress, timed from the start of the apply
            report(f"+{time.perf_counter() - start:7.3f} s  {line}")

        try:
            outcome = runner.apply(dsn, generated, report=progress)
            reshard_s = time.perf_counter() - start
            cpu.__exit__()
            reshard_cpu_s = cpu.seconds
        finally:
            if application and thread:
                application.stop.set()
                thread.join()
        if [m.number for m in outcome.ran] != [2]:
            raise ReshardFailed(f"the runner applied {outcome.ran}, not 0002")
        if application:
            for began, ended, what in application.long:
                report(
                    f"+{began - start:7.3f} s  writer: {what} waited {1000 * (ended - began):.0f} ms, "
                    f"until +{ended - start:.3f} s"
                )

        with connect(dsn, autocommit=True) as conn:
            verify(conn, before, application.committed if application else [])
    result = {
        "rows": rows,
        "reshard_s": round(reshard_s, 3),
        "copy_floor_s": round(copy_floor_s, 3),
        "ratio": round(reshard_s / copy_floor_s, 2),
        "reshard_cpu_s": round(reshard_cpu_s, 3),
        "copy_floor_cpu_s": round(copy_floor_cpu_s, 3),
        "cpu_ratio": round(reshard_cpu_s / copy_floor_cpu_s, 2),
    }
    if application:
        if application.problems:
            raise ReshardFailed(f"the writer failed: {'; '.join(application.problems)}")
        if others := {k: v for k, v in application.errors.items() if k != LOCK_TIMEOUT_SQLSTATE}:
            raise ReshardFailed(
                "the writer got errors other than lock timeouts: "
                + "; ".join(f"{n} × {k} ({application.messages[k]})" for k, n in sorted(others.items()))
            )
        result["rows_per_s"] = round(rows / reshard_s)
        result.update(application.figures())
    return result


def postmaster_pid(conn: psycopg.Connection) -> int:
    """The throwaway cluster's postmaster (first line of postmaster.pid in its data directory)."""
    row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return int((Path(row[0]) / "postmaster.pid").read_text().split()[0])


class ServerCpu:
    """CPU seconds (user + system) the server's processes use while it runs: every child of the
    postmaster (backends, autovacuum, checkpointer, walwriter) and the postmaster itself, sampled
    every 20 ms from /proc, each process's last sample kept (a backend that exits between two
    samples loses at most 20 ms). Includes the writer's backend under --writer."""

    def __init__(self, postmaster: int) -> None:
        import os

        self.postmaster, self.ticks = postmaster, os.sysconf("SC_CLK_TCK")
        self.first: dict[tuple[int, int], int] = {}
        self.last: dict[tuple[int, int], int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> ServerCpu:
        self.sample()
        self.first = dict(self.last)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.sample()

    @property
    def seconds(self) -> float:
        return sum(ticks - self.first.get(key, 0) for key, ticks in self.last.items()) / self.ticks

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.sample()

    def sample(self) -> None:
        import os

        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()  # from field 3, the state
            pid = int(entry)
            if pid != self.postmaster and int(fields[1]) != self.postmaster:
                continue
            self.last[(pid, int(fields[19]))] = int(fields[11]) + int(fields[12])  # by pid and start time


def verify(conn: psycopg.Connection, before: dict[str, int], written: list[int]) -> None:
    """Raise ReshardFailed unless every row is kept (the `written` accounts, committed meanwhile,
    too), spread over the new partitions, and the declared foreign key validated; warn when
    PostgreSQL left its per-partition clones marked not validated."""
    after = counts(conn)
    expected = {**before, "accounts": before["accounts"] + len(written)}
    if after != expected:
        raise ReshardFailed(f"row counts changed: {expected} expected, {after} after")
    original = conn.execute(
        "SELECT count(DISTINCT id) FROM accounts WHERE id BETWEEN 1 AND %s", [before["accounts"]]
    ).fetchone()[0]
    if original != before["accounts"]:
        missing = before["accounts"] - original
        raise ReshardFailed(f"{missing} of the {before['accounts']} original accounts are missing")
    found = {id_ for (id_,) in conn.execute("SELECT id FROM accounts WHERE id > %s", [before["accounts"]])}
    if lost := set(written) - found:
        raise ReshardFailed(f"{len(lost)} accounts the writer committed are missing, e.g. {min(lost)}")
    if extra := found - set(written):
        raise ReshardFailed(f"{len(extra)} accounts the writer did not commit are there, e.g. {min(extra)}")
    spread = conn.execute("SELECT count(DISTINCT tableoid) FROM accounts").fetchone()[0]
    children = conn.execute(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'accounts'::regclass"
    ).fetchone()[0]
    if children != MODULUS_AFTER or (before["accounts"] >= MODULUS_AFTER * 100 and spread != MODULUS_AFTER):
        raise ReshardFailed(f"accounts has {children} partitions and rows in {spread}, not {MODULUS_AFTER}")
    keys = conn.execute(FOREIGN_KEYS).fetchall()
    declared = [(name, valid) for name, valid, top in keys if top]
    if len(declared) != 1 or not declared[0][1]:
        raise ReshardFailed(f"the foreign key of events is missing or not validated: {declared}")
    if unvalidated := [name for name, valid, top in keys if not top and not valid]:
        # PostgreSQL 15 marks only the declared key valid on VALIDATE CONSTRAINT, not its clones.
        print(
            f"warning: {declared[0][0]} is validated, but {len(unvalidated)} of its per-partition clones "
            f"are not (pg_constraint.convalidated false): {', '.join(unvalidated)}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=textwrap.dedent(__doc__ or ""), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in each table (default 1000000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="print the runner's progress, and the writer's statements over 100 ms, to stderr",
    )
    parser.add_argument(
        "--writer",
        action="store_true",
        help="insert and read accounts on another connection while the re-shard is applied",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run it this many times, then print the min and median of each figure",
    )
    args = parser.parse_args(argv)
    results = []
    for _ in range(max(1, args.repeat)):
        try:
            result = measure(args.rows, args.verbose, args.writer)
        except ReshardFailed as failure:
            sys.exit(f"re-shard check failed: {failure}")
        results.append(result)
        show(result, args.json, args.writer)
    if len(results) > 1:
        summary = summarize(results)
        print(
            json.dumps(summary)
            if args.json
            else "min / median of "
            + ", ".join(f"{name} {low} / {middle}" for name, (low, middle) in summary.items())
        )


#: The figures `--repeat` summarizes.
SUMMARIZED = (
    "reshard_s",
    "ratio",
    "reshard_cpu_s",
    "cpu_ratio",
    "writer_p50_ms",
    "writer_p99_ms",
    "writer_max_ms",
)


def summarize(results: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """(min, median) of each summarized figure the runs have."""
    import statistics

    return {
        name: (min(values), round(statistics.median(values), 3))
        for name in SUMMARIZED
        if (values := [r[name] for r in results if name in r])
    }


def show(result: dict[str, Any], as_json: bool, writer: bool) -> None:
    """One run's figures: a JSON object, or a line (two with the writer)."""
    if as_json:
        print(json.dumps(result))
        return
    line = (
        f"rows {result['rows']}: re-shard {result['reshard_s']:.3f} s, "
        f"copy floor {result['copy_floor_s']:.3f} s, ratio {result['ratio']:.2f}; server CPU "
        f"{result['reshard_cpu_s']:.3f} s, copy floor {result['copy_floor_cpu_s']:.3f} s, "
        f"ratio {result['cpu_ratio']:.2f}"
    )
    if not writer:
        print(line)
        return
    errors = ", ".join(f"{n} × {state}" for state, n in result["writer_errors"].items()) or "none"
    print(f"{line}, {result['rows_per_s']} rows/s")
    print(
        f"writer: {result['writer_inserts']} inserts committed, {result['writer_inserts_per_s']}/s; "
        f"{result['writer_statements']} statements: p50 {result['writer_p50_ms']:.1f} ms, "
        f"p99 {result['writer_p99_ms']:.1f} ms, max {result['writer_max_ms']:.1f} ms, "
        f"{result['writer_waits_over_100ms']} over 100 ms; errors: {errors}"
    )


if __name__ == "__main__":
    main()

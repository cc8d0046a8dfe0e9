"""Time a planned Citus shard count change (32 -> 64) of a colocation group against copying its rows
once, and record the locks the migration holds on the coordinator while it runs.

On a throwaway Citus cluster (a coordinator and two workers, `schemagen.database.citus_cluster`):
migration 0001 (`guilds`, distributed by `id` in 32 shards, the root of a group with `channels` and
`messages`, distributed by `guild_id`, with foreign keys between them) is written and applied through
the runner; N messages, N/10 channels and N/100 guilds are loaded; then 0002 (64 shards) is written
the way `schemagen migrate new` writes it and applied through the runner: that apply is `reshard_s`.
While it runs, a second connection samples `pg_locks` on the coordinator every 50 ms, keeping the
relation locks of the runner's sessions with the statement each was running.

The floor, in the same run and on the same rows, is one `INSERT INTO … SELECT * FROM …` per table
into tables of the same columns, primary keys and indexes (`LIKE … INCLUDING ALL`), distributed the
same way in a group of 64 shards of their own. After the migration the row counts and a digest of
each table must be unchanged, the group in 64 shards and the foreign keys validated; otherwise the
script fails.

With --reader, two more connections read by key while 0002 is applied, one a guild, the other a
message, over and over; the slowest read of each and every read over 100 ms are reported (a read
waits only for an ACCESS EXCLUSIVE lock), and every read must find its row.

    python bench/citus_reshard.py --rows 1000000
    python bench/citus_reshard.py --rows 1000000 --reader --verbose
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

SPEC = """\
project: {{name: citus-reshard-bench, postgres: 15, extensions: [citus], citus: {{shard_count: {shards}}}}}
entities:
  guilds:
    columns:
      id: {{type: bigint, primary_key: true}}
      name: text
    distribute: {{by: id}}
  channels:
    columns:
      guild_id: {{type: bigint, references: {{table: guilds, on_delete: cascade}}}}
      id: bigint
      name: text
    primary_key: [guild_id, id]
    distribute: {{by: guild_id, colocate_with: guilds}}
  messages:
    columns:
      guild_id: bigint
      id: bigint
      channel_id: bigint
      author_id: bigint
      content: text
      created_at: {{type: timestamptz, default: {{sql: now()}}}}
    primary_key: [guild_id, id]
    foreign_keys:
      - columns: [guild_id, channel_id]
        references: {{table: channels, columns: [guild_id, id]}}
        on_delete: cascade
    indexes:
      - columns: [guild_id, channel_id, created_at DESC]
      - columns: [author_id]
    distribute: {{by: guild_id, colocate_with: guilds}}
"""
SHARDS_BEFORE, SHARDS_AFTER = 32, 64
DATABASE = "bench_citus_reshard"
TABLES = ("guilds", "channels", "messages")  # the group, root first
DISTRIBUTION = {"guilds": "id", "channels": "guild_id", "messages": "guild_id"}
# messages: N rows; channels: N/10; guilds: N/100 (at least one of each)
LOAD_ROWS = (
    """
    INSERT INTO guilds (id, name)
    SELECT g * 1000003, 'guild ' || g FROM generate_series(1, %(guilds)s::bigint) AS g
    """,
    """
    INSERT INTO channels (guild_id, id, name)
    SELECT (1 + c %% %(guilds)s) * 1000003, c, 'channel ' || c
    FROM generate_series(1, %(channels)s::bigint) AS c
    """,
    """
    INSERT INTO messages (guild_id, id, channel_id, author_id, content, created_at)
    SELECT (1 + c %% %(guilds)s) * 1000003, m, c, 1 + m %% 50000, 'message number ' || m,
           timestamptz '2025-01-01' + m * interval '1 second'
    FROM generate_series(1, %(rows)s::bigint) AS m,
         LATERAL (SELECT 1 + (m * 7919) %% %(channels)s AS c) AS pick
    """,
)
DIGEST = "SELECT count(*), sum(hashtext(t::text)::bigint) FROM {table} t"
FOREIGN_KEYS = """
SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND conrelid::regclass::text = ANY(%s)
ORDER BY 1, 2
"""
SHARD_COUNTS = """
SELECT p.logicalrelid::regclass::text, g.shardcount,
       (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid)
FROM pg_dist_partition p JOIN pg_dist_colocation g USING (colocationid)
WHERE p.logicalrelid::regclass::text = ANY(%s)
ORDER BY 1
"""
# The relation locks of the runner's sessions (application_name "schemagen migrate"), with what each
# session was running; a relation the running statement created is not visible yet: no name.
LOCKS = """
SELECT a.pid, a.query, c.relname, l.mode, l.granted
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.locktype = 'relation' AND a.application_name = %s AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND (c.oid IS NULL OR (c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')))
"""
SAMPLE_EVERY_S = 0.05
# PostgreSQL's table lock modes, weakest first
MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)


READS = (
    (
        "guilds",
        "SELECT name FROM guilds WHERE id = %s",
        lambda n, sizes: ((1 + n % sizes["guilds"]) * 1000003,),
    ),
    (
        "messages",
        "SELECT content FROM messages WHERE guild_id = %s AND id = %s",
        lambda n, sizes: ((1 + (1 + (n * 7919) % sizes["channels"]) % sizes["guilds"]) * 1000003, n),
    ),
)
LONG_WAIT_S = 0.1


class ReshardFailed(Exception):
    """The shard count change lost or changed rows, left the group in the wrong shards, or left a
    foreign key unvalidated."""


def write_spec(root: Path, shards: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "spec.yaml").write_text(SPEC.format(shards=shards), encoding="utf-8")
    return root


@dataclass
class LockSampler:
    """A second connection to the coordinator sampling the runner's relation locks until told to stop:
    per statement the runner ran, per relation and mode, when it was first and last seen held (or
    waited for), in seconds from `start`."""

    dsn: str
    start: float
    application: str
    held: dict[tuple[str, str, str, bool], list[float]] = field(default_factory=dict)
    samples: int = 0
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from schemagen.database.cluster import connect

        try:
            with connect(self.dsn, autocommit=True) as conn:
                conn.execute("SET application_name = 'citus reshard bench lock sampler'")
                while not self.stop.is_set():
                    now = time.perf_counter() - self.start
                    for _pid, running, relation, mode, granted in conn.execute(LOCKS, [self.application]):
                        statement = " ".join((running or "").split())[:140]
                        key = (statement, relation or "(new, not visible yet)", mode, granted)
                        seen = self.held.setdefault(key, [now, now])
                        seen[1] = now
                    self.samples += 1
                    time.sleep(SAMPLE_EVERY_S)
        except Exception as exc:  # a lost connection, or a bug: the run fails
            self.problems.append(f"{type(exc).__name__}: {exc}")

    def summary(self) -> list[dict[str, Any]]:
        """One entry per statement: the relations it locked, each with its modes and when."""
        by_statement: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        first_seen: dict[str, float] = {}
        for (statement, relation, mode, granted), (first, last) in sorted(
            self.held.items(),
            key=lambda item: (item[1][0], MODES.index(item[0][2]) if item[0][2] in MODES else 0),
        ):
            first_seen.setdefault(statement, first)
            what = mode if granted else f"waiting for {mode}"
            by_statement[statement][relation].append(f"{what} +{first:.2f}..+{last:.2f} s")
        return [
            {"statement": statement, "relations": {r: modes for r, modes in sorted(relations.items())}}
            for statement, relations in sorted(by_statement.items(), key=lambda item: first_seen[item[0]])
        ]


@dataclass
class Reader:
    """The application reading one table while the migration runs: a row by key, over and over on a
    connection of its own, every read timed; the reads over LONG_WAIT_S kept."""

    dsn: str
    start: float
    sizes: dict[str, int]
    table: str
    statement: str
    key: Callable[[int, dict[str, int]], tuple[int, ...]]
    reads: int = 0
    slowest: float = 0.0
    long: list[tuple[float, float]] = field(default_factory=list)  # (start, end), from `start`
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from schemagen.database.cluster import connect

        try:
            with connect(self.dsn, autocommit=True) as conn:
                conn.execute("SET application_name = 'citus reshard bench reader'")
                n = 0
                while not self.stop.is_set():
                    n = n % self.sizes["rows"] + 1
                    began = time.perf_counter()
                    found = conn.execute(self.statement, self.key(n, self.sizes)).fetchone()
                    ended = time.perf_counter()
                    if found is None:
                        self.problems.append(f"a read of {self.table} {self.key(n, self.sizes)} found no row")
                    self.reads += 1
                    self.slowest = max(self.slowest, ended - began)
                    if ended - began > LONG_WAIT_S:
                        self.long.append((began - self.start, ended - self.start))
        except Exception as exc:  # a lost connection, or a bug: the run fails
            self.problems.append(f"{type(exc).__name__}: {exc}")


def digests(conn: psycopg.Connection, tables: tuple[str, ...] = TABLES) -> dict[str, tuple[int, int]]:
    """Per table: its row count and a sum of a hash of each row's text."""
    from psycopg import sql

    found = {}
    for table in tables:
        row = conn.execute(sql.SQL(DIGEST).format(table=sql.Identifier(table))).fetchone()
        assert row is not None
        found[table] = (row[0], row[1] or 0)
    return found


def settle(dsns: list[str]) -> None:
    """Statistics fresh, dirty pages written on every node: each timed step starts from the same state
    (the coordinator's VACUUM reaches the shards)."""
    from schemagen.database.cluster import connect

    with connect(dsns[0], autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    for dsn in dsns:
        with connect(dsn, autocommit=True) as conn:
            conn.execute("CHECKPOINT")


def copy_floor(conn: psycopg.Connection) -> dict[str, float]:
    """INSERT … SELECT of every table into a table shaped like it, in a group of SHARDS_AFTER shards of
    its own; the seconds each copy took."""
    from psycopg import sql

    times = {}
    root = f"fresh_{TABLES[0]}"
    for table in TABLES:
        fresh = f"fresh_{table}"
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                sql.Identifier(fresh), sql.Identifier(table)
            )
        )
        if fresh == root:
            conn.execute(
                "SELECT create_distributed_table(%s, %s, shard_count => %s, colocate_with => 'none')",
                [fresh, DISTRIBUTION[table], SHARDS_AFTER],
            )
        else:
            conn.execute(
                "SELECT create_distributed_table(%s, %s, colocate_with => %s)",
                [fresh, DISTRIBUTION[table], root],
            )
    for table in TABLES:
        start = time.perf_counter()
        conn.execute(
            sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                sql.Identifier(f"fresh_{table}"), sql.Identifier(table)
            )
        )
        times[table] = time.perf_counter() - start
    copied = digests(conn, tuple(f"fresh_{table}" for table in TABLES))
    original = digests(conn)
    if [copied[f"fresh_{t}"] for t in TABLES] != [original[t] for t in TABLES]:
        raise ReshardFailed(f"the floor's copy differs: {copied} from {original}")
    for table in reversed(TABLES):
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(f"fresh_{table}")))
    return times


def measure(rows: int, verbose: bool = False, read: bool = False) -> dict[str, Any]:
    """Build, load, copy and change the shard count on a throwaway Citus cluster, with a reader if
    asked; the figures."""
    from schemagen.database import runner
    from schemagen.database.citus_cluster import CitusCluster
    from schemagen.database.cluster import connect
    from schemagen.migrate import history
    from schemagen.pipeline import compile_spec

    report = (lambda line: print(line, file=sys.stderr)) if verbose else (lambda _line: None)
    sizes = {"rows": rows, "channels": max(1, rows // 10), "guilds": max(1, rows // 100)}
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as folder, CitusCluster() as cluster:
        root = Path(folder)
        generated = root / "generated"
        dsn = cluster.create_database(DATABASE)
        node_dsns = [node.dsn(DATABASE) for node in cluster.nodes]

        def migrate_new(shards: int, name: str) -> None:
            model = compile_spec(write_spec(root / f"spec_{shards}", shards)).model
            result = history.new_migration(model, generated, name)
            if not isinstance(result, tuple):
                raise ReshardFailed(f"`migrate new {name}` wrote nothing: {result!r}")

        migrate_new(SHARDS_BEFORE, "initial")
        runner.apply(dsn, generated, report=report)
        with connect(dsn, autocommit=True) as conn:
            start = time.perf_counter()
            for statement in LOAD_ROWS:
                conn.execute(statement, sizes)
            report(f"loaded {rows} messages in {time.perf_counter() - start:.1f} s")
            settle(node_dsns)
            before = digests(conn)
            expected = {"guilds": sizes["guilds"], "channels": sizes["channels"], "messages": rows}
            if {t: d[0] for t, d in before.items()} != expected:
                raise ReshardFailed(f"loading gave {before}, not {expected}")
            floor = copy_floor(conn)
        settle(node_dsns)

        migrate_new(SHARDS_AFTER, f"shard_count_{SHARDS_AFTER}")
        start = time.perf_counter()
        sampler = LockSampler(dsn, start, runner.APPLICATION_NAME)
        readers = [Reader(dsn, start, sizes, *spec) for spec in READS] if read else []
        threads = [threading.Thread(target=job.run, daemon=True) for job in (sampler, *readers)]
        for thread in threads:
            thread.start()

        def progress(line: str) -> None:  # the runner's progress, timed from the start of the apply
            report(f"+{time.perf_counter() - start:7.3f} s  {line}")

        try:
            outcome = runner.apply(dsn, generated, report=progress)
            reshard_s = time.perf_counter() - start
        finally:
            for job in (sampler, *readers):
                job.stop.set()
            for thread in threads:
                thread.join()
        if [m.number for m in outcome.ran] != [2]:
            raise ReshardFailed(f"the runner applied {outcome.ran}, not 0002")
        if problems := [p for job in (sampler, *readers) for p in job.problems]:
            raise ReshardFailed(f"the lock sampler or a reader failed: {'; '.join(problems[:3])}")
        for reader in readers:
            for began, ended in reader.long:
                report(
                    f"+{began:7.3f} s  reader: a read of {reader.table} waited {ended - began:.3f} s, "
                    f"until +{ended:.3f} s"
                )
        with connect(dsn, autocommit=True) as conn:
            verify(conn, before)
    floor_s = sum(floor.values())
    return {
        "rows": rows,
        "channels": sizes["channels"],
        "guilds": sizes["guilds"],
        "shards": f"{SHARDS_BEFORE} -> {SHARDS_AFTER}",
        "reshard_s": round(reshard_s, 3),
        "copy_floor_s": round(floor_s, 3),
        "copy_floor_per_table_s": {table: round(seconds, 3) for table, seconds in floor.items()},
        "ratio": round(reshard_s / floor_s, 2),
        "lock_samples": sampler.samples,
        "locks": sampler.summary(),
        **(
            {
                "reads": {reader.table: reader.reads for reader in readers},
                "slowest_read_s": {reader.table: round(reader.slowest, 3) for reader in readers},
                "reads_over_100ms": [
                    {"table": reader.table, "from_s": round(began, 3), "waited_s": round(ended - began, 3)}
                    for reader in readers
                    for began, ended in reader.long
                ],
            }
            if read
            else {}
        ),
    }


def verify(conn: psycopg.Connection, before: dict[str, tuple[int, int]]) -> None:
    """Raise ReshardFailed unless every row is kept, every table of the group is in SHARDS_AFTER
    shards, and the foreign keys are there and validated."""
    after = digests(conn)
    if after != before:
        raise ReshardFailed(f"the rows changed: {before} before, {after} after")
    shards = {name: (count, real) for name, count, real in conn.execute(SHARD_COUNTS, [list(TABLES)])}
    if shards != {table: (SHARDS_AFTER, SHARDS_AFTER) for table in TABLES}:
        raise ReshardFailed(f"the group is not in {SHARDS_AFTER} shards: {shards}")
    keys = conn.execute(FOREIGN_KEYS, [list(TABLES)]).fetchall()
    if sorted(table for table, _, _ in keys) != ["channels", "messages"] or not all(v for _, _, v in keys):
        raise ReshardFailed(f"the foreign keys are missing or not validated: {keys}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=textwrap.dedent(__doc__ or ""), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in messages (default 1000000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--verbose", action="store_true", help="print the runner's progress and the reader's waits to stderr"
    )
    parser.add_argument(
        "--reader",
        action="store_true",
        help="read guilds and messages by key on another connection meanwhile",
    )
    args = parser.parse_args(argv)
    try:
        result = measure(args.rows, args.verbose, args.reader)
    except ReshardFailed as failure:
        sys.exit(f"shard count change check failed: {failure}")
    if args.json:
        print(json.dumps(result))
        return
    per_table = ", ".join(
        f"{table} {seconds:.3f} s" for table, seconds in result["copy_floor_per_table_s"].items()
    )
    print(
        f"rows {result['rows']} (channels {result['channels']}, guilds {result['guilds']}), shards "
        f"{result['shards']}: migration {result['reshard_s']:.3f} s, "
        f"copy floor {result['copy_floor_s']:.3f} s ({per_table}), ratio {result['ratio']:.2f}"
    )
    print(f"locks held by the migration's sessions on the coordinator ({result['lock_samples']} samples):")
    for entry in result["locks"]:
        print(f"  {entry['statement']}")
        for relation, modes in entry["relations"].items():
            print(f"    {relation}: {'; '.join(modes)}")
    if args.reader:
        slowest = ", ".join(f"{table} {s:.3f} s" for table, s in result["slowest_read_s"].items())
        reads = ", ".join(f"{table} {n}" for table, n in result["reads"].items())
        print(
            f"readers: reads {reads}; slowest {slowest}; "
            f"{len(result['reads_over_100ms'])} over 100 ms: "
            + (
                ", ".join(
                    f"{w['table']} at +{w['from_s']:.2f} s waited {w['waited_s']:.2f} s"
                    for w in result["reads_over_100ms"]
                )
                or "none"
            )
        )


if __name__ == "__main__":
    main()

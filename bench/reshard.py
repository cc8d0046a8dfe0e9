"""Time a planned hash re-shard (modulus 4 -> 8) of N rows against copying the rows once.

On a throwaway cluster: migration 0001 (a hash-partitioned `accounts`, modulus 4, and `events`
referencing it) is written and applied through the runner, N accounts and N events are loaded, then
0002 (modulus 8) is written the way `schemagen migrate new` writes it and applied through the runner:
that apply is `reshard_s`. The floor, in the same run and on the same rows, is one
`INSERT INTO fresh SELECT * FROM accounts` into a plain table with the same columns, primary key and
indexes. After the re-shard the row counts must be unchanged, the rows spread over 8 partitions and
the foreign key validated; otherwise the script fails.

    python bench/reshard.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
import time
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


class ReshardFailed(Exception):
    """The re-shard lost rows, left them in the wrong place, or left the foreign key unvalidated."""


def write_spec(root: Path, modulus: int) -> Path:
    """A one-file spec folder with `accounts` sharded `modulus` ways."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "spec.yaml").write_text(SPEC.format(modulus=modulus), encoding="utf-8")
    return root


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per table."""
    return {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("accounts", "events")
    }


def settle(conn: psycopg.Connection) -> None:
    """Hint bits set, statistics fresh, dirty pages written: each timed step starts from the same state."""
    conn.execute("VACUUM (ANALYZE)")
    conn.execute("CHECKPOINT")


def measure(rows: int, verbose: bool = False) -> dict[str, Any]:
    """Build, load, copy and re-shard on a throwaway cluster; the figures of one run."""
    from schemagen import history
    from schemagen.database import runner
    from schemagen.database.cluster import ThrowawayCluster, connect
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
            start = time.perf_counter()
            conn.execute(FLOOR_TABLE)
            copy_floor_s = time.perf_counter() - start
            conn.execute("DROP TABLE fresh")
            conn.execute("CHECKPOINT")

        migrate_new(MODULUS_AFTER, f"shard_accounts_{MODULUS_AFTER}")
        start = time.perf_counter()
        outcome = runner.apply(dsn, generated, report=report)
        reshard_s = time.perf_counter() - start
        if [m.number for m in outcome.ran] != [2]:
            raise ReshardFailed(f"the runner applied {outcome.ran}, not 0002")

        with connect(dsn, autocommit=True) as conn:
            verify(conn, before)
    return {
        "rows": rows,
        "reshard_s": round(reshard_s, 3),
        "copy_floor_s": round(copy_floor_s, 3),
        "ratio": round(reshard_s / copy_floor_s, 2),
    }


def verify(conn: psycopg.Connection, before: dict[str, int]) -> None:
    """Raise ReshardFailed unless every row is kept, spread over the new partitions, and the declared
    foreign key validated; warn when PostgreSQL left its per-partition clones marked not validated."""
    after = counts(conn)
    if after != before:
        raise ReshardFailed(f"row counts changed: {before} before, {after} after")
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
    parser.add_argument("--verbose", action="store_true", help="print the runner's progress to stderr")
    args = parser.parse_args(argv)
    try:
        result = measure(args.rows, args.verbose)
    except ReshardFailed as failure:
        sys.exit(f"re-shard check failed: {failure}")
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"rows {result['rows']}: re-shard {result['reshard_s']:.3f} s, "
        f"copy floor {result['copy_floor_s']:.3f} s, ratio {result['ratio']:.2f}"
    )


if __name__ == "__main__":
    main()

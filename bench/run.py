"""Time load+validate, render, diff and peak memory of synthetic specs of N entities.

Each size runs in its own Python process, so its peak RSS is its own. The specs come from
`bench/generate.py` (version A, and version B with 5% of the entities changed) and are cached under
`bench/.cache/`, keyed by the generator's text.

    python bench/run.py --sizes 100,1000,10000
    python bench/run.py --sizes 1000 --json --inspect
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"
DEFAULT_SIZES = "100,1000,10000"
INSPECT_DATABASE = "bench_inspect"
# pg_dump takes a lock on every table and partition in one transaction; 64 per connection is too few
# for ten thousand partitions.
CLUSTER_SETTINGS = {"max_locks_per_transaction": "1024"}
COLUMNS = [
    ("n", "N", "{:d}"),
    ("yaml_parse_s", "yaml parse s", "{:.3f}"),
    ("load_validate_s", "load+validate s", "{:.3f}"),
    ("render_s", "render s", "{:.3f}"),
    ("diff_s", "diff s", "{:.3f}"),
    ("migration_s", "up+down s", "{:.3f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.1f}"),
]
INSPECT_COLUMNS = [("inspect_s", "inspect s", "{:.3f}"), ("pg_dump_s", "pg_dump s", "{:.3f}")]

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """The result of `action()` and its wall-clock time in seconds."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def specs(n: int) -> tuple[Path, Path]:
    """The folders of versions A and B of the N-entity spec, generated once per generator text."""
    import generate  # bench/generate.py, next to this file

    digest = hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:12]
    root = CACHE_DIR / digest / str(n)
    folders = (root / "a", root / "b")
    if not (root / "done").exists():
        for folder, version in zip(folders, "ab", strict=True):
            generate.write(n, folder, version)
        (root / "done").touch()
    return folders


def spec_files(root: Path) -> list[Path]:
    """The YAML files of a spec folder, in the order the loader reads them."""
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n: int, spec_a: Path, spec_b: Path, inspect: bool) -> dict[str, Any]:
    """Every figure for one size; runs in the child process."""
    import yaml

    from schemagen.migrate.migration import build_migration, build_up
    from schemagen.pipeline import compile_spec, render_outputs

    files = spec_files(spec_a)
    for path in files:  # warm the page cache so no stage pays for the disk
        path.read_bytes()
    _, yaml_parse_s = timed(
        lambda: [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for p in files]
    )
    before, load_validate_s = timed(lambda: compile_spec(spec_a))
    outputs, render_s = timed(lambda: render_outputs(before.model))
    after = compile_spec(spec_b)
    # `schemagen diff A B`: the up migration, planned and rendered
    _, diff_s = timed(lambda: build_up(before.model, after.model, f"{spec_a} → {spec_b}"))
    # `schemagen migrate new`: both directions
    _, migration_s = timed(lambda: build_migration(before.model, after.model, f"{spec_a} → {spec_b}"))
    result: dict[str, Any] = {
        "n": n,
        "load_validate_s": round(load_validate_s, 4),
        "render_s": round(render_s, 4),
        "diff_s": round(diff_s, 4),
        "migration_s": round(migration_s, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "yaml_parse_s": round(yaml_parse_s, 4),
    }
    if inspect:
        result.update(measure_inspect(outputs["schema.sql"]))
    return result


def measure_inspect(schema_sql: str) -> dict[str, float]:
    """`schemagen.database.inspect` against `pg_dump --schema-only` of the database schema.sql builds."""
    from unittest import mock

    from schemagen.database import cluster as pg
    from schemagen.database.inspect import inspect

    with mock.patch.dict(pg.SERVER_SETTINGS, CLUSTER_SETTINGS), pg.ThrowawayCluster() as server:
        dsn = server.create_database(INSPECT_DATABASE)
        with pg.connect(dsn, autocommit=True) as conn, conn.transaction():
            conn.execute(schema_sql.encode(), prepare=False)
        with pg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
        bin_dir = pg.find_server_bin()
        pg_dump = str(bin_dir / "pg_dump") if bin_dir else "pg_dump"
        dump = [pg_dump, "--schema-only", "--no-sync", "-f", os.devnull, "-d", dsn]
        subprocess.run(dump, check=True)  # once untimed, so both start with a warm catalog cache
        _, pg_dump_s = timed(lambda: subprocess.run(dump, check=True))
        _, inspect_s = timed(lambda: inspect(dsn))
    return {"inspect_s": round(inspect_s, 4), "pg_dump_s": round(pg_dump_s, 4)}


def run_child(n: int, inspect: bool) -> dict[str, Any]:
    """Measure size `n` in a fresh interpreter; its last stdout line is the JSON result."""
    spec_a, spec_b = specs(n)
    command = [sys.executable, __file__, "--child", str(n), "--spec-a", str(spec_a), "--spec-b", str(spec_b)]
    if inspect:
        command.append("--inspect")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"N={n}: the measuring process failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table_row(columns: list[tuple[str, str, str]], values: dict[str, Any] | None) -> str:
    """One line of the table: the titles when `values` is None."""
    cells = [title if values is None else fmt.format(values[key]) for key, title, fmt in columns]
    widths = [max(len(title), 8) for _, title, _ in columns]
    return "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated N (default {DEFAULT_SIZES})")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per size")
    parser.add_argument(
        "--inspect",
        action="store_true",
        help="also time inspect vs pg_dump --schema-only on a throwaway cluster (slow: builds the database)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--spec-a", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spec-b", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child, args.spec_a, args.spec_b, args.inspect)))
        return
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    columns = COLUMNS + (INSPECT_COLUMNS if args.inspect else [])
    if not args.json:
        print(table_row(columns, None), flush=True)
    for n in sizes:
        result = run_child(n, args.inspect)
        print(json.dumps(result) if args.json else table_row(columns, result), flush=True)


if __name__ == "__main__":
    main()

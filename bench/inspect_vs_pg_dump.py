"""Time `schemagen inspect` of a generated database against `pg_dump --schema-only` of the same one.

The database is the N-entity synthetic spec of `generate.py` (version A), rendered and applied to a
throwaway cluster. Each command then runs `--repeat` times after one untimed warm-up run of each,
and the median of each figure is printed:

- wall: the command's elapsed time;
- client CPU: user + system time of the command's own process (`python -m schemagen inspect`, which
  starts, reads the catalog and writes the spec files; `pg_dump`, a C program);
- server CPU: user + system time the PostgreSQL server spent meanwhile (its postmaster and every
  process under it, those that exited included), which is where the catalog queries run.

A third row, "python importing inspect's libraries", is the floor of any inspect written in Python: a
process that only imports psycopg, pglast, PyYAML and click (no work, no connection); a fourth, the
floor of schemagen's: the same process importing schemagen's Model too (its classes are what the
catalog is read into and the spec written from). A fifth, "python reading the catalog", is the floor of
any inspect on psycopg that reads what this one reads: a process that imports psycopg, connects and
sends the catalog queries every inspection sends (`database/inspect/prefetch.py`, in one transaction),
and does nothing with the rows.

`--before DIR` adds a row for another version of schemagen (a checkout or `git archive` of it in DIR),
run in the same rounds as the others: each round runs every command once, so a busy spell of the
machine slows them alike. The children run with PYTHONDONTWRITEBYTECODE unset, so every version
imports from its `.pyc` files after the warm-up round.

`--stages` also times the stages of inspect inside this process: reading the catalog into a Model
(`inspect`, warnings included) and writing the spec files (`write_spec`). `--dsn` measures an
existing database instead (its server's CPU only with `--data-dir`, the cluster's data directory),
e.g. two versions of schemagen on one database: the command is `python -m schemagen`, so PYTHONPATH
chooses the version. `--sql FILE` (repeatable) measures an application's schema instead of the
synthetic one: the files (a structure.sql, then rows) are run in order in a throwaway database.
`--min` prints the minimum of the runs instead of the median (the machine is shared: the least
disturbed run).

    python bench/inspect_vs_pg_dump.py 1000 --repeat 3 --stages
    python bench/rails_structure.py > /tmp/rails.sql   # 137 tables, ~750 indexes, 43 enums
    python bench/inspect_vs_pg_dump.py --sql /tmp/rails.sql --repeat 7 --min
    git archive main | tar -x -C /tmp/sg_before
    python bench/inspect_vs_pg_dump.py --sql /tmp/rails.sql --repeat 7 --min --before /tmp/sg_before
    python bench/inspect_vs_pg_dump.py --sql tests/adoption/billing_structure.sql \
        --sql tests/adoption/billing_rows.sql --repeat 7 --min
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DATABASE = "bench_inspect"
# pg_dump takes a lock on every table and partition in one transaction; 64 per connection is too few
# for ten thousand partitions. Autovacuum off: nothing but the timed command runs on the server.
CLUSTER_SETTINGS = {"max_locks_per_transaction": "1024", "autovacuum": "off"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CATALOG_FLOOR = """
import sys
from schemagen.database.catalog import OUTPUT_SETTINGS
from schemagen.database.cluster import connect
from schemagen.database.inspect.prefetch import Prefetch
with connect(sys.argv[1], autocommit=True) as conn, conn.transaction(force_rollback=True):
    Prefetch(conn, None, OUTPUT_SETTINGS).wait()
"""
LABELS = {
    "pg_dump": "pg_dump --schema-only",
    "before": "schemagen inspect -o DIR, before",
    "inspect": "schemagen inspect -o DIR",
    "libraries": "python importing inspect's libraries",
    "model": "python importing them and the Model",
    "catalog": "python reading the catalog",
    "inspect()": "in process: inspect()",
    "write_spec()": "in process: write_spec()",
}


def server_cpu(data_dir: Path | None) -> float:
    """CPU seconds the server has used so far: the postmaster's own, that of its children that
    exited (reaped: counted in its cutime/cstime), and that of its children still running; 0 when its
    data directory is not known."""
    if data_dir is None:
        return 0.0
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    total = _proc_times(postmaster, children_too=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(postmaster):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:  # ppid
                total += _proc_times(int(entry.name), children_too=False)
    return total


def _proc_times(pid: int, *, children_too: bool) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14–17
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + ((cutime + cstime) if children_too else 0)) / CLOCK_TICKS


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(command: list[str], data_dir: Path | None, path: str | None = None) -> dict[str, float]:
    """Wall, client CPU and server CPU of one run of `command` (a subprocess); `path`: its PYTHONPATH
    instead of this process's (run from a folder without `schemagen/`, which `-m` would put first).
    It may write `.pyc` files, as a user's installation has them."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if path is not None:
        env["PYTHONPATH"] = path
    server_before, client_before = server_cpu(data_dir), children_cpu()
    start = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tempfile.gettempdir() if path is not None else None,
    )
    wall = time.perf_counter() - start
    time.sleep(0.2)  # let the server reap the backend, so its CPU lands in the postmaster's cutime
    return {
        "wall_s": wall,
        "client_cpu_s": children_cpu() - client_before,
        "server_cpu_s": server_cpu(data_dir) - server_before,
    }


def run_stage(action: Callable[[], Any], data_dir: Path | None) -> tuple[Any, dict[str, float]]:
    """Wall, this process's CPU and the server's CPU of `action()`."""
    server_before, client_before = server_cpu(data_dir), time.process_time()
    start = time.perf_counter()
    result = action()
    wall = time.perf_counter() - start
    client = time.process_time() - client_before
    time.sleep(0.2)
    server = server_cpu(data_dir) - server_before
    return result, {"wall_s": wall, "client_cpu_s": client, "server_cpu_s": server}


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}


def minimum(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(min(r[key] for r in runs), 3) for key in runs[0]}


SUMMARY: Callable[[list[dict[str, float]]], dict[str, float]] = median


def measure(
    dsn: str, data_dir: Path | None, repeat: int, stages: bool, before: Path | None = None
) -> dict[str, Any]:
    """The figures of pg_dump and of `schemagen inspect` (with `stages`, of its stages too) on `dsn`;
    with `before`, of the schemagen in that folder too."""
    import schemagen
    from schemagen.build.writer import write_spec
    from schemagen.database import cluster as pg
    from schemagen.database.inspect import inspect

    results: dict[str, Any] = {}
    with pg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p')"
            " AND relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    results["relations"] = row[0] if row else 0
    bin_dir = pg.find_server_bin()
    pg_dump = [str(bin_dir / "pg_dump") if bin_dir else "pg_dump", "--schema-only", "--no-sync"]
    pg_dump += ["-f", os.devnull, "-d", dsn]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "spec"
        command = [sys.executable, "-m", "schemagen", "inspect", "--dsn", dsn, "-o", str(out)]
        # the floor of any inspect in Python: the interpreter and the libraries it cannot do without
        libraries = [sys.executable, "-c", "import psycopg, pglast, yaml, click"]
        commands: list[tuple[str, list[str], str | None]] = [("pg_dump", pg_dump, None)]
        # this process's schemagen, wherever the child is run from
        this = str(Path(schemagen.__file__).resolve().parent.parent)
        if before is not None:
            commands.append(("before", command, str(before.resolve())))
        # and the Model's classes, which import pglast (and which any reading of a catalog builds)
        model = [sys.executable, "-c", "import psycopg, pglast, yaml, click, schemagen.model"]
        # the catalog queries alone: psycopg imported, connected, every query sent, the rows left unread
        catalog = [sys.executable, "-c", CATALOG_FLOOR, dsn]
        commands += [("inspect", command, this), ("libraries", libraries, None), ("model", model, this)]
        commands.append(("catalog", catalog, this))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in commands}
        for timed in (False, *([True] * repeat)):  # one warm-up run of each first
            for name, argv, path in commands:
                shutil.rmtree(out, ignore_errors=True)
                figures = run_command(argv, data_dir, path)
                if timed:
                    runs[name].append(figures)
        if stages:
            runs.update({"inspect()": [], "write_spec()": []})
            for _ in range(repeat):
                shutil.rmtree(out, ignore_errors=True)
                found, read = run_stage(lambda: inspect(dsn), data_dir)
                _, written = run_stage(lambda found=found: write_spec(found.model, out), data_dir)
                runs["inspect()"].append(read)
                runs["write_spec()"].append(written)
    results.update({name: SUMMARY(figures) for name, figures in runs.items()})
    return results


def build_and_measure(n: int, repeat: int, stages: bool, before: Path | None) -> dict[str, Any]:
    """The N-entity spec's schema.sql applied to a throwaway cluster, then measured."""
    from unittest import mock

    from run import specs  # bench/run.py: the generated specs, cached

    from schemagen.database import cluster as pg
    from schemagen.pipeline import compile_spec
    from schemagen.render.render import render_schema

    spec_a, _ = specs(n)
    schema_sql = render_schema(compile_spec(spec_a).model)
    with mock.patch.dict(pg.SERVER_SETTINGS, CLUSTER_SETTINGS), pg.ThrowawayCluster() as server:
        dsn = server.create_database(DATABASE)
        with pg.connect(dsn, autocommit=True) as conn, conn.transaction():
            conn.execute(schema_sql.encode(), prepare=False)
        with pg.connect(dsn, autocommit=True) as conn:
            conn.execute("ANALYZE")
            conn.execute("CHECKPOINT")
        return measure(dsn, server.directory / "data", repeat, stages, before)


def load_and_measure(files: list[Path], repeat: int, stages: bool, before: Path | None) -> dict[str, Any]:
    """The SQL `files` run in order in a database of a throwaway cluster, then measured."""
    from unittest import mock

    from schemagen.database import cluster as pg

    with mock.patch.dict(pg.SERVER_SETTINGS, CLUSTER_SETTINGS), pg.ThrowawayCluster() as server:
        dsn = server.create_database(DATABASE)
        with pg.connect(dsn, autocommit=True) as conn:
            for file in files:
                conn.execute(file.read_bytes(), prepare=False)
            conn.execute("ANALYZE")
            conn.execute("CHECKPOINT")
        return measure(dsn, server.directory / "data", repeat, stages, before)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="?", default=1000, help="number of entities (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (default 3)")
    parser.add_argument("--stages", action="store_true", help="also time inspect's stages in this process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--dsn", help="measure this database instead of building one")
    parser.add_argument("--data-dir", type=Path, help="with --dsn: its cluster's data directory (server CPU)")
    parser.add_argument(
        "--sql", type=Path, action="append", help="measure a throwaway database these files build (in order)"
    )
    parser.add_argument("--min", action="store_true", help="the minimum of the runs, not the median")
    parser.add_argument(
        "--before", type=Path, help="also time the schemagen of this folder (its PYTHONPATH), same rounds"
    )
    args = parser.parse_args(argv)
    global SUMMARY
    if args.min:
        SUMMARY = minimum
    sys.path.insert(0, str(BENCH_DIR))

    import schemagen

    results: dict[str, Any] = {"n": args.n, "repeat": args.repeat, "schemagen": schemagen.__file__}
    if args.sql:
        results["n"] = None
        results["sql"] = [str(f) for f in args.sql]
        results.update(load_and_measure(args.sql, args.repeat, args.stages, args.before))
    elif args.dsn:
        results.update(measure(args.dsn, args.data_dir, args.repeat, args.stages, args.before))
    else:
        results.update(build_and_measure(args.n, args.repeat, args.stages, args.before))
    if args.json:
        print(json.dumps(results))
        return
    print(f"schemagen from {Path(results['schemagen']).parent}")
    summary = "minimum" if args.min else "median"
    print(f"{results['relations']} tables and partitions; {summary} of {args.repeat} runs")
    print(f"{'':38}{'wall s':>10}{'client CPU s':>14}{'server CPU s':>14}")
    for key, label in LABELS.items():
        if key in results:
            r = results[key]
            print(f"{label:38}{r['wall_s']:>10.3f}{r['client_cpu_s']:>14.3f}{r['server_cpu_s']:>14.3f}")


if __name__ == "__main__":
    main()

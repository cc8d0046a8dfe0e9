"""Time load+validate, render, diff and peak memory of synthetic specs of N entities.

Each size runs in its own Python process, so its peak RSS is its own. The specs come from
`bench/generate.py` (version A, and version B with 5% of the entities changed) and are cached under
`bench/.cache/`, keyed by the generator's text.

    python bench/run.py --sizes 100,1000,10000
    python bench/run.py --sizes 1000 --json --inspect
    python bench/run.py --cli --sizes 100,300,1000,3000 --plot bench/cli.png

`--cli` times whole commands instead of stages: each command is a fresh process (`schemagen render`,
`validate`, `diff A B`, ...), its CPU time (user + system) the best of `--runs` runs, beside the
"compose floor", a process that only composes the same YAML files with PyYAML's C loader.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
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
    # as `schemagen render` does: the built-in templates, their output proven to parse by the tests
    outputs, render_s = timed(lambda: render_outputs(before.model, parse_all=False))
    after = compile_spec(spec_b)
    # `schemagen diff A B`: the up migration, planned and rendered
    _, diff_s = timed(lambda: build_up(before.model, after.model, f"{spec_a} → {spec_b}"))

    # `schemagen migrate new`: both directions, planned and rendered (a Migration renders a file when
    # it is first read)
    def migration_texts() -> tuple[str, str]:
        migration = build_migration(before.model, after.model, f"{spec_a} → {spec_b}")
        return migration.up_sql, migration.down_sql

    _, migration_s = timed(migration_texts)
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


# --cli: whole commands as fresh processes ------------------------------------------------------------

CLI_RUNS = 5
#: A process that composes (parses to nodes, builds no Python objects) every YAML file it is given:
#: the floor of any command that reads those specs.
COMPOSE = (
    "import sys, yaml\n"
    "for path in sys.argv[1:]:\n"
    "    with open(path, 'rb') as f:\n"
    "        yaml.compose(f, Loader=yaml.CSafeLoader)\n"
)
#: Children run without PYTHONDONTWRITEBYTECODE: the warm-up run writes the .pyc files (and fills
#: the template cache), as an installed package has them. Their cache folder (compiled templates,
#: `check`'s clean trees) is the bench's own, made by `measure_cli`.
CHILD_ENV = {
    k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SCHEMAGEN_NO_CACHE")
}


def schemagen_argv() -> list[str]:
    """The installed `schemagen` script next to this interpreter, else `python -m schemagen`."""
    script = Path(sys.executable).parent / "schemagen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "schemagen"]


#: Commands run with `check`'s cache of clean trees emptied first (schemagen/gate_cache.py): the
#: figure of a tree changed since its last check; the compiled templates stay cached.
COLD = {"schemagen check (example, cold)"}


def forget_clean_trees() -> None:
    shutil.rmtree(Path(CHILD_ENV["XDG_CACHE_HOME"]) / "schemagen" / "check", ignore_errors=True)


def run_once(argv: list[str], cwd: Path, cold: bool = False) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `argv`; CPU is user + system of the child."""
    if cold:
        forget_clean_trees()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=CHILD_ENV, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed (exit {done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def best_of(commands: dict[str, list[str]], runs: int, cwd: Path = ROOT) -> dict[str, dict[str, float]]:
    """The best CPU and wall time of each command over `runs` rounds, after one untimed warm-up round.
    Each round runs every command once, so a busy spell of the machine slows all of them alike."""
    for argv in commands.values():
        run_once(argv, cwd)
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            timings[name].append(run_once(argv, cwd, cold=name in COLD))
    return {
        name: {"cpu_s": min(c for c, _ in found), "wall_s": min(w for _, w in found)}
        for name, found in timings.items()
    }


def cli_commands(spec_a: Path, spec_b: Path, out: Path) -> dict[str, list[str]]:
    """Every command timed at one size, by name; the floors first."""
    tool = schemagen_argv()
    compose = [sys.executable, "-c", COMPOSE]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "compose floor A": [*compose, *map(str, spec_files(spec_a))],
        "compose floor A+B": [*compose, *map(str, spec_files(spec_a) + spec_files(spec_b))],
        "schemagen --help": [*tool, "--help"],
        "schemagen validate A": [*tool, "validate", str(spec_a)],
        "schemagen render A": [*tool, "render", str(spec_a), "-o", str(out)],
        "schemagen diff A B": [*tool, "diff", str(spec_a), str(spec_b)],
    }


#: The floor each command is compared with.
FLOOR_OF = {"schemagen diff A B": "compose floor A+B"}
#: Commands that do not depend on N, timed once: in the checkout, so `check` is of the example
#: project (spec/ and generated/), on an unchanged tree: answered from its cache of clean trees, and
#: cold (that cache emptied before each run).
EXAMPLE_COMMANDS = {
    "schemagen --version": ["--version"],
    "schemagen validate (example)": ["validate", "spec"],
    "schemagen check (example)": ["check"],
    "schemagen check (example, cold)": ["check"],
}


def measure_cli(sizes: list[int], runs: int) -> dict[str, Any]:
    """{"sizes": {N: {command: {cpu_s, wall_s}}}, "example": {command: {cpu_s, wall_s}}}."""
    results: dict[str, Any] = {"runs": runs, "sizes": {}, "example": {}}
    cache = tempfile.mkdtemp(prefix="schemagen-bench-cache-")
    CHILD_ENV["XDG_CACHE_HOME"] = cache
    try:
        return _measure_cli(sizes, runs, results)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _measure_cli(sizes: list[int], runs: int, results: dict[str, Any]) -> dict[str, Any]:
    tool = schemagen_argv()
    results["example"] = best_of({name: [*tool, *args] for name, args in EXAMPLE_COMMANDS.items()}, runs)
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as scratch:
        for n in sizes:
            spec_a, spec_b = specs(n)
            out = Path(scratch) / str(n)
            results["sizes"][n] = best_of(cli_commands(spec_a, spec_b, out), runs)
            shutil.rmtree(out, ignore_errors=True)
    return results


def floor_name(command: str) -> str | None:
    """The floor a command's × floor column divides by: A+B for `diff`, A for the other commands."""
    if not command.startswith("schemagen "):
        return None
    return FLOOR_OF.get(command, "compose floor A")


def cli_table(results: dict[str, Any]) -> str:
    """Rows of commands, per size its best CPU seconds and its multiple of its floor."""
    sizes = list(results["sizes"])
    head = f"{'command (CPU s, best of ' + str(results['runs']) + ')':<30}"
    head += "".join(f"{'N=' + str(n):>10}{'× floor':>9}" for n in sizes)
    lines = [head]
    names = list(next(iter(results["sizes"].values()))) if sizes else []
    for name in names:
        line = f"{name:<30}"
        for n in sizes:
            row = results["sizes"][n]
            floor = floor_name(name)
            ratio = f"{row[name]['cpu_s'] / row[floor]['cpu_s']:.2f}" if floor else ""
            line += f"{row[name]['cpu_s']:>10.3f}{ratio:>9}"
        lines.append(line)
    for name, row in results["example"].items():
        lines.append(f"{name:<30}{row['cpu_s']:>10.3f}   (wall {row['wall_s']:.3f} s)")
    return "\n".join(lines)


def cli_plot(results: dict[str, Any], path: Path) -> None:
    """CPU seconds against N, log-log, each command beside its floor (dashed, same colour)."""
    import matplotlib  # the `bench` extra

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"])
    fig, axes = plt.subplots(figsize=(8, 5.5))

    def line(name: str, style: str, label: str | None = None, **options: Any) -> None:
        times = [results["sizes"][n][name]["cpu_s"] for n in sizes]
        axes.plot(sizes, times, style, label=label or name, **options)

    line("schemagen validate A", "o-", color="tab:blue")
    line("schemagen render A", "s-", color="tab:orange")
    line("schemagen diff A B", "^-", color="tab:green")
    line("compose floor A", "--", "compose floor A (of validate, render)", color="tab:blue", alpha=0.7)
    line("compose floor A+B", "--", "compose floor A+B (of diff)", color="tab:green", alpha=0.7)
    line("schemagen --help", ":", color="black", alpha=0.6)
    line("python -c pass", "-.", color="black", alpha=0.6)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(sizes, [str(n) for n in sizes])
    axes.set_xlabel("N entities (bench/generate.py)")
    axes.set_ylabel(f"CPU seconds of the whole process (best of {results['runs']})")
    axes.set_title("schemagen commands against the YAML compose floor")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


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
    parser.add_argument(
        "--cli", action="store_true", help="time whole commands as processes, against the compose floor"
    )
    parser.add_argument("--runs", type=int, default=CLI_RUNS, help=f"with --cli: runs each ({CLI_RUNS})")
    parser.add_argument("--plot", type=Path, help="with --cli: write a PNG of time against N here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--spec-a", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spec-b", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child, args.spec_a, args.spec_b, args.inspect)))
        return
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if args.cli:
        results = measure_cli(sizes, args.runs)
        print(json.dumps(results) if args.json else cli_table(results), flush=True)
        if args.plot:
            cli_plot(results, args.plot)
        return
    columns = COLUMNS + (INSPECT_COLUMNS if args.inspect else [])
    if not args.json:
        print(table_row(columns, None), flush=True)
    for n in sizes:
        result = run_child(n, args.inspect)
        print(json.dumps(result) if args.json else table_row(columns, result), flush=True)


if __name__ == "__main__":
    main()

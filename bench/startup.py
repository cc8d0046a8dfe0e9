"""How long the command line takes to start: `schemagen --help`, `--version`, `validate spec/` and
`check` (the example project, an unchanged tree), each run as a fresh process, several times; the best
of the runs is the figure, as the machine is shared and a run can only be slowed down by other work,
never sped up.

    python bench/startup.py [--runs 15] [--json] [--source DIR ...]

`--source DIR` times the schemagen of another checkout (say, of the commit before a change) with this
one's interpreter and packages: DIR is put first on the path, ahead of the editable install. Given
more than once (`--source /tmp/before --source .`), the checkouts take turns run by run, command by
command, so that a change in the machine's load falls on each alike; each gets its table.

Children run without PYTHONDONTWRITEBYTECODE, so the warm-up run writes the `.pyc` files an installed
package has (without them every run compiles the package's sources), and fills the template cache
(in a cache folder of the bench's own, removed at the end). `schemagen check` answers an unchanged
tree from its cache of clean trees (`schemagen/gate_cache.py`); `check (cold)` is the same command with
that cache emptied before each run, the figure of a tree changed since its last check.
Both wall time and the CPU time of the process (user + system) are shown: on a busy machine wall time
waits for a core, CPU time does not. The `python -c pass` line is the interpreter's own floor.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": None,
    "schemagen --help": ["--help"],
    "schemagen --version": ["--version"],
    "schemagen validate spec": ["validate", "spec"],
    "schemagen check": ["check"],
    "schemagen check (cold)": ["check"],
}
#: Commands run with `check`'s cache of clean trees emptied before each run: the figure of a tree
#: changed since the last check (the compiled templates stay cached, as they would).
COLD = {"schemagen check (cold)"}
#: `python -m schemagen ARGS` from the checkout in sys.argv[1] (the editable install's finder removed),
#: run as the program (`main()` reading sys.argv, as `python -m schemagen` does: the program's exit
#: path, without the collector, and `check`'s cache of clean trees, which a caller passing arguments
#: to `main` does not get).
FROM_SOURCE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]; "
    "sys.path.insert(0, sys.argv.pop(1)); from schemagen.cli import main; main()"
)


def argv_of(args: list[str] | None, source: Path | None) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "pass"]
    if source is None:
        return [sys.executable, "-m", "schemagen", *args]
    return [sys.executable, "-c", FROM_SOURCE, str(source), *args]


ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SCHEMAGEN_NO_CACHE")}
#: The children's cache folder (compiled templates, `check`'s clean trees): the bench's own.
CACHE = Path(tempfile.mkdtemp(prefix="schemagen-bench-cache-"))


def cache_of(argv: list[str]) -> Path:
    """The cache folder of the children running `argv`'s checkout: one each, so that checkouts taking
    turns do not replace each other's clean tree (a pair of folders has one slot)."""
    from_source = argv[1] == "-c" and argv[2] == FROM_SOURCE
    return CACHE / (str(abs(hash(argv[3]))) if from_source else "here")


def forget_clean_trees(argv: list[str]) -> None:
    shutil.rmtree(cache_of(argv) / "schemagen" / "check", ignore_errors=True)


def measure(argv: list[str], cold: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `argv`."""
    if cold:
        forget_clean_trees(argv)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**ENV, "XDG_CACHE_HOME": str(cache_of(argv))}
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--source", type=Path, action="append", default=None, help="time the schemagen of this checkout"
    )
    args = parser.parse_args()
    atexit.register(shutil.rmtree, CACHE, ignore_errors=True)
    sources: list[Path | None] = [s.resolve() for s in args.source] if args.source else [None]
    results: dict[str, dict[str, dict[str, float]]] = {str(s or ROOT): {} for s in sources}
    for name, command in COMMANDS.items():
        argvs = [argv_of(command, source) for source in sources]
        for argv in argvs:
            measure(argv)  # warm: .pyc files written, pages cached
        runs: list[list[tuple[float, float]]] = [[] for _ in sources]
        for _ in range(args.runs):
            for taken, argv in zip(runs, argvs, strict=True):
                taken.append(measure(argv, cold=name in COLD))
        for source, taken in zip(sources, runs, strict=True):
            walls, cpus = sorted(w for w, _ in taken), sorted(c for _, c in taken)
            results[str(source or ROOT)][name] = {
                "wall_min_s": walls[0],
                "wall_median_s": walls[len(walls) // 2],
                "cpu_min_s": cpus[0],
                "cpu_median_s": cpus[len(cpus) // 2],
            }
    if args.json:
        print(json.dumps(results if len(sources) > 1 else results[str(sources[0] or ROOT)], indent=2))
        return
    for label, table in results.items():
        if len(sources) > 1:
            print(f"schemagen of {label}")
        print(f"{args.runs} runs each; best and median")
        print(f"{'command':<26} {'wall s':>7} {'(median)':>9} {'CPU s':>7} {'(median)':>9}")
        for name, r in table.items():
            print(
                f"{name:<26} {r['wall_min_s']:7.3f} {r['wall_median_s']:9.3f} "
                f"{r['cpu_min_s']:7.3f} {r['cpu_median_s']:9.3f}"
            )


if __name__ == "__main__":
    main()

"""How long the command line takes to start: `schemagen --help`, `--version`, `validate spec/` and
`check` (the example project, an unchanged tree), each run as a fresh process, several times; the best
of the runs is the figure, as the machine is shared and a run can only be slowed down by other work,
never sped up.

    python bench/startup.py [--runs 15] [--json] [--source DIR]

`--source DIR` times the schemagen of another checkout (say, of the commit before a change) with this
one's interpreter and packages: DIR is put first on the path, ahead of the editable install.

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
#: `python -m schemagen ARGS` from the checkout in sys.argv[1] (the editable install's finder removed).
FROM_SOURCE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]; "
    "sys.path.insert(0, sys.argv.pop(1)); from schemagen.cli import main; main(sys.argv[1:])"
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
ENV["XDG_CACHE_HOME"] = str(CACHE)


def forget_clean_trees() -> None:
    shutil.rmtree(CACHE / "schemagen" / "check", ignore_errors=True)


def measure(argv: list[str], cold: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `argv`."""
    if cold:
        forget_clean_trees()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--source", type=Path, default=None, help="time the schemagen of this checkout")
    args = parser.parse_args()
    atexit.register(shutil.rmtree, CACHE, ignore_errors=True)
    results = {}
    for name, command in COMMANDS.items():
        argv = argv_of(command, args.source.resolve() if args.source else None)
        measure(argv)  # warm: .pyc files written, pages cached
        runs = [measure(argv, cold=name in COLD) for _ in range(args.runs)]
        walls, cpus = sorted(w for w, _ in runs), sorted(c for _, c in runs)
        results[name] = {
            "wall_min_s": walls[0],
            "wall_median_s": walls[len(walls) // 2],
            "cpu_min_s": cpus[0],
            "cpu_median_s": cpus[len(cpus) // 2],
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.runs} runs each; best and median")
    print(f"{'command':<26} {'wall s':>7} {'(median)':>9} {'CPU s':>7} {'(median)':>9}")
    for name, r in results.items():
        print(
            f"{name:<26} {r['wall_min_s']:7.3f} {r['wall_median_s']:9.3f} "
            f"{r['cpu_min_s']:7.3f} {r['cpu_median_s']:9.3f}"
        )


if __name__ == "__main__":
    main()

"""Profile load+validate, render and diff of the N-entity synthetic spec with cProfile.

Prints, per stage, the functions of the `schemagen` package with the most cumulative time (and,
with `--all`, every function, libraries included). With `--pyinstrument` (if installed) prints
pyinstrument's call tree instead, whose sampling does not inflate call-heavy code the way cProfile does.

    python bench/profiling.py 1000
    python bench/profiling.py 1000 --stage diff --top 25 --sort tottime
    python bench/profiling.py 1000 --stage validate --top 30 --sort tottime   # `validate` is `load`
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from collections.abc import Callable
from pathlib import Path
from typing import Any

from run import specs

STAGES = ("load", "render", "diff")
PACKAGE_MARK = "/schemagen/"


def stage_actions(n: int) -> dict[str, tuple[Callable[[], Any], Callable[[], None]]]:
    """For each stage: the action to profile, and what must run (unprofiled) before it."""
    from schemagen.migrate.migration import build_up
    from schemagen.pipeline import compile_spec, render_outputs

    spec_a, spec_b = specs(n)
    state: dict[str, Any] = {}

    def compiled() -> None:
        state.setdefault("a", compile_spec(spec_a))

    def both() -> None:
        compiled()
        state.setdefault("b", compile_spec(spec_b))

    return {
        "load": (lambda: compile_spec(spec_a), lambda: None),
        "render": (lambda: render_outputs(state["a"].model, parse_all=False), compiled),
        "diff": (lambda: build_up(state["a"].model, state["b"].model, "a → b"), both),
    }


def top_entries(profile: cProfile.Profile, top: int, everything: bool, sort: str = "cumulative") -> str:
    """The `top` entries by `sort` (cumulative or own time), restricted to schemagen's own functions
    unless `everything`."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(sort)
    stats.print_stats(*(() if everything else (PACKAGE_MARK,)), top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line.replace(str(Path.cwd()) + "/", "") for line in lines[start:] if line.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="?", default=1000, help="number of entities (default 1000)")
    parser.add_argument(
        "--stage",
        choices=(*STAGES, "validate"),
        action="append",
        help="a stage (default: all three); `validate` is another name of `load` (load+validate)",
    )
    parser.add_argument("--top", type=int, default=10, help="entries per stage (default 10)")
    parser.add_argument("--all", action="store_true", help="list library functions too")
    parser.add_argument(
        "--sort", choices=["cumulative", "tottime"], default="cumulative", help="order of the entries"
    )
    parser.add_argument("--pyinstrument", action="store_true", help="print pyinstrument's call tree instead")
    args = parser.parse_args(argv)
    actions = stage_actions(args.n)
    for stage in args.stage or STAGES:
        stage = "load" if stage == "validate" else stage
        action, prepare = actions[stage]
        prepare()
        print(f"== {stage} (N={args.n})")
        if args.pyinstrument:
            from pyinstrument import Profiler

            with Profiler(interval=0.001) as profiler:
                action()
            print(profiler.output_text(unicode=False, color=False, show_all=args.all))
            continue
        profile = cProfile.Profile()
        profile.runcall(action)
        print(top_entries(profile, args.top, args.all, args.sort))
        print()


if __name__ == "__main__":
    main()

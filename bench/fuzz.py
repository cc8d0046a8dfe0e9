"""The fuzz harness of the test suite (`tests/test_fuzz.py`) at a larger scale, with its figures.

    .venv/bin/python bench/fuzz.py --scale 10

runs every fuzz test with `SCHEMAGEN_FUZZ_SCALE` times as many cases as the suite's default run (a
few hundred), on a throwaway PostgreSQL cluster as the tests start one, and prints the figures the
server-side tests count: the specs drawn, accepted by `validate`, applied by PostgreSQL, refused,
and the accepted specs PostgreSQL rejected (the tests fail on any such spec, so a passing run prints
0). No traceback, no internal error, no signal and no hang are asserted by the tests themselves.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = re.compile(r"^(\{'cases': .*?\})(?:; refused only by stricter rules: (\{.*\}))?$", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=10, help="cases per test, times the suite's default")
    args = parser.parse_args()
    env = {**os.environ, "SCHEMAGEN_FUZZ_SCALE": str(args.scale)}
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/test_fuzz.py"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"scale {args.scale}: {summary} ({elapsed:.0f} s wall)")
    names = ("generated specs", "mutated example specs")
    for name, match in zip(names, FIGURES.finditer(done.stdout), strict=False):
        figures = ast.literal_eval(match.group(1))
        stricter = ast.literal_eval(match.group(2)) if match.group(2) else {}
        accepted = figures.get("accepted", 0)
        announced = figures.get("accepted with a warning of the refusal", 0)
        rejected = 0 if done.returncode == 0 else "see the failure above"
        print(f"\n{name}:")
        for key, value in figures.items():
            print(f"  {key:<40} {value:>6}")
        if stricter:
            print(f"  {'refused only by stricter rules':<40} {stricter}")
        print(f"  accepted without a warning, rejected by PostgreSQL: {rejected} of {accepted - announced}")
    if done.returncode != 0:
        print(done.stdout[-5000:], done.stderr[-2000:], sep="\n")
        raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()

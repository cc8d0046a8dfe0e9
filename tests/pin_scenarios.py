"""Pin the migration text of the scenario folders: write `expected.up.sql` and `expected.down.sql`.

    .venv/bin/python tests/pin_scenarios.py            # every folder under tests/migrations/
    .venv/bin/python tests/pin_scenarios.py renames    # only the named ones

Each file is what `build_migration(A, B, "0002_<case>")` writes today. `test_migration_scenarios.py`
fails with a diff when the planner writes anything else; after a deliberate planner change, run this
and review the change of every migration text in the diff of `tests/migrations/*/expected.*.sql`.
"""

from __future__ import annotations

import sys

from migrations import DIRECTIONS, pinned_sql_path, planned_sql, scenario_cases


def main(cases: list[str]) -> int:
    known = scenario_cases()
    unknown = sorted(set(cases) - set(known))
    if unknown:
        print(f"no such scenario: {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
        return 2
    for case in cases or known:
        for direction in DIRECTIONS:
            path = pinned_sql_path(case, direction)
            text = planned_sql(case, direction).encode("utf-8")
            if path.is_file() and path.read_bytes() == text:
                continue
            path.write_bytes(text)
            print(f"wrote {path.relative_to(path.parents[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

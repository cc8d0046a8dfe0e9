"""What a migration does not plan yet for a table whose name another table of another schema has too
(`tenant_a.accounts` and `tenant_b.accounts`): renames and moves of it or of its columns, a rebuild,
and a change of its partitions. Those parts of the planner still know a table by its name alone, so
such a change is refused with the reason instead of being planned against the wrong table."""

from __future__ import annotations

from collections import Counter

from schemagen.model import Model, Table
from schemagen.plan.errors import PlanError


def shared(a: Model, b: Model) -> frozenset[str]:
    """The table names that name more than one table, in either Model."""
    found: set[str] = set()
    for model in (a, b):
        counts = Counter(t.name for t in model.tables)
        found |= {name for name, count in counts.items() if count > 1}
    return frozenset(found)


def refuse_unplanned(old: Table, new: Table, rebuild: str | None, a: Model, b: Model) -> None:
    """Raise PlanError when `old` → `new` is a change the planner does not make yet for a shared name."""
    if old.name not in shared(a, b) and new.name not in shared(a, b):
        return
    what = None
    if (old.schema, old.name) != (new.schema, new.name):
        what = "renamed or moved to another schema"
    elif any(c.renamed_from for c in new.columns):
        what = "given a column `renamed_from`"
    elif rebuild is not None:
        what = f"rebuilt ({rebuild})"
    elif old.partition != new.partition:
        what = "re-partitioned"
    if what is not None:
        raise PlanError(
            f"table `{new.schema}.{new.name}` is {what}, and another schema has a table named "
            f"`{new.name}` too: such a change is not planned yet for tables of a shared name; make it "
            "it by hand in a migration of your own (`schemagen migrate custom`)",
            new.key,
        )

"""What a migration does not plan yet for a table whose name another table of another schema has too
(`tenant_a.accounts` and `tenant_b.accounts`): renames and moves of it or of its columns, and a
rebuild. Those parts of the planner still know a table by its name alone, so
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


def refuse_renamed(b: Model, shared_names: frozenset[str]) -> None:
    """Raise PlanError for a table of B renamed (`renamed_from`) that is keyed `schema.name`, or whose
    old or new name another schema's table has."""
    for table in b.tables:
        was = table.renamed_from
        if was is None:
            continue
        old_name = was.rsplit(".", 1)[-1]
        if table.spec_key is not None or table.name in shared_names or old_name in shared_names:
            raise PlanError(
                f"table `{table.schema}.{table.name}` is renamed from `{was}`, and another schema has a "
                "table of one of those names: such a rename is not planned yet for tables of a shared name; "
                "make it by hand in a migration of your own (`schemagen migrate custom`)",
                table.key,
            )


def refuse_unplanned(old: Table, new: Table, rebuild: str | None, shared_names: frozenset[str]) -> None:
    """Raise PlanError when `old` → `new` is a change the planner does not make yet for a name of
    `shared_names` (see `shared`)."""
    if old.name not in shared_names and new.name not in shared_names:
        return
    what = None
    if (old.schema, old.name) != (new.schema, new.name):
        what = "renamed or moved to another schema"
    elif any(c.renamed_from for c in new.columns):
        what = "given a column `renamed_from`"
    elif rebuild is not None:
        what = f"rebuilt ({rebuild})"
    if what is not None:
        raise PlanError(
            f"table `{new.schema}.{new.name}` is {what}, and another schema has a table named "
            f"`{new.name}` too: such a change is not planned yet for tables of a shared name; make "
            "it by hand in a migration of your own (`schemagen migrate custom`)",
            new.key,
        )

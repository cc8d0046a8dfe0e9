"""Which tables a migration rebuilds with their rows: the changes PostgreSQL cannot make by altering a
table (a plain table becoming partitioned or back, a new partition key or kind at the top, a
generated column's new expression). The diff plans them as `RebuildTable` (recipes/rebuild.py)."""

from __future__ import annotations

from schemagen.model import Table
from schemagen.plan import schemes
from schemagen.plan.matching import same_expression
from schemagen.plan.renames import Renames


def rebuild_reason(old: Table, new: Table, renames: Renames) -> str | None:
    """Why `old` can become `new` only by a rebuild, or None when it can be altered."""
    if (old.partition is None) != (new.partition is None):
        return "it becomes partitioned" if old.partition is None else "it stops being partitioned"
    if old.partition is not None and new.partition is not None:
        renamed = {
            source: name
            for (table, source), name in renames.columns.items()
            if table == new.key and source in old.column_names and name not in old.column_names
        }
        before = schemes.with_renamed_columns(old.partition, renamed)
        if schemes.structure(before) != schemes.structure(new.partition):
            return (
                f"its partitioning changes from {schemes.describe(old.partition)} to "
                f"{schemes.describe(new.partition)}"
            )
    if all(c.generated is None for c in old.columns) and all(c.generated is None for c in new.columns):
        return None  # no generated column on either side (most tables)
    old_columns = {c.name: c for c in old.columns}
    sources: dict[str, str] = {}  # each column of `new` renamed, by its name: the first rename into it
    for (t, s), n in renames.columns.items():
        if t == new.key:
            sources.setdefault(n, s)
    for column in new.columns:
        was = old_columns.get(sources.get(column.name, column.name))
        if was is not None and not same_expression(was.generated, column.generated):
            return f"the generated expression of {column.name} changes"
    return None

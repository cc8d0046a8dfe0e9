"""Planning changes of a table's partitioning: re-sharding a hash table, moving range windows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from schemagen.model import Table
from schemagen.plan.operations import Operation

if TYPE_CHECKING:
    from schemagen.plan.differ import _Planner


def plan_partitioning(planner: _Planner, old: Table, new: Table) -> Iterator[Operation]:
    """The operations that turn `old`'s partitions into `new`'s (none when they are the same)."""
    from schemagen.plan.differ import PlanError

    if old.partition == new.partition:
        return
    raise PlanError(f"the partitioning of {new.name} changes; planning that is not supported yet")
    yield  # pragma: no cover

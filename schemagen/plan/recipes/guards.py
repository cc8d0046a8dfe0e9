"""Checks of what the rows must allow, run first of all: a migration that cannot succeed on the
database's rows stops before it changes anything, with a message that says why."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import CheckEmpty
from schemagen.plan.operations import Kind, Operation, Phase


def check_empty(change: CheckEmpty) -> Operation:
    """A NOT NULL column without a default goes only into a table without rows."""
    target = f"{change.table.name}.{change.column.name}"
    return Operation(
        Kind.CHECK_EMPTY,
        target,
        f"check that {change.name} holds no rows before {target} (NOT NULL, no default) is added",
        (steps.empty_guard(change.schema, change.name, change.column.name),),
        order=Phase.CHECKS,
        source=change,
    )

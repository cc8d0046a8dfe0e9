"""Model A, Model B → the operations that take a database at A to B, in the order they must run.

Three layers: `diff` compares the Models into typed changes; `recipes` turn each change into an
operation of typed steps (indexes built CONCURRENTLY, constraints added NOT VALID and validated apart,
NOT NULL set through a validated CHECK, partitions moved one transaction at a time); `analyzers` say
what a reviewer must know about each change (destructive changes flagged, so `migrate new` can refuse
them). Then the operations run in phase order, and `locking` makes every unit of work that locks
several tables take them first, in the order applications do.
"""

from __future__ import annotations

from schemagen.model import Model
from schemagen.plan import recipes
from schemagen.plan.analyzers import hazards_of
from schemagen.plan.diff import diff
from schemagen.plan.locking import with_lock_order
from schemagen.plan.operations import Operation
from schemagen.plan.renames import Renames


def plan(a: Model, b: Model, renames: Renames | None = None, *, down: bool = False) -> list[Operation]:
    """The operations that take a database at `a` to `b`, in the order they must run.

    `down`: `b` is the version the database was at before `a` (a down migration), so every column it
    adds is one the up migration dropped with its values: NOT NULL without a default, it comes back
    nullable (SG906) instead of being refused.
    """
    renames = renames if renames is not None else Renames.from_model(b)
    operations = []
    for change in diff(a, b, renames, down=down):
        operation = recipes.operation(change)
        found = hazards_of(change)
        operations.append(operation.with_hazards(found) if found else operation)
    operations.sort(key=lambda op: op.order)  # stable: keeps the order within a phase
    return with_lock_order(operations, a, b)


def plan_down(a: Model, b: Model) -> list[Operation]:
    """The inverse of plan(a, b): from `b` back to `a`."""
    return plan(b, a, Renames.from_model(b).inverse(), down=True)

"""Maintenance of the windows kept over time: what is due on a day, and the operations that do it
(`schemagen partitions maintain`).

`due` compares what the database holds of each kept window (`Observed`, read by
`database.maintenance`) with what `model.lifecycle.due_range` says must exist on the day: the
periods missing from the oldest the table holds to `premake` after today's are created, oldest first
(an expired period is never made again), and the periods whose end is at or before the retention's
cutoff expire, oldest first. Periods the database holds beyond are left alone. `plan` turns what is
due into operations (`recipes.periods`), each unit of work taking its table locks first in the order
applications take them (`locking`), as a migration does. The rendered `schemagen_maintain()` function
makes the same decisions inside the database (`templates/postgres/maintain_function.sql.j2`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from schemagen.model import Model, Table, lifecycle
from schemagen.model.archive import archive_entry
from schemagen.plan import recipes
from schemagen.plan.changes import (
    CreatePeriod,
    DropReferencingForeignKeys,
    ExpirePeriod,
    PeriodState,
    RestoreForeignKey,
)
from schemagen.plan.locking import with_lock_order
from schemagen.plan.operations import Operation
from schemagen.records import dataclass

__all__ = ["BATCH_ROWS", "Due", "LivePartition", "Observed", "due", "plan"]

#: Rows moved per transaction, by default: each batch holds its rows' locks for a moment only.
BATCH_ROWS = 5000

Due = CreatePeriod | ExpirePeriod


@dataclass(frozen=True)
class LivePartition:
    """A partition of a kept window's table in the database: the period it holds (`start`, `end`;
    None for the DEFAULT partition or a bound that is no period of the window), and whether a
    DETACH … CONCURRENTLY of it stopped half-way."""

    name: str
    start: date | None = None
    end: date | None = None
    is_default: bool = False
    detach_pending: bool = False
    schema: str | None = None  # its schema, when not its table's (`names:` may pin another)


@dataclass(frozen=True)
class Observed:
    """What the database holds of one kept window's table: its partitions, the periods whose rows sit
    in its DEFAULT partition (by name), and the expired periods a run detached and stopped before
    archiving or dropping (`lifecycle.expiring_comment`; `expire: drop` or `archive` only)."""

    partitions: tuple[LivePartition, ...]
    in_default: frozenset[str] = frozenset()
    leftovers: tuple[tuple[str | None, str], ...] = ()  # (schema when not the table's, name)

    @property
    def default(self) -> str | None:
        return next((p.name for p in self.partitions if p.is_default), None)


def due(
    model: Model, observed: Mapping[str, Observed], today: date, *, batch: int | None = BATCH_ROWS
) -> list[Due]:
    """What maintenance does on `today` to each kept window `observed` holds, table by table (by name):
    the leftovers of a stopped run finished, the missing periods created, the expired ones expired."""
    found: list[Due] = []
    for table in lifecycle.kept_windows(model):
        held = observed.get(table.name)
        if held is None:
            continue
        window = table.partition.window if table.partition else None
        assert window is not None
        periods = [p for p in held.partitions if p.start is not None and p.end is not None]
        have = {(p.start, p.end) for p in periods}
        oldest = min((p.start for p in periods if p.start is not None), default=None)
        for schema, name in held.leftovers:
            found.append(_expire(model, table, name, "detached", held, batch, schema))
        for child, start, end in lifecycle.periods(table, *lifecycle.due_range(window, today, oldest)):
            if (start, end) in have:
                continue
            found.append(
                CreatePeriod(
                    table,
                    child,
                    held.default,
                    child.name in held.in_default,
                    batch,
                    lifecycle.referenced(table),
                    tuple((t.schema, t.name) for t, _ in lifecycle.referencing(model, table)),
                )
            )
        for period in sorted(periods, key=lambda p: p.start or date.min):
            assert period.end is not None
            if lifecycle.expired(window, period.end, today):
                state: PeriodState = "detaching" if period.detach_pending else "attached"
                found.append(_expire(model, table, period.name, state, held, batch, period.schema))
    return found


def _expire(
    model: Model,
    table: Table,
    child: str,
    state: PeriodState,
    held: Observed,
    batch: int | None,
    child_schema: str | None = None,
) -> ExpirePeriod:
    window = table.partition.window if table.partition else None
    assert window is not None and window.expire is not None
    archive = None
    if window.expire == "archive" and table.archive is not None:
        archive = archive_entry(model, table, table.archive)
    return ExpirePeriod(
        table,
        child,
        window.expire,
        state,
        concurrently=held.default is None,
        batch=batch,
        archive=archive,
        referenced=lifecycle.referenced(table),
        referencing=tuple((t.schema, t.name) for t, _ in lifecycle.referencing(model, table)),
        child_schema=child_schema,
    )


def plan(model: Model, changes: Sequence[Due]) -> list[Operation]:
    """The operations of `changes`, table by table: the leftovers of a stopped run, the new periods, the
    expired ones. Rows that move out of a DEFAULT partition are deleted from it, which would fire the
    ON DELETE actions of the foreign keys that reference the table: those keys are dropped before the
    new periods are made and added back after (NOT VALID, then validated), as a migration's moves do,
    and before the expired periods' rows are archived or deleted, whose ON DELETE actions must run."""
    operations: list[Operation] = []
    by_table: dict[str, list[Due]] = {}
    for change in changes:
        by_table.setdefault(change.table.name, []).append(change)
    for name, table_changes in by_table.items():
        table = table_changes[0].table
        keys = [
            (t, fk)
            for t, fk in lifecycle.referencing(model, table)
            if any(isinstance(c, CreatePeriod) and c.from_default for c in table_changes)
        ]
        creates = [c for c in table_changes if isinstance(c, CreatePeriod)]
        expires = [c for c in table_changes if isinstance(c, ExpirePeriod)]
        leftovers = [c for c in expires if c.state == "detached"]
        operations += [recipes.operation(change) for change in leftovers]
        if keys:
            operations.append(recipes.operation(DropReferencingForeignKeys(table, tuple(keys))))
        operations += [recipes.operation(change) for change in creates]
        operations += [recipes.operation(RestoreForeignKey(t, fk, name)) for t, fk in keys]
        # with the keys back: deleting an expired period's rows runs their ON DELETE actions
        operations += [recipes.operation(change) for change in expires if change.state != "detached"]
    return with_lock_order(operations, model, model)

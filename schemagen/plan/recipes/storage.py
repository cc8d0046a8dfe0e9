"""Storage parameters, set and reset on the table or on every leaf partition of a partitioned one
(PostgreSQL keeps none on the parent; a leaf this migration creates already has them)."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import SetIndexStorage, SetStorage
from schemagen.plan.operations import Kind, Operation, Phase


def set_storage(change: SetStorage) -> Operation:
    table = change.table
    return Operation(
        Kind.SET_STORAGE,
        f"{table.schema}.{table.name}",
        f"set storage parameters of {table.name}: {', '.join(change.names)}",
        tuple(
            steps.set_storage(table.schema, holder, change.set, change.reset)
            for holder in table.storage_holders
        ),
        order=Phase.STORAGE,
        source=change,
    )


def set_index_storage(change: SetIndexStorage) -> Operation:
    table, index = change.table, change.index
    names = [p.name for p in change.set] + list(change.reset)
    return Operation(
        Kind.SET_INDEX_STORAGE,
        f"{table.schema}.{index.name}",
        f"set storage parameters of index {index.name}: {', '.join(names)}",
        (steps.set_index_storage(table.schema, table.name, index, change.set, change.reset),),
        order=Phase.STORAGE,
        source=change,
    )

"""Storage parameters, set and reset on the table or on every leaf partition of a partitioned one
(PostgreSQL keeps none on the parent; a leaf this migration creates already has them); a table made
UNLOGGED or LOGGED."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import SetIndexStorage, SetPersistence, SetStorage
from schemagen.plan.operations import Kind, Operation, Phase


def set_persistence(change: SetPersistence) -> Operation:
    """After the foreign keys that go are dropped and before new ones are added: PostgreSQL lets a
    permanent table reference only permanent ones."""
    table = change.table
    what = "UNLOGGED" if change.unlogged else "LOGGED"
    return Operation(
        Kind.SET_PERSISTENCE,
        f"{table.schema}.{table.name}",
        f"make {table.name} {what}",
        (steps.set_persistence(table, change.unlogged),),
        order=Phase.COLUMNS,
        source=change,
    )


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

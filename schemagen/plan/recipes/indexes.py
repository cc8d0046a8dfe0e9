"""Indexes: built without blocking writes, renamed, dropped.

On an existing table an index is built CONCURRENTLY (outside a transaction); on a partitioned one
ON ONLY the parent, CONCURRENTLY on each partition (named as PostgreSQL names them), then attached; on
a table the same migration creates, plainly (it is empty, and the migration stays transactional).
"""

from __future__ import annotations

from schemagen.model import Index, PartitionScheme, Table
from schemagen.plan import schemes, steps
from schemagen.plan.changes import AddIndex, DropIndex, RenameIndex
from schemagen.plan.operations import Kind, Operation, Phase, Step
from schemagen.plan.recipes.constraints import reread


def add_index(change: AddIndex) -> Operation:
    table, index = change.table, change.index
    schema = table.schema
    if change.on_new_table:
        return Operation(
            Kind.CREATE_INDEX,
            index.name,
            f"create index {index.name} on new table {table.name}",
            (steps.create_index(index, name=index.name, table=table.name, schema=schema),),
            order=Phase.INDEXES,
            source=change,
        )
    if table.partition is None:
        return Operation(
            Kind.CREATE_INDEX,
            index.name,
            f"create index {index.name} concurrently",
            (steps.create_index(index, name=index.name, table=table.name, schema=schema, concurrently=True),),
            order=Phase.INDEXES,
            source=change,
        )
    up = [steps.create_index(index, name=index.name, table=table.name, schema=schema, only=True)]
    up += _partition_index_steps(table, table.name, index.name, table.partition, index)
    return Operation(
        Kind.CREATE_INDEX,
        index.name,
        f"create index {index.name} on partitioned {table.name}: ON ONLY the parent, CONCURRENTLY "
        f"on each partition, then attached",
        tuple(up),
        order=Phase.INDEXES,
        source=change,
    )


def _partition_index_steps(
    table: Table, parent: str, parent_index: str, scheme: PartitionScheme, index: Index
) -> list[Step]:
    """CONCURRENTLY on each leaf, ON ONLY on each partitioned child, then ATTACH, depth first. Each
    partition's index is named as PostgreSQL names it in a fresh database: after the table's other
    indexes, so a second index on the same columns gets a number."""
    up: list[Step] = []
    schema = table.schema
    for child in scheme.children:
        child_index = schemes.clone_index_names(table, child.name, frozenset())[index.name]
        if child.sub is not None:
            up.append(steps.create_index(index, name=child_index, table=child.name, schema=schema, only=True))
            up += _partition_index_steps(table, child.name, child_index, child.sub, index)
        else:
            up.append(
                steps.create_index(
                    index, name=child_index, table=child.name, schema=schema, concurrently=True
                )
            )
        up.append(steps.attach_index(schema, parent, parent_index, child_index))
    return up


def drop_index(change: DropIndex) -> Operation:
    table, index = change.table, change.index
    return Operation(
        Kind.DROP_INDEX,
        index.name,
        f"drop index {index.name}" + (reread(change.rebuilt) if change.reread else ""),
        (steps.drop_index(table.schema, table.name, index.name, partitioned=table.partition is not None),),
        order=Phase.DROP_INDEXES,
        source=change,
    )


def rename_index(change: RenameIndex) -> Operation:
    table = change.table
    return Operation(
        Kind.RENAME_INDEX,
        change.new,
        f"rename index {change.old} to {change.new}",
        (steps.rename_index(table.schema, table.name, change.old, change.new),),
        order=Phase.RENAMES,
        source=change,
    )

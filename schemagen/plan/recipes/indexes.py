"""Indexes: built without blocking writes, renamed, dropped.

On an existing table an index is built CONCURRENTLY (outside a transaction); on a partitioned one
ON ONLY the parent, CONCURRENTLY on each partition (named as PostgreSQL names them), then attached; on
a table the same migration creates, plainly (it is empty, and the migration stays transactional).
"""

from __future__ import annotations

from schemagen.model import Index, PartitionScheme
from schemagen.plan import steps
from schemagen.plan.changes import AddIndex, DropIndex, RenameIndex
from schemagen.plan.operations import Kind, Operation, Phase, Step
from schemagen.plan.recipes.constraints import REREAD
from schemagen.postgres import expressions
from schemagen.postgres.names import partition_index_name


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
    up += _partition_index_steps(table.name, index.name, table.partition, index, schema)
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
    parent: str, parent_index: str, scheme: PartitionScheme, index: Index, schema: str
) -> list[Step]:
    """CONCURRENTLY on each leaf, ON ONLY on each partitioned child, then ATTACH, depth first."""
    up: list[Step] = []
    columns = [e.column or expressions.expression_label(e.expression or "") for e in index.elements]
    for child in scheme.children:
        child_index = partition_index_name(child.name, columns, "idx")
        if child.sub is not None:
            up.append(steps.create_index(index, name=child_index, table=child.name, schema=schema, only=True))
            up += _partition_index_steps(child.name, child_index, child.sub, index, schema)
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
        f"drop index {index.name}" + (REREAD if change.reread else ""),
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

"""Distribution on a Citus cluster: tables made reference or hash-distributed tables, made plain again,
or redistributed in place; each statement runs on its own, outside a transaction block.

A table with rows has them copied into the shards under a lock that blocks writes (flagged), and the
copies Citus leaves on the coordinator's disk are then truncated; or, when the project asks for it
(`citus: {distribute_concurrently: true}`) and the table keeps its primary key, while writes keep
flowing (`create_distributed_table_concurrently`), the shard it replaced dropped after.
"""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import (
    AlterDistribution,
    Distribute,
    DistributeSchema,
    Undistribute,
    UndistributeSchema,
)
from schemagen.plan.operations import Kind, Operation, Phase


def distribute(change: Distribute) -> Operation:
    table = change.table
    assert table.distribution is not None
    kind = "a reference table" if table.distribution.kind == "reference" else "hash-distributed"
    how = ""
    if change.existing:
        how = (
            f": rows copied into the shards while writes {'keep flowing' if change.concurrently else 'wait'}"
        )
    up = [steps.distribute_table(table, existing=change.existing, concurrently=change.concurrently)]
    if change.concurrently:
        up.append(steps.drop_replaced_shards(table))
    elif change.existing:
        up.append(steps.truncate_local_data(table))
    return Operation(
        Kind.DISTRIBUTE_TABLE,
        f"{table.schema}.{table.name}",
        f"make {table.name} {kind}{how}",
        tuple(up),
        order=Phase.DISTRIBUTION,
        source=change,
    )


def undistribute(change: Undistribute) -> Operation:
    table = change.table
    return Operation(
        Kind.UNDISTRIBUTE_TABLE,
        f"{table.schema}.{table.name}",
        f"make {table.name} a plain table: rows copied back from the shards",
        (steps.undistribute_table(table),),
        order=Phase.DISTRIBUTION,
        source=change,
    )


def distribute_schema(change: DistributeSchema) -> Operation:
    how = ""
    if change.existing:
        names = ", ".join(t.name for t in change.existing)
        how = f": rows of {names} copied into their shards while writes wait"
    up = [steps.distribute_schema(change.name, change.tables, existing=bool(change.existing))]
    up += [steps.truncate_local_data(t) for t in change.existing]
    return Operation(
        Kind.DISTRIBUTE_SCHEMA,
        change.name,
        f"shard schema {change.name} as a whole: each table a single shard, on one node{how}",
        tuple(up),
        order=Phase.DISTRIBUTION,
        source=change,
    )


def undistribute_schema(change: UndistributeSchema) -> Operation:
    return Operation(
        Kind.UNDISTRIBUTE_SCHEMA,
        change.name,
        f"make schema {change.name} a plain schema: the rows of its tables copied back from their shards",
        (steps.undistribute_schema(change.name, change.tables),),
        order=Phase.DISTRIBUTION,
        source=change,
    )


def alter_distribution(change: AlterDistribution) -> Operation:
    table = change.table
    what = []
    if change.column is not None:
        what.append(f"distribution column {change.column}")
    if change.colocate_with == "none":
        what.append("a colocation group of its own")
    elif change.colocate_with is not None:
        what.append(f"colocated with {change.colocate_with}")
    if change.shard_count is not None:
        scope = f" with {', '.join(t.name for t in change.group)}" if change.group else ""
        what.append(f"{change.shard_count} shards (was {change.was.shard_count}){scope}")
    return Operation(
        Kind.ALTER_DISTRIBUTION,
        f"{table.schema}.{table.name}",
        f"redistribute {table.name}: {', '.join(what)}",
        (
            steps.alter_distributed_table(
                table,
                column=change.column,
                shard_count=change.shard_count,
                colocate_with=change.colocate_with,
                cascade=change.cascade,
                group=change.group,
                # the root's schema, when a table of its name is in another (`colocate_with: b.accounts`)
                colocate_schema=table.distribution.colocate_schema
                if table.distribution is not None and change.colocate_with not in (None, "none")
                else None,
            ),
        ),
        order=Phase.DISTRIBUTION,
        source=change,
    )

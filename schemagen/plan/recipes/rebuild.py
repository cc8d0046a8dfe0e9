"""A table rebuilt with its rows, where PostgreSQL cannot alter it into its new shape (a plain table
becoming partitioned or back, a new partition key, a generated column's new expression).

In one transaction: the old table (with its partitions, indexes and identity sequences) is moved out
of the way into a schema of its own, the new one created under the table's name, every row copied
into it, the identity sequences set past the copied values, and the old table dropped with the
schema. The views reading it are dropped before and created after, the foreign keys that reference it
dropped before and added again after (`DropReferencingForeignKeys`, `RestoreForeignKey`, as for a
re-shard), and its indexes, foreign keys and triggers are created on the new table as on a new table.
"""

from __future__ import annotations

from schemagen.model import naming
from schemagen.plan import schemes, steps
from schemagen.plan.changes import RebuildTable
from schemagen.plan.operations import Kind, Operation, Phase, Step


def parking_schema(change: RebuildTable) -> str:
    """Where the old table waits while the new one is filled: a schema no spec uses."""
    return naming.truncate(f"schemagen_rebuild_{change.old.name}")


def rebuild_table(change: RebuildTable) -> Operation:
    old, new = change.old, change.new
    parked = parking_schema(change)
    up: list[Step] = [steps.create_schema(parked)]
    # a serial's sequence would move (and go) with the old table: unlinked first
    up += [steps.sequence_owned_by(sequence, None) for sequence in change.owned]
    # its partitions too, each from its schema (`names:` may pin another), out of the new ones' way
    for name, schema in schemes.placed(old).items():
        up.append(steps.set_schema(schema, name, parked))
    up.append(steps.create_table(new))
    overriding = any(c.identity == "always" for c in new.columns if c.name in dict(change.columns))
    up.append(steps.rebuild_copy_rows(new, parked, old.name, change.columns, overriding))
    copied = dict(change.columns)
    for column in new.columns:
        if column.identity and column.name in copied:
            up.append(steps.continue_identity(new, column.name))
    up += [steps.sequence_owned_by(sequence, sequence.owned_by) for sequence in change.owned]
    up.append(steps.drop_table(parked, old.name))
    up.append(steps.drop_schema(parked))
    return Operation(
        Kind.REBUILD_TABLE,
        f"{new.schema}.{new.name}",
        f"rebuild {new.name} with its rows ({change.why}): the old table moved aside, the new one "
        "created, every row copied, the old one dropped",
        tuple(up),
        order=Phase.PARTITIONS,
        source=change,
    )

"""An online hash split (modulus M → N, a multiple): the parent's ACCESS EXCLUSIVE only for the swap.

Per old partition, three units of work (`plan.reshard` says when a split qualifies):

1. *Build* (one transaction): a trigger on the old partition — whose SHARE ROW EXCLUSIVE lock holds
   its writes to the end of the unit while its reads go on — then each new partition as a table of
   its own under a temporary name (`CREATE TABLE … (LIKE parent …)`, with a CHECK stating its hash
   bound), loaded with the old partition's rows that hash to it, then its primary key, unique keys and
   indexes built once each. At the commit the trigger starts keeping the new tables in step with
   every write to the old partition. The build locks nothing else: the table's own foreign keys are
   not added here (adding one locks the table it references, which the application writes too, so
   the unit would have to take two busy locks, one of them NOWAIT; and PostgreSQL adopts only a
   validated one at the attach).
2. *Swap* (one transaction): ACCESS EXCLUSIVE on the parent, catalog changes only: detach the old
   partition, rename it and its indexes out of the way, give the new tables and their indexes their
   names, attach them (the CHECK proves the bound, so PostgreSQL scans nothing for it, and adopts
   their indexes), drop the CHECKs. The attach clones the table's foreign keys onto each new
   partition and checks its rows against them: the one scan under the parent's lock, for tables
   with foreign keys of their own.
3. *Drop* the old partition and the trigger's function: in the swap when the table has no foreign
   keys, otherwise each in a transaction of its own after it (dropping a table's foreign keys locks
   the tables they reference).

The runner records a unit's completion in the unit's transaction, so a migration killed at any
instant resumes at the first unit not done: after the build the new tables and the trigger are in
step with the old partition, which a resumed swap finds as it left them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from schemagen.model import Index, IndexElement, Table
from schemagen.plan import reshard, reshard_steps, schemes, steps
from schemagen.plan.changes import HashSplit, PartitionMove
from schemagen.plan.operations import Kind, Operation, Phase, Step

_SPLIT = (
    " online: build the new ones as tables of their own and load them while writes to {old} wait, then "
    "swap them in under a brief lock on {parent}"
)


def split(change: PartitionMove) -> Operation:
    assert isinstance(change.why, HashSplit)
    old, new = change.old[0].name, schemes.names(change.new)
    comment = f"split {old} (modulus {change.why.modulus}) into {new}"
    return Operation(
        Kind.SPLIT_PARTITION,
        change.table.name,
        comment + _SPLIT.format(old=old, parent=change.parent),
        tuple(_steps(change)),
        order=Phase.PARTITIONS,
        source=change,
    )


def _steps(change: PartitionMove) -> Iterator[Step]:
    table, parent, schema, referenced = change.table, change.parent, change.table.schema, change.referenced
    key = tuple(k.column for k in change.scheme.key if k.column is not None)
    source = change.old[0].name
    function = reshard.mirror_name(source)
    modulus = change.new[0].bound.modulus
    assert modulus is not None
    new = [(child, reshard.temporary(child.name), child.bound.remainder or 0) for child in change.new]
    primary_key = table.primary_key
    assert primary_key is not None

    yield steps.partition_begin()
    yield reshard_steps.reshard_mirror_function(
        schema,
        parent,
        function,
        modulus=modulus,
        key=key,
        primary_key=primary_key.columns,
        columns=change.columns,
        targets=[(name, remainder) for _, name, remainder in new],
    )
    yield reshard_steps.reshard_mirror_trigger(schema, source, function)
    for child, name, remainder in new:
        yield reshard_steps.reshard_create(
            schema,
            parent,
            name,
            check=reshard.check_name(name),
            modulus=modulus,
            remainder=remainder,
            key=key,
            storage=table.storage,
        )
        yield reshard_steps.reshard_copy(
            schema,
            parent,
            source,
            name,
            modulus=modulus,
            remainder=remainder,
            key=key,
            columns=change.columns,
        )
        yield from _keys_and_indexes(table, name, child.name)
    yield steps.partition_commit()

    yield steps.partition_begin()
    yield steps.partition_detach(schema, parent, source, referenced=referenced)
    for renamed in change.retired:
        yield steps.rename_table(schema, renamed.old, renamed.new)
        for old_index, new_index in renamed.indexes:
            yield steps.rename_index(schema, renamed.new, old_index, new_index)
    for child, name, remainder in new:
        yield steps.rename_table(schema, name, child.name)
        for wanted in schemes.clone_index_names(table, child.name, frozenset()).values():
            yield steps.rename_index(schema, child.name, reshard.temporary(wanted), wanted)
        yield reshard_steps.reshard_attach(
            schema,
            parent,
            child.name,
            modulus=modulus,
            remainder=remainder,
            referenced=referenced,
            validates=bool(table.foreign_keys),
        )
        yield steps.drop_constraint(schema, child.name, reshard.check_name(name))
    retired = change.sources[0]
    if not referenced:
        yield steps.drop_table(schema, retired)
        yield reshard_steps.reshard_drop_mirror(schema, function)
    yield steps.partition_commit()
    if referenced:
        yield steps.drop_table(schema, retired, referenced=referenced)
        yield reshard_steps.reshard_drop_mirror(schema, function)


def _keys_and_indexes(table: Table, name: str, child: str) -> Iterator[Step]:
    """The primary key, unique keys and indexes of new partition `child` (now the table `name`), under
    temporary names: each built once, after the rows are in (SHARE on a table no one else sees yet)."""
    wanted = schemes.clone_index_names(table, child, frozenset())
    as_table = replace(table, name=name, partition=None)
    if table.primary_key is not None:
        index_name = reshard.temporary(wanted[table.primary_key.name])
        elements = tuple(IndexElement(column=c) for c in table.primary_key.columns)
        index = Index(index_name, name, elements, unique=True)
        yield steps.create_index(index, name=index_name, table=name, schema=table.schema)
        yield steps.add_constraint_using_index(as_table, "primary_key", index_name)
    for unique in table.uniques:
        index_name = reshard.temporary(wanted[unique.name])
        elements = tuple(IndexElement(column=c) for c in unique.columns)
        index = Index(index_name, name, elements, unique=True, nulls_not_distinct=unique.nulls_not_distinct)
        yield steps.create_index(index, name=index_name, table=name, schema=table.schema)
        yield steps.add_constraint_using_index(as_table, "unique", index_name)
    for index in sorted(table.indexes, key=lambda i: i.name):
        index_name = reshard.temporary(wanted[index.name])
        yield steps.create_index(index, name=index_name, table=name, schema=table.schema)

"""An online hash split (modulus M → N, a multiple): the old partition takes writes while its rows
are copied, and the parent's ACCESS EXCLUSIVE lasts only for the swap.

Per old partition, units of work (`plan.reshard` says when a split qualifies), each one transaction:

1. *Capture*: a trigger on the old partition that appends the primary key of every row written
   there (and the operation) to a change log, a table of its own. CREATE TRIGGER's SHARE ROW
   EXCLUSIVE waits only for the writes in flight and holds new ones until this short unit commits;
   from then on every write to the partition is logged in the writer's own transaction.
2. *Copy*, per new partition: a table of its own under a temporary name (`CREATE TABLE … (LIKE
   parent …)`, with a CHECK stating its hash bound), loaded with the old partition's rows that hash
   to it, then its primary key, unique keys and indexes built once each. ACCESS SHARE on the old
   partition only: its reads and writes go on. The copy's snapshot is taken after the trigger
   committed, so each write it misses is in the log. The table's own foreign keys are not added here
   (adding one locks the table it references; PostgreSQL adopts only a validated one at the attach).
3. *Catch-up* (`reshard.CATCH_UPS` times): in one REPEATABLE READ snapshot, delete from the new
   tables every key of the log, copy the old partition's current row back for each (when it still
   has one), and delete those log entries; writers go on meanwhile, and each catch-up leaves only
   what was written during the one before.
4. *Swap*: the parent locked first (LOCK TABLE, the order of `plan.locking`), the log's last entries
   replayed under the lock, the trigger dropped, the old partition detached and renamed out of the
   way with its indexes, the new tables and their indexes given their names and attached (the CHECK
   proves the bound, so PostgreSQL scans nothing for it, and adopts their indexes), the CHECKs and
   the log dropped. The attach clones the table's foreign keys onto each new partition and checks
   its rows against them: the one scan under the parent's lock, for tables with foreign keys of
   their own.
5. *Drop* the old partition and the trigger's function: in the swap when the table has no foreign
   keys, otherwise each in a transaction of its own after it (dropping a table's foreign keys locks
   the tables they reference).

The runner records a unit's completion in the unit's transaction, so a migration killed at any
instant resumes at the first unit not done: every unit is all-or-nothing, a catch-up may run again
(replaying a key twice gives the same rows), and between units the trigger keeps logging.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from schemagen.model import Index, IndexElement, Table
from schemagen.plan import reshard, reshard_steps, schemes, steps
from schemagen.plan.changes import HashSplit, PartitionMove
from schemagen.plan.operations import Kind, Operation, Phase, Step

_SPLIT = (
    " online: a trigger logs the keys written to {old} while the new ones are built as tables of their "
    "own and loaded (its writes go on), the log is replayed into them, then they are swapped in under a "
    "brief lock on {parent}"
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
    capture, log = reshard.capture_name(source), reshard.log_name(source)
    modulus = change.new[0].bound.modulus
    assert modulus is not None
    new = [(child, reshard.temporary(child.name), child.bound.remainder or 0) for child in change.new]
    primary_key = table.primary_key
    assert primary_key is not None
    pk = primary_key.columns
    # the names PostgreSQL gives each new partition's indexes, worked out once per partition
    labels = schemes.clone_index_labels(table)
    wanted = {
        child.name: schemes.clone_index_names(table, child.name, frozenset(), labels) for child in change.new
    }

    yield steps.partition_begin()
    yield reshard_steps.reshard_capture_function(schema, capture, log, primary_key=pk)
    yield reshard_steps.reshard_capture_trigger(schema, source, capture)
    yield reshard_steps.reshard_log_create(schema, source, log, primary_key=pk)
    yield steps.partition_commit()

    for child, name, remainder in new:
        yield steps.partition_begin()
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
        yield from _keys_and_indexes(table, name, wanted[child.name])
        yield steps.partition_commit()

    # the same statements in each catch-up and in the swap: made once (steps are immutable)
    replay = [reshard_steps.reshard_replay_delete(schema, name, log, primary_key=pk) for _, name, _ in new]
    replay += [
        reshard_steps.reshard_replay_insert(
            schema,
            parent,
            source,
            name,
            log,
            modulus=modulus,
            remainder=remainder,
            key=key,
            primary_key=pk,
            columns=change.columns,
        )
        for _, name, remainder in new
    ]
    for _ in range(reshard.CATCH_UPS):
        yield steps.partition_begin()
        yield reshard_steps.reshard_snapshot()
        yield reshard_steps.reshard_log_analyze(schema, log)
        yield from replay
        yield reshard_steps.reshard_log_clear(schema, log)
        yield steps.partition_commit()

    yield steps.partition_begin()
    yield from replay
    yield reshard_steps.reshard_drop_capture(schema, source, capture)
    yield steps.partition_detach(schema, parent, source, referenced=referenced)
    for renamed in change.retired:
        yield steps.rename_table(schema, renamed.old, renamed.new)
        for old_index, new_index in renamed.indexes:
            yield steps.rename_index(schema, renamed.new, old_index, new_index)
    for child, name, remainder in new:
        yield steps.rename_table(schema, name, child.name)
        for index_name in wanted[child.name].values():
            yield steps.rename_index(schema, child.name, reshard.temporary(index_name), index_name)
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
    yield steps.drop_table(schema, log)
    retired = change.sources[0]
    if not referenced:
        yield steps.drop_table(schema, retired)
        yield reshard_steps.reshard_drop_function(schema, capture)
    yield steps.partition_commit()
    if referenced:
        yield steps.drop_table(schema, retired, referenced=referenced)
        yield reshard_steps.reshard_drop_function(schema, capture)


def _keys_and_indexes(table: Table, name: str, wanted: dict[str, str]) -> Iterator[Step]:
    """The primary key, unique keys and indexes of a new partition (now the table `name`, its indexes
    to be named `wanted`, by the parent's), under temporary names: each built once, after the rows are
    in (SHARE on a table no one else sees yet)."""
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

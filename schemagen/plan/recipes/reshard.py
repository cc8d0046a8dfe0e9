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

from schemagen.model import Index, IndexElement, Table
from schemagen.plan import reshard, reshard_steps, schemes, steps
from schemagen.plan.changes import HashSplit, PartitionMove
from schemagen.plan.operations import Kind, Lock, Operation, Phase, Step

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
    """One step for every unit of work of the split (`reshard_steps.ReshardSplit`, one template), then
    the drops kept for after the swap when the table has foreign keys."""
    table, parent, schema, referenced = change.table, change.parent, change.table.schema, change.referenced
    key = tuple(k.column for k in change.scheme.key if k.column is not None)
    source = change.old[0].name
    capture, log = reshard.capture_name(source), reshard.log_name(source)
    modulus = change.new[0].bound.modulus
    assert modulus is not None
    primary_key = table.primary_key
    assert primary_key is not None
    # the names PostgreSQL gives each new partition's indexes, worked out once per partition
    labels = schemes.clone_index_labels(table)
    parent_indexes = [parent_index for parent_index, _, _ in _keys_and_indexes(table)]
    temporary = reshard.temporary
    new = []
    for child in change.new:
        names = schemes.clone_index_names(table, child.name, frozenset(), labels)
        building = {key: temporary(name) for key, name in names.items()}
        table_name = temporary(child.name)
        new.append(
            (
                child.name,
                table_name,
                reshard.check_name(table_name),
                child.bound.remainder or 0,
                tuple((building[key], n) for n, key in enumerate(parent_indexes)),
                tuple((building[key], name) for key, name in names.items()),
            )
        )
    retired = change.sources[0]
    split = reshard_steps.ReshardSplit(
        schema=schema,
        parent=parent,
        source=source,
        function=capture,
        log=log,
        modulus=modulus,
        key=key,
        primary_key=primary_key.columns,
        columns=change.columns,
        storage=table.storage,
        indexes=_built(table),
        new=tuple(new),
        retired=tuple((r.old, r.new, r.indexes) for r in change.retired),
        referenced=tuple(referenced),
        validates=bool(table.foreign_keys),
        dropped=retired,
        # a unit of work each: the capture, a copy per new partition, the catch-ups, the swap
        first=((),) * (len(new) + reshard.CATCH_UPS + 2),
    )
    yield Step(split, Lock.ACCESS_EXCLUSIVE, parent, transactional=False)
    if referenced:
        yield steps.drop_table(schema, retired, referenced=referenced)
        yield reshard_steps.reshard_drop_function(schema, capture)


#: `_keys_and_indexes` and `_built` of the table asked about last (kept, so its id is not reused): a
#: table's old partitions are split one after the other.
_LAST: list[tuple[Table, tuple[tuple[str, Index, reshard_steps.BuiltKind], ...]]] = []
_LAST_BUILT: list[tuple[Table, tuple[tuple[Index, reshard_steps.BuiltKind], ...]]] = []


def _built(table: Table) -> tuple[tuple[Index, reshard_steps.BuiltKind], ...]:
    """`_keys_and_indexes` as a split takes them: the index and the constraint it becomes; the same
    tuple for each split of the table (the file renders their shared part once, `Unit.macro`)."""
    if not (_LAST_BUILT and _LAST_BUILT[0][0] is table):
        _LAST_BUILT[:] = [(table, tuple((index, kind) for _, index, kind in _keys_and_indexes(table)))]
    return _LAST_BUILT[0][1]


def _keys_and_indexes(table: Table) -> tuple[tuple[str, Index, reshard_steps.BuiltKind], ...]:
    """The primary key, unique keys and indexes of each new partition, in the order they are built
    (each once, after the rows are in: SHARE on a table no one else sees yet): the parent's index it
    is a clone of, the index, and the constraint it becomes ("primary_key", "unique" or "")."""
    if _LAST and _LAST[0][0] is table:
        return _LAST[0][1]
    built: list[tuple[str, Index, reshard_steps.BuiltKind]] = []
    if table.primary_key is not None:
        elements = tuple(IndexElement(column=c) for c in table.primary_key.columns)
        index = Index(table.primary_key.name, table.name, elements, unique=True)
        built.append((table.primary_key.name, index, "primary_key"))
    for unique in table.uniques:
        elements = tuple(IndexElement(column=c) for c in unique.columns)
        index = Index(
            unique.name, table.name, elements, unique=True, nulls_not_distinct=unique.nulls_not_distinct
        )
        built.append((unique.name, index, "unique"))
    built += ((index.name, index, "") for index in sorted(table.indexes, key=lambda i: i.name))
    _LAST[:] = [(table, tuple(built))]
    return _LAST[0][1]

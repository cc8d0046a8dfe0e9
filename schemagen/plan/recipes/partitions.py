"""Partitioning changes as statements: partitions renamed, created, dropped, and moves.

A move is one transaction on one partitioned parent: detach the old children (and a kept DEFAULT
whose rows may belong to a new child), rename the old ones out of the way, create the new children
with `PARTITION OF`, re-insert the rows through the parent, drop the old children. The detach holds
ACCESS EXCLUSIVE on the parent until the commit: readers wait instead of seeing the moved rows
missing, and no writer can slip in a row that collides with one being re-inserted. That is why the
moves do not use `DETACH … CONCURRENTLY`, which would also forbid the surrounding transaction.

A migration holding moves runs statement by statement (`transactional=False` on the BEGIN steps);
each move brings its own BEGIN and COMMIT.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model import ForeignKey, PartitionScheme, Table
from schemagen.plan import schemes, steps
from schemagen.plan.changes import (
    BoundsChanged,
    CreatePartitions,
    DropPartitions,
    DropReferencingForeignKeys,
    HashMerge,
    HashRebuild,
    HashSplit,
    NamePartitionIndexes,
    PartitionMove,
    RelationRename,
    RenamePartitions,
    RestoreForeignKey,
    SubpartitionChanged,
)
from schemagen.plan.operations import Kind, Operation, Phase, Step
from schemagen.plan.recipes import reshard
from schemagen.plan.reshard import online

_MOVE = " in one transaction: detach, create, copy the rows through {parent}, drop the old"
_MOVE_DROP_APART = (
    " in one transaction: detach, create, copy the rows through {parent}; then drop the old, each in a "
    "transaction of its own (dropping its foreign keys locks the tables they reference)"
)


def name_partition_indexes(change: NamePartitionIndexes) -> Operation:
    table = change.table
    assert table.partition is not None
    indexes = list(_wanted_index_names(table, table.name, table.schema, table.partition))
    return Operation(
        Kind.NAME_PARTITION_INDEXES,
        table.name,
        f"rename the indexes of the partitions of {table.name} that PostgreSQL built again under other names"
        if change.converted
        else f"rename the indexes of the partitions of {table.name} that still name a renamed column",
        (steps.name_partition_indexes(table.schema, table.name, indexes),),
        order=Phase.REBUILT_INDEX_NAMES if change.converted else Phase.PARTITION_INDEX_NAMES,
        source=change,
    )


def _wanted_index_names(
    table: Table,
    parent: str,
    parent_schema: str,
    scheme: PartitionScheme,
    parent_names: dict[str, str] | None = None,
) -> Iterator[tuple[str, str, str, str, str]]:
    """(partition, its schema, parent index, the parent's schema, wanted name) for every partition of
    `parent`, depth first (a partition in another schema than its table holds its indexes there)."""
    for child in scheme.children:
        schema = child.schema or parent_schema
        names = schemes.clone_index_names(table, child.name, frozenset())
        for key, name in names.items():
            yield child.name, schema, (parent_names or {}).get(key, key), parent_schema, name
        if child.sub is not None:
            yield from _wanted_index_names(table, child.name, schema, child.sub, names)


def rename_partitions(change: RenamePartitions) -> Operation:
    """RENAME CONSTRAINT on a partitioned table renames a foreign key's clones on its partitions only
    for CHECK constraints, so the renames of foreign keys are repeated on each kept partition (new
    ones get the new name from their parent)."""
    table = change.table
    up = [step for renamed in change.partitions for step in _rename(table.schema, renamed)]
    placed = schemes.placed(table)
    for old, new in change.foreign_keys:
        up += [
            steps.rename_constraint(placed.get(child, table.schema), child, old, new) for child in change.kept
        ]
    return Operation(
        Kind.RENAME_PARTITIONS,
        table.name,
        f"rename the partitions of {table.name} and their indexes",
        tuple(up),
        order=Phase.RENAMES,
        source=change,
    )


def _rename(schema: str, renamed: RelationRename) -> Iterator[Step]:
    """In the partition's schema (`schema`, its table's, unless it has one of its own); then moved to
    the schema `names:` pins, which takes its indexes along (not its partitions: each moves itself)."""
    at = renamed.schema or schema
    if renamed.old != renamed.new:
        yield steps.rename_table(at, renamed.old, renamed.new)
    for old, new in renamed.indexes:
        if old != new:
            yield steps.rename_index(at, renamed.new, old, new)
    if renamed.to is not None:
        yield steps.set_schema(at, renamed.new, renamed.to)


def drop_partitions(change: DropPartitions) -> Operation:
    table, schema = change.table, change.table.schema
    placed = schemes.placed(table)
    up: list[Step] = []
    for drop in change.drops:
        up.append(
            steps.partition_detach(
                placed.get(drop.parent, schema),
                drop.parent,
                drop.child,
                referenced=change.referenced,
                concurrently=drop.concurrently,
                child_schema=drop.schema,
            )
        )
        up.append(
            steps.drop_table(
                drop.schema or placed.get(drop.parent, schema), drop.child, referenced=change.referenced
            )
        )
    names = ", ".join(drop.child for drop in change.drops)
    return Operation(
        Kind.DROP_PARTITIONS,
        table.name,
        f"drop partitions {names} of {table.name} with their rows",
        tuple(up),
        order=Phase.PARTITIONS,
        source=change,
    )


def create_partitions(change: CreatePartitions) -> Operation:
    table = change.table
    placed = schemes.placed(table)
    up = tuple(
        steps.partition_create(
            placed.get(c.parent, table.schema),
            c.parent,
            c.scheme,
            c.child,
            table.storage,
            referenced=change.referenced,
        )
        for c in change.creates
    )
    names = ", ".join(c.child.name for c in change.creates)
    return Operation(
        Kind.CREATE_PARTITIONS,
        table.name,
        f"create partitions {names} of {table.name}",
        up,
        order=Phase.PARTITIONS,
        source=change,
    )


def move(change: PartitionMove) -> Operation:
    """The table is the target even of moves under its partitions: `allow_destructive` names it. A
    hash split that qualifies runs online instead (`recipes.reshard`)."""
    if online(change):
        return reshard.split(change)
    kind, comment = _describe(change)
    apart = _MOVE_DROP_APART if change.referenced else _MOVE
    return Operation(
        kind,
        change.table.name,
        comment + apart.format(parent=change.parent),
        tuple(_move_steps(change)),
        order=Phase.PARTITIONS,
        source=change,
    )


def _describe(change: PartitionMove) -> tuple[Kind, str]:
    parent, old, new, why = change.parent, change.old, change.new, change.why
    if isinstance(why, HashSplit):
        return Kind.SPLIT_PARTITION, f"split {old[0].name} (modulus {why.modulus}) into {schemes.names(new)}"
    if isinstance(why, HashMerge):
        return Kind.MERGE_PARTITIONS, f"merge {schemes.names(old)} into {new[0].name} (modulus {why.modulus})"
    if isinstance(why, HashRebuild):
        return (
            Kind.REBUILD_PARTITIONS,
            f"rebuild every partition of {parent} for modulus {why.after} (was {why.before})",
        )
    if isinstance(why, SubpartitionChanged):
        return Kind.REBUILD_PARTITION, f"rebuild {new[0].name} as {schemes.describe(new[0].sub)}"
    return Kind.MOVE_PARTITIONS, f"repartition {parent}: " + "; ".join(_what_moves(change, why))


def _what_moves(change: PartitionMove, why: BoundsChanged) -> Iterator[str]:
    if change.new:
        yield f"create {schemes.names(change.new)}"
    if change.default is not None:
        yield f"move the rows of {change.default.name} that belong to them"
    if change.old:
        home = "" if why.into is None else f" (into {why.into} where no other partition fits)"
        them = "it" if len(change.old) == 1 else "them"
        yield f"move the rows of {schemes.names(change.old)}{home} and drop {them}"


def _move_steps(change: PartitionMove) -> Iterator[Step]:
    parent, referenced = change.parent, change.referenced
    # the parent's schema, and each old child's (`names:` may pin another): by the names they have
    # once detached and retired
    schema = schemes.placed(change.table).get(parent, change.table.schema)
    at = {c.name: c.schema or schema for child in change.old for c in schemes.subtree(child)}
    if change.default is not None:
        at[change.default.name] = change.default.schema or schema
    at |= {renamed.new: at.get(renamed.old, schema) for renamed in change.retired}
    yield steps.partition_begin()
    if change.default is not None:
        yield steps.partition_detach(
            schema,
            parent,
            change.default.name,
            referenced=referenced,
            brief=False,
            child_schema=at[change.default.name],
        )
    for child in change.old:
        yield steps.partition_detach(
            schema, parent, child.name, referenced=referenced, brief=False, child_schema=at[child.name]
        )
    for renamed in change.retired:
        yield from _rename(schema, renamed)
    for child in change.new:
        yield steps.partition_create(
            schema, parent, change.scheme, child, change.table.storage, referenced=referenced
        )
    kind = change.scheme.kind
    filters = schemes.merged(
        [schemes.row_filter(kind, c.bound) for c in change.new if not c.bound.is_default]
    )
    if change.default is not None:
        yield steps.partition_move_rows(
            schema,
            parent,
            change.default.name,
            columns=change.columns,
            overriding=change.overriding,
            key=change.scheme.key,
            filters=filters,
            delete_source=True,
            source_schema=at[change.default.name],
        )
        yield steps.partition_attach_default(
            schema, parent, change.default.name, referenced=referenced, child_schema=at[change.default.name]
        )
    sources = change.sources
    for source in sources:
        yield steps.partition_move_rows(
            schema,
            parent,
            source,
            columns=change.columns,
            overriding=change.overriding,
            key=change.scheme.key,
            filters=filters if change.filtered else None,
            delete_source=False,
            source_schema=at.get(source, schema),
        )
    # Dropping a table with foreign keys takes ACCESS EXCLUSIVE on the tables they reference (their
    # triggers go): inside the move that would hold them for the whole copy, so those drops commit on
    # their own afterwards, each locking first what it drops from.
    if not referenced:
        for source in sources:
            yield steps.drop_table(at.get(source, schema), source)
    yield steps.partition_commit()
    if referenced:
        for source in sources:
            yield steps.drop_table(at.get(source, schema), source, referenced=referenced)


def drop_referencing_foreign_keys(change: DropReferencingForeignKeys) -> Operation:
    table = change.table.name
    return Operation(
        Kind.DROP_REFERENCING_FOREIGN_KEYS,
        table,
        f"drop the foreign keys referencing {table} while its partitions change: "
        f"{table_list(change.foreign_keys, with_keys=True)}",
        tuple(
            steps.drop_constraint(t.schema, t.name, fk.name, foreign_key=fk, on=f"{t.name} and {table}")
            for t, fk in change.foreign_keys
        ),
        order=Phase.PARTITIONS,
        source=change,
    )


def restore_foreign_key(change: RestoreForeignKey) -> Operation:
    """Re-added NOT VALID, then validated; a partitioned referencing table allows no NOT VALID, so its
    key is checked at once, under the lock."""
    t, fk = change.table, change.foreign_key
    on = f"{t.name} and {change.referenced}"
    if t.partition is None:
        return Operation(
            Kind.RESTORE_FOREIGN_KEY,
            f"{t.name}.{fk.name}",
            f"re-add foreign key {fk.name} of {t.name} NOT VALID, then validate it",
            (
                steps.add_constraint(t.schema, t.name, fk, not_valid=True, on=on),
                steps.validate_constraint(t.schema, t.name, fk.name),
            ),
            order=Phase.PARTITIONS,
            source=change,
        )
    return Operation(
        Kind.RESTORE_FOREIGN_KEY,
        f"{t.name}.{fk.name}",
        f"re-add foreign key {fk.name} of partitioned {t.name}",
        (steps.add_constraint(t.schema, t.name, fk, not_valid=False, scans=True, on=on),),
        order=Phase.PARTITIONS,
        source=change,
    )


def table_list(foreign_keys: tuple[tuple[Table, ForeignKey], ...], *, with_keys: bool = False) -> str:
    """The tables (or `table.key`s) of foreign keys, each once, in order."""
    if with_keys:
        return ", ".join(f"{t.name}.{fk.name}" for t, fk in foreign_keys)
    return ", ".join(dict.fromkeys(t.name for t, _ in foreign_keys))

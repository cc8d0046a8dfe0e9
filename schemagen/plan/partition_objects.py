"""The changes to what single partitions have of their own (`partition: {objects: …}`).

A partition the migration creates gets its objects plainly, after it (it is empty); on a partition that
stays, a new index is built CONCURRENTLY and a new foreign key or check added NOT VALID then validated,
a changed one replaced, a removed one dropped. A partition the migration drops (a window that moves) takes its
objects with it: nothing is planned for them. A partition rebuilt under its own name with other bounds
(a re-shard moves its rows into a new table) gets them built again, as on a partition that stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from schemagen.model import CheckConstraint, ForeignKey, PartitionBound, Table, all_children
from schemagen.model.partition_objects import partition_tables
from schemagen.plan import schemes
from schemagen.plan.changes import (
    AddConstraint,
    AddIndex,
    Change,
    DropConstraint,
    DropIndex,
    RenameConstraint,
    RenameIndex,
)
from schemagen.plan.matching import matched_renames, same_definition, same_index
from schemagen.plan.renames import Renames


def on_new_table(table: Table) -> Iterator[Change]:
    """The objects of the partitions of a table the migration creates."""
    for own in partition_tables(table):
        yield from _created(own)


def changes(old: Table, new: Table, renames: Renames | None = None) -> Iterator[Change]:
    """From `old`'s partitions' own objects to `new`'s, partition by partition (by name); `renames`:
    the plan's, whose renamed and moved tables the foreign keys of `old`'s partitions follow."""
    if old.partition_objects == new.partition_objects and old.partition == new.partition:
        return
    old_leaves = {_renamed(name, old, new): bound for name, bound in _leaves(old).items()}
    new_leaves = _leaves(new)
    # by the partition's name once the table's renames and moves have run (before any drop does)
    target = renames.target if renames is not None else (lambda fk: fk)
    placed = schemes.placed(new)  # a partition `names:` pins to another schema is there by now
    before = {
        name: replace(
            t, name=name, schema=placed.get(name, new.schema), foreign_keys=tuple(map(target, t.foreign_keys))
        )
        for t in partition_tables(old)
        if (name := _renamed(t.name, old, new))
    }
    after = {t.name: t for t in partition_tables(new)}
    for name, own in sorted(after.items()):
        if name not in old_leaves:
            yield from _created(own)  # a partition this migration creates
            continue
        # a partition rebuilt under its name with other bounds (a re-shard) has lost its objects:
        # they are built again on it, with its rows, as if new to it
        was = before.get(name) if old_leaves[name] == new_leaves[name] else None
        yield from _compared(was or replace(own, indexes=(), foreign_keys=(), checks=()), own)
    for name, was in sorted(before.items()):
        if name in after or name not in new_leaves or old_leaves[name] != new_leaves[name]:
            continue  # dropped with its partition (or its rebuild), or handled above
        for fk in was.foreign_keys:
            yield DropConstraint(was, fk)
        for check in was.checks:
            yield DropConstraint(was, check)
        for index in was.indexes:
            yield DropIndex(was, index)


def _compared(was: Table, own: Table) -> Iterator[Change]:
    """One partition that stays: an object whose name alone changed (its table's rename) is renamed,
    a changed one dropped and added again, a new one added, a removed one dropped."""
    old_indexes = {i.name: i for i in was.indexes}
    new_indexes = {i.name: i for i in own.indexes}
    old_keys = _constraints(was)
    new_keys = _constraints(own)
    renamed_indexes = matched_renames(old_indexes, new_indexes, same_index)
    renamed_keys = matched_renames(old_keys, new_keys, same_definition)
    for old_name, new_name in sorted(renamed_keys.items()):
        yield RenameConstraint(own, old_name, new_name)
    for old_name, new_name in sorted(renamed_indexes.items()):
        yield RenameIndex(own, old_name, new_name)
    for name, fk in sorted(old_keys.items()):
        if name not in renamed_keys and not (name in new_keys and same_definition(new_keys[name], fk)):
            yield DropConstraint(own, fk)
    for name, index in sorted(old_indexes.items()):
        if name not in renamed_indexes and not (name in new_indexes and same_index(new_indexes[name], index)):
            yield DropIndex(own, index)
    for name, index in sorted(new_indexes.items()):
        if name in renamed_indexes.values():
            continue
        if name not in old_indexes or not same_index(old_indexes[name], index):
            yield AddIndex(own, index)
    for name, fk in sorted(new_keys.items()):
        if name in renamed_keys.values():
            continue
        if name not in old_keys or not same_definition(old_keys[name], fk):
            yield AddConstraint(own, fk)


def _constraints(own: Table) -> dict[str, ForeignKey | CheckConstraint]:
    found: dict[str, ForeignKey | CheckConstraint] = {fk.name: fk for fk in own.foreign_keys}
    found.update((check.name, check) for check in own.checks)
    return found


def _renamed(name: str, old: Table, new: Table) -> str:
    """A partition's name once its table's rename has run, which renames the partitions named after
    the table (`rename_partitions`)."""
    prefix = f"{old.name}_"
    if old.name == new.name or not name.startswith(prefix):
        return name
    return f"{new.name}_{name.removeprefix(prefix)}"


def _leaves(table: Table) -> dict[str, PartitionBound]:
    return {c.name: c.bound for c in all_children(table.partition) if c.sub is None}


def _created(own: Table) -> Iterator[Change]:
    for index in own.indexes:
        yield AddIndex(own, index, on_new_table=True)
    for fk in own.foreign_keys:
        yield AddConstraint(own, fk, on_new_table=True)
    for check in own.checks:
        yield AddConstraint(own, check, on_new_table=True)

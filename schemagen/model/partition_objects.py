"""Objects one partition has of its own: its indexes and foreign keys, which its parent lacks.

A leaf partition is a table of its own to PostgreSQL: an index on it alone is built CONCURRENTLY, a key
of its own is added NOT VALID and validated. The renderer and the planner see such a partition as a
plain table (`as_table`) holding just those objects."""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model.objects import PartitionObjects, Table, all_children


def as_table(parent: Table, objects: PartitionObjects) -> Table:
    """The partition as a plain table with the parent's columns and only its own objects."""
    return Table(
        name=objects.partition,
        schema=parent.schema,
        columns=parent.columns,
        foreign_keys=objects.foreign_keys,
        indexes=objects.indexes,
    )


def partition_tables(parent: Table) -> Iterator[Table]:
    """`as_table` of each partition of `parent` that has objects of its own and that `parent`'s
    partitioning still declares, by name."""
    leaves = {c.name for c in all_children(parent.partition) if c.sub is None}
    for objects in parent.partition_objects:
        if objects.partition in leaves:
            yield as_table(parent, objects)

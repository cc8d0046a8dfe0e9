"""Objects one partition has of its own: its indexes, foreign keys and checks, which its parent lacks.

A leaf partition is a table of its own to PostgreSQL: an index on it alone is built CONCURRENTLY, a key
of its own is added NOT VALID and validated. The renderer and the planner see such a partition as a
plain table (`as_table`) holding just those objects."""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model.objects import PartitionObjects, Table, all_children
from schemagen.postgres import expressions
from schemagen.postgres.names import index_name_addition, make_object_name


def as_table(parent: Table, objects: PartitionObjects) -> Table:
    """The partition as a plain table with the parent's columns and only its own objects, in its own
    schema (`names:` may pin another than its table's)."""
    return Table(
        name=objects.partition,
        schema=_schema_of(parent, objects.partition),
        columns=parent.columns,
        foreign_keys=objects.foreign_keys,
        indexes=objects.indexes,
        checks=objects.checks,
    )


def _schema_of(table: Table, partition: str) -> str:
    """The schema of `table`'s partition `partition`: its own, else its parent's."""
    pending = [(table.partition, table.schema)] if table.partition is not None else []
    while pending:
        scheme, schema = pending.pop()
        for child in scheme.children:
            if child.name == partition:
                return child.schema or schema
            if child.sub is not None:
                pending.append((child.sub, child.schema or schema))
    return table.schema


def partition_tables(parent: Table) -> Iterator[Table]:
    """`as_table` of each partition of `parent` that has objects of its own and that `parent`'s
    partitioning still declares, by name."""
    if not parent.partition_objects:
        return  # nearly every table: its partitions (if any) need not be listed
    leaves = {c.name for c in all_children(parent.partition) if c.sub is None}
    for objects in parent.partition_objects:
        if objects.partition in leaves:
            yield as_table(parent, objects)


def clone_names(parent: Table, partition: str) -> set[str]:
    """The names PostgreSQL gives the clones of `parent`'s primary key, unique constraints and indexes
    on `partition` (in a fresh build, before the partition's own indexes exist): a partition's own
    index is not named as one of them."""
    names = set()
    if parent.primary_key is not None:
        names.add(make_object_name(partition, None, "pkey"))
    for unique in parent.uniques:
        names.add(make_object_name(partition, index_name_addition(list(unique.columns)), "key"))
    for index in parent.indexes:
        columns = [e.column or expressions.expression_label(e.expression or "") for e in index.elements]
        names.add(make_object_name(partition, index_name_addition(columns + list(index.include)), "idx"))
    return names

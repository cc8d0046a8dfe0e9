"""An archive (`archive:` on an entity): the table its rows move into, and what the function that moves
them needs. Derived from the Model alone, so building a spec, inspecting a database and planning a
migration all derive it the same way."""

from __future__ import annotations

from schemagen.model.objects import (
    Archive,
    Column,
    Distribution,
    Index,
    IndexElement,
    Model,
    PrimaryKey,
    Table,
)
from schemagen.records import dataclass


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """What the archive function of `table` needs: the columns it copies and the cutoff's type.

    `citus`: the project has the `citus` extension, and the function is PL/pgSQL: Citus cannot plan a
    parameter of a SQL function on a table it manages ("could not create distributed plan").
    """

    table: Table
    archive: Archive
    archive_table: Table
    columns: tuple[str, ...]
    cutoff_type: str
    overriding_system_value: bool
    citus: bool = False


def archive_table(source: Table, archive: Archive, *, primary_key: str, index: str) -> Table:
    """The table `archive` moves the rows of `source` into: the same columns, plain (no defaults,
    identity, generated expressions or foreign keys), the same primary key columns under the name
    `primary_key`, and one index, named `index`, on the archive's column. On Citus it is placed as the
    source is: a reference table for a reference table, and colocated with a hash-distributed one (in
    its colocation group, by the same column), so the rows move shard by shard and stay spread."""
    name = archive.archive_table
    return Table(
        name=name,
        schema=source.schema,
        columns=tuple(
            Column(name=c.name, type=c.type, nullable=c.nullable, collation=c.collation)
            for c in source.columns
        ),
        primary_key=(
            PrimaryKey(primary_key, source.primary_key.columns, source.primary_key.loc)
            if source.primary_key
            else None
        ),
        indexes=(
            Index(name=index, table=name, elements=(IndexElement(column=archive.column),), loc=source.loc),
        ),
        archive_of=source.name,
        comment=f"Rows of {source.name} archived by {archive.function}().",
        loc=source.loc,
        distribution=_archive_distribution(source),
    )


def _archive_distribution(source: Table) -> Distribution | None:
    placed = source.distribution
    if placed is None or placed.kind == "reference":
        return placed
    schema, name = placed.colocation_root(source.schema) or (source.schema, source.name)
    return Distribution(
        "hash",
        placed.column,
        name,
        placed.shard_count,
        placed.loc,
        schema if schema != source.schema else None,
    )


def archive_entry(model: Model, table: Table, archive: Archive) -> ArchiveEntry:
    archive_table = model.table_at(table.schema, archive.archive_table)
    if archive_table is None:
        raise ValueError(f"{table.name}: archive table {archive.archive_table} is not in the model")
    cutoff = table.column(archive.column)
    if cutoff is None:
        raise ValueError(f"{table.name}: archive column {archive.column} does not exist")
    # Generated columns cannot be inserted into; the archive computes its own.
    target_columns = {c.name: c for c in archive_table.columns if c.generated is None}
    columns = tuple(c.name for c in table.columns if c.name in target_columns)
    overriding = any(target_columns[name].identity == "always" for name in columns)
    citus = "citus" in model.project.extensions
    return ArchiveEntry(table, archive, archive_table, columns, cutoff.type, overriding, citus)

"""Tables created, renamed (only through `renamed_from`) and dropped; comments on tables and columns."""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model import PartitionScheme, naming
from schemagen.plan import steps
from schemagen.plan.changes import Comment, CreateTable, DropTable, MoveTable, RenameTable
from schemagen.plan.operations import Kind, Operation, Phase


def create_table(change: CreateTable) -> Operation:
    """With its partitions and comments; its indexes and foreign keys come as their own changes."""
    table = change.table
    return Operation(
        Kind.CREATE_TABLE,
        f"{table.schema}.{table.name}",
        f"create table {table.name}",
        (steps.create_table(table),),
        order=Phase.CREATE_TABLES,
        source=change,
    )


def rename_table(change: RenameTable) -> Operation:
    """With the sequences of its identity columns, which PostgreSQL names `{table}_{column}_seq` and a
    fresh build names after the new table."""
    old, new = change.old, change.new
    sequences = []
    for column in old.columns:
        if column.identity is None:
            continue
        was = naming.sequence_name(old.name, column.name)
        will = naming.sequence_name(new.name, column.name)
        if was != will:
            sequences.append(steps.rename_sequence(old.schema, was, will))
    return Operation(
        Kind.RENAME_TABLE,
        new.name,
        f"rename table {old.name} to {new.name}",
        # in its old schema: a move to another one comes after
        (steps.rename_table(old.schema, old.name, new.name), *sequences),
        order=Phase.RENAMES,
        source=change,
    )


def move_table(change: MoveTable) -> Operation:
    """With the partitions in its schema (SET SCHEMA moves no partition); one that `names:` pins to a
    schema of its own stays there, with its own partitions."""
    old, new = change.old, change.new
    moved = [new.name, *_following(old.partition)]
    return Operation(
        Kind.MOVE_TABLE,
        f"{new.schema}.{new.name}",
        f"move table {new.name} from schema {old.schema} to {new.schema}",
        tuple(steps.set_schema(old.schema, name, new.schema) for name in moved),
        order=Phase.RENAMES,
        source=change,
    )


def _following(scheme: PartitionScheme | None) -> Iterator[str]:
    """The partitions under `scheme` that live in its table's schema: of no schema of their own."""
    for child in scheme.children if scheme is not None else ():
        if child.schema is None:
            yield child.name
            yield from _following(child.sub)


def drop_table(change: DropTable) -> Operation:
    table = change.table
    return Operation(
        Kind.DROP_TABLE,
        f"{table.schema}.{table.name}",
        f"drop table {table.name}",
        (steps.drop_table(table.schema, table.name),),
        order=Phase.DROP_TABLES,
        source=change,
    )


def comment(change: Comment) -> Operation:
    target = ".".join(change.parts[1:]) or change.parts[0]
    return Operation(
        Kind.COMMENT,
        target,
        f"comment on {change.kind.lower()} {target}",
        (steps.comment(change.kind, change.parts, change.text),),
        order=Phase.COMMENTS,
        source=change,
    )

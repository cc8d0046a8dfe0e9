"""Columns: added, renamed, dropped, and changed in place (type, identity, default, NOT NULL)."""

from __future__ import annotations

from dataclasses import replace

from schemagen.model import naming
from schemagen.plan import steps
from schemagen.plan.changes import (
    AddColumn,
    AlterColumnType,
    AlterIdentity,
    DropColumn,
    DropNotNull,
    RenameColumn,
    SetDefault,
    SetNotNull,
)
from schemagen.plan.operations import Kind, Operation, Phase, Step
from schemagen.postgres.names import partition_index_name


def add_column(change: AddColumn) -> Operation:
    table, column = change.table, change.column
    comment = f"add column {table.name}.{column.name}"
    if change.not_null_lost:
        comment += " (nullable: its values are gone, so its NOT NULL cannot come back)"
    return Operation(
        Kind.ADD_COLUMN,
        f"{table.name}.{column.name}",
        comment,
        (steps.add_column(table, column, rewrites=change.rewrites),),
        order=Phase.COLUMNS,
        source=change,
    )


def rename_column(change: RenameColumn) -> Operation:
    """With the sequence of an identity column that keeps its identity, which PostgreSQL names
    `{table}_{column}_seq` and a fresh build names after the new column (a renamed table renamed it
    after the table already)."""
    table = change.table.name
    renamed = []
    if change.identity_kept:
        was, will = naming.sequence_name(table, change.old), naming.sequence_name(table, change.new)
        if was != will:
            renamed.append(steps.rename_sequence(change.table.schema, was, will))
    return Operation(
        Kind.RENAME_COLUMN,
        f"{table}.{change.new}",
        f"rename column {table}.{change.old} to {change.new}",
        (steps.rename_column(change.table, change.old, change.new), *renamed),
        order=Phase.RENAMES,
        source=change,
    )


def drop_column(change: DropColumn) -> Operation:
    target = f"{change.table.name}.{change.column.name}"
    return Operation(
        Kind.DROP_COLUMN,
        target,
        f"drop column {target}",
        (steps.drop_column(change.table, change.column.name),),
        order=Phase.DROP_COLUMNS,
        source=change,
    )


def alter_column_type(change: AlterColumnType) -> Operation:
    table, old, new = change.table, change.old, change.new
    target = f"{table.name}.{new.name}"
    converts = change.conversion != "free"
    up: list[Step] = []
    if converts and old.type != new.type and old.default is not None:
        # PostgreSQL casts the old default without USING, which fails between some types (text to an
        # enum): dropped first, the new default is set after the conversion
        up.append(steps.set_default(table, replace(new, default=None)))
    up.append(
        steps.alter_column_type(
            table,
            new.name,
            new.type,
            collation=new.collation if new.collation != old.collation else None,
            conversion=("via_text" if change.via_text else "cast") if converts else "none",
            using=change.using if converts else None,
            rebuilds_indexes=bool(change.rebuilds_indexes),
        )
    )
    return Operation(
        Kind.ALTER_COLUMN_TYPE,
        target,
        f"change type of {target} to {new.type}",
        tuple(up),
        order=Phase.COLUMNS,
        source=change,
    )


def alter_identity(change: AlterIdentity) -> Operation:
    table, old, new = change.table, change.old, change.new
    up: list[Step] = []
    column = new.name
    previous, numbered_by, parked = change.previous, change.numbered_by, change.parked
    comment = f"change identity of {table.name}.{column}"
    if numbered_by is not None:
        # identity → a sequence: the sequence goes on from the identity's, then the identity goes
        comment += f", numbered by sequence {numbered_by.name} from where the identity stood"
        name = parked or numbered_by.name
        if parked is not None:
            up.append(steps.create_sequence(replace(numbered_by, name=parked, owned_by=None)))
        up.append(
            steps.continue_identity(
                table,
                column,
                sequence=name,
                previous_identity=True,
                sequence_schema=numbered_by.schema,
                descending=numbered_by.increment < 0,
            )
        )
    if old.identity and new.identity:
        # the identity stays, and so does its sequence with its value
        kind = new.identity if new.identity != old.identity else None
        options = old.identity_options != new.identity_options
        up.append(steps.set_identity(table, new, kind, options))
        target = f"{table.name}.{column}"
        what = [f"make {target} GENERATED {kind.replace('_', ' ').upper()}"] if kind else []
        what += [f"give the identity of {target} new sequence options (its value stays)"] if options else []
        return Operation(
            Kind.ALTER_IDENTITY,
            target,
            "; ".join(what),
            tuple(up),
            order=Phase.COLUMNS,
            source=change,
        )
    if old.identity:
        up.append(steps.drop_identity(table, column))
    if numbered_by is not None and parked is not None:
        up.append(steps.rename_sequence(numbered_by.schema, parked, numbered_by.name))
    if new.identity:
        if previous is not None and parked is not None:
            # the serial's sequence out of the identity's way (its name), unlinked from the column
            up.append(steps.sequence_owned_by(previous, None))
            up.append(steps.rename_sequence(previous.schema, previous.name, parked))
        up.append(steps.add_identity(table, column, new.identity, new.identity_options))
        if not old.identity:
            # the sequence starts above the values the rows already hold, and past where the
            # serial's sequence stood
            before = (parked or previous.name) if previous is not None else None
            up.append(steps.continue_identity(table, column, previous=before))
            if previous is not None:
                comment += f", numbered on from sequence {previous.name}"
        if previous is not None and parked is not None:
            up.append(steps.drop_sequence(previous.schema, parked))
    target = f"{table.name}.{column}"
    return Operation(
        Kind.ALTER_IDENTITY,
        target,
        comment,
        tuple(up),
        # after the column is made NOT NULL, which identity needs (in the phase of the constraints)
        order=Phase.CONSTRAINTS if new.identity and old.nullable else Phase.COLUMNS,
        source=change,
    )


def set_default(change: SetDefault) -> Operation:
    table, column = change.table, change.column
    target = f"{table.name}.{column.name}"
    up = [steps.set_default(table, column)]
    comment = f"set default of {target}"
    sequence = change.continues
    if sequence is not None:
        # the rows hold numbers already: the sequence goes on past them (and past where it stands)
        up.append(
            steps.continue_identity(
                table,
                column.name,
                sequence=sequence.name,
                previous=sequence.name,
                sequence_schema=sequence.schema,
                descending=sequence.increment < 0,
            )
        )
        comment += f" (sequence {sequence.name} set past the values the rows hold)"
    return Operation(
        Kind.SET_DEFAULT,
        target,
        comment,
        tuple(up),
        order=Phase.COLUMNS,
        source=change,
    )


def set_not_null(change: SetNotNull) -> Operation:
    """SET NOT NULL without a long ACCESS EXCLUSIVE scan: a validated CHECK proves it first."""
    table, column = change.table, change.column
    target = f"{table.name}.{column}"
    if table.partition is not None:
        # NOT VALID checks are not allowed on partitioned tables: the scan happens under the lock
        return Operation(
            Kind.SET_NOT_NULL,
            target,
            f"make {target} NOT NULL",
            (steps.set_not_null(table, column, scans=True),),
            order=Phase.CONSTRAINTS,
            source=change,
        )
    check = partition_index_name(table.name, [column], "not_null")
    return Operation(
        Kind.SET_NOT_NULL,
        target,
        f"make {target} NOT NULL (validated through a CHECK, so SET NOT NULL does not scan)",
        (
            steps.add_not_null_check(table, check, column),
            steps.validate_constraint(table.schema, table.name, check),
            steps.set_not_null(table, column),
            steps.drop_constraint(table.schema, table.name, check),
        ),
        order=Phase.CONSTRAINTS,
        source=change,
    )


def drop_not_null(change: DropNotNull) -> Operation:
    target = f"{change.table.name}.{change.column}"
    return Operation(
        Kind.DROP_NOT_NULL,
        target,
        f"make {target} nullable",
        (steps.drop_not_null(change.table, change.column),),
        order=Phase.COLUMNS,
        source=change,
    )

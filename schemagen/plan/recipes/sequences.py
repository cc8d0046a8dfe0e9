"""Sequences: created, given new options, renamed (a serial whose column was renamed), owned by a
column or released, and dropped."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import (
    AlterSequence,
    CreateSequence,
    DropSequence,
    RenameSequence,
    SetSequenceOwner,
)
from schemagen.plan.operations import Kind, Operation, Phase


def create_sequence(change: CreateSequence) -> Operation:
    """Before the tables and columns whose defaults read it; its owner is set once the column exists."""
    sequence = change.sequence
    return Operation(
        Kind.CREATE_SEQUENCE,
        sequence.name,
        f"create sequence {sequence.name}",
        (steps.create_sequence(sequence),),
        order=Phase.SEQUENCES,
        source=change,
    )


def alter_sequence(change: AlterSequence) -> Operation:
    sequence = change.new
    return Operation(
        Kind.ALTER_SEQUENCE,
        sequence.name,
        f"change the options of sequence {sequence.name} (its value stays)",
        (steps.alter_sequence(sequence),),
        order=Phase.COLUMNS,
        source=change,
    )


def set_sequence_owner(change: SetSequenceOwner) -> Operation:
    """Released (OWNED BY NONE) early, before the migration drops what owned it; owned by a column
    once the column exists."""
    sequence, owner = change.sequence, change.owner
    what = f"owned by {'.'.join(owner)}" if owner else "owned by no column"
    return Operation(
        Kind.ALTER_SEQUENCE,
        sequence.name,
        f"make sequence {sequence.name} {what}",
        (steps.sequence_owned_by(sequence, owner),),
        order=Phase.OWN_SEQUENCES if owner else Phase.RENAMES,
        source=change,
    )


def rename_sequence(change: RenameSequence) -> Operation:
    old, new = change.old, change.new
    return Operation(
        Kind.RENAME_SEQUENCE,
        new.name,
        f"rename sequence {old.name} to {new.name}",
        (steps.rename_sequence(old.schema, old.name, new.name),),
        order=Phase.RENAMES,
        source=change,
    )


def drop_sequence(change: DropSequence) -> Operation:
    """Last: once no default reads it. A sequence owned by a column or table the migration dropped is
    gone already (IF EXISTS)."""
    sequence = change.sequence
    return Operation(
        Kind.DROP_SEQUENCE,
        sequence.name,
        f"drop sequence {sequence.name}",
        (steps.drop_sequence(sequence.schema, sequence.name),),
        order=Phase.DROP_SEQUENCES,
        source=change,
    )

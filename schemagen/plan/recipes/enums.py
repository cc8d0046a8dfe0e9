"""Enums: created, given values in place, rebuilt when values go or move, dropped."""

from __future__ import annotations

from dataclasses import replace

from schemagen.model import Column, Table
from schemagen.plan import steps
from schemagen.plan.changes import AddEnumValue, CheckRemovedValues, CreateEnum, DropEnum, RebuildEnum
from schemagen.plan.operations import Kind, Operation, Phase, Step


def create_enum(change: CreateEnum) -> Operation:
    enum = change.enum
    return Operation(
        Kind.CREATE_ENUM,
        enum.name,
        f"create enum {enum.name}",
        (steps.create_enum(enum),),
        order=Phase.ENUMS,
        source=change,
    )


def add_enum_value(change: AddEnumValue) -> Operation:
    """ADD VALUE may run in a transaction (PostgreSQL 12+), but the value is unusable until it commits:
    when the new spec uses it, the migration runs statement by statement instead."""
    enum, value = change.enum, change.value
    return Operation(
        Kind.ADD_ENUM_VALUE,
        f"{enum.name}.{value}",
        f"add value {value!r} to enum {enum.name}"
        + (" (committed at once: the new spec uses it)" if change.used else ""),
        (steps.add_enum_value(enum, value, before=change.before, after=change.after, commits=change.used),),
        order=Phase.ENUM_VALUES,
        source=change,
    )


def check_removed_values(change: CheckRemovedValues) -> Operation:
    """First of all: a row still holding a value the enum loses stops the migration before it changes
    anything."""
    enum, removed = change.enum, change.removed
    return Operation(
        Kind.CHECK_ENUM_VALUES,
        enum.name,
        f"check that no row holds {', '.join(removed)} of enum {enum.name} before anything changes",
        (steps.enum_guard(enum, removed, change.columns),),
        order=Phase.CHECKS,
        source=change,
    )


def rebuild_enum(change: RebuildEnum) -> Operation:
    """The old type renamed out of the way, the new one created, each column converted through text: in
    one transaction, so a row holding a removed value (the check before everything may be outrun by
    a write) leaves the type and its columns as they were."""
    enum = change.enum
    up = [steps.rename_enum(enum, change.parked), steps.create_enum(enum)]
    for table, column in change.columns:
        up += convert_via_text(table, column)
    what = f"remove {', '.join(change.removed)} from" if change.removed else "reorder the values of"
    return Operation(
        Kind.REBUILD_ENUM,
        enum.name,
        f"{what} enum {enum.name}: rebuild the type and convert its columns",
        tuple(up),
        order=Phase.REBUILD_ENUMS,
        source=change,
        atomic=True,
    )


def convert_via_text(table: Table, column: Column) -> list[Step]:
    """`column` converted to its type (an enum or a range type made anew) through its values' text; its
    default, of the old type, dropped around the conversion, then written again."""
    up = [
        steps.set_default(table, replace(column, default=None)),
        steps.alter_column_type(table, column.name, column.type, conversion="via_text"),
    ]
    if column.default is not None:
        up.append(steps.set_default(table, column))
    return up


def drop_enum(change: DropEnum) -> Operation:
    enum, parked = change.enum, change.parked
    if parked is None:
        target, comment = enum.name, f"drop enum {enum.name}"
    else:
        target, comment = parked, f"drop {parked}, the old type of enum {enum.name}"
    return Operation(
        Kind.DROP_ENUM,
        target,
        comment,
        (steps.drop_enum(enum, parked=parked),),
        order=Phase.DROP_ENUMS,
        source=change,
    )

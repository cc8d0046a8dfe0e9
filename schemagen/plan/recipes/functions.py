"""The functions the spec implies: an archive's, a materialized view's refresh function, and the
maintenance function of the windows kept over time."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import (
    CreateArchiveFunction,
    CreateMaintainFunction,
    CreateRefreshFunction,
    DropFunction,
)
from schemagen.plan.operations import Kind, Operation, Phase


def create_archive_function(change: CreateArchiveFunction) -> Operation:
    name = change.entry.archive.function
    return Operation(
        Kind.CREATE_FUNCTION,
        name,
        f"create function {name}",
        (steps.create_archive_function(change.entry),),
        order=Phase.FUNCTIONS,
        source=change,
    )


def create_refresh_function(change: CreateRefreshFunction) -> Operation:
    name = change.view.refresh_function or ""
    return Operation(
        Kind.CREATE_FUNCTION,
        name,
        f"create function {name}",
        (steps.create_refresh_function(change.view),),
        order=Phase.FUNCTIONS,
        source=change,
    )


def create_maintain_function(change: CreateMaintainFunction) -> Operation:
    entry = change.entry
    tables = ", ".join(t.name for t in entry.tables)
    return Operation(
        Kind.CREATE_FUNCTION,
        entry.name,
        f"create function {entry.name} (keeps the windows of {tables})",
        (steps.create_maintain_function(entry),),
        order=Phase.FUNCTIONS,
        source=change,
    )


def drop_function(change: DropFunction) -> Operation:
    return Operation(
        Kind.DROP_FUNCTION,
        change.name,
        f"drop function {change.name}",
        (steps.drop_function(change.schema, change.name, change.arguments),),
        order=Phase.DROP_FUNCTIONS,
        source=change,
    )

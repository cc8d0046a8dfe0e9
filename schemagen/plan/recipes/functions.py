"""The functions the spec implies: an archive's, a materialized view's refresh function."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import CreateArchiveFunction, CreateRefreshFunction, DropFunction
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


def drop_function(change: DropFunction) -> Operation:
    return Operation(
        Kind.DROP_FUNCTION,
        change.name,
        f"drop function {change.name}",
        (steps.drop_function(change.schema, change.name, change.arguments),),
        order=Phase.DROP_FUNCTIONS,
        source=change,
    )

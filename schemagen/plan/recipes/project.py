"""Extensions and schemas the new version uses, and extensions it no longer names."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import AlterExtension, CreateExtension, CreateSchema, DropExtension, DropSchema
from schemagen.plan.operations import Kind, Operation, Phase


def create_extension(change: CreateExtension) -> Operation:
    name = change.name
    return Operation(
        Kind.CREATE_EXTENSION,
        name,
        f"create extension {name}",
        (steps.create_extension(name, change.setting),),
        order=Phase.EXTENSIONS,
        source=change,
    )


def create_schema(change: CreateSchema) -> Operation:
    name = change.name
    return Operation(
        Kind.CREATE_SCHEMA,
        name,
        f"create schema {name}",
        (steps.create_schema(name),),
        order=Phase.EXTENSIONS,
        source=change,
    )


def drop_extension(change: DropExtension) -> Operation:
    name = change.name
    return Operation(
        Kind.DROP_EXTENSION,
        name,
        f"drop extension {name}",
        (steps.drop_extension(name),),
        order=Phase.DROP_EXTENSIONS,
        source=change,
    )


def drop_schema(change: DropSchema) -> Operation:
    name = change.name
    return Operation(
        Kind.DROP_SCHEMA,
        name,
        f"drop schema {name}",
        (steps.drop_schema(name),),
        order=Phase.DROP_SCHEMAS,
        source=change,
    )


def alter_extension(change: AlterExtension) -> Operation:
    name = change.name
    what = []
    if change.move:
        what.append(f"move extension {name} to schema {change.schema or 'public'}")
    if change.update and change.if_reachable:
        what.append(
            f"update extension {name} back to version {change.version} where the server has an update "
            "path to it (else it stays at its version, with a warning)"
        )
    elif change.update:
        what.append(f"update extension {name} to version {change.version or 'its default'}")
    return Operation(
        Kind.ALTER_EXTENSION,
        name,
        "; ".join(what),
        (
            steps.alter_extension(
                name,
                change.schema or "public",
                change.move,
                change.version,
                change.update,
                if_reachable=change.if_reachable,
            ),
        ),
        order=Phase.EXTENSIONS,
        source=change,
    )

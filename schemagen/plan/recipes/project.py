"""Extensions and schemas the new version uses."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import CreateExtension, CreateSchema
from schemagen.plan.operations import Kind, Operation, Phase


def create_extension(change: CreateExtension) -> Operation:
    name = change.name
    return Operation(
        Kind.CREATE_EXTENSION,
        name,
        f"create extension {name}",
        (steps.create_extension(name),),
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

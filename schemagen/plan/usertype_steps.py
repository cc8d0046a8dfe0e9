"""The statements of composite and range types (`types:`), one per template in
`templates/postgres/migrate/`. None locks a table: CREATE TYPE, DROP TYPE and ALTER TYPE … ADD / DROP /
RENAME ATTRIBUTE lock the type alone (a column of the type keeps its rows: an added attribute reads as
NULL, a dropped one is gone from every value). ALTER ATTRIBUTE … TYPE is planned only when no column
holds the type (PostgreSQL refuses it otherwise). A rebuilt range type's old type, multirange type and
constructors are renamed out of the way (ALTER TYPE / ALTER FUNCTION … RENAME TO: the catalog alone)."""

from __future__ import annotations

from typing import Literal

from schemagen.model import CompositeAttribute, CompositeType, UserType
from schemagen.plan.operations import Lock, Statement, Step
from schemagen.records import dataclass

__all__ = ["alter_attribute", "create_type", "drop_type", "rename_function", "rename_type"]


@dataclass(frozen=True)
class CreateType(Statement):
    template = "create_type"
    type: UserType


@dataclass(frozen=True)
class DropType(Statement):
    template = "drop_type"
    type: UserType


@dataclass(frozen=True)
class RenameType(Statement):
    template = "rename_type"
    schema: str
    name: str
    new_name: str


@dataclass(frozen=True)
class RenameFunction(Statement):
    """`arguments`: the types alone (`integer, integer`), as DROP and ALTER FUNCTION name them."""

    template = "rename_function"
    schema: str
    name: str
    arguments: str
    new_name: str


@dataclass(frozen=True)
class AlterTypeAttribute(Statement):
    template = "alter_type_attribute"
    type: CompositeType
    action: Literal["add", "drop", "type", "rename"]
    attribute: CompositeAttribute
    new_name: str | None = None


def create_type(type_: UserType) -> Step:
    return Step(CreateType(type_), Lock.NONE, f"type {type_.name}")


def drop_type(type_: UserType) -> Step:
    return Step(DropType(type_), Lock.NONE, f"type {type_.name}")


def alter_attribute(
    type_: CompositeType,
    action: Literal["add", "drop", "type", "rename"],
    attribute: CompositeAttribute,
    new_name: str | None = None,
) -> Step:
    return Step(AlterTypeAttribute(type_, action, attribute, new_name), Lock.NONE, f"type {type_.name}")


def rename_type(schema: str, name: str, new_name: str) -> Step:
    return Step(RenameType(schema, name, new_name), Lock.NONE, f"type {name}")


def rename_function(schema: str, name: str, arguments: str, new_name: str) -> Step:
    return Step(RenameFunction(schema, name, arguments, new_name), Lock.NONE, f"function {name}")

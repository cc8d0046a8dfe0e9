"""Composite and range types: created (after the enums and domains they use, before the functions and
columns of their type), an attribute added, dropped or retyped, dropped (once no column or function
has their type), and a range type nothing uses dropped and created anew (PostgreSQL cannot alter
one). See `plan.usertype_steps` for what each locks."""

from __future__ import annotations

from schemagen.plan import usertype_steps
from schemagen.plan.changes import AlterTypeAttribute, CreateType, DropType
from schemagen.plan.operations import Kind, Operation, Phase


def create_type(change: CreateType) -> Operation:
    type_ = change.type
    if change.replaces is not None:  # dropped and created anew, in one operation
        return Operation(
            Kind.CREATE_TYPE,
            type_.name,
            f"drop and create type {type_.name} anew",
            (usertype_steps.drop_type(change.replaces), usertype_steps.create_type(type_)),
            # once the columns and functions of A that use it are gone, when some did
            order=Phase.DROP_DOMAINS if change.late else Phase.DOMAINS,
            source=change,
        )
    return Operation(
        Kind.CREATE_TYPE,
        type_.name,
        f"create type {type_.name}",
        (usertype_steps.create_type(type_),),
        order=Phase.DOMAINS,
        source=change,
    )


def alter_type_attribute(change: AlterTypeAttribute) -> Operation:
    type_, attribute = change.type, change.attribute
    what = {"add": "add", "drop": "drop", "type": "change the type of", "rename": "rename"}[change.action]
    to = f" to {change.new_name}" if change.action == "rename" else ""
    return Operation(
        Kind.ALTER_TYPE,
        f"{type_.name}.{attribute.name}",
        f"{what} attribute {attribute.name} of type {type_.name}{to}",
        (usertype_steps.alter_attribute(type_, change.action, attribute, change.new_name),),
        order=Phase.DOMAINS,
        source=change,
    )


def drop_type(change: DropType) -> Operation:
    type_ = change.type
    return Operation(
        Kind.DROP_TYPE,
        type_.name,
        f"drop type {type_.name}",
        (usertype_steps.drop_type(type_),),
        order=Phase.DROP_DOMAINS,
        source=change,
    )

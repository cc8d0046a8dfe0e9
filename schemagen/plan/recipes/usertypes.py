"""Composite and range types: created (after the enums and domains they use, before the functions and
columns of their type), an attribute added, dropped or retyped, dropped (once no column or function
has their type), a range type nothing uses dropped and created anew (PostgreSQL cannot alter one),
and one that columns or functions use rebuilt with them. See `plan.usertype_steps` for what each
locks."""

from __future__ import annotations

from dataclasses import replace

from schemagen.model import Function
from schemagen.plan import steps, usertype_steps
from schemagen.plan.changes import AlterTypeAttribute, CreateType, DropType, RebuildRange
from schemagen.plan.operations import Kind, Operation, Phase, Step
from schemagen.plan.recipes.enums import convert_via_text


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


def rebuild_range(change: RebuildRange) -> Operation:
    """In one transaction, after the views reading its columns or naming it and the checks and indexes
    reading its columns are dropped: the functions whose signature names it dropped (aggregates first),
    the old type, its multirange type and their constructors renamed out of the way (the multirange
    type keeps the name PostgreSQL derived from the range's, which the new type would make again), the
    new type created, each column converted through its text (a rewrite of its table), and the
    functions created again (aggregates last; a SQL-standard body in quotes, set once the views are
    back). The old type is dropped last (`drop_type`, parked), once the columns and tables this
    migration drops are gone."""
    new, old = change.range, change.old
    up: list[Step] = [steps.drop_routine(f) for f in sorted(change.dropped, key=_aggregates_first)]
    up += [
        usertype_steps.rename_type(old.schema, old.name, change.parked),
        usertype_steps.rename_type(old.schema, change.multirange, change.parked_multirange),
        # the constructors keep their names: the new type's would collide with them
        usertype_steps.rename_function(old.schema, old.name, f"{old.subtype}, {old.subtype}", change.parked),
        usertype_steps.rename_function(
            old.schema, old.name, f"{old.subtype}, {old.subtype}, text", change.parked
        ),
        usertype_steps.rename_function(old.schema, change.multirange, "", change.parked_multirange),
        usertype_steps.create_type(new),
    ]
    for table, column in change.columns:
        up += convert_via_text(table, column)
    up += [
        steps.create_routine(f, quoted=f.standard_body is not None)
        for f in sorted(change.created, key=_aggregates_first, reverse=True)
    ]
    return Operation(
        Kind.CREATE_TYPE,
        new.name,
        f"{change.what}: rebuild range type {new.name} and convert its columns through their text",
        tuple(up),
        order=Phase.REBUILD_ENUMS,
        source=change,
        atomic=True,
    )


def _aggregates_first(function: Function) -> bool:
    return function.aggregate is None


def drop_type(change: DropType) -> Operation:
    type_ = change.type
    if change.parked is not None:
        return Operation(
            Kind.DROP_TYPE,
            change.parked,
            f"drop {change.parked}, the old type of range type {type_.name} (its multirange type with it)",
            (usertype_steps.drop_type(replace(type_, name=change.parked)),),
            order=Phase.DROP_DOMAINS,
            source=change,
        )
    return Operation(
        Kind.DROP_TYPE,
        type_.name,
        f"drop type {type_.name}",
        (usertype_steps.drop_type(type_),),
        order=Phase.DROP_DOMAINS,
        source=change,
    )

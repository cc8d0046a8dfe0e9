"""The spec's own functions, procedures and triggers: created, replaced in place (CREATE OR REPLACE,
when the signature and result stay), dropped; a changed trigger is dropped and created again in one
transaction."""

from __future__ import annotations

from schemagen.plan import steps
from schemagen.plan.changes import (
    CreateRoutine,
    CreateTrigger,
    DropRoutine,
    DropTrigger,
    QuoteStandardBody,
    ReplaceTrigger,
    SetStandardBody,
)
from schemagen.plan.operations import Kind, Operation, Phase


def _what(change: CreateRoutine | DropRoutine | QuoteStandardBody | SetStandardBody) -> str:
    if change.function.aggregate is not None:
        return "aggregate"
    return "procedure" if change.function.procedure else "function"


def create_routine(change: CreateRoutine) -> Operation:
    function = change.function
    verb = "replace" if change.replace else "create"
    return Operation(
        Kind.REPLACE_FUNCTION if change.replace else Kind.CREATE_FUNCTION,
        function.name,
        f"{verb} {_what(change)} {function.name}({function.identity})",
        (
            steps.create_routine(
                function,
                replace=change.replace,
                clear_comment=bool(change.old and change.old.comment and function.comment is None),
                quoted=change.quoted,
            ),
        ),
        order=Phase.ROW_TYPED_FUNCTIONS if change.after_tables else Phase.USER_FUNCTIONS,
        source=change,
    )


def quote_standard_body(change: QuoteStandardBody) -> Operation:
    """Before anything changes: PostgreSQL refuses to drop or retype what a SQL-standard body reads."""
    function = change.function
    return Operation(
        Kind.REPLACE_FUNCTION,
        function.name,
        f"put the body of {_what(change)} {function.name}({function.identity}) in quotes: it reads "
        f"{', '.join(change.reads)}, which the migration changes",
        (steps.replace_routine_body(function, quoted=True),),
        order=Phase.USER_FUNCTIONS,
        source=change,
    )


def set_standard_body(change: SetStandardBody) -> Operation:
    """After the views: a SQL-standard body is checked against, and tied to, what it reads."""
    function = change.function
    return Operation(
        Kind.REPLACE_FUNCTION,
        function.name,
        f"give {_what(change)} {function.name}({function.identity}) its SQL-standard body",
        (steps.replace_routine_body(function, quoted=False),),
        order=Phase.FUNCTIONS,
        source=change,
    )


def drop_routine(change: DropRoutine) -> Operation:
    function = change.function
    called = f" (called by {', '.join(change.dependents)})" if change.dependents else ""
    return Operation(
        Kind.DROP_FUNCTION,
        function.name,
        f"drop {_what(change)} {function.name}({function.identity}){called}",
        (steps.drop_routine(function),),
        # one created again under the same name goes first: a new result cannot replace the old one
        order=Phase.USER_FUNCTIONS
        if change.recreated
        else Phase.DROP_ROW_TYPED_FUNCTIONS
        if change.before_tables
        else Phase.DROP_USER_FUNCTIONS,
        source=change,
    )


def create_trigger(change: CreateTrigger) -> Operation:
    trigger = change.trigger
    return Operation(
        Kind.CREATE_TRIGGER,
        f"{trigger.table}.{trigger.name}",
        f"create trigger {trigger.name} on {trigger.table}",
        (steps.create_trigger(trigger),),
        order=Phase.TRIGGERS,
        source=change,
    )


def drop_trigger(change: DropTrigger) -> Operation:
    trigger = change.trigger
    return Operation(
        Kind.DROP_TRIGGER,
        f"{trigger.table}.{trigger.name}",
        f"drop trigger {trigger.name} on {trigger.table}",
        (steps.drop_trigger(trigger),),
        order=Phase.DROP_TRIGGERS,
        source=change,
    )


def replace_trigger(change: ReplaceTrigger) -> Operation:
    new = change.new
    return Operation(
        Kind.REPLACE_TRIGGER,
        f"{new.table}.{new.name}",
        f"replace trigger {new.name} on {new.table} (dropped and created in one transaction)",
        (steps.drop_trigger(change.old), steps.create_trigger(new)),
        order=Phase.TRIGGERS,
        source=change,
        atomic=True,
    )

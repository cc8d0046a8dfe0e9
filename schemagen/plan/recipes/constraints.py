"""Constraints: added without blocking writes where PostgreSQL allows it, renamed, dropped.

A new foreign key or CHECK is added NOT VALID, then validated in a transaction of its own; a new
primary key or unique constraint is a unique index built concurrently, then attached. A partitioned
table allows neither: the constraint is added directly and checked under its lock (flagged).
"""

from __future__ import annotations

from schemagen.model import CheckConstraint, ForeignKey, Index, IndexElement, PrimaryKey, UniqueConstraint
from schemagen.plan import steps
from schemagen.plan.changes import (
    AddConstraint,
    ConstraintKind,
    DropConstraint,
    RenameConstraint,
    ValidateConstraint,
)
from schemagen.plan.operations import Kind, Operation, Phase

#: Why a check or an index whose definition did not change is dropped and created again.
REREAD = " (it reads a column converted to a rebuilt enum: created again after the rebuild)"


def reread(rebuilt: str) -> str:
    """REREAD, for a column converted to a rebuilt enum or (`rebuilt`) another kind of type."""
    return REREAD.replace("rebuilt enum", f"rebuilt {rebuilt}")


_ADD = {
    "primary_key": Kind.ADD_PRIMARY_KEY,
    "unique": Kind.ADD_UNIQUE,
    "check": Kind.ADD_CHECK,
    "foreign_key": Kind.ADD_FOREIGN_KEY,
    "exclusion": Kind.ADD_EXCLUSION,
}
_DROP = {
    "primary_key": Kind.DROP_PRIMARY_KEY,
    "unique": Kind.DROP_UNIQUE,
    "check": Kind.DROP_CHECK,
    "foreign_key": Kind.DROP_FOREIGN_KEY,
    "exclusion": Kind.DROP_EXCLUSION,
}


def _words(kind: ConstraintKind) -> str:
    return kind.replace("_", " ")


def add_constraint(change: AddConstraint) -> Operation:
    table, constraint, kind = change.table, change.constraint, change.kind
    name, schema, cname = table.name, table.schema, constraint.name
    target = f"{name}.{cname}"
    order = Phase.FOREIGN_KEYS if kind == "foreign_key" else Phase.CONSTRAINTS
    if isinstance(constraint, (CheckConstraint, ForeignKey)) and constraint.not_valid:
        # kept NOT VALID: the rows already there are not checked, now or later
        on = constraint.ref_table if isinstance(constraint, ForeignKey) else name
        return Operation(
            _ADD[kind],
            target,
            f"add {_words(kind)} {cname} NOT VALID (kept so: existing rows are not checked)",
            (steps.add_constraint(schema, name, constraint, not_valid=True, on=on),),
            order=order,
            source=change,
        )
    if change.on_new_table:
        # the table is empty: nothing to validate, nothing to wait for
        on = constraint.ref_table if isinstance(constraint, ForeignKey) else name
        return Operation(
            _ADD[kind],
            target,
            f"add {_words(kind)} {cname} of new table {name}",
            (steps.add_constraint(schema, name, constraint, not_valid=False, on=on),),
            order=order,
            source=change,
        )
    if kind == "exclusion":
        # neither NOT VALID nor USING INDEX takes an exclusion constraint: its index is built and every
        # row checked under the table's lock (flagged)
        return Operation(
            _ADD[kind],
            target,
            f"add exclusion constraint {cname} to {name}: its index is built under the table's lock",
            (steps.add_constraint(schema, name, constraint, not_valid=False, scans=True),),
            order=order,
            source=change,
        )
    if table.partition is not None:
        return Operation(
            _ADD[kind],
            target,
            f"add {_words(kind)} {cname} to partitioned table {name}",
            (steps.add_constraint(schema, name, constraint, not_valid=False, scans=True),),
            order=order,
            source=change,
        )
    if isinstance(constraint, (PrimaryKey, UniqueConstraint)):
        index = Index(
            name=cname,
            table=name,
            elements=tuple(IndexElement(column=column) for column in constraint.columns),
            unique=True,
            nulls_not_distinct=isinstance(constraint, UniqueConstraint) and constraint.nulls_not_distinct,
        )
        return Operation(
            _ADD[kind],
            target,
            f"add {_words(kind)} {cname}: unique index built concurrently, then attached",
            (
                steps.create_index(index, name=cname, table=name, schema=schema, concurrently=True),
                steps.add_constraint_using_index(table, kind, cname, constraint.deferrable),
            ),
            order=order,
            source=change,
        )
    on = constraint.ref_table if isinstance(constraint, ForeignKey) else name
    return Operation(
        _ADD[kind],
        target,
        f"add {_words(kind)} {cname} NOT VALID, then validate it without blocking writes",
        (
            steps.add_constraint(schema, name, constraint, not_valid=True, on=on),
            steps.validate_constraint(schema, name, cname),
        ),
        order=order,
        source=change,
    )


def drop_constraint(change: DropConstraint) -> Operation:
    table, constraint, kind = change.table, change.constraint, change.kind
    foreign_key = constraint if isinstance(constraint, ForeignKey) else None
    target = f"{table.name}.{constraint.name}"
    if change.with_table and foreign_key is not None:
        # dropped before its table, so the order of table drops never matters
        on = f"{table.name} and {foreign_key.ref_table}"
        comment = f"drop foreign key {constraint.name}"
    else:
        on = table.name
        comment = f"drop {_words(kind)} {constraint.name}" + (reread(change.rebuilt) if change.reread else "")
    return Operation(
        _DROP[kind],
        target,
        comment,
        (steps.drop_constraint(table.schema, table.name, constraint.name, foreign_key=foreign_key, on=on),),
        order=Phase.DROP_FOREIGN_KEYS if foreign_key is not None else Phase.DROP_CONSTRAINTS,
        source=change,
    )


def rename_constraint(change: RenameConstraint) -> Operation:
    table = change.table
    return Operation(
        Kind.RENAME_CONSTRAINT,
        f"{table.name}.{change.new}",
        f"rename constraint {change.old} to {change.new}",
        (steps.rename_constraint(table.schema, table.name, change.old, change.new),),
        order=Phase.RENAMES,
        source=change,
    )


def validate_constraint(change: ValidateConstraint) -> Operation:
    """`valid: false` → true: VALIDATE CONSTRAINT, under SHARE UPDATE EXCLUSIVE (reads and writes go on)."""
    table, constraint = change.table, change.constraint
    kind: ConstraintKind = "foreign_key" if isinstance(constraint, ForeignKey) else "check"
    return Operation(
        Kind.VALIDATE_CONSTRAINT,
        f"{table.name}.{constraint.name}",
        f"validate {_words(kind)} {constraint.name} (kept NOT VALID until now) without blocking writes",
        (steps.validate_constraint(table.schema, table.name, constraint.name),),
        order=Phase.FOREIGN_KEYS if kind == "foreign_key" else Phase.CONSTRAINTS,
        source=change,
    )

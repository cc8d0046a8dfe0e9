"""Hazard analyzers: small named constructors with stable codes, each with its fix.

Codes: SG90x destructive (data is lost; SG906: a down migration cannot bring back what the lost data
held), SG92x rewrite or long lock, SG93x data-dependent (may fail on existing rows). `migrate new`
refuses destructive hazards unless the spec's `allow_destructive` (or `--allow-destructive`) allows them.
"""

from __future__ import annotations

from schemagen.plan.operations import Hazard


def drop_table(table: str) -> Hazard:
    return Hazard(
        "SG901",
        f"drops table {table} and every row in it",
        f"keep the entity, or allow it: `allow_destructive: [drop table {table}]`",
        destructive=True,
    )


def drop_column(table: str, column: str) -> Hazard:
    return Hazard(
        "SG902",
        f"drops column {table}.{column} and its values",
        f"keep the column, or allow it: `allow_destructive: [drop column {table}.{column}]`",
        destructive=True,
    )


def narrowing(target: str, old: str, new: str) -> Hazard:
    return Hazard(
        "SG903",
        f"narrows {target} from {old} to {new}: values that do not fit make it fail or are cut",
        f"widen instead, or allow it: `allow_destructive: [narrow {target}]`",
        destructive=True,
    )


def shrink_window(table: str, partitions: list[str]) -> Hazard:
    return Hazard(
        "SG904",
        f"shrinks the partitions of {table}: drops {', '.join(partitions)} with their rows",
        f"keep the window, archive the rows first, or allow it: `allow_destructive: [shrink {table}]`",
        destructive=True,
    )


def remove_enum_value(enum: str, values: list[str]) -> Hazard:
    return Hazard(
        "SG905",
        f"removes {', '.join(values)} from enum {enum}",
        f"keep the values, or allow it: `allow_destructive: [enum {enum}]`",
        destructive=True,
    )


#: Hazards of a down migration that brings a structure back without what held it in place.
NOT_RESTORED = frozenset({"SG906"})


def not_null_not_restored(table: str, column: str) -> Hazard:
    return Hazard(
        "SG906",
        f"{table}.{column} comes back without its NOT NULL: the up migration dropped its values, so every "
        "row holds NULL",
        f"fill {table}.{column}, then make it NOT NULL by hand: the spec of this version already says "
        "so, and no migration will",
    )


def rewrite(table: str, why: str) -> Hazard:
    return Hazard(
        "SG921",
        f"rewrites {table} under ACCESS EXCLUSIVE: {why}",
        "run it in a maintenance window, or add a new column, backfill it in batches and swap",
    )


def long_lock(table: str, why: str) -> Hazard:
    return Hazard(
        "SG922",
        f"holds a lock on {table} for longer than a catalog change: {why}",
        "run it when the table is quiet",
    )


def rebuild(table: str, why: str) -> Hazard:
    return Hazard("SG923", f"rebuilds {table}: {why}", "expect the table's size in extra disk and time")


def data_dependent(target: str, why: str) -> Hazard:
    return Hazard(
        "SG931", f"{target}: {why}", "check the existing rows first; the migration stops on the error"
    )


def integrity_gap(table: str, foreign_keys: list[str]) -> Hazard:
    return Hazard(
        "SG932",
        f"foreign keys referencing {table} ({', '.join(foreign_keys)}) are dropped during the "
        "move and re-added NOT VALID, then validated: rows written meanwhile are checked at the end",
        "avoid deleting referenced rows while the migration runs",
    )


def is_allowed(hazard: Hazard, target: str, allowed: tuple[str, ...]) -> bool:
    """Whether `allow_destructive` names this change (or says `all`)."""
    wanted = {a.strip().lower() for a in allowed}
    return "all" in wanted or any(word in wanted for word in _keys(hazard, target))


def _keys(hazard: Hazard, target: str) -> list[str]:
    kind = {
        "SG901": "drop table",
        "SG902": "drop column",
        "SG903": "narrow",
        "SG904": "shrink",
        "SG905": "enum",
    }.get(hazard.code, "")
    return [f"{kind} {target}".lower(), target.lower()]

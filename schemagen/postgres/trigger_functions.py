"""The rules of the trigger functions PostgreSQL and its extensions ship (`tsvector_update_trigger`,
`suppress_redundant_updates_trigger`, contrib's `moddatetime`, …): how a trigger may call each one. The
function itself raises at the first row otherwise (`wrong number of trigger arguments`, `must be fired
BEFORE event`, `column "x" is not of tsvector type`), so a spec breaking them is refused before then.

A column whose type is not one of PostgreSQL's own (a domain, an enum, an extension's type) is not judged:
the function decides at run time."""

from __future__ import annotations

import re
from collections.abc import Callable

from schemagen.records import dataclass

__all__ = ["Problem", "UsageRule", "check_builtin_trigger", "known_trigger_function"]


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # the spec key it is about: arguments, timing, for_each, events
    text: str
    fix: str


@dataclass(frozen=True, slots=True)
class UsageRule:
    min_arguments: int
    max_arguments: int | None
    events: frozenset[str]  # the events it may fire on
    # what each argument must name, by position; the last one repeats: "tsvector", "text", "regconfig",
    # "timestamp" (a column of the table of that kind), "config" (a schema-qualified configuration name)
    kinds: tuple[str, ...] = ()


_TSVECTOR = UsageRule(3, None, frozenset({"insert", "update"}), ("tsvector", "config", "text"))
RULES: dict[str, UsageRule] = {
    "tsvector_update_trigger": _TSVECTOR,
    "tsvector_update_trigger_column": UsageRule(
        3, None, frozenset({"insert", "update"}), ("tsvector", "regconfig", "text")
    ),
    "suppress_redundant_updates_trigger": UsageRule(0, 0, frozenset({"update"})),
    "moddatetime": UsageRule(1, 1, frozenset({"update"}), ("timestamp",)),
}

# Column types of PostgreSQL's own, by the kind of argument that accepts them; other types of PostgreSQL's
# own are refused, the rest are left to run time.
_ACCEPTS = {
    "tsvector": {"tsvector"},
    "regconfig": {"regconfig"},
    "text": {"text", "character varying", "character"},
    "timestamp": {"timestamp without time zone", "timestamp with time zone"},
}
_OWN_TYPES = {
    *(t for types in _ACCEPTS.values() for t in types),
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
    "boolean",
    "date",
    "time without time zone",
    "time with time zone",
    "interval",
    "json",
    "jsonb",
    "uuid",
    "bytea",
    "inet",
    "cidr",
    "macaddr",
    "money",
    "xml",
}


_MODIFIERS = re.compile(r"\(\s*\d+(?:\s*,\s*\d+)?\s*\)")


def known_trigger_function(name: str) -> bool:
    return name in RULES


def _what(kind: str) -> str:
    return {
        "tsvector": "a tsvector column",
        "regconfig": "a regconfig column",
        "text": "a text, varchar or char column",
        "timestamp": "a timestamp or timestamptz column",
        "config": "a schema-qualified text search configuration such as pg_catalog.english",
    }[kind]


def check_builtin_trigger(
    function: str,
    arguments: tuple[str, ...],
    *,
    timing: str,
    for_each: str,
    events: frozenset[str],
    column_type: Callable[[str], str | None],
) -> list[Problem]:
    """The ways a trigger calling `function` (one of `RULES`) breaks its rules; `column_type` gives a
    column's canonical type, None for no such column."""
    rule = RULES.get(function)
    if rule is None:
        return []
    problems: list[Problem] = []
    if for_each != "row" or timing != "before":
        problems.append(
            Problem(
                "timing",
                f"`{function}` works only in a row-level before trigger",
                "write `timing: before` and `for_each: row`",
            )
        )
    if events - rule.events:
        allowed = " and ".join(sorted(rule.events))
        problems.append(Problem("events", f"`{function}` fires only on {allowed}", f"use {allowed}"))
    count = len(arguments)
    if count < rule.min_arguments or (rule.max_arguments is not None and count > rule.max_arguments):
        if rule.max_arguments == rule.min_arguments:
            wanted = f"exactly {rule.min_arguments}"
        else:
            wanted = f"at least {rule.min_arguments}"
        shape = ", ".join(_what(k) for k in rule.kinds) or "none"
        problems.append(
            Problem(
                "arguments",
                f"`{function}` takes {wanted} argument{'s' if rule.min_arguments != 1 else ''}, not {count}",
                f"give {shape}" + (", …" if rule.max_arguments is None else ""),
            )
        )
        return problems
    for i, argument in enumerate(arguments):
        kind = rule.kinds[min(i, len(rule.kinds) - 1)]
        if kind == "config":
            if "." not in argument:
                problems.append(
                    Problem(
                        "arguments",
                        f"`{function}` needs a schema-qualified text search configuration, not `{argument}`",
                        f"write `pg_catalog.{argument}`",
                    )
                )
            continue
        found = column_type(argument)
        if found is None:
            problems.append(
                Problem(
                    "arguments", f"argument `{argument}` is not a column of the table", f"name {_what(kind)}"
                )
            )
            continue
        base = _MODIFIERS.sub("", found).strip()
        if base in _OWN_TYPES and base not in _ACCEPTS[kind]:
            problems.append(
                Problem(
                    "arguments", f"argument `{argument}` is a column of type {found}", f"name {_what(kind)}"
                )
            )
    return problems

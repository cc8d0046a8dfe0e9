"""How a spec names what shares a name across schemas: the one of the project's schema keeps the bare
name as its key, every other one is keyed `schema.name` (the spec's qualified form); and how a column
type or an attribute names a domain or type, by any of its spellings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import TypeVar

from schemagen.model.objects import (
    CompositeType,
    Domain,
    Enum,
    Function,
    RangeType,
    SequenceGenerator,
    Table,
    View,
)

Keyed = TypeVar("Keyed", Table, View, Enum, Domain, CompositeType | RangeType, SequenceGenerator)
Spelled = TypeVar("Spelled", Domain, CompositeType | RangeType)


def by_spelling(items: Iterable[Spelled]) -> dict[str, Spelled]:
    """`items` (domains, or composite and range types) under every name a column type or an attribute
    may give one: `schema.name`, its key, and its bare name unless it is keyed `schema.name`."""
    found = list(items)
    spelled = {f"{i.schema}.{i.name}": i for i in found}
    spelled |= {i.name: i for i in found if i.spec_key is None}
    return spelled | {i.key: i for i in found}


def qualified_keys(items: Iterable[Keyed], home: str) -> list[Keyed]:
    """`items` (tables, or views) with `spec_key` set on each that shares its name with another of them
    and lives outside `home` (an archive table too: named after its table, it shares a name when its
    table does)."""
    found = list(items)
    counts = Counter(t.name for t in found)
    return [
        replace(t, spec_key=f"{t.schema}.{t.name}")
        if counts[t.name] > 1 and t.schema != home and t.spec_key is None
        else t
        for t in found
    ]


def qualified_function_keys(functions: Iterable[Function], home: str) -> list[Function]:
    """`functions` with `spec_key` `schema.name` on each whose name a function of another schema has
    too and that lives outside `home` (overloads within one schema are told apart by their types)."""
    found = list(functions)
    schemas: dict[str, set[str]] = {}
    for f in found:
        schemas.setdefault(f.name, set()).add(f.schema)
    return [
        replace(f, spec_key=f"{f.schema}.{f.name}")
        if len(schemas[f.name]) > 1 and f.schema != home and f.spec_key is None
        else f
        for f in found
    ]


def owned_sequence_keys(
    sequences: Iterable[SequenceGenerator], tables: Iterable[Table]
) -> list[SequenceGenerator]:
    """`sequences` with `spec_key` `schema.name` on each owned by a table keyed `schema.name` (the
    serial sequences of two same-named tables share their name too)."""
    qualified = {(t.schema, t.name) for t in tables if t.spec_key is not None}
    return [
        replace(s, spec_key=f"{s.schema}.{s.name}")
        if s.owned_by is not None and (s.schema, s.owned_by[0]) in qualified and s.spec_key is None
        else s
        for s in sequences
    ]

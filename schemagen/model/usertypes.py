"""Composite and range types (`types:`): `CREATE TYPE … AS (…)` and `CREATE TYPE … AS RANGE (…)`.

Each is usable as a column type (and in arrays) and in functions' arguments and results. A composite
type's attributes keep the spec's order (PostgreSQL's), each type in its canonical spelling; a range
type names its subtype and, optionally, its `subtype_diff` function and collation (PostgreSQL makes
the multirange type beside it).
"""

from __future__ import annotations

from collections.abc import Iterable

from schemagen.model.objects import CompositeAttribute, CompositeType, RangeType, UserType

__all__ = ["CompositeAttribute", "CompositeType", "RangeType", "UserType", "order_types"]


def bare_type(type_: str) -> str:
    """A type without its schema and array brackets."""
    return type_.removesuffix("[]").rsplit(".", 1)[-1].strip('"')


def order_types(types: Iterable[UserType]) -> list[UserType]:
    """Types after the types of the spec they use, ties broken by name (a cycle, which the checks
    report, is left where it closes)."""
    by_name = {t.name: t for t in types}
    order: list[UserType] = []
    placed: set[str] = set()

    def place(type_: UserType, trail: frozenset[str]) -> None:
        if type_.name in placed or type_.name in trail:
            return
        for used in type_.uses:
            other = by_name.get(bare_type(used))
            if other is not None:
                place(other, trail | {type_.name})
        placed.add(type_.name)
        order.append(type_)

    for t in sorted(by_name.values(), key=lambda t: t.name):
        place(t, frozenset())
    return order

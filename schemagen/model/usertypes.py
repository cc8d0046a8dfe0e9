"""Composite and range types (`types:`): `CREATE TYPE … AS (…)` and `CREATE TYPE … AS RANGE (…)`.

Each is usable as a column type (and in arrays) and in functions' arguments and results. A composite
type's attributes keep the spec's order (PostgreSQL's), each type in its canonical spelling; a range
type names its subtype and, optionally, its `subtype_diff` function and collation (PostgreSQL makes
the multirange type beside it).
"""

from __future__ import annotations

from collections.abc import Iterable

from schemagen.model.keys import by_spelling
from schemagen.model.objects import CompositeAttribute, CompositeType, RangeType, UserType

__all__ = ["CompositeAttribute", "CompositeType", "RangeType", "UserType", "multirange_name", "order_types"]


def bare_type(type_: str) -> str:
    """A type without its schema and array brackets."""
    return type_.removesuffix("[]").rsplit(".", 1)[-1].strip('"')


def multirange_name(key: str) -> str:
    """The multirange type PostgreSQL makes beside the range type `key` (`name` or `schema.name`): the
    first `range` of its name made `multirange`, else `_multirange` appended."""
    schema, dot, name = key.rpartition(".")
    multirange = name.replace("range", "multirange", 1) if "range" in name else f"{name}_multirange"
    return f"{schema}{dot}{multirange}"


def order_types(types: Iterable[UserType]) -> list[UserType]:
    """Types after the types of the spec they use, ties broken by name (a cycle, which the checks
    report, is left where it closes)."""
    by_key = {t.key: t for t in types}
    by_type = by_spelling(by_key.values())
    order: list[UserType] = []
    placed: set[str] = set()

    def place(type_: UserType, trail: frozenset[str]) -> None:
        if type_.key in placed or type_.key in trail:
            return
        for used in type_.uses:
            written = used.removesuffix("[]")
            other = by_type.get(written) or by_type.get(bare_type(used))
            if other is not None:
                place(other, trail | {type_.key})
        placed.add(type_.key)
        order.append(type_)

    for t in sorted(by_key.values(), key=lambda t: (t.name, t.schema)):
        place(t, frozenset())
    return order

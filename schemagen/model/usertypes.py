"""Composite and range types (`types:`): `CREATE TYPE … AS (…)` and `CREATE TYPE … AS RANGE (…)`.

Each is usable as a column type (and in arrays) and in functions' arguments and results. A composite
type's attributes keep the spec's order (PostgreSQL's), each type in its canonical spelling; a range
type names its subtype and, optionally, its `subtype_diff` function and collation (PostgreSQL makes
the multirange type beside it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemagen.model.objects import Location

__all__ = ["CompositeAttribute", "CompositeType", "RangeType", "UserType", "order_types"]


@dataclass(frozen=True, slots=True)
class CompositeAttribute:
    name: str
    type: str  # canonical spelling; an enum, domain or type of the spec by its (qualified) name


@dataclass(frozen=True, slots=True)
class CompositeType:
    name: str
    schema: str
    attributes: tuple[CompositeAttribute, ...]  # in the spec's order
    comment: str | None = None
    loc: Location | None = field(default=None, compare=False)

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(a.type for a in self.attributes)


@dataclass(frozen=True, slots=True)
class RangeType:
    name: str
    schema: str
    subtype: str
    subtype_diff: str | None = None  # a function's name, as PostgreSQL spells it (`float8mi`)
    collation: str | None = None
    comment: str | None = None
    loc: Location | None = field(default=None, compare=False)

    @property
    def uses(self) -> tuple[str, ...]:
        return (self.subtype,)


UserType = CompositeType | RangeType


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

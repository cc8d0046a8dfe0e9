"""Checks of composite and range types (`types:`) against PostgreSQL's built-in objects: a range
type's operator class (a btree one that exists and takes the subtype, SG411) and the collations of
range types and composite attributes (that exist, on a type that takes one, SG116)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from schemagen.diagnostics import Diagnostic, rules
from schemagen.model import CompositeType, Location, Model, RangeType
from schemagen.postgres import resolve
from schemagen.postgres.builtins import Catalog, OpClass

__all__ = ["check_types"]

#: `check.catalog._opclass`: (catalog, method, name, type, enums, what, loc) → its findings
OpClassCheck = Callable[..., Iterator[Diagnostic]]
#: `check.catalog.default_opclass`: (catalog, method, type, enums) → the default class, or a bool
DefaultOpClass = Callable[[Catalog, str, str, frozenset[str]], OpClass | bool]


def check_types(
    model: Model, catalog: Catalog, opclass_check: OpClassCheck, default_opclass: DefaultOpClass
) -> Iterator[Diagnostic]:
    """`opclass_check`: `check.catalog._opclass`, which judges one operator class for a type;
    `default_opclass`: `check.catalog.default_opclass`."""
    enums = frozenset(model.enum_values_by_type)
    for type_ in model.types:
        if isinstance(type_, RangeType):
            subtype = model.base_type(type_.subtype)
            what = f"range type `{type_.key}`"
            # one qualified by its schema (an extension's in a schema of its own): not the catalog's to judge
            if type_.subtype_opclass is not None and "." not in type_.subtype_opclass:
                where = type_.subtype_opclass_loc or type_.loc
                found = [
                    # an index's hint (`index an expression of that type`) said as a range type's
                    replace(d, hint=d.hint.replace("index an expression of that type", "use that subtype"))
                    if d.hint
                    else d
                    for d in opclass_check(
                        catalog,
                        "btree",
                        type_.subtype_opclass,
                        subtype,
                        enums,
                        f"`subtype_opclass` of {what}",
                        where,
                    )
                ]
                yield from found
                default = default_opclass(catalog, "btree", subtype, enums)
                if not found and isinstance(default, OpClass) and default.name == type_.subtype_opclass:
                    # the catalog cannot tell it from no `subtype_opclass`: inspect and drift would not
                    # see it, and every plan would want to make the type anew
                    yield rules.OPERATOR_CLASS(
                        where,
                        what=f"`subtype_opclass` of {what}",
                        problem=f"{default.name} is the default btree operator class of {subtype}, which "
                        "the range type has without it",
                        fix="drop `subtype_opclass:`",
                    )
            if type_.collation is not None:
                yield from collation_problems(
                    catalog, type_.collation, subtype, enums, what, type_.collation_loc
                )
        elif isinstance(type_, CompositeType):
            for attribute in type_.attributes:
                if attribute.collation is not None:
                    yield from collation_problems(
                        catalog,
                        attribute.collation,
                        model.base_type(attribute.type),
                        enums,
                        f"attribute `{attribute.name}` of type `{type_.key}`",
                        attribute.collation_loc or type_.loc,
                    )


def collation_problems(
    catalog: Catalog, collation: str, type_name: str, enums: frozenset[str], what: str, loc: Location | None
) -> Iterator[Diagnostic]:
    """The COLLATION diagnostic of `collation` given to a value of `type_name` (`what`, at `loc`):
    a collation the server does not have, or a type that takes none."""
    problem = resolve.collation_problem(catalog, [collation], type_name, enums)
    if problem:
        fix = (
            "drop the collation: only text types take one"
            if "not supported" in problem
            else "name a collation the server has: C, POSIX, ucs_basic, an ICU one (`und-x-icu`), "
            "or an OS locale"
        )
        yield rules.COLLATION(loc, what=what, problem=problem, fix=fix)

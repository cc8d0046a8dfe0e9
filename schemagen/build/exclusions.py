"""The `exclude:` of an entity: its exclusion constraints, each named as PostgreSQL names one
(`{table}_{columns}_excl`) unless the spec pins the name."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from schemagen.diagnostics import rules
from schemagen.diagnostics.diagnostic import Diagnostic
from schemagen.model import Location, naming
from schemagen.model.exclusions import (
    EXCLUSION_METHODS,
    Deferral,
    ExclusionConstraint,
    ExclusionElement,
)
from schemagen.postgres import expressions

if TYPE_CHECKING:
    from schemagen.parse.spec import ExclusionSpec

Locate = Callable[..., Location | None]


def deferral(value: bool | str) -> Deferral:
    """`deferrable: true` (INITIALLY DEFERRED, as a foreign key's), `initially_deferred`,
    `initially_immediate` (DEFERRABLE alone), or false."""
    if value is False:
        return None
    return "immediate" if value == "initially_immediate" else "deferred"


def build_exclusions(
    table: str,
    specs: list[ExclusionSpec],
    columns: Collection[str],
    locate: Locate,
    report: Callable[[Diagnostic], None],
) -> list[ExclusionConstraint]:
    """The exclusion constraints of `table`; `locate(i, ...)` is where the i-th entry's key is."""
    found = []
    for i, spec in enumerate(specs):
        loc = locate(i)
        problems = False

        def problem(text: str, fix: str, where: Location | None = loc) -> None:
            nonlocal problems
            problems = True
            report(rules.EXCLUSION(where, table=table, problem=text, fix=fix))

        if spec.using not in EXCLUSION_METHODS:
            problem(
                f"`using: {spec.using}` cannot check an exclusion constraint",
                f"use one of {', '.join(EXCLUSION_METHODS)}",
                locate(i, "using"),
            )
        elements = []
        for k, element in enumerate(spec.elements):
            where = locate(i, "elements", k)
            if (element.column is None) == (element.expression is None):
                problem("an element has one of `column` and `expression`", "give exactly one of them", where)
                continue
            if element.column is not None and element.column not in columns:
                problem(
                    f"`{element.column}` is not a column of `{table}`",
                    f"name one of {', '.join(sorted(columns))}",
                    where,
                )
                continue
            expression = None
            if element.expression is not None:
                try:
                    expression = expressions.parse_expression(element.expression).text
                except expressions.ExpressionError as error:
                    problem(f"its expression does not parse: {error.message}", "fix the expression", where)
                    continue
            elements.append(ExclusionElement(element.with_, column=element.column, expression=expression))
        where_text = None
        if spec.where is not None:
            try:
                where_text = expressions.parse_expression(spec.where).text
            except expressions.ExpressionError as error:
                problem(
                    f"its `where` does not parse: {error.message}", "fix the expression", locate(i, "where")
                )
        if problems:
            continue
        keys = [e.column if e.column is not None else "expr" for e in elements]
        name = spec.name or naming.truncate(f"{table}_{'_'.join(keys)}_excl")
        found.append(
            ExclusionConstraint(
                name=name,
                elements=tuple(elements),
                using=spec.using,
                where=where_text,
                deferrable=deferral(spec.deferrable),
                loc=loc,
                comment=spec.comment,
            )
        )
    return sorted(found, key=lambda c: c.name)

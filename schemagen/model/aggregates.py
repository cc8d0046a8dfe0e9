"""A user's aggregate (`CREATE AGGREGATE`): the spec writes one under `functions:` with `aggregate:`, and
the Model keeps it as a Function whose `aggregate` says how it folds its rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from schemagen.records import dataclass

if TYPE_CHECKING:
    from schemagen.model.objects import Model

__all__ = ["AggregateDef", "Parallel", "row_typed_functions"]

Parallel = Literal["safe", "restricted", "unsafe"]


@dataclass(frozen=True, slots=True)
class AggregateDef:
    """How an aggregate folds its rows: `state_function(state, args…)` from `initial_value` (a text
    PostgreSQL casts to `state_type`; None: the state starts null), then `final_function(state)`; a
    `combine_function(state, state)` lets parallel workers merge. A function's schema is None for one
    PostgreSQL or an extension ships (called by its name alone), else the spec function's schema."""

    state_function: str
    state_function_schema: str | None
    state_type: str
    final_function: str | None = None
    final_function_schema: str | None = None
    initial_value: str | None = None
    combine_function: str | None = None
    combine_function_schema: str | None = None
    parallel: Parallel = "unsafe"


def row_typed_functions(model: Model) -> frozenset[str]:
    """The names of the functions whose arguments or result name a table of the spec (its row type, which
    exists once the table does), and of the aggregates that fold with one of them: created after the
    tables."""
    names = {t.name for t in model.tables} | {f"{t.schema}.{t.name}" for t in model.tables}
    word = re.compile(r"[\w.]+")
    found = {
        f.name
        for f in model.functions
        if f.aggregate is None and names & set(word.findall(f"{f.arguments} {f.returns or ''}"))
    }
    for f in model.functions:
        a = f.aggregate
        if a is not None and {a.state_function, a.final_function, a.combine_function} & found:
            found.add(f.name)
    return frozenset(found)

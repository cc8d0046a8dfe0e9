"""A user's aggregate (`CREATE AGGREGATE`): the spec writes one under `functions:` with `aggregate:`, and
the Model keeps it as a Function whose `aggregate` says how it folds its rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["AggregateDef", "Parallel"]

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

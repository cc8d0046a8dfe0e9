"""The base of every spec shape: unknown keys are errors, shapes are frozen, a key may be written by its
alias (`schema`) or its field name, and a shape's validator is built when it is first used, not at
import (most commands read only some of them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

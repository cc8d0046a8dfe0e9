"""Exclusion constraints read from the catalog (`inspect_exclusions.sql`) into the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemagen.model.exclusions import Deferral, ExclusionConstraint, ExclusionElement


def exclusion(row: Mapping[str, Any]) -> ExclusionConstraint:
    elements = tuple(
        ExclusionElement(operator, column=column)
        if column is not None
        else ExclusionElement(operator, expression=key)
        for column, key, operator in zip(row["columns"], row["keys"], row["operators"], strict=True)
    )
    deferrable: Deferral = None
    if row["deferrable"]:
        deferrable = "deferred" if row["deferred"] else "immediate"
    return ExclusionConstraint(
        name=row["name"],
        elements=elements,
        using=row["using"],
        where=row["predicate"],
        deferrable=deferrable,
    )

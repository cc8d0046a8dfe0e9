"""The grants on identity columns' sequences (`identity: {kind, grants}` of a column). The owner of
such a sequence is always its table's, so only the grants are read; what the spec cannot say of them
is warned about as for any sequence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from schemagen.database.inspect.object_access import object_access_of
from schemagen.model import Table
from schemagen.model.naming import sequence_name
from schemagen.model.object_access import AccessTarget, ObjectAccess

Row = dict[str, Any]


def read_identity_access(
    tables: list[Table], schemas: list[str], rows: Callable[..., list[Row]], warn: Callable[[str], None]
) -> list[Table]:
    """`tables` with the grants on their identity columns' sequences."""
    found: dict[tuple[str, str, str], ObjectAccess] = {}
    for row in rows("inspect_identity_access", schemas=schemas):
        target = AccessTarget("sequence", row["name"], row["schema"])
        shown = row["name"] if row["schema"] == "public" else f"{row['schema']}.{row['name']}"
        label = f"sequence `{shown}` of identity column `{row['table']}.{row['column']}`"
        if row["name"] != sequence_name(row["table"], row["column"]):
            warn(f"the grants on {label} are left out: the spec names such a sequence as PostgreSQL does")
            continue
        access = replace(object_access_of(target, label, row, warn), owner=None)
        if not access.is_default:
            found[(row["schema"], row["table"], row["column"])] = access
    if not found:
        return tables
    return [
        replace(
            table,
            columns=tuple(
                replace(c, identity_access=found.get((table.schema, table.name, c.name)))
                if c.identity is not None
                else c
                for c in table.columns
            ),
        )
        if any(key[:2] == (table.schema, table.name) for key in found)
        else table
        for table in tables
    ]

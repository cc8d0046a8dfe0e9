"""The composite and range types of a catalog, as `types:` says them; what the spec cannot say of one
is warned about (and the type left out when it would not be the same type)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemagen.model import CompositeAttribute, CompositeType, RangeType, UserType
from schemagen.model.usertypes import multirange_name

__all__ = ["USER_TYPE_QUERIES", "read_types", "type_key"]

# Where a collation or operator class is found without a schema, as the templates write them.
SEARCHED_SCHEMAS = frozenset({"pg_catalog", "public"})

Rows = Callable[..., list[Any]]
#: The queries `read_types` reads its rows with (`rows(name, schemas=…)`), in that order.
USER_TYPE_QUERIES = ("inspect_composite_types", "inspect_range_types")


def type_key(schema: str, name: str) -> str:
    """A type as a column's type names it: bare in public, qualified elsewhere."""
    return name if schema == "public" else f"{schema}.{name}"


def _label(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def read_types(
    rows: Rows, schemas: list[str], type_name: Callable[[str, str], str], warn: Callable[[str], None]
) -> list[UserType]:
    """The composite types, then the range types, of `schemas`; `type_name` reads an attribute's or
    subtype's type (warning for one the spec cannot declare)."""
    found: list[UserType] = []
    for row in rows("inspect_composite_types", schemas=schemas):
        label = _label(row["schema"], row["name"])
        attributes = []
        for attribute in row["attributes"]:
            where = f"attribute `{attribute['name']}` of type `{label}`"
            collation = attribute.get("collation")
            if collation is not None and attribute.get("collation_schema") not in SEARCHED_SCHEMAS:
                warn(
                    f"{where} uses collation `{attribute['collation_schema']}.{collation}`; the spec names "
                    "collations without a schema"
                )
            attributes.append(
                CompositeAttribute(
                    attribute["name"], type_name(attribute["type"], where), collation=collation
                )
            )
        found.append(CompositeType(row["name"], row["schema"], tuple(attributes), row["comment"]))
    for row in rows("inspect_range_types", schemas=schemas):
        label = _label(row["schema"], row["name"])
        if row["canonical"]:
            warn(
                f"range type `{label}` has a canonical function (`{row['canonical']}`), which the spec "
                "cannot say: PostgreSQL takes one written in C only (a function of the range type "
                "before the type exists), which `functions:` cannot hold: left out"
            )
            continue
        opclass = row["opclass"]
        if opclass is not None and row["opclass_schema"] not in SEARCHED_SCHEMAS:
            opclass = f"{row['opclass_schema']}.{opclass}"
        if row["collation"] is not None and row["collation_schema"] not in SEARCHED_SCHEMAS:
            warn(
                f"range type `{label}` uses collation `{row['collation_schema']}.{row['collation']}`; the "
                "spec names collations without a schema"
            )
        if row["multirange"] not in (multirange_name(row["name"]), None):
            warn(
                f"the multirange type of range type `{label}` is named `{row['multirange']}`; the spec's "
                f"DDL lets PostgreSQL name it `{multirange_name(row['name'])}`"
            )
        subtype = type_name(row["subtype"], f"range type `{label}`")
        found.append(
            RangeType(
                row["name"],
                row["schema"],
                subtype,
                row["subtype_diff"],
                row["collation"],
                row["comment"],
                subtype_opclass=opclass,
            )
        )
    return found

"""What a spec written from an inspected Model leaves out (the spec writer's `problems` that drop an
object): drift and baseline ignore it, as they ignore what inspect itself leaves out. Either way the
warning is said once per run, and the object stays as it is in the database: the spec cannot say it,
so planning its drop would make drift never empty for a database the spec was written from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from schemagen.model import Model

__all__ = ["LeftOut", "without"]


@dataclass(frozen=True)
class LeftOut:
    """An index or foreign key of a relation (`schema` None: the relation's, whatever it is)."""

    kind: Literal["index", "foreign_key"]
    schema: str | None
    relation: str
    name: str


def without(model: Model, left_out: Iterable[LeftOut]) -> Model:
    """`model` with what `left_out` names taken out of its tables and views."""
    items = list(left_out)
    if not items:
        return model

    def gone(kind: str, schema: str, relation: str, name: str) -> bool:
        return any(
            x.kind == kind and x.relation == relation and x.name == name and x.schema in (None, schema)
            for x in items
        )

    tables = tuple(
        replace(
            t,
            indexes=tuple(ix for ix in t.indexes if not gone("index", t.schema, t.name, ix.name)),
            foreign_keys=tuple(
                fk for fk in t.foreign_keys if not gone("foreign_key", t.schema, t.name, fk.name)
            ),
        )
        for t in model.tables
    )
    views = tuple(
        replace(v, indexes=tuple(ix for ix in v.indexes if not gone("index", v.schema, v.name, ix.name)))
        for v in model.views
    )
    return replace(model, tables=tables, views=views)

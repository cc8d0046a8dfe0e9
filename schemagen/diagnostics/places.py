"""Where the spec declares a database object, so a finding about the object (a hazard of a pending
change, a drifted table) points at its YAML line rather than at the spec as a whole."""

from __future__ import annotations

from schemagen.model import (
    CheckConstraint,
    ForeignKey,
    Index,
    Location,
    Model,
    PrimaryKey,
    UniqueConstraint,
    all_children,
)
from schemagen.model.lifecycle import MAINTAIN_FUNCTION


class SpecPlaces:
    """The spec locations of a Model's named objects: relations, columns, constraints, indexes,
    partitions, functions, enums, sequences and domains (and their checks)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.schemas = model.used_schemas | {model.project.schema}
        self.places = _places(model)

    def of(self, target: str) -> Location | None:
        """The location of `target` (`table`, `table.column`, a constraint's or an index's name, maybe
        schema-qualified): a column's own line, else its table's, else the named object's; None when
        the spec no longer declares it (a dropped table)."""
        keyed = self.model.table(target)  # a table the spec keys `schema.name`
        if keyed is not None and keyed.spec_key is not None:
            return keyed.loc
        first, _, rest = target.partition(".")
        if first not in self.places and first in self.schemas and rest:
            first, _, rest = rest.partition(".")  # a schema-qualified target (`public.users`)
        table = self.model.table(first)
        if table is not None and rest:
            column = next((c for c in table.columns if c.name == rest), None)
            if column is not None and column.loc is not None:
                return column.loc
            return self.places.get(rest) or table.loc
        if rest and f"{first}.{rest}" in self.places:  # a domain's check
            return self.places[f"{first}.{rest}"]
        return self.places.get(first)


def _places(model: Model) -> dict[str, Location | None]:
    places: dict[str, Location | None] = {}
    for table in model.tables:
        places[table.name] = table.loc
        constraints: list[UniqueConstraint | CheckConstraint | ForeignKey | Index | PrimaryKey] = [
            *table.uniques,
            *table.checks,
            *table.foreign_keys,
            *table.indexes,
        ]
        if table.primary_key is not None:
            constraints.append(table.primary_key)
        for item in constraints:
            places.setdefault(item.name, item.loc or table.loc)
        partition_loc = table.partition.loc if table.partition else table.loc
        for child in all_children(table.partition):
            places.setdefault(child.name, partition_loc)
        if table.archive is not None:
            places.setdefault(table.archive.function, table.loc)
        window = table.partition.window if table.partition else None
        if window is not None and window.kept:  # the maintenance function: at the first kept window
            places.setdefault(MAINTAIN_FUNCTION, partition_loc)
    for view in model.views:
        places[view.name] = view.loc
        for index in view.indexes:
            places.setdefault(index.name, index.loc or view.loc)
        if view.refresh_function:
            places.setdefault(view.refresh_function, view.loc)
    for enum in model.enums:
        places.setdefault(enum.name, enum.loc)
    for sequence in model.sequences:
        places.setdefault(sequence.name, sequence.loc)
    for domain in model.domains:
        places.setdefault(domain.name, domain.loc)
        for check in domain.checks:
            places.setdefault(f"{domain.name}.{check.name}", check.loc or domain.loc)
    return places

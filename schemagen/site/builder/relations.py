"""Who points at whom in a Model: the foreign keys seen from both ends, the views over each relation,
the columns of each enum type. A Model stores each fact once, on the object that declares it; a page
needs it from the other side too (a table's "referenced by", an enum's "used by")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from schemagen.model import Column, Enum, ForeignKey, Model, Table, View


@dataclass(frozen=True, slots=True)
class Reference:
    """A foreign key together with the table that holds it."""

    table: Table
    foreign_key: ForeignKey


@dataclass(frozen=True, slots=True)
class EnumUse:
    table: Table
    column: Column


@dataclass(frozen=True)
class Relations:
    model: Model

    def target_key(self, foreign_key: ForeignKey) -> str:
        """The key of the table `foreign_key` references (its name, or `schema.name`)."""
        target = self.model.table_at(foreign_key.ref_schema, foreign_key.ref_table)
        return target.key if target is not None else foreign_key.ref_table

    @cached_property
    def referenced_by(self) -> Mapping[str, tuple[Reference, ...]]:
        """Table key → the foreign keys of other tables (and its own) that reference it."""
        found: dict[str, list[Reference]] = defaultdict(list)
        for table in self.model.tables:
            for foreign_key in table.foreign_keys:
                found[self.target_key(foreign_key)].append(Reference(table, foreign_key))
        return {
            name: tuple(sorted(refs, key=lambda r: (r.table.name, r.table.schema, r.foreign_key.name)))
            for name, refs in found.items()
        }

    @cached_property
    def read_by(self) -> Mapping[str, tuple[View, ...]]:
        """Table or view name → the views whose query reads it."""
        found: dict[str, list[View]] = defaultdict(list)
        for view in self.model.views:
            for name in view.depends_on:
                found[name].append(view)
        return {name: tuple(sorted(views, key=lambda v: v.name)) for name, views in found.items()}

    @cached_property
    def enum_uses(self) -> Mapping[str, tuple[EnumUse, ...]]:
        """Enum name → the columns of that type (or an array of it)."""
        found: dict[str, list[EnumUse]] = defaultdict(list)
        for table in self.model.tables:
            for column in table.columns:
                enum = self.enum_of(column)
                if enum is not None:
                    found[enum.key].append(EnumUse(table, column))
        return {name: tuple(uses) for name, uses in found.items()}

    def enum_of(self, column: Column) -> Enum | None:
        """The enum a column holds, if its type is one (arrays of it included)."""
        return self.model.enum_of_type(column.type.removesuffix("[]"))

    def neighbours(self, table: Table) -> tuple[str, ...]:
        """The keys of the tables `table` references and those referencing it, itself left out, sorted."""
        names = {self.target_key(fk) for fk in table.foreign_keys}
        names.update(ref.table.key for ref in self.referenced_by.get(table.key, ()))
        names.discard(table.key)
        return tuple(sorted(name for name in names if name in self.model.tables_by_name))

    def key_columns(self, table: Table) -> tuple[tuple[str, str], ...]:
        """The columns an ER box shows, in table order, each with its marks (`PK`, `FK`, `PK FK`)."""
        primary = set(table.primary_key.columns) if table.primary_key else set()
        foreign = {column for fk in table.foreign_keys for column in fk.columns}
        rows = []
        for column in table.columns:
            marks = [mark for mark, keys in (("PK", primary), ("FK", foreign)) if column.name in keys]
            if marks:
                rows.append((column.name, " ".join(marks)))
        return tuple(rows)

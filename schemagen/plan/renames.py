"""Renames: the only way a table or a column keeps its rows under a new name (`renamed_from`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemagen.model import Model, Table


@dataclass(frozen=True)
class Renames:
    """Old name → new name, for tables and for (new table, old column) pairs."""

    tables: dict[str, str]
    columns: dict[tuple[str, str], str]

    @classmethod
    def from_model(cls, model: Model) -> Renames:
        return cls(
            tables={t.renamed_from: t.name for t in model.tables if t.renamed_from},
            columns={
                (t.name, c.renamed_from): c.name for t in model.tables for c in t.columns if c.renamed_from
            },
        )

    def inverse(self) -> Renames:
        """The renames that undo these: new names back to old ones."""
        old_table = {new: old for old, new in self.tables.items()}
        return Renames(
            tables=old_table,
            columns={(old_table.get(table, table), new): old for (table, old), new in self.columns.items()},
        )


def with_new_column_names(old: Table, new_name: str, renames: Renames) -> Table:
    """`old` as its keys and indexes read once its columns (and the columns its foreign keys point
    at) carry their new names: a key or index over a renamed column is then the same definition, to
    be renamed with it rather than dropped and created again."""

    def column(table: str, name: str) -> str:
        return renames.columns.get((table, name), name)

    def columns(table: str, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(column(table, name) for name in names)

    if not renames.columns:
        return old
    return replace(
        old,
        primary_key=old.primary_key
        and replace(old.primary_key, columns=columns(new_name, old.primary_key.columns)),
        uniques=tuple(replace(u, columns=columns(new_name, u.columns)) for u in old.uniques),
        foreign_keys=tuple(
            replace(
                fk,
                columns=columns(new_name, fk.columns),
                ref_columns=columns(renames.tables.get(fk.ref_table, fk.ref_table), fk.ref_columns),
            )
            for fk in old.foreign_keys
        ),
        indexes=tuple(
            replace(
                index,
                elements=tuple(
                    replace(e, column=column(new_name, e.column)) if e.column else e for e in index.elements
                ),
                include=columns(new_name, index.include),
            )
            for index in old.indexes
        ),
    )

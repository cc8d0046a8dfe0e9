"""Renames: the only way a table or a column keeps its rows under a new name (`renamed_from`)."""

from __future__ import annotations

from dataclasses import dataclass

from schemagen.model import Model


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

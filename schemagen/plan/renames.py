"""Renames: the only way a table or a column keeps its rows under a new name (`renamed_from`).

Tables are known by their key in the spec (`accounts`, or `tenant_b.accounts` beside another schema's
`accounts`), never by their bare name: two tables of one name in two schemas are renamed, moved and
rebuilt each on its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, replace

from schemagen.model import ForeignKey, Model, Table
from schemagen.records import dataclass

Place = tuple[str, str]  # (schema, table name)


@dataclass(frozen=True)
class Renames:
    """Old key → new key, for tables; (new table's key, old column) → new column name, for columns.

    `resolved` (done by the diff) spells each key as its Model keys it and fills in `places`: the
    (schema, name) of each table of A whose place changes (renamed or moved) → its place in B, and
    `keys`: B's tables' keys by place."""

    tables: dict[str, str]
    columns: dict[tuple[str, str], str]
    places: dict[Place, Place] = field(default_factory=dict)
    keys: Mapping[Place, str] = field(default_factory=dict)

    @classmethod
    def from_model(cls, model: Model) -> Renames:
        return cls(
            tables={t.renamed_from: t.key for t in model.tables if t.renamed_from},
            columns={
                (t.key, c.renamed_from): c.name for t in model.tables for c in t.columns if c.renamed_from
            },
        )

    def inverse(self) -> Renames:
        """The renames that undo these: new names back to old ones."""
        old_table = {new: old for old, new in self.tables.items()}
        return Renames(
            tables=old_table,
            columns={(old_table.get(table, table), new): old for (table, old), new in self.columns.items()},
            places={new: old for old, new in self.places.items()},
        )

    def resolved(self, a: Model, b: Model) -> Renames:
        """These renames against the Models they go between: `renamed_from: public.accounts` is the
        table A keys `accounts`, and `places` says where each table of A that changes place goes."""
        tables = {_key_in(a, old): _key_in(b, new) for old, new in self.tables.items()}
        columns = {(_key_in(b, table), old): new for (table, old), new in self.columns.items()}
        pairs = table_pairs(a, b, Renames(tables, columns))
        # and the tables whose key alone changes (`tenant_b.accounts` → `accounts`, kept in its place)
        tables = {old.key: new.key for old, new in pairs if old.key != new.key}
        places = {
            (old.schema, old.name): (new.schema, new.name)
            for old, new in pairs
            if (old.schema, old.name) != (new.schema, new.name)
        }
        return Renames(tables, columns, places, {(t.schema, t.name): t.key for t in b.tables})

    def target(self, fk: ForeignKey) -> ForeignKey:
        """A foreign key of A naming the place its target has in B (a renamed or moved table's)."""
        place = self.places.get((fk.ref_schema, fk.ref_table))
        if place is None:
            return fk
        return replace(fk, ref_schema=place[0], ref_table=place[1])

    def renamed_columns(self, table: str) -> dict[str, str]:
        """Old name → new name of the columns renamed in the table of B keyed `table`."""
        return {old: new for (key, old), new in self.columns.items() if key == table}


def _key_in(model: Model, spelled: str) -> str:
    """The key `model` gives the table the spec spells `spelled`: its key, or `schema.name`."""
    if spelled in model.tables_by_name:
        return spelled
    schema, dot, name = spelled.rpartition(".")
    found = model.tables_by_place.get((schema, name)) if dot else None
    return found.key if found is not None else spelled


def table_pairs(a: Model, b: Model, renames: Renames) -> list[tuple[Table, Table]]:
    """Each table of B with the table of A it continues: renamed from it, under the same key, or else
    at the same place (`accounts` of schema `tenant_b` keyed `tenant_b.accounts` in one version and
    `accounts` in the other, once no other schema has that name).

    The same key is not followed into another schema when the other version holds a table at the
    place it would move to or from under a key of its own (A at B's place, B at A's): the tables at
    one place are the ones that continue each other, and the other is dropped or created, not moved
    onto it. A key is given by where names collide, so two inspections key one table apart: `t` of
    `public` and `goodschema.t` in one database, `t` of `goodschema` alone in the other."""
    a_tables, b_tables = a.tables_by_name, b.tables_by_name
    renamed_to = {new: old for old, new in renames.tables.items() if old in a_tables and old not in b_tables}
    found: dict[str, Table] = {}
    skipped: set[str] = set()
    for key in sorted(b_tables):
        old = renamed_to.get(key, key)
        if old not in a_tables:
            continue
        table, before = b_tables[key], a_tables[old]
        if old == key and before.schema != table.schema:
            at_b = a.tables_by_place.get((table.schema, table.name))
            at_a = b.tables_by_place.get((before.schema, before.name))
            if (at_b is not None and at_b.key not in b_tables) or (
                at_a is not None and at_a.key not in a_tables
            ):
                skipped.add(key)
                continue  # paired by place below
        found[key] = before
    paired = {t.key for t in found.values()}
    for key, table in sorted(b_tables.items()):
        was = a.tables_by_place.get((table.schema, table.name))
        if (
            key not in found
            and was is not None
            and was.key not in paired
            and (was.key not in b_tables or was.key in skipped)
        ):
            found[key] = was
            paired.add(was.key)
    return [(found[key], b_tables[key]) for key in sorted(found)]


def with_new_column_names(old: Table, new_key: str, renames: Renames) -> Table:
    """`old` as its keys and indexes read once its columns (and the columns its foreign keys point
    at) carry their new names (`new_key`: the key of the table in B): a key or index over a renamed
    column is then the same definition, to be renamed with it rather than dropped and created again."""

    def column(table: str, name: str) -> str:
        return renames.columns.get((table, name), name)

    def columns(table: str, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(column(table, name) for name in names)

    def target_key(fk: ForeignKey) -> str:
        moved = renames.target(fk)
        return renames.keys.get((moved.ref_schema, moved.ref_table), moved.ref_table)

    if not renames.columns:
        return old
    return replace(
        old,
        primary_key=old.primary_key
        and replace(old.primary_key, columns=columns(new_key, old.primary_key.columns)),
        uniques=tuple(replace(u, columns=columns(new_key, u.columns)) for u in old.uniques),
        foreign_keys=tuple(
            replace(
                fk,
                columns=columns(new_key, fk.columns),
                ref_columns=columns(target_key(fk), fk.ref_columns),
            )
            for fk in old.foreign_keys
        ),
        indexes=tuple(
            replace(
                index,
                elements=tuple(
                    replace(e, column=column(new_key, e.column)) if e.column else e for e in index.elements
                ),
                include=columns(new_key, index.include),
            )
            for index in old.indexes
        ),
    )

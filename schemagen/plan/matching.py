"""How the diff pairs the objects of A with those of B: by name, through renames, or by definition."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from operator import attrgetter
from typing import TypeVar

from schemagen.model import CheckConstraint, ForeignKey, Index, Model, PartitionScheme, Table
from schemagen.model.exclusions import ExclusionConstraint
from schemagen.plan.changes import Constraint
from schemagen.plan.renames import Renames
from schemagen.postgres import expressions

T = TypeVar("T")


def matched_renames(
    old: Mapping[str, T], new: Mapping[str, T], same: Callable[[T, T], bool]
) -> dict[str, str]:
    """Old name → new name for objects that only changed name: gone from `new` under the old name,
    new under the new one, and otherwise the same."""
    renamed: dict[str, str] = {}
    for new_name, item in new.items():
        if new_name in old:
            continue
        match = next(
            (o for o, oi in old.items() if o not in new and o not in renamed and same(oi, item)),
            None,
        )
        if match is not None:
            renamed[match] = new_name
    return renamed


def without(items: Mapping[str, T], names: set[str]) -> dict[str, T]:
    return {name: item for name, item in items.items() if name not in names}


def named_constraints(table: Table, renames: Renames | None = None) -> dict[str, Constraint]:
    """Constraints by name. Of a table of A (`renames` given), a foreign key names its target's place
    in B, so a rename or move of the table it references is no change."""
    found: dict[str, Constraint] = {}
    if table.primary_key:
        found[table.primary_key.name] = table.primary_key
    for unique in table.uniques:
        found[unique.name] = unique
    for check in table.checks:
        found[check.name] = check
    for fk in table.foreign_keys:
        found[fk.name] = renames.target(fk) if renames is not None else fk
    for exclusion in table.exclusions:
        found[exclusion.name] = exclusion
    return found


def recloned(model: Model, old: Table, new: Table, constraint: Constraint) -> bool:
    """Whether `constraint` of `new` is a foreign key of a renamed table to a partitioned one (of
    `model`, the version `new` is of). PostgreSQL gives such a key a clone per partition of the table it
    references, named after the referencing table (`t_h_id_fkey1`, …), which neither RENAME TABLE nor
    RENAME CONSTRAINT changes: the key is dropped and added again instead, under its table's new name."""
    if not isinstance(constraint, ForeignKey) or old.name == new.name:
        return False
    referenced = model.table_at(constraint.ref_schema, constraint.ref_table)
    return referenced is not None and referenced.partition is not None


def same_definition(a: Constraint, b: Constraint) -> bool:
    """Two constraints that differ at most in name (and source location), in how a check's
    expression is spelled, in the schema of a foreign key's target, and in their comment (set in
    place)."""
    if type(a) is not type(b):
        return False
    if a == b:  # (most are: no copies to compare)
        return True
    a, b = replace(a, comment=None), replace(b, comment=None)
    if isinstance(a, CheckConstraint) and isinstance(b, CheckConstraint):
        return (
            same_expression(a.expression, b.expression)
            and a.not_valid == b.not_valid
            and a.no_inherit == b.no_inherit
        )
    if isinstance(a, ForeignKey) and isinstance(b, ForeignKey):
        # by schema too: `tenant_a.accounts` and `tenant_b.accounts` are two targets (the key of A
        # names its target's place in B, `Renames.target`: a table moved keeps the keys to it)
        return replace(a, name="") == replace(b, name="")
    if isinstance(a, ExclusionConstraint) and isinstance(b, ExclusionConstraint):
        return (
            replace(a, name="", where=None, elements=()) == replace(b, name="", where=None, elements=())
            and same_expression(a.where, b.where)
            and len(a.elements) == len(b.elements)
            and all(
                x.column == y.column
                and x.operator == y.operator
                and same_expression(x.expression, y.expression)
                for x, y in zip(a.elements, b.elements, strict=True)
            )
        )
    return replace(a, name="") == replace(b, name="")


def same_index(a: Index, b: Index) -> bool:
    """Two indexes that differ at most in name (and the name of their table), in how their
    expressions and predicate are spelled, and in their comment (set in place)."""
    if a == b:  # (most are: no copies to compare)
        return True
    a, b = replace(a, name="", table="", comment=None), replace(b, name="", table="", comment=None)
    return a == b or _spelled_alike(a) == _spelled_alike(b)  # (most are spelled alike already)


def same_expression(a: str | None, b: str | None) -> bool:
    """Two spellings of one SQL expression (or both none): `total > 0` and `(total > 0::numeric)`."""
    if a is None or b is None:
        return a is b
    return a == b or expressions.normalized(a) == expressions.normalized(b)


def _spelled_alike(index: Index) -> Index:
    return replace(
        index,
        where=expressions.normalized(index.where) if index.where else None,
        elements=tuple(
            replace(e, expression=expressions.normalized(e.expression)) if e.expression else e
            for e in index.elements
        ),
    )


def relation_names(model: Model) -> set[str]:
    """Names in the relations' namespace: tables, partitions, indexes, views."""
    names: set[str] = set()
    # the names read in C (`map` of an attrgetter): a Model has tens of thousands of them
    add, update = names.add, names.update
    for table in model.tables:
        add(table.name)
        update(map(_name, table.indexes))
        if table.primary_key is not None:
            add(table.primary_key.name)
        update(map(_name, table.uniques))
        if table.partition is not None:
            _partition_names(table.partition, update)
    for view in model.views:
        add(view.name)
        update(map(_name, view.indexes))
    return names


_name = attrgetter("name")


def _partition_names(scheme: PartitionScheme, update: Callable[[Iterable[str]], None]) -> None:
    """The names of every partition under `scheme` given to `update` (a Model may have tens of
    thousands: a level at once, without a generator per partition)."""
    update(map(_name, scheme.children))
    for child in scheme.children:
        if child.sub is not None:
            _partition_names(child.sub, update)

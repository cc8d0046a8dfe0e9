"""Who owns and who may use what is not a table: views and materialized views, sequences, functions
(procedures, aggregates) and schemas (`owner:` and `grants:` of each, as for an entity)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from schemagen.model.access import PUBLIC, TABLE_PRIVILEGES, Grant
from schemagen.model.naming import sequence_name
from schemagen.records import dataclass

if TYPE_CHECKING:
    from schemagen.model.objects import Column, Function, Model, Table

ObjectKind = Literal["view", "materialized view", "sequence", "function", "procedure", "aggregate", "schema"]

#: The privileges each kind takes, in PostgreSQL's order (`aclitem`'s letters).
OBJECT_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "view": TABLE_PRIVILEGES,
    "materialized view": TABLE_PRIVILEGES,
    "sequence": ("select", "update", "usage"),
    "function": ("execute",),
    "procedure": ("execute",),
    "aggregate": ("execute",),
    "schema": ("usage", "create"),
}
ROUTINE_KINDS = frozenset({"function", "procedure", "aggregate"})


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """The owner of an object (None: whoever creates it) and the privileges granted on it (sorted by
    role, one per role and grant option). `revoked_from_public`: the privileges PostgreSQL grants PUBLIC
    by default (EXECUTE on a function, USAGE on the public schema) taken back."""

    owner: str | None = None
    grants: tuple[Grant, ...] = ()
    revoked_from_public: bool = False

    @property
    def is_default(self) -> bool:
        return self == ObjectAccess()

    def grant_pairs(self) -> set[tuple[str, str, bool]]:
        return {(g.role, p, g.grant_option) for g in self.grants for p in g.privileges}

    def held_pairs(self, kind: ObjectKind, schema: str = "") -> set[tuple[str, str, bool]]:
        """`grant_pairs` with what PostgreSQL grants by default: EXECUTE to PUBLIC on a routine,
        unless revoked."""
        pairs = self.grant_pairs()
        if kind in ROUTINE_KINDS and not self.revoked_from_public:
            pairs.add((PUBLIC, "execute", False))
        if kind == "schema" and schema == "public" and not self.revoked_from_public:
            pairs.add((PUBLIC, "usage", False))  # PostgreSQL's own: PUBLIC may use it
        return pairs

    def roles(self) -> set[str]:
        names = {g.role for g in self.grants} - {PUBLIC}
        if self.owner is not None:
            names.add(self.owner)
        return names


@dataclass(frozen=True, slots=True)
class AccessTarget:
    """An object whose access the spec sets: its kind, name, schema (a schema's own name for a schema)
    and, for a routine, its identity arguments (what names it among overloads)."""

    kind: ObjectKind
    name: str
    schema: str
    identity: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}({self.identity})" if self.identity is not None else self.name


def object_access_of(access: ObjectAccess | None) -> ObjectAccess:
    return access if access is not None else ObjectAccess()


def access_targets(model: Model) -> dict[AccessTarget, ObjectAccess]:
    """Every object of `model` but its tables whose owner or grants the spec sets, in a stable order."""
    found: dict[AccessTarget, ObjectAccess] = {}
    for view in model.views:
        if view.access is not None:
            kind: ObjectKind = "materialized view" if view.materialized else "view"
            found[AccessTarget(kind, view.name, view.schema)] = view.access
    for sequence in model.sequences:
        if sequence.access is not None:
            found[AccessTarget("sequence", sequence.name, sequence.schema)] = sequence.access
    for table, column in identity_columns(model):
        if column.identity_access is not None:
            found[identity_target(table, column)] = column.identity_access
    for schema in model.project.schemas:
        if schema.access is not None:
            found[AccessTarget("schema", schema.name, schema.name)] = schema.access
    for function in model.functions:
        if function.access is not None:
            found[routine_target(function)] = function.access
    return found


def identity_columns(model: Model) -> Iterator[tuple[Table, Column]]:
    """Each identity column of the tables of `model`, with its table."""
    for table in model.tables:
        for column in table.columns:
            if column.identity is not None:
                yield table, column


def identity_target(table: Table, column: Column) -> AccessTarget:
    """The sequence of an identity column, named as PostgreSQL names it."""
    return AccessTarget("sequence", sequence_name(table.name, column.name), table.schema)


def routine_target(function: Function) -> AccessTarget:
    kind: ObjectKind = (
        "aggregate" if function.aggregate is not None else "procedure" if function.procedure else "function"
    )
    return AccessTarget(kind, function.name, function.schema, function.identity)

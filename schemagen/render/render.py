"""Model → `schema.sql` and `ERD.md`.

Python decides what is emitted and in which order; the templates decide how it reads. The statement
order of `schema.sql`:

1. a fixed header (no date, no version: the same spec gives the same bytes),
2. extensions, then schemas other than public that an object lives in,
3. enums, then domains (each after the domain it is based on), then composite and range types (each
   after the types it uses), then sequences, then the user's
   functions and procedures by name, then their aggregates (with `check_function_bodies` off when
   one is in SQL: a check, default or index may call it before the tables its body reads exist),
4. tables in foreign-key order (see `ordering.order_tables`), each followed by its partitions
   (depth first) and its comments, then the sequences they own (`OWNED BY`),
5. indexes, by table order then name,
6. the foreign keys deferred to break a cycle, or to a unique index rather than a key, as ALTER TABLE,
   then the functions taking or returning a table's row type, and the aggregates folding with one,
7. views and materialized views in dependency order, each with its comment and indexes, then the
   functions with a SQL-standard body (created in quotes with the others: PostgreSQL checks such a
   body when it is created, so it is set with CREATE OR REPLACE once every table and view exists),
8. functions: archive functions in table order, then refresh functions in view order,
9. triggers, by table then name.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from schemagen.model import Column, ForeignKey, Function, Index, Model, Table, lifecycle, partition_objects
from schemagen.model.aggregates import row_typed_functions
from schemagen.model.archive import archive_entry
from schemagen.model.object_access import access_targets
from schemagen.model.ordering import order_domains, order_tables, order_views
from schemagen.model.usertypes import order_types
from schemagen.postgres import builtins
from schemagen.records import dataclass
from schemagen.render.templating import make_environment

__all__ = ["render_all", "render_erd", "render_schema", "routine_statements"]

SCHEMA_TEMPLATE = "postgres/schema.sql.j2"
ERD_TEMPLATE = "postgres/erd.md.j2"
FUNCTION_TEMPLATE = "postgres/function.sql.j2"


@dataclass(frozen=True, slots=True)
class TableEntry:
    """A table as CREATE TABLE renders it: with the foreign keys that stay inline."""

    table: Table
    foreign_keys: tuple[ForeignKey, ...]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    schema: str
    index: Index


@dataclass(frozen=True, slots=True)
class ForeignKeyEntry:
    table: Table
    foreign_key: ForeignKey


@dataclass(frozen=True, slots=True)
class ErdEntity:
    name: str  # as shown: bare in the project schema, qualified elsewhere
    table: Table
    keys: tuple[tuple[Column, tuple[str, ...]], ...]  # key columns with their PK/FK/UK marks


@dataclass(frozen=True, slots=True)
class ErdRelationship:
    parent: str
    child: str
    optional: bool  # a nullable FK column: zero or one parent
    label: str


def _keyed_by_index(model: Model, fk: ForeignKey) -> bool:
    """Whether the key's target columns are unique only through a unique index, not a primary key or
    unique constraint: the key must wait for the index, which schema.sql creates after the tables."""
    target = model.table_at(fk.ref_schema, fk.ref_table)
    if target is None:
        return False
    wanted = set(fk.ref_columns)
    keys = [target.primary_key.columns] if target.primary_key else []
    keys += [unique.columns for unique in target.uniques]
    return not any(set(columns) == wanted for columns in keys)


def schema_context(model: Model) -> dict[str, object]:
    """Everything `schema.sql.j2` renders, already in statement order."""
    tables, deferred = order_tables(model.tables)
    views = order_views(model.views)
    row_typed = row_typed_functions(model)

    used_schemas = model.used_schemas - {"public"}

    table_entries = []
    indexes: list[IndexEntry] = []
    deferred_fks = []
    archives = []
    for table in tables:
        inline = []
        for fk in sorted(table.foreign_keys, key=lambda f: f.name):
            # On Citus every key waits for the tables to be distributed: a key to a reference table
            # would otherwise turn the referencing table into a Citus local table.
            if (
                model.distributed
                or (table.name, fk.name) in deferred
                or _keyed_by_index(model, fk)
                or fk.not_valid  # CREATE TABLE would validate it
            ):
                deferred_fks.append(ForeignKeyEntry(table, fk))
            else:
                inline.append(fk)
        table_entries.append(TableEntry(table, tuple(inline)))
        indexes.extend(IndexEntry(table.schema, ix) for ix in sorted(table.indexes, key=_by_name))
        if table.archive is not None:
            archives.append(archive_entry(model, table, table.archive))

    # after every table's own indexes: a partition's own index is not taken for a clone of its parent's
    own_tables = [own for table in tables for own in partition_objects.partition_tables(table)]
    for own in own_tables:
        indexes.extend(IndexEntry(own.schema, ix) for ix in own.indexes)
        deferred_fks.extend(ForeignKeyEntry(own, fk) for fk in own.foreign_keys)

    return {
        "project": model.project,
        "extensions": builtins.creation_order(model.project.extensions, model.project.postgres),
        "extension_settings": {s.name: s for s in model.project.extension_settings},
        "schemas": sorted(used_schemas),
        "schema_comments": sorted(model.schema_comments.items()),
        "enums": sorted(model.enums, key=lambda e: (e.name, e.schema)),
        "domains": order_domains(model.domains),
        "user_types": order_types(model.types),
        "sequences": sorted(model.sequences, key=lambda s: (s.name, s.schema)),
        "owned_sequences": sorted(
            (s for s in model.sequences if s.owned_by is not None), key=lambda s: (s.name, s.schema)
        ),
        "tables": table_entries,
        "indexes": indexes,
        "distributions": distribution_order(model),
        "distributed_schemas": [s.name for s in model.project.distributed_schemas],
        "deferred_foreign_keys": deferred_fks,
        "constraint_comments": [
            {"table": table, "name": c.name, "comment": c.comment}
            for table in (*tables, *own_tables)
            for c in (
                table.primary_key,
                *table.uniques,
                *table.checks,
                *table.exclusions,
                *table.foreign_keys,
            )
            if c is not None and c.comment is not None
        ],
        # a check kept NOT VALID, and a partition's own: added after the tables
        "added_checks": [
            {"table": table, "check": check} for table in tables for check in table.checks if check.not_valid
        ]
        + [{"table": own, "check": check} for own in own_tables for check in own.checks],
        "views": [(view, sorted(view.indexes, key=_by_name)) for view in views],
        "archive_functions": archives,
        "refresh_functions": [v for v in views if v.refresh_function],
        "maintain_function": lifecycle.maintain_function(model),
        "maintain_lock_key": lifecycle.MAINTAIN_LOCK_KEY,
        # an aggregate after the functions it folds with; one taking or returning a table's row type
        # (and an aggregate folding with one) after the tables
        "functions": [f for f in _routines_in_order(model) if f.name not in row_typed],
        "row_typed_functions": [f for f in _routines_in_order(model) if f.name in row_typed],
        # created in quotes above (their callers may come first), given their SQL-standard body once
        # all they may read exists
        "standard_bodies": [f for f in _routines_in_order(model) if f.standard_body is not None],
        "check_function_bodies_off": any(f.language == "sql" for f in model.functions),
        "triggers": list(model.triggers),
        "roles": list(model.roles),
        "default_privileges": list(model.default_privileges),
        "access_tables": [entry.table for entry in table_entries if entry.table.access is not None],
        "access_objects": list(access_targets(model).items()),
    }


def _routines_in_order(model: Model) -> list[Function]:
    return sorted(model.functions, key=lambda f: f.aggregate is not None)


def distribution_order(model: Model) -> list[Table]:
    """The distributed tables in the order Citus accepts them: reference tables, then each colocation
    group's root before the tables colocated with it; by name within each."""
    distributed = [t for t in model.tables if t.distribution is not None]
    references = [t for t in distributed if t.distribution and t.distribution.kind == "reference"]
    roots = [
        t
        for t in distributed
        if t.distribution and t.distribution.kind == "hash" and not t.distribution.colocate_with
    ]
    members = [t for t in distributed if t.distribution and t.distribution.colocate_with]
    return (
        sorted(references, key=_table_key) + sorted(roots, key=_table_key) + sorted(members, key=_table_key)
    )


def _table_key(table: Table) -> tuple[str, str]:
    return (table.schema, table.name)


def _by_name(index: Index) -> str:
    return index.name


def erd_context(model: Model) -> dict[str, object]:
    """Everything `erd.md.j2` renders: entities by name, relationships by child then FK name."""
    home = model.project.schema

    def display(name: str, schema: str) -> str:
        return name if schema == home else f"{schema}.{name}"

    entities = []
    relationships = []
    for table in sorted(model.tables, key=lambda t: (t.name, t.schema)):
        marks: dict[str, list[str]] = {}
        if table.primary_key is not None:
            for name in table.primary_key.columns:
                marks.setdefault(name, []).append("PK")
        for fk in table.foreign_keys:
            for name in fk.columns:
                if "FK" not in marks.setdefault(name, []):
                    marks[name].append("FK")
        for unique in table.uniques:
            for name in unique.columns:
                if "UK" not in marks.setdefault(name, []):
                    marks[name].append("UK")
        keys = tuple((c, tuple(marks[c.name])) for c in table.columns if c.name in marks)
        child = display(table.name, table.schema)
        entities.append(ErdEntity(child, table, keys))
        for fk in sorted(table.foreign_keys, key=lambda f: f.name):
            optional = any((col := table.column(name)) is not None and col.nullable for name in fk.columns)
            relationships.append(
                ErdRelationship(display(fk.ref_table, fk.ref_schema), child, optional, ", ".join(fk.columns))
            )
    views = [(display(v.name, v.schema), v) for v in sorted(model.views, key=lambda v: (v.name, v.schema))]
    return {"project": model.project, "entities": entities, "relationships": relationships, "views": views}


def render_schema(model: Model, env: Environment | None = None) -> str:
    """The text of `schema.sql`: the whole schema for an empty database."""
    env = env or make_environment()
    return env.get_template(SCHEMA_TEMPLATE).render(schema_context(model))


def render_erd(model: Model, env: Environment | None = None) -> str:
    """The text of `ERD.md`: a Mermaid entity-relationship diagram and the list of views."""
    env = env or make_environment()
    return env.get_template(ERD_TEMPLATE).render(erd_context(model))


def render_all(model: Model, env: Environment | None = None) -> dict[str, str]:
    """Every generated file, by file name."""
    env = env or make_environment()
    return {"schema.sql": render_schema(model, env), "ERD.md": render_erd(model, env)}


def routine_statements(model: Model, env: Environment | None = None) -> list[str]:
    """The CREATE FUNCTION, PROCEDURE and AGGREGATE statements of the user's routines, each as
    schema.sql holds it, in schema.sql's order: each routine created with its body in quotes, then
    the SQL-standard bodies given."""
    routines = _routines_in_order(model)
    if not routines:  # nor a template to load
        return []
    env = env or make_environment()
    macros: Any = env.get_template(FUNCTION_TEMPLATE).module
    created = [str(macros.create_function(function, quoted=True)) for function in routines]
    given = [str(macros.create_function(f, replace=True)) for f in routines if f.standard_body is not None]
    return created + given

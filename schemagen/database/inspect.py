"""A live database's catalog read back into the Model: `schemagen inspect`, and one side of drift.

`inspect` reads tables, columns, constraints, indexes, partitions of every kind and level, views,
materialized views, enums, comments and extensions into the same frozen Model a spec builds, so
`spec_writer.write_spec` can write a spec that renders back to the same catalog, and the planner can
compare a database with a spec. The catalog queries are the packaged `sql/inspect_*.sql` files, one
per object kind; everything runs in one transaction that is rolled back, with the settings that shape
catalog text fixed (`search_path` public, TimeZone UTC: a timestamptz bound reads `…+00`).

What the Model cannot hold (triggers, policies, rules, functions other than schemagen's own archive
and refresh functions, sequences no identity column owns, domains…) becomes a warning line, never a
silent omission; so does what the spec format cannot say about a Model (`spec_writer.limitations`).

PostgreSQL keeps no source text of expressions and view queries, only their parsed form, so they are
read back as PostgreSQL prints them (`status = 'pending'::order_status` for `status = 'pending'`).
Given a `reference` Model (the spec a drift check compares with), every expression and query that is
spelled differently there is put to PostgreSQL on a temporary copy of its table; when PostgreSQL
stores both spellings the same way, the reference's spelling is kept. Drift is then what PostgreSQL
would build differently, never a matter of parentheses.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib.resources import files
from itertools import count
from typing import Any

import pglast
import psycopg
from jinja2 import Environment
from pglast import ast
from psycopg import sql
from psycopg.rows import dict_row

from schemagen.build import writer as spec_writer
from schemagen.database.catalog import OUTPUT_SETTINGS, SYSTEM_SCHEMAS
from schemagen.database.cluster import DatabaseError, connect, first_line
from schemagen.model import (
    Archive,
    CheckConstraint,
    Column,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexElement,
    LiteralValue,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    PrimaryKey,
    Project,
    RangeWindow,
    StorageParameter,
    Table,
    UniqueConstraint,
    View,
    naming,
)
from schemagen.model.archive import archive_entry, archive_table
from schemagen.model.partitions import bound_value, window_bounds, window_problem
from schemagen.postgres import expressions, sqltypes, storage
from schemagen.render.templating import literal, make_environment

__all__ = ["HISTORY_SCHEMA", "InspectResult", "inspect"]

#: The schema of `migrate apply`'s history table: schemagen's own, left out unless asked for.
HISTORY_SCHEMA = "schemagen"
MIN_POSTGRES, MAX_POSTGRES = 12, 18
RANGE_KEYWORDS = ("MINVALUE", "MAXVALUE")
WINDOW_PERIODS = ("month", "year", "quarter", "week", "day")
# Where a collation or operator class is found without a schema, as the templates write them.
SEARCHED_SCHEMAS = frozenset({"pg_catalog", "public"})

# What `CREATE TABLE … PARTITION OF` copies from the parent's columns.
_PARTITION_COPIES = ("type", "not_null", "raw_expression", "generated", "collation")
_ACTIONS = {"a": None, "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_IDENTITY = {"a": "always", "d": "by_default"}
_QUOTED_CAST = re.compile(r"'((?:[^']|'')*)'::(.+)", re.S)
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TYPMOD = re.compile(r"\(\d+(?:,\d+)?\)")
_HASH_BOUND = re.compile(r"FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)")
_ARCHIVE_BODY = re.compile(
    r"\nWITH moved AS \(\n    DELETE FROM (?P<source>.+)\n    WHERE (?P<column>.+) < \$1\n"
    r"(?:.*\n)*?    INSERT INTO (?P<target>.+?) \("
)
_ARCHIVE_AFTER = re.compile(r"\(default: (?P<after>.+) ago\) into ")
_ARCHIVE_ARGUMENT = re.compile(
    r"older_than (?P<type>.+) DEFAULT \(now\(\) - '(?P<interval>[^']*)'::interval\)"
)
_REFRESH_BODY = re.compile(
    r"\nBEGIN\n    REFRESH MATERIALIZED VIEW (?P<concurrently>CONCURRENTLY )?(?P<view>.+);\nEND\n"
)


class _Unparsed(Exception):
    """Catalog text that does not have the shape a literal value needs."""


@dataclass(frozen=True)
class InspectResult:
    """The Model of the database, and what it (or a spec written from it) leaves out."""

    model: Model
    warnings: list[str]


def inspect(
    conn_or_dsn: psycopg.Connection | str,
    schemas: Sequence[str] | None = None,
    *,
    reference: Model | None = None,
) -> InspectResult:
    """Read the catalog of `schemas` (default: every user schema but `schemagen`'s own) into a Model.

    With `reference`, expressions and view queries that PostgreSQL reads the same way as the
    reference's are spelled as the reference spells them (see the module docstring). Raises
    `DatabaseError` when the server cannot be reached or refuses a query, ValueError for a system
    schema.
    """
    if schemas is not None and (system := [s for s in schemas if s in SYSTEM_SCHEMAS or s.startswith("pg_")]):
        raise ValueError(f"system schemas cannot be inspected: {', '.join(sorted(system))}")
    if isinstance(conn_or_dsn, str):
        with connect(conn_or_dsn, autocommit=True) as conn:
            return _inspect(conn, schemas, reference)
    return _inspect(conn_or_dsn, schemas, reference)


def _inspect(
    conn: psycopg.Connection, schemas: Sequence[str] | None, reference: Model | None
) -> InspectResult:
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.cursor(row_factory=dict_row)
            names = list(OUTPUT_SETTINGS)
            cur.execute(
                _query("inspect_settings"), {"names": names, "values": list(OUTPUT_SETTINGS.values())}
            )
            reader = _Reader(cur, schemas)
            model = reader.read()
            if reference is not None:
                model = _Respeller(conn, reader).apply(model, reference)
    except psycopg.Error as exc:
        raise DatabaseError(f"inspect failed: {first_line(exc)}") from exc
    warnings = list(dict.fromkeys(reader.warnings + spec_writer.limitations(model)))
    return InspectResult(model=model, warnings=warnings)


@cache
def _query(kind: str) -> str:
    """The text of the packaged query `sql/<kind>.sql`, read once."""
    return (files("schemagen.database") / "sql" / f"{kind}.sql").read_text(encoding="utf-8")


def _label(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _grouped(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    found: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[row[key]].append(row)
    return found


class _Reader:
    """One read of one catalog; collects warnings as it goes."""

    def __init__(self, cur: psycopg.Cursor[dict[str, Any]], schemas: Sequence[str] | None) -> None:
        self.cur = cur
        self.requested = sorted(set(schemas)) if schemas is not None else None
        self.warnings: list[str] = []
        self.enum_names: frozenset[str] = frozenset()
        self.relations: dict[int, dict[str, Any]] = {}
        self.columns: dict[int, list[dict[str, Any]]] = {}
        self.constraints: dict[int, list[dict[str, Any]]] = {}
        self.indexes: dict[int, list[dict[str, Any]]] = {}
        self.children: dict[int, list[dict[str, Any]]] = {}
        self.storage_expressed: set[int] = set()  # relations whose storage options the spec says
        # PostgreSQL's own (unprettified) text of what a reference may spell differently
        self.raw_checks: dict[tuple[str, str, str], str] = {}
        self.raw_defaults: dict[tuple[str, str, str], str] = {}
        self.raw_indexes: dict[tuple[str, str], str] = {}
        self.raw_queries: dict[tuple[str, str], str] = {}
        self.raw_partition_keys: dict[tuple[str, str], str] = {}

    def rows(self, kind: str, **params: Any) -> list[dict[str, Any]]:
        return self.cur.execute(_query(kind), params or None).fetchall()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # --- the whole catalog -----------------------------------------------------------------------

    def read(self) -> Model:
        (database,) = self.rows("inspect_database")
        found = {r["name"]: r["comment"] for r in self.rows("inspect_schemas")}
        schemas = self.requested
        if schemas is None:
            schemas = [name for name in found if name != HISTORY_SCHEMA]
        extensions = self.extensions()
        enums = self.enums(schemas)
        self.enum_names = frozenset(e.name for e in enums)
        relations = self.rows("inspect_relations", schemas=schemas)
        self.relations = {r["oid"]: r for r in relations}
        oids = list(self.relations)
        self.columns = _grouped(self.rows("inspect_columns", relations=oids), "relation")
        self.constraints = _grouped(self.rows("inspect_constraints", relations=oids), "relation")
        self.indexes = _grouped(self.rows("inspect_indexes", relations=oids), "relation")
        self.children = _grouped((r for r in relations if r["parent"] is not None), "parent")
        tables: list[Table] = []
        views: list[View] = []
        for row in relations:
            label = _label(row["schema"], row["name"])
            if row["kind"] in ("r", "p") and not row["is_partition"]:
                tables.append(self.table(row))
            elif row["kind"] in ("r", "p"):
                if row["parent"] not in self.relations:
                    self.warn(f"partition `{label}` of a table outside the inspected schemas is left out")
            elif row["kind"] in ("v", "m"):
                views.append(self.view(row))
            else:
                self.warn(f"foreign table `{label}` is not expressible in the spec: left out")
        tables, views = self.own_functions(tables, views, self.rows("inspect_functions", schemas=schemas))
        self.other_objects(schemas)
        self.schema_warnings(schemas, found, tables, views, enums)
        home = _home_schema(tables, views, enums)
        project = Project(
            name=database["name"],
            postgres=min(max(database["major_version"], MIN_POSTGRES), MAX_POSTGRES),
            schema=home,
            extensions=tuple(sorted(extensions)),
        )
        return Model(
            project=project,
            enums=tuple(sorted(enums, key=lambda e: (e.name, e.schema))),
            tables=tuple(sorted(tables, key=lambda t: (t.name, t.schema))),
            views=tuple(sorted(views, key=lambda v: (v.name, v.schema))),
        )

    def schema_warnings(
        self,
        schemas: list[str],
        comments: dict[str, str | None],
        tables: list[Table],
        views: list[View],
        enums: list[Enum],
    ) -> None:
        """Warnings for schemas the spec cannot reproduce: commented ones, and empty ones (every database
        has public, with its comment)."""
        used = {item.schema for item in (*tables, *views, *enums)}
        for name in schemas:
            if comments.get(name) is not None and name != "public":
                self.warn(f"the comment on schema `{name}` is not expressible: left out")
            if name in comments and name not in used and name != "public":
                self.warn(f"schema `{name}` holds nothing the spec declares, so the spec does not create it")

    def extensions(self) -> list[str]:
        names = []
        for row in self.rows("inspect_extensions"):
            names.append(row["name"])
            if row["schema"] != "public":
                self.warn(
                    f"extension `{row['name']}` lives in schema `{row['schema']}`; the spec creates "
                    "extensions in the default schema"
                )
        return names

    def enums(self, schemas: list[str]) -> list[Enum]:
        return [
            Enum(name=row["name"], schema=row["schema"], values=tuple(row["labels"]), comment=row["comment"])
            for row in self.rows("inspect_enums", schemas=schemas)
        ]

    def other_objects(self, schemas: list[str]) -> None:
        """Warnings for what the Model cannot hold: triggers, policies, rules, sequences, other types."""
        for row in self.rows("inspect_triggers", schemas=schemas):
            self.warn(
                f"trigger `{row['name']}` on `{_label(row['schema'], row['table'])}` is not expressible "
                f"in the spec: left out ({row['definition']})"
            )
        for row in self.rows("inspect_policies", schemas=schemas):
            self.warn(
                f"policy `{row['name']}` on `{_label(row['schema'], row['table'])}` is not expressible "
                "in the spec: left out"
            )
        for row in self.rows("inspect_rules", schemas=schemas):
            self.warn(
                f"rule `{row['name']}` on `{_label(row['schema'], row['table'])}` is not expressible "
                "in the spec: left out"
            )
        for row in self.rows("inspect_sequences", schemas=schemas):
            label = _label(row["schema"], row["name"])
            owner = f"`{row['owner_table']}.{row['owner_column']}`" if row["owner_table"] else None
            if row["identity"]:
                if not row["default_options"]:
                    self.warn(
                        f"identity sequence `{label}` of {owner} has options (start, increment, limits, "
                        "cache or cycle) the spec cannot set: they are left at PostgreSQL's defaults"
                    )
            elif owner:
                self.warn(
                    f"sequence `{label}` (the serial behind {owner}) is not expressible in the spec: left "
                    "out; declare the column with `identity:` instead"
                )
            else:
                self.warn(f"sequence `{label}` is not expressible in the spec: left out")
        for row in self.rows("inspect_types", schemas=schemas):
            self.warn(
                f"{row['kind']} `{_label(row['schema'], row['name'])}` is not expressible in the spec: "
                "left out"
            )

    # --- tables ----------------------------------------------------------------------------------

    def table(self, row: dict[str, Any]) -> Table:
        oid, schema, name = row["oid"], row["schema"], row["name"]
        label = _label(schema, name)
        columns = tuple(self.column(label, schema, name, c) for c in self.columns.get(oid, []))
        primary_key = None
        uniques: list[UniqueConstraint] = []
        checks: list[CheckConstraint] = []
        foreign_keys: list[ForeignKey] = []
        for con in self.constraints.get(oid, []):
            kind, cname = con["type"], con["name"]
            if con["cloned"] or kind == "n":
                continue
            if con["comment"] is not None:
                self.warn(f"the comment on constraint `{cname}` of `{label}` is not expressible: left out")
            if kind in ("p", "u") and con["deferrable"]:
                self.warn(f"constraint `{cname}` of `{label}` is DEFERRABLE, which the spec cannot say")
            if kind == "p":
                primary_key = PrimaryKey(cname, tuple(con["columns"]))
            elif kind == "u":
                uniques.append(UniqueConstraint(cname, tuple(con["columns"]), con["nulls_not_distinct"]))
            elif kind == "c":
                if not con["local"]:
                    continue  # inherited from a parent by INHERITS (warned about below)
                self.constraint_state(label, con)
                self.raw_checks[(schema, name, cname)] = con["raw_expression"]
                checks.append(CheckConstraint(cname, con["expression"]))
            elif kind == "f":
                foreign_keys.append(self.foreign_key(label, con))
            else:
                what = (
                    "exclusion constraint"
                    if kind == "x"
                    else "constraint trigger"
                    if kind == "t"
                    else "constraint"
                )
                self.warn(f"{what} `{cname}` of `{label}` is not expressible in the spec: left out")
        indexes = [
            self.index(label, schema, name, ix) for ix in self.indexes.get(oid, []) if not ix["attached"]
        ]
        storage = self.storage(row)
        partition = self.scheme(row, name, columns) if row["kind"] == "p" else None
        if row["persistence"] != "p":
            self.warn(
                f"table `{label}` is UNLOGGED, which the spec cannot say: it is written as a logged table"
            )
        if row["inherits"]:
            self.warn(
                f"table `{label}` inherits from {', '.join(row['inherits'])}; the spec cannot say so: "
                "written as a standalone table with its own columns"
            )
        self.options(f"table `{label}`", row)
        return Table(
            name=name,
            schema=schema,
            columns=columns,
            primary_key=primary_key,
            uniques=tuple(sorted(uniques, key=lambda u: u.name)),
            checks=tuple(sorted(checks, key=lambda c: c.name)),
            foreign_keys=tuple(sorted(foreign_keys, key=lambda f: f.name)),
            indexes=tuple(sorted(indexes, key=lambda i: i.name)),
            partition=partition,
            comment=row["comment"],
            storage=storage,
        )

    def storage(self, row: dict[str, Any]) -> tuple[StorageParameter, ...]:
        """A table's storage parameters: its own, or those every leaf partition of it shares (the spec
        sets a partitioned table's on each leaf; leaves that differ keep their warning)."""
        holders = [row] if row["kind"] != "p" else list(self.leaves(row["oid"]))
        shared = {tuple(holder["options"] or ()) for holder in holders}
        if len(shared) != 1:
            return ()
        parameters = []
        for option in shared.pop():
            name, _, value = option.partition("=")
            if name not in storage.PARAMETERS:
                return ()
            try:
                parameters.append(StorageParameter(name, storage.spell(name, value)))
            except storage.StorageValueError:
                return ()
        self.storage_expressed.update(holder["oid"] for holder in holders)
        return tuple(sorted(parameters))

    def leaves(self, oid: int) -> Iterator[dict[str, Any]]:
        for child in self.children.get(oid, []):
            if child["kind"] == "p":
                yield from self.leaves(child["oid"])
            else:
                yield child

    def options(self, what: str, row: dict[str, Any]) -> None:
        if row["options"] and row["oid"] not in self.storage_expressed:
            self.warn(f"{what} has storage options ({', '.join(row['options'])}) the spec cannot set")
        if row["row_security"]:
            self.warn(f"{what} has row-level security enabled, which the spec cannot say")

    def constraint_state(self, label: str, con: dict[str, Any]) -> None:
        if not con["validated"]:
            self.warn(
                f"constraint `{con['name']}` of `{label}` is NOT VALID; the spec's DDL creates it validated"
            )
        if con["no_inherit"] and con["type"] == "c":
            self.warn(f"constraint `{con['name']}` of `{label}` is NO INHERIT, which the spec cannot say")

    def column(self, label: str, schema: str, table: str, row: dict[str, Any]) -> Column:
        name = row["name"]
        type_ = self.type_name(row["type"], f"column `{label}.{name}`")
        generated = None
        default = None
        if row["generated"] == "s":
            generated = row["expression"]
        elif row["generated"]:
            self.warn(f"column `{label}.{name}` is a virtual generated column; the spec makes it STORED")
            generated = row["expression"]
        elif row["expression"] is not None:
            default = _default(row["expression"], type_, self.enum_names)
        if row["expression"] is not None:
            self.raw_defaults[(schema, table, name)] = row["raw_expression"]
        collation = row["collation"]
        if collation is not None and row["collation_schema"] not in SEARCHED_SCHEMAS:
            self.warn(
                f"column `{label}.{name}` uses collation `{row['collation_schema']}.{collation}`; the "
                "spec names collations without a schema"
            )
        return Column(
            name=name,
            type=type_,
            nullable=not row["not_null"],
            default=default,
            identity=_IDENTITY.get(row["identity"]),
            generated=generated,
            collation=collation,
            comment=row["comment"],
        )

    def type_name(self, text: str, where: str) -> str:
        try:
            return sqltypes.canonical_type(text, self.enum_names)
        except sqltypes.UnknownTypeError:
            self.warn(f"{where} has type `{text}`, which the spec cannot declare")
            return text

    def foreign_key(self, label: str, con: dict[str, Any]) -> ForeignKey:
        name = con["name"]
        if con["match"] != "s":
            self.warn(f"foreign key `{name}` of `{label}` is MATCH FULL, which the spec cannot say")
        if con["delete_set_columns"]:
            self.warn(
                f"foreign key `{name}` of `{label}` sets only some columns ON DELETE, which the spec "
                "cannot say"
            )
        if con["deferrable"] and not con["deferred"]:
            self.warn(
                f"foreign key `{name}` of `{label}` is DEFERRABLE INITIALLY IMMEDIATE; the spec's "
                "`deferrable: true` means INITIALLY DEFERRED, so it is written as not deferrable"
            )
        self.constraint_state(label, con)
        if con["ref_schema"] not in {r["schema"] for r in self.relations.values()}:
            self.warn(
                f"foreign key `{name}` of `{label}` references `{con['ref_schema']}.{con['ref_table']}`, "
                "outside the inspected schemas"
            )
        return ForeignKey(
            name=name,
            columns=tuple(con["columns"]),
            ref_schema=con["ref_schema"],
            ref_table=con["ref_table"],
            ref_columns=tuple(con["ref_columns"]),
            on_delete=_ACTIONS.get(con["on_delete"]),  # type: ignore[arg-type]
            on_update=_ACTIONS.get(con["on_update"]),  # type: ignore[arg-type]
            deferrable=bool(con["deferrable"] and con["deferred"]),
        )

    def index(self, label: str, schema: str, table: str, row: dict[str, Any]) -> Index:
        name = row["name"]
        what = f"index `{name}` of `{label}`"
        elements: list[IndexElement] = []
        include: list[str] = []
        for position, element in enumerate(row["elements"]):
            if position >= row["key_count"]:
                include.append(element["column"])
                continue
            if element["own_collation"]:
                self.warn(f"{what} has a column with its own collation, which the spec cannot say")
            opclass = element["opclass"]
            if opclass is not None and element["opclass_schema"] not in SEARCHED_SCHEMAS:
                self.warn(
                    f"{what} uses operator class `{element['opclass_schema']}.{opclass}`; the spec names "
                    "it without a schema"
                )
            descending = element["descending"]
            nulls = _nulls(descending, element["nulls_first"])
            if element["column"] is not None:
                elements.append(
                    IndexElement(
                        column=element["column"], opclass=opclass, descending=descending, nulls=nulls
                    )
                )
            else:
                text = _unwrap(element["expression"])
                elements.append(
                    IndexElement(expression=text, opclass=opclass, descending=descending, nulls=nulls)
                )
        if not row["valid"]:
            self.warn(f"{what} is invalid (a failed or unfinished build); the spec's DDL builds it valid")
        if row["options"]:
            self.warn(f"{what} has storage options ({', '.join(row['options'])}) the spec cannot set")
        if row["comment"] is not None:
            self.warn(f"the comment on {what} is not expressible: left out")
        self.raw_indexes[(schema, name)] = row["definition"]
        return Index(
            name=name,
            table=table,
            elements=tuple(elements),
            unique=row["is_unique"],
            using=row["method"],
            where=row["predicate"],
            include=tuple(include),
            nulls_not_distinct=row["nulls_not_distinct"],
        )

    def partition_extras(self, row: dict[str, Any]) -> None:
        """Warnings for what a partition has of its own: the spec shapes every partition like its parent."""
        label = _label(row["schema"], row["name"])
        inherited = {c["name"]: c for c in self.columns.get(row["parent"], [])}
        for column in self.columns.get(row["oid"], []):
            parent = inherited.get(column["name"])
            if parent is not None and any(column[k] != parent[k] for k in _PARTITION_COPIES):
                self.warn(
                    f"column `{column['name']}` of partition `{label}` differs from its parent's (type, "
                    "NOT NULL, default or collation), which the spec cannot say"
                )
        for con in self.constraints.get(row["oid"], []):
            own = con["type"] != "n" and not con["cloned"] and (con["type"] != "c" or con["local"])
            if own:
                self.warn(f"constraint `{con['name']}` of partition `{label}` is not expressible: left out")
        for ix in self.indexes.get(row["oid"], []):
            if not ix["attached"]:
                self.warn(f"index `{ix['name']}` of partition `{label}` is not expressible: left out")
        if row["comment"] is not None:
            self.warn(f"the comment on partition `{label}` is not expressible: left out")
        self.options(f"partition `{label}`", row)

    # --- partitions ------------------------------------------------------------------------------

    def scheme(self, row: dict[str, Any], prefix: str, columns: tuple[Column, ...]) -> PartitionScheme:
        label = _label(row["schema"], row["name"])
        self.raw_partition_keys[(row["schema"], row["name"])] = row["partition_key"]
        kind, keys = self.partition_key(label, row["partition_key"])
        types = {c.name: c.type for c in columns}
        key_types = [types.get(k.column) if k.column else None for k in keys]
        children: list[PartitionChild] = []
        for child in self.children.get(row["oid"], []):
            bound = self.bound(_label(child["schema"], child["name"]), child["bound"], key_types)
            sub = self.scheme(child, child["name"], columns) if child["kind"] == "p" else None
            children.append(PartitionChild(child["name"], bound, sub))
            if child["schema"] != row["schema"]:
                self.warn(
                    f"partition `{_label(child['schema'], child['name'])}` lives in another schema than "
                    f"`{label}`; the spec creates partitions in their parent's schema"
                )
            self.partition_extras(child)
        defaults = [c for c in children if c.bound.is_default]
        rest = [c for c in children if not c.bound.is_default]
        window = None
        modulus = None
        if kind == "hash":
            moduli = {c.bound.modulus for c in rest}
            if len(moduli) == 1:
                modulus = moduli.pop()
            elif len(moduli) > 1:
                self.warn(
                    f"the hash partitions of `{label}` mix moduli {sorted(moduli)}, which the spec cannot say"
                )
            rest.sort(key=lambda c: (c.bound.modulus or 0, c.bound.remainder or 0))
        elif kind == "range" and len(keys) == 1 and key_types[0] is not None:
            ordered = sorted(rest, key=lambda c: str(c.bound.range_from))
            window = _window(prefix, ordered, key_types[0], bool(defaults))
            if window is not None:
                rest = ordered
        return PartitionScheme(
            kind=kind,  # type: ignore[arg-type]
            key=tuple(keys),
            children=tuple(rest + defaults),
            window=window,
            modulus=modulus,
            has_default=bool(defaults),
        )

    def partition_key(self, label: str, text: str) -> tuple[str, list[PartitionKey]]:
        """The kind and keys of a `pg_get_partkeydef` text, read with PostgreSQL's parser."""
        statement = f"CREATE TABLE x () PARTITION BY {text}"
        spec = pglast.parse_sql(statement)[0].stmt.partspec
        kind = {"r": "range", "l": "list", "h": "hash"}[str(spec.strategy.value)]
        keys: list[PartitionKey] = []
        params = spec.partParams
        for i, param in enumerate(params):
            if param.opclass or param.collation:
                self.warn(
                    f"the partition key of `{label}` names an operator class or collation, which the "
                    "spec cannot say"
                )
            if param.name is not None:
                keys.append(PartitionKey(column=param.name))
                continue
            end = params[i + 1].location if i + 1 < len(params) else statement.rindex(")")
            piece = statement[param.location : end].rstrip().removesuffix(",").rstrip()
            keys.append(PartitionKey(expression=_unwrap(piece)))
        return kind, keys

    def bound(self, label: str, text: str, key_types: list[str | None]) -> PartitionBound:
        if text == "DEFAULT":
            return PartitionBound(is_default=True)
        hashed = _HASH_BOUND.fullmatch(text)
        if hashed:
            return PartitionBound(modulus=int(hashed.group(1)), remainder=int(hashed.group(2)))
        try:
            if text.startswith("FOR VALUES IN "):
                (items,) = _items(text.removeprefix("FOR VALUES IN "))
                # PostgreSQL partitions by list over one column only
                return PartitionBound(
                    values=tuple(_bound_scalar(v, key_types[0], listed=True) for v in items)
                )
            if text.startswith("FOR VALUES FROM "):
                lower, word, upper = _items(text.removeprefix("FOR VALUES FROM "))
                if word != "TO" or len(lower) != len(key_types) or len(upper) != len(key_types):
                    raise _Unparsed(text)
                low = [_bound_scalar(v, t) for v, t in zip(lower, key_types, strict=True)]
                high = [_bound_scalar(v, t) for v, t in zip(upper, key_types, strict=True)]
                if len(key_types) == 1:
                    return PartitionBound(range_from=low[0], range_to=high[0])
                return PartitionBound(range_from=low, range_to=high)
        except (_Unparsed, ValueError):
            pass
        raise DatabaseError(f"inspect: cannot read the bound of partition {label}: {text}")

    # --- views -----------------------------------------------------------------------------------

    def view(self, row: dict[str, Any]) -> View:
        schema, name = row["schema"], row["name"]
        label = _label(schema, name)
        materialized = row["kind"] == "m"
        query = row["query"].strip().removesuffix(";").rstrip()
        self.raw_queries[(schema, name)] = row["raw_query"]
        indexes = [self.index(label, schema, name, ix) for ix in self.indexes.get(row["oid"], [])]
        if materialized and not row["populated"]:
            self.warn(
                f"materialized view `{label}` is not populated (WITH NO DATA); the spec's DDL populates it"
            )
        if row["options"]:
            self.warn(f"view `{label}` has options ({', '.join(row['options'])}) the spec cannot set")
        for column in self.columns.get(row["oid"], []):
            if column["comment"] is not None:
                self.warn(f"the comment on column `{label}.{column['name']}` is not expressible: left out")
        return View(
            name=name,
            schema=schema,
            query=query,
            materialized=materialized,
            depends_on=_depends_on(query),
            indexes=tuple(sorted(indexes, key=lambda i: i.name)),
            comment=row["comment"],
        )

    # --- schemagen's own functions ---------------------------------------------------------------

    def own_functions(
        self, tables: list[Table], views: list[View], functions: list[dict[str, Any]]
    ) -> tuple[list[Table], list[View]]:
        """Archive and refresh functions recognised as schemagen's (by name, shape, body and comment);
        every other function is a warning."""
        by_table = {(t.schema, t.name): t for t in tables}
        by_view = {(v.schema, v.name): v for v in views}
        for function in functions:
            label = _label(function["schema"], function["name"])
            archived = self.archive(function, by_table)
            if archived is not None:
                source, target = archived
                by_table[(source.schema, source.name)] = source
                by_table[(target.schema, target.name)] = target
                continue
            refreshed = self.refresh(function, by_view)
            if refreshed is not None:
                by_view[(refreshed.schema, refreshed.name)] = refreshed
                continue
            kind = {"p": "procedure", "a": "aggregate", "w": "window function"}.get(
                function["kind"], "function"
            )
            self.warn(
                f"{kind} `{label}({function['identity_arguments']})` is not expressible in the spec: left "
                "out (only schemagen's own archive and refresh functions are)"
            )
        return list(by_table.values()), list(by_view.values())

    def archive(
        self, function: dict[str, Any], tables: dict[tuple[str, str], Table]
    ) -> tuple[Table, Table] | None:
        """(source table with its `archive`, archive table) when `function` is an archive function."""
        if function["kind"] != "f" or function["language"] != "sql" or function["result"] != "bigint":
            return None
        body, comment = function["body"] or "", function["comment"] or ""
        shape = _ARCHIVE_BODY.match(body)
        after = _ARCHIVE_AFTER.search(comment)
        argument = _ARCHIVE_ARGUMENT.fullmatch(function["arguments"])
        if not (shape and after and argument):
            return None
        source_name = _qualified(shape.group("source"))
        target_name = _qualified(shape.group("target"))
        column = _unquote(shape.group("column"))
        if source_name is None or target_name is None or column is None:
            return None
        source, target = tables.get(source_name), tables.get(target_name)
        if (
            source is None
            or target is None
            or source.schema != function["schema"]
            or target.schema != source.schema
        ):
            return None
        archive = Archive(
            column=column, after=after.group("after"), archive_table=target.name, function=function["name"]
        )
        expected = archive_table(
            source,
            archive,
            primary_key=naming.truncate(f"{target.name}_pkey"),
            index=naming.truncate(f"{target.name}_{archive.column}_idx"),
        )
        if source.column(archive.column) is None or replace(target, archive_of=source.name) != expected:
            return None
        source = replace(source, archive=archive)
        target = expected
        entry = archive_entry(
            Model(project=Project(name="inspect"), tables=(source, target)), source, archive
        )
        rendered = _rendered("postgres/archive_function.sql.j2", "create_archive_function", entry)
        if rendered != (body, comment) or argument.group("type") != entry.cutoff_type:
            return None
        try:
            with self.cur.connection.transaction():  # a savepoint: `after` may not be an interval
                same = self.cur.execute(
                    _query("inspect_interval"), {"a": archive.after, "b": argument.group("interval")}
                ).fetchone()
        except psycopg.Error:
            return None
        return (source, target) if same and same["same"] else None

    def refresh(self, function: dict[str, Any], views: dict[tuple[str, str], View]) -> View | None:
        """The materialized view with its `refresh` when `function` is its refresh function."""
        if (
            function["kind"] != "f"
            or function["language"] != "plpgsql"
            or function["result"] != "void"
            or function["identity_arguments"] != ""
        ):
            return None
        shape = _REFRESH_BODY.fullmatch(function["body"] or "")
        name = _qualified(shape.group("view")) if shape else None
        view = views.get(name) if name else None
        if shape is None or view is None or not view.materialized or view.schema != function["schema"]:
            return None
        if view.refresh_function is not None:
            return None  # a second function refreshing the same view is not the spec's
        mode = "concurrently" if shape.group("concurrently") else "blocking"
        candidate = replace(view, refresh=mode, refresh_function=function["name"])
        rendered = _rendered("postgres/refresh_function.sql.j2", "create_refresh_function", candidate)
        if rendered != (function["body"], function["comment"]):
            return None
        return candidate


# --- reference spellings ---------------------------------------------------------------------------


class _Respeller:
    """Spell what the reference spells differently its way, where PostgreSQL stores both the same."""

    def __init__(self, conn: psycopg.Connection, reader: _Reader) -> None:
        self.conn = conn
        self.reader = reader
        self.probes: dict[tuple[str, str], str | None] = {}
        self.numbers = count(1)

    def apply(self, model: Model, reference: Model) -> Model:
        ref_tables = {(t.schema, t.name): t for t in reference.tables}
        ref_views = {(v.schema, v.name): v for v in reference.views}
        tables = tuple(self.table(t, ref_tables.get((t.schema, t.name))) for t in model.tables)
        views = tuple(self.view(v, ref_views.get((v.schema, v.name))) for v in model.views)
        return replace(model, tables=tables, views=views)

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """A savepoint that is always rolled back; a statement PostgreSQL refuses means "not the same"."""
        try:
            with self.conn.transaction(force_rollback=True):
                yield
        except psycopg.Error:
            pass

    def probe_table(self, table: Table) -> str | None:
        """The name of a temporary copy of `table`'s columns (made once); None when PostgreSQL refuses."""
        key = (table.schema, table.name)
        if key not in self.probes:
            name = f"schemagen_probe_{next(self.numbers)}"
            statement = sql.SQL(_query("inspect_probe_table")).format(
                probe=sql.Identifier(name), source=sql.Identifier(table.schema, table.name)
            )
            try:
                with self.conn.transaction():  # a savepoint, kept
                    self.conn.execute(statement)
                self.probes[key] = name
            except psycopg.Error:
                self.probes[key] = None
        return self.probes[key]

    def stored(self, statement: sql.Composable, read: str, **params: Any) -> str | None:
        """What `read` answers after `statement` ran in a rolled-back savepoint; None when refused."""
        answer: str | None = None
        with self.attempt():
            self.conn.execute(statement)
            row = self.conn.execute(_query(read), params).fetchone()
            answer = row[0] if row else None
        return answer

    def table(self, table: Table, ref: Table | None) -> Table:
        if ref is None:
            return table
        columns = tuple(
            self.column(table, column, ref_column) if (ref_column := ref.column(column.name)) else column
            for column in table.columns
        )
        ref_checks = {c.name: c for c in ref.checks}
        checks = tuple(self.check(table, check, ref_checks.get(check.name)) for check in table.checks)
        ref_indexes = {i.name: i for i in ref.indexes}
        indexes = tuple(self.index(table, index, ref_indexes.get(index.name)) for index in table.indexes)
        partition = table.partition
        if partition is not None and ref.partition is not None:
            partition = self.scheme(table, partition, ref.partition, table.name)
        return replace(table, columns=columns, checks=checks, indexes=indexes, partition=partition)

    def check(self, table: Table, check: CheckConstraint, ref: CheckConstraint | None) -> CheckConstraint:
        probe = self.probe_table(table) if ref is not None and ref.expression != check.expression else None
        if ref is None or probe is None:
            return check
        statement = sql.SQL(_query("inspect_probe_check")).format(
            probe=sql.Identifier("pg_temp", probe), expression=sql.SQL(ref.expression)
        )
        ours = self.stored(statement, "inspect_probe_check_read", probe=f"pg_temp.{probe}")
        same = ours is not None and ours == self.reader.raw_checks.get((table.schema, table.name, check.name))
        return replace(check, expression=ref.expression) if same else check

    def scheme(
        self, table: Table, scheme: PartitionScheme, ref: PartitionScheme, relation: str
    ) -> PartitionScheme:
        """`scheme` with the reference's partition key expressions where PostgreSQL reads them alike,
        on every level."""
        if scheme.kind != ref.kind:
            return scheme
        key = scheme.key
        if key != ref.key and len(key) == len(ref.key) and self.same_partition_key(table, ref, relation):
            key = ref.key
        ref_sub = ref.children[0].sub if ref.children else None
        children = tuple(
            replace(c, sub=self.scheme(table, c.sub, ref_sub, c.name)) if c.sub and ref_sub else c
            for c in scheme.children
        )
        return replace(scheme, key=key, children=children)

    def same_partition_key(self, table: Table, ref: PartitionScheme, relation: str) -> bool:
        name = f"schemagen_probe_{next(self.numbers)}"
        clause = str(_macro("postgres/partition.sql.j2", "partition_by")(replace(ref, children=())))
        statement = sql.SQL(_query("inspect_probe_partitioned")).format(
            probe=sql.Identifier(name),
            source=sql.Identifier(table.schema, table.name),
            partition_by=sql.SQL(clause),
        )
        ours = self.stored(statement, "inspect_probe_partitioned_read", probe=f"pg_temp.{name}")
        return ours is not None and ours == self.reader.raw_partition_keys.get((table.schema, relation))

    def column(self, table: Table, column: Column, ref: Column) -> Column:
        raw = self.reader.raw_defaults.get((table.schema, table.name, column.name))
        if column.default is not None and ref.default is not None and ref.default != column.default:
            probe = self.probe_table(table)
            default = ref.default
            text = default.expression if default.is_expression else literal(default.value, column.type)
            if probe is not None and text is not None:
                statement = sql.SQL(_query("inspect_probe_default")).format(
                    probe=sql.Identifier("pg_temp", probe),
                    column=sql.Identifier(column.name),
                    expression=sql.SQL(text),
                )
                ours = self.stored(
                    statement, "inspect_probe_default_read", probe=f"pg_temp.{probe}", column=column.name
                )
                if ours is not None and ours == raw:
                    column = replace(column, default=default)
        if column.generated is not None and ref.generated is not None and ref.generated != column.generated:
            probe = self.probe_table(table)
            if probe is not None:
                statement = sql.SQL(_query("inspect_probe_generated")).format(
                    probe=sql.Identifier("pg_temp", probe),
                    type=sql.SQL(column.type),
                    expression=sql.SQL(ref.generated),
                )
                ours = self.stored(
                    statement,
                    "inspect_probe_default_read",
                    probe=f"pg_temp.{probe}",
                    column="schemagen_probe",
                )
                if ours is not None and ours == raw:
                    column = replace(column, generated=ref.generated)
        return column

    def index(self, table: Table, index: Index, ref: Index | None) -> Index:
        if ref is None or ref == replace(index, table=ref.table):
            return index
        probe = self.probe_table(table)
        if probe is None:
            return index
        candidate = replace(ref, name="schemagen_probe_index", table=probe)
        statement = str(_macro("postgres/index.sql.j2", "create_index")(candidate, "pg_temp"))
        ours = self.stored(
            sql.SQL(statement), "inspect_probe_index_read", index="pg_temp.schemagen_probe_index"
        )
        actual = self.reader.raw_indexes.get((table.schema, index.name), "")
        if ours is not None and _after_using(ours) == _after_using(actual):
            return replace(ref, name=index.name, table=index.table)
        return index

    def view(self, view: View, ref: View | None) -> View:
        if ref is None or ref.query == view.query:
            return view
        name = f"schemagen_probe_{next(self.numbers)}"
        statement = sql.SQL(_query("inspect_probe_view")).format(
            probe=sql.Identifier(name), query=sql.SQL(ref.query)
        )
        ours = self.stored(statement, "inspect_probe_view_read", probe=f"pg_temp.{name}")
        if ours is not None and ours == self.reader.raw_queries.get((view.schema, view.name)):
            return replace(view, query=ref.query, depends_on=ref.depends_on)
        return view


def _after_using(definition: str) -> str:
    return definition.partition(" USING ")[2]


# --- pure helpers ----------------------------------------------------------------------------------


def _home_schema(tables: list[Table], views: list[View], enums: list[Enum]) -> str:
    """`public` when it holds anything (or nothing does), else the schema holding the most objects."""
    counts: dict[str, int] = defaultdict(int)
    for item in (*tables, *views, *enums):
        counts[item.schema] += 1
    if not counts or counts.get("public"):
        return "public"
    return min(counts, key=lambda s: (-counts[s], s))


def _depends_on(query: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(expressions.relations(expressions.parse_query(query))))
    except expressions.ExpressionError:
        return ()


@cache
def _environment() -> Environment:
    return make_environment()


def _macro(template: str, name: str) -> Any:
    return getattr(_environment().get_template(template).module, name)


def _rendered(template: str, macro: str, argument: object) -> tuple[str | None, str | None]:
    """(body, comment) of the CREATE FUNCTION and COMMENT a template macro renders for `argument`."""
    body = comment = None
    for raw in pglast.parse_sql(str(_macro(template, macro)(argument))):
        statement = raw.stmt
        if isinstance(statement, ast.CreateFunctionStmt):
            for option in statement.options or ():
                if option.defname == "as":
                    body = option.arg[0].sval
        elif isinstance(statement, ast.CommentStmt):
            comment = statement.comment
    return body, comment


def _window(prefix: str, children: list[PartitionChild], key_type: str, default: bool) -> RangeWindow | None:
    """The time window whose children (names and bounds) are exactly `children`, if there is one."""
    if not children or sqltypes.type_family(key_type) not in ("date", "timestamp"):
        return None
    first, last = children[0].bound.range_from, children[-1].bound.range_to
    if not (isinstance(first, str) and isinstance(last, str)):
        return None
    try:
        start, end = date.fromisoformat(first[:10]), date.fromisoformat(last[:10])
    except ValueError:
        return None
    actual = [(c.name, c.bound.range_from, c.bound.range_to) for c in children]
    for every in WINDOW_PERIODS:
        if window_problem(every, start, end) is not None:
            continue
        window = RangeWindow(every=every, start=start, end=end, default=default)
        expected = [
            (naming.truncate(f"{prefix}_{suffix}"), bound_value(low, key_type), bound_value(high, key_type))
            for suffix, low, high in window_bounds(window)
        ]
        if actual == expected:
            return window
    return None


def _unwrap(text: str) -> str:
    """`text` without parentheses that enclose all of it."""
    text = text.strip()
    while text.startswith("(") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, start: int) -> int:
    """The index of the parenthesis that closes the one at `start` (quotes respected), or -1."""
    depth, quote = 0, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _unquote(text: str) -> str | None:
    """A column name as `ident` quotes it, unquoted."""
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    return text if re.fullmatch(r"[a-z_][a-z0-9_$]*", text) else None


def _qualified(text: str) -> tuple[str, str] | None:
    """(schema, name) of a name as `qname` writes it (`public.users`, `app."Order"`)."""
    parts = re.fullmatch(
        r'("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\.("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)', text.strip()
    )
    if not parts:
        return None
    schema, name = _unquote(parts.group(1)), _unquote(parts.group(2))
    return (schema, name) if schema and name else None


def _nulls(descending: bool, nulls_first: bool) -> str | None:
    """NULLS FIRST / LAST as the spec writes it: only where it is not the default of the order."""
    if nulls_first != descending:
        return "first" if nulls_first else "last"
    return None


def _number(text: str) -> int | float | None:
    """A numeric literal as the Python number `literal()` writes back the same way, else None."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        value = float(text)
        if repr(value) == text:
            return value
    return None


def _same_type(cast: str, column_type: str) -> bool:
    """Whether `'…'::cast` is how PostgreSQL prints a bare literal stored in a `column_type` column."""
    base = _TYPMOD.sub("", column_type)
    base = re.sub(r"^character(?=$|\[)", "bpchar", base)
    return cast == base


def _default(text: str, column_type: str, enum_names: frozenset[str]) -> Default:
    """A default as PostgreSQL prints it: a literal value when it is one, else an expression."""
    family = sqltypes.type_family(column_type, enum_names)
    if family == "boolean" and text in ("true", "false"):
        return Default(value=text == "true")
    if family in ("integer", "numeric") and _NUMBER.fullmatch(text):
        number = _number(text)
        if number is not None:
            return Default(value=number)
    match = _QUOTED_CAST.fullmatch(text)
    if match and _same_type(match.group(2), column_type):
        try:
            return Default(value=_literal_value(match.group(1).replace("''", "'"), column_type, family))
        except _Unparsed:
            pass
    return Default(expression=text)


def _literal_value(text: str, column_type: str, family: str) -> LiteralValue:
    """The Python value of a literal's text for a column of `column_type`, or raise _Unparsed."""
    if family == "integer":
        if not _INTEGER.fullmatch(text):
            raise _Unparsed(text)
        return int(text)
    if family == "numeric":
        number = _number(text)
        if number is None:
            raise _Unparsed(text)
        return number
    if family == "array":
        element = column_type.removesuffix("[]")
        return _array(text, sqltypes.type_family(element))
    if family == "json" and _TYPMOD.sub("", column_type) == "jsonb":
        try:
            value = json.loads(text, parse_float=_exact_float, parse_constant=_reject)
        except (ValueError, _Unparsed):
            return text
        return value if isinstance(value, dict | list) else text
    if family == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        return day if day.isoformat() == text else text
    return text


def _exact_float(text: str) -> float:
    value = float(text)
    if repr(value) != text:
        raise _Unparsed(text)
    return value


def _reject(text: str) -> None:
    raise _Unparsed(text)


def _array(text: str, family: str) -> list[Any]:
    """An array's text form (as `array_out` prints it) as a list; elements typed by their family."""
    position = 0

    def element(raw: str, quoted: bool) -> Any:
        if not quoted and raw.upper() == "NULL":
            return None
        if quoted:
            return raw
        if family == "integer" and _INTEGER.fullmatch(raw):
            return int(raw)
        if family == "boolean" and raw in ("t", "f"):
            return raw == "t"
        if family in ("integer", "boolean"):
            raise _Unparsed(raw)
        return raw

    def parse() -> list[Any]:
        nonlocal position
        if position >= len(text) or text[position] != "{":
            raise _Unparsed(text)
        position += 1
        items: list[Any] = []
        if text[position : position + 1] == "}":
            position += 1
            return items
        while True:
            if text[position : position + 1] == "{":
                items.append(parse())
            elif text[position : position + 1] == '"':
                position += 1
                chars = []
                while position < len(text) and text[position] != '"':
                    if text[position] == "\\":
                        position += 1
                    chars.append(text[position : position + 1])
                    position += 1
                position += 1
                items.append(element("".join(chars), quoted=True))
            else:
                end = position
                while end < len(text) and text[end] not in ",}":
                    end += 1
                items.append(element(text[position:end], quoted=False))
                position = end
            if text[position : position + 1] == ",":
                position += 1
                continue
            if text[position : position + 1] == "}":
                position += 1
                return items
            raise _Unparsed(text)

    value = parse()
    if position != len(text):
        raise _Unparsed(text)
    return value


_TOKEN = re.compile(r"\s*('(?:[^']|'')*'|[(),]|[^\s(),']+)")


def _items(text: str) -> list[Any]:
    """The top-level items of constant text (`('a', 1) TO ('b', 2)`): words, and lists for parentheses."""
    stack: list[list[Any]] = [[]]
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                raise _Unparsed(text)
            break
        token = match.group(1)
        position = match.end()
        if token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) < 2:
                raise _Unparsed(text)
            done = stack.pop()
            stack[-1].append(done)
        elif token != ",":
            stack[-1].append(token)
    if len(stack) != 1:
        raise _Unparsed(text)
    return stack[0]


def _bound_scalar(token: Any, key_type: str | None, *, listed: bool = False) -> LiteralValue:
    """One constant of a partition bound, typed as `build` types the spec's values for this key."""
    if isinstance(token, list):
        raise _Unparsed(str(token))
    if token in RANGE_KEYWORDS:
        return token
    if token == "NULL":
        return None
    if token in ("true", "false"):
        return token == "true"
    family = sqltypes.type_family(key_type) if key_type else "other"
    if token.startswith("'"):
        text = token[1:-1].replace("''", "'")
        if family == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if family == "numeric":
            number = _number(text)
            return text if number is None else number
        if listed and family == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                return text
        return text
    number = _number(token)
    if number is None:
        raise _Unparsed(token)
    return number

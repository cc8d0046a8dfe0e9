"""The catalog read into a Model: the rows of the packaged `sql/inspect_*.sql` queries, one per object
kind, become tables, columns, constraints, indexes, partitions of every kind and level, views,
materialized views, enums and extensions; on a Citus coordinator, how each table is distributed.

Sequences are read as they are: standalone, or owned by the serial column they number (which the
spec writes `serial: true`); domains with their base type, default, NOT NULL, checks and collation.
What the Model cannot hold (triggers, policies, rules, functions other than schemagen's own, other
user-defined types…) becomes a warning line, never a silent omission.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import psycopg
from psycopg import sql

from schemagen.database.cluster import DatabaseError
from schemagen.database.inspect import catalog_text
from schemagen.database.inspect.access import (
    other_acl_warnings,
    read_access,
    read_default_privileges,
    read_roles,
)
from schemagen.database.inspect.catalog_text import UnreadableText
from schemagen.database.inspect.exclusions import exclusion
from schemagen.database.inspect.identity_access import read_identity_access
from schemagen.database.inspect.object_access import read_object_access, routine_access
from schemagen.database.inspect.own_functions import OwnFunctions, RenderedFunction
from schemagen.database.inspect.prefetch import HISTORY_SCHEMA, KEYS_15, Prefetch
from schemagen.database.inspect.respell import StoredText
from schemagen.database.inspect.schemas import PUBLIC_COMMENT, declared_schemas
from schemagen.database.inspect.templates import Templates
from schemagen.database.inspect.usertypes import USER_TYPE_QUERIES, read_types
from schemagen.database.inspect.view_options import view_options
from schemagen.database.inspect.windows import child_name_pattern, range_window
from schemagen.database.queries import composed, query
from schemagen.model import (
    TRIGGER_EVENTS,
    CheckConstraint,
    Column,
    Default,
    DistributedSchema,
    Distribution,
    Domain,
    DomainCheck,
    Enum,
    ForeignKey,
    Function,
    IdentityOptions,
    Index,
    IndexElement,
    Model,
    PartitionChild,
    PartitionObjects,
    PartitionScheme,
    PrimaryKey,
    Project,
    SequenceGenerator,
    StorageParameter,
    Table,
    Trigger,
    UniqueConstraint,
    UserType,
    View,
    Volatility,
    lifecycle,
)
from schemagen.model import sequences as sequence_rules
from schemagen.model.access import access_of
from schemagen.model.aggregates import AggregateDef, Parallel
from schemagen.model.exclusions import Deferral, ExclusionConstraint
from schemagen.model.keys import owned_sequence_keys, qualified_function_keys, qualified_keys
from schemagen.model.object_access import AccessTarget
from schemagen.model.objects import ExtensionSetting
from schemagen.postgres import builtins, expressions, index_keys, index_storage, routines, sqltypes, storage
from schemagen.postgres.identifiers import qname, split_quoted

__all__ = ["HISTORY_SCHEMA", "CatalogReader"]

MIN_POSTGRES, MAX_POSTGRES = 12, 18
# Where a collation or operator class is found without a schema, as the templates write them.
SEARCHED_SCHEMAS = frozenset({"pg_catalog", "public"})

_ACTIONS: dict[str, Literal["restrict", "cascade", "set null", "set default"] | None] = {
    "a": None,
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}
_IDENTITY: dict[str, Literal["always", "by_default"]] = {"a": "always", "d": "by_default"}
_ROUTINE_KINDS = {"p": "procedure", "a": "aggregate", "w": "window function"}
_VOLATILITY: dict[str, Volatility] = {"i": "immutable", "s": "stable", "v": "volatile"}
_PARALLEL: dict[str, Parallel] = {"s": "safe", "r": "restricted", "u": "unsafe"}
# A trigger as `pg_get_triggerdef` prints one the spec can hold: no constraint trigger, transition
# tables or deferral; its arguments are string literals.
# A name as quote_ident() prints it: bare, or in double quotes with `"` doubled.
_NAME = r'(?:"(?:[^"]|"")+"|[^\s."()]+)'
_TRIGGER_DEF = re.compile(
    rf"CREATE TRIGGER {_NAME} (?P<timing>BEFORE|AFTER|INSTEAD OF) (?P<events>.+?) ON {_NAME}(?:\.{_NAME})? "
    r"FOR EACH (?P<for_each>ROW|STATEMENT)(?: WHEN (?P<when>\(.*\)))? "
    rf"EXECUTE FUNCTION (?:(?P<function_schema>{_NAME})\.)?(?P<function>{_NAME})"
    r"\((?P<arguments>(?:'(?:[^']|'')*'(?:, )?)*)\)\Z",
    re.DOTALL,
)
_TRIGGER_ARGUMENT = re.compile(r"'((?:[^']|'')*)'")


def _unquoted(name: str) -> str:
    """A name as quote_ident() prints it, as it is."""
    quoted = split_quoted(name)
    return quoted[0] if quoted is not None and not quoted[1] else name


# The first Citus with `pg_dist_schema`, which `inspect_distribution` reads.
MIN_CITUS = 12
# How Citus may place a table that the spec's `distribute:` cannot say (the kinds of `inspect_distribution`).
_UNEXPRESSIBLE_DISTRIBUTIONS = {
    "citus_local": "is a Citus local table (citus_add_local_table_to_metadata)",
    "single_shard": "is a single-shard distributed table (create_distributed_table without a column)",
    "append": "is append-distributed by `{column}`",
    "range": "is range-distributed by `{column}`",
}

Row = dict[str, Any]


def _label(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _grouped(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    found: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        found[row[key]].append(row)
    return found


class CatalogReader:
    """One read of one catalog; collects warnings as it goes, and PostgreSQL's own text of what a
    reference may spell differently (`stored`)."""

    def __init__(
        self,
        cur: psycopg.Cursor[Row],
        schemas: Sequence[str] | None,
        templates: Templates,
        prefetched: Prefetch | None = None,
    ) -> None:
        """`prefetched`: the rows of queries already sent in this transaction (see `prefetch`)."""
        self.cur = cur
        self.prefetched = prefetched
        self.requested = sorted(set(schemas)) if schemas is not None else None
        self.templates = templates
        self.warnings: list[str] = []
        self.own_objects: list[PartitionObjects] = []  # of the partitions of the table being read
        self.stored = StoredText()
        self.enum_names: frozenset[str] = frozenset()
        self.type_names: frozenset[str] = frozenset()  # enums and domains: what a column type may name
        self.canonical_types: dict[tuple[str, frozenset[str]], str] = {}  # (text, type_names) → type
        self.base_types: dict[str, str] = {}  # domain (as a column type names it) → its base type
        self.sequence_keys: set[tuple[str, str]] = set()  # (schema, name) of the sequences read
        self.user_functions: list[Function] = []  # the user's own, as the spec holds them
        # (schema, table, column) → the options of its identity's sequence that are not PostgreSQL's
        self.identity_options: dict[tuple[str, str, str], IdentityOptions | None] = {}
        self.relations: dict[int, Row] = {}
        self.columns: dict[int, list[Row]] = {}
        self.constraints: dict[int, list[Row]] = {}
        self.exclusions: dict[tuple[int, str], Row] = {}
        self.extension_settings: list[ExtensionSetting] = []  # extensions in a schema or at a version
        self.indexes: dict[int, list[Row]] = {}
        self.children: dict[int, list[Row]] = {}
        self.storage_expressed: set[int] = set()  # relations whose storage options the spec says
        self.citus_version: str | None = None  # of the installed `citus` extension

    def rows(self, name: str, **params: Any) -> list[Row]:
        if self.prefetched is not None and (found := self.prefetched.take(name, params)) is not None:
            return found
        return self.cur.execute(query(name), params or None).fetchall()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # --- the whole catalog -------------------------------------------------------------------------

    def read(self) -> Model:
        (database,) = self.rows("inspect_database")
        found = {r["name"]: r["comment"] for r in self.rows("inspect_schemas")}
        schemas = self.requested
        if schemas is None:
            schemas = [name for name in found if name != HISTORY_SCHEMA]
        extensions = self.extensions()
        enums = self.enums(schemas)
        self.enum_names = frozenset(e.name for e in enums)
        domains = self.domains(schemas)
        user_types = self.user_types(schemas)
        sequences = self.sequences(schemas)
        self.sequence_keys = {(s.schema, s.name) for s in sequences}
        relations = self.rows("inspect_relations", schemas=schemas)
        self.relations = {r["oid"]: r for r in relations}
        oids = list(self.relations)
        self.columns = _grouped(self.rows("inspect_columns", relations=oids), "relation")
        self.constraints = _grouped(self.rows("inspect_constraints", relations=oids), "relation")
        self.exclusions = {
            (r["relation"], r["name"]): r for r in self.rows("inspect_exclusions", relations=oids)
        }
        self.indexes = _grouped(self.rows("inspect_indexes", relations=oids), "relation")
        self.mark_keys_15(oids, database["major_version"])
        self.children = _grouped((r for r in relations if r["parent"] is not None), "parent")
        tables: list[Table] = []
        views: list[View] = []
        for row in relations:
            label = _label(row["schema"], row["name"])
            if row["kind"] == "r" and (row["comment"] or "").startswith(lifecycle.EXPIRED_MARK):
                self.warn(
                    f"table `{label}` is an expired period maintenance detached ({row['comment']}): left out"
                )
            elif row["kind"] in ("r", "p") and not row["is_partition"]:
                tables.append(self.table(row))
            elif row["kind"] in ("r", "p"):
                if row["parent"] not in self.relations:
                    self.warn(f"partition `{label}` of a table outside the inspected schemas is left out")
            elif row["kind"] in ("v", "m"):
                views.append(self.view(row))
            else:
                self.warn(f"foreign table `{label}` is not expressible in the spec: left out")
        tables, views = self.own_functions(tables, views, self.rows("inspect_functions", schemas=schemas))
        triggers = self.triggers(schemas, tables)
        tables = self.distributions(tables, schemas)
        sequences = self.owners(sequences, tables)
        tables = self.partman_policies(tables)
        by_name = {(r["schema"], r["name"]): oid for oid, r in self.relations.items()}
        tables = read_access(tables, by_name, self.rows, self.warn, self.stored.policies)
        distributed_schemas = self.distributed_schemas(schemas)
        self.other_objects(schemas, {(t.schema, t.name) for t in tables})
        other_acl_warnings(schemas, self.rows, self.warn)
        tables = read_identity_access(tables, schemas, self.rows, self.warn)
        object_access = read_object_access(schemas, self.rows, self.warn)
        views = [
            replace(
                v,
                access=object_access.get(
                    AccessTarget("materialized view" if v.materialized else "view", v.name, v.schema)
                ),
            )
            for v in views
        ]
        sequences = [
            replace(s, access=object_access.get(AccessTarget("sequence", s.name, s.schema)))
            for s in sequences
        ]
        self.user_functions = routine_access(self.user_functions, object_access, self.warn)
        objects: list[Table | View | Enum | Domain | SequenceGenerator | Function] = [
            *tables,
            *views,
            *enums,
            *domains,
            *sequences,
            *self.user_functions,
        ]
        used = {item.schema for item in objects} | {t.schema for t in user_types}
        schema_access = {t.name: a for t, a in object_access.items() if t.kind == "schema"}
        declared = declared_schemas(schemas, found, used, schema_access)
        if "public" in found and found["public"] is None and "public" in schemas:
            self.warn(
                f"schema `public` has no comment (PostgreSQL gives it `{PUBLIC_COMMENT}`), which the "
                "spec cannot say: schema.sql leaves PostgreSQL's"
            )
        home = _home_schema(tables, views, enums)
        postgres = min(max(database["major_version"], MIN_POSTGRES), MAX_POSTGRES)
        project = Project(
            name=database["name"],
            postgres=postgres,
            schema=home,
            extensions=tuple(sorted(extensions)),
            extension_settings=tuple(sorted(self.extension_settings, key=lambda s: s.name)),
            # an extension schemagen does not know is the database's own: written `custom: true`
            custom_extensions=frozenset(e for e in extensions if not builtins.known_extension(e, postgres)),
            distributed_schemas=distributed_schemas,
            schemas=declared,
        )
        keyed = qualified_keys(tables, home)
        return Model(
            project=project,
            enums=tuple(sorted(qualified_keys(enums, home), key=lambda e: (e.name, e.schema))),
            tables=tuple(sorted(keyed, key=lambda t: (t.name, t.schema))),
            views=tuple(sorted(qualified_keys(views, home), key=lambda v: (v.name, v.schema))),
            domains=tuple(sorted(qualified_keys(domains, home), key=lambda d: (d.name, d.schema))),
            sequences=tuple(
                sorted(
                    qualified_keys(owned_sequence_keys(sequences, keyed), home),
                    key=lambda s: (s.name, s.schema),
                )
            ),
            functions=tuple(
                sorted(
                    qualified_function_keys(self.user_functions, home),
                    key=lambda f: (f.name, f.identity, f.schema),
                )
            ),
            triggers=tuple(sorted(triggers, key=lambda t: (t.table, t.name))),
            default_privileges=read_default_privileges(schemas, self.rows, self.warn),
            roles=read_roles(
                set().union(
                    *(access_of(t).roles() for t in tables), *(a.roles() for a in object_access.values())
                ),
                self.rows,
                self.warn,
            ),
            types=tuple(sorted(qualified_keys(user_types, home), key=lambda t: (t.name, t.schema))),
        )

    def mark_keys_15(self, oids: list[int], major_version: int) -> None:
        """Mark the rows of constraints and indexes with what PostgreSQL 15 added (`inspect_keys_15`):
        an index's or key's NULLS NOT DISTINCT, a foreign key's ON DELETE SET NULL (column, …)."""
        found: dict[str, set[int]] = {"index": set(), "constraint": set()}
        if major_version >= KEYS_15:
            for row in self.rows("inspect_keys_15", relations=oids):
                found[row["kind"]].add(row["oid"])
        for index in (row for rows in self.indexes.values() for row in rows):
            index["nulls_not_distinct"] = index["index"] in found["index"]
        for con in (row for rows in self.constraints.values() for row in rows):
            con["nulls_not_distinct"] = con["index"] in found["index"]
            con["delete_set_columns"] = con["oid"] in found["constraint"]

    # --- the user's functions and triggers ---------------------------------------------------------

    def user_function(self, row: Mapping[str, Any]) -> Function | None:
        """A function or procedure in SQL or PL/pgSQL with its body as text, as the spec holds it; None
        (and a warning) for anything else, or for a second one of the same name."""
        label = _label(row["schema"], row["name"])
        kind = _ROUTINE_KINDS.get(row["kind"], "function")
        if row["kind"] == "a" and row["plain_aggregate"]:
            return self.aggregate(row)
        if row["kind"] not in ("f", "p") or row["language"] not in ("sql", "plpgsql"):
            self.warn(
                f"{kind} `{label}({row['identity_arguments']})` is not expressible in the spec: left out "
                "(only functions and procedures in sql or plpgsql are)"
            )
            return None
        body = row["sql_body"] if row["standard_body"] else row["body"]
        return Function(
            name=row["name"],
            schema=row["schema"],
            arguments=row["arguments"],
            identity=_input_identity(row["identity_arguments"]),
            returns=None if row["kind"] == "p" else row["result"],
            language=row["language"],
            body=routines.canonical_body(body or "", row["language"]),
            volatility=_VOLATILITY[row["volatility"]],
            security="definer" if row["security_definer"] else "invoker",
            strict=bool(row["strict"]) and row["kind"] == "f",
            comment=row["comment"],
        )

    def aggregate(self, row: Mapping[str, Any]) -> Function | None:
        """A plain aggregate, its functions named by their name alone when PostgreSQL's own."""
        label = _label(row["schema"], row["name"])

        def schema_of(key: str) -> str | None:
            schema: str | None = row[f"{key}_schema"]
            return None if schema == "pg_catalog" else schema

        return Function(
            name=row["name"],
            schema=row["schema"],
            arguments=row["arguments"],
            identity=_input_identity(row["identity_arguments"]),
            returns=row["result"],
            language="",
            body="",
            comment=row["comment"],
            aggregate=AggregateDef(
                state_function=row["state_function"],
                state_function_schema=schema_of("state_function"),
                state_type=self.type_name(row["state_type"], f"aggregate `{label}`"),
                final_function=row["final_function"],
                final_function_schema=schema_of("final_function") if row["final_function"] else None,
                initial_value=row["initial_value"],
                combine_function=row["combine_function"],
                combine_function_schema=schema_of("combine_function") if row["combine_function"] else None,
                parallel=_PARALLEL[row["parallel"]],
            ),
        )

    def triggers(self, schemas: list[str], tables: list[Table]) -> list[Trigger]:
        """The triggers on tables the spec holds that call one of its functions, read from
        `pg_get_triggerdef`; every other one is a warning."""
        found = []
        known = {(t.schema, t.name) for t in tables}
        # of overloads, the one without arguments (a trigger function takes none)
        functions = {
            (f.schema, f.name): f for f in sorted(self.user_functions, key=lambda f: f.identity == "")
        }
        for row in self.rows("inspect_triggers", schemas=schemas):
            label = _label(row["schema"], row["table"])
            match = _TRIGGER_DEF.match(row["definition"])
            function: Function | None = None
            shipped = False  # a trigger function of PostgreSQL's, or of an extension in public
            if match:
                # unqualified in the definition when on the search path: where the function is
                schema = (
                    _unquoted(match["function_schema"])
                    if match["function_schema"]
                    else row["function_schema"] or row["schema"]
                )
                function = functions.get((schema, _unquoted(match["function"])))
                shipped = function is None and (
                    row["function_schema"] == "pg_catalog"
                    or (row["function_extension"] is not None and row["function_schema"] == "public")
                )
            if (
                match is None
                or (function is None and not shipped)
                or (row["schema"], row["table"]) not in known
            ):
                self.warn(
                    f"trigger `{row['name']}` on `{label}` is not expressible in the spec: left out "
                    f"({row['definition']})"
                )
                continue
            events, columns = [], []
            for event in match["events"].split(" OR "):
                word, _, of = event.partition(" OF ")
                events.append(word.lower())
                columns += [_unquoted(c.strip()) for c in of.split(",") if c.strip()]
            when = match["when"]
            found.append(
                Trigger(
                    name=row["name"],
                    table=row["table"],
                    schema=row["schema"],
                    function=function.name if function else row["function_name"],
                    function_schema=function.schema if function else None,
                    arguments=tuple(
                        a.replace("''", "'") for a in _TRIGGER_ARGUMENT.findall(match["arguments"])
                    ),
                    timing=match["timing"].lower(),  # type: ignore[arg-type]
                    events=tuple(e for e in TRIGGER_EVENTS if e in events),
                    update_columns=tuple(columns),
                    for_each=match["for_each"].lower(),  # type: ignore[arg-type]
                    when=when[1:-1] if when and when.startswith("(") and when.endswith(")") else when,
                    comment=row["comment"],
                )
            )
        return found

    def extensions(self) -> list[str]:
        names = []
        for row in self.rows("inspect_extensions"):
            names.append(row["name"])
            if row["name"] == "citus":
                self.citus_version = row["version"]
            # where `CREATE EXTENSION name` puts it: the schema its control file pins, else public
            schema = row["schema"] if row["schema"] != (row["fixed_schema"] or "public") else None
            version = row["version"] if row["version"] != row["default_version"] else None
            if schema is not None or version is not None:
                self.extension_settings.append(ExtensionSetting(row["name"], schema, version))
        return names

    def enums(self, schemas: list[str]) -> list[Enum]:
        return [
            Enum(name=row["name"], schema=row["schema"], values=tuple(row["labels"]), comment=row["comment"])
            for row in self.rows("inspect_enums", schemas=schemas)
        ]

    def domains(self, schemas: list[str]) -> list[Domain]:
        """The domains, each on its base type (an enum, another domain or a built-in type)."""
        rows = self.rows("inspect_domains", schemas=schemas)
        self.type_names = self.enum_names | frozenset(row["name"] for row in rows)
        found = []
        for row in rows:
            label = _label(row["schema"], row["name"])
            base = self.type_name(row["type"], f"domain `{label}`")
            self.base_types[
                row["name"] if row["schema"] == "public" else f"{row['schema']}.{row['name']}"
            ] = base
            default = None
            if row["default"] is not None:
                default = catalog_text.column_default(row["default"], self.base_type(base), self.enum_names)
                self.stored.domain_defaults[(row["schema"], row["name"])] = row["raw_default"]
            checks = []
            for check in row["checks"]:
                if not check["validated"]:
                    self.warn(
                        f"check `{check['name']}` of domain `{label}` is NOT VALID; the spec's DDL creates "
                        "it validated"
                    )
                checks.append(DomainCheck(check["name"], check["expression"]))
                self.stored.domain_checks[(row["schema"], row["name"], check["name"])] = check[
                    "raw_expression"
                ]
            collation = row["collation"]
            if collation is not None and row["collation_schema"] not in SEARCHED_SCHEMAS:
                self.warn(
                    f"domain `{label}` uses collation `{row['collation_schema']}.{collation}`; the spec "
                    "names collations without a schema"
                )
            found.append(
                Domain(
                    name=row["name"],
                    schema=row["schema"],
                    type=base,
                    not_null=row["not_null"],
                    default=default,
                    checks=tuple(checks),
                    collation=collation,
                    comment=row["comment"],
                )
            )
        return found

    def user_types(self, schemas: list[str]) -> list[UserType]:
        """The composite and range types; their names join those a column type may give."""
        found = {name: self.rows(name, schemas=schemas) for name in USER_TYPE_QUERIES}  # each read once
        # not a range type left out (a canonical function): a column of it is warned about
        self.type_names |= frozenset(
            r["name"] for rows in found.values() for r in rows if not r.get("canonical")
        )
        # the multirange type PostgreSQL made beside each range type
        self.type_names |= frozenset(
            r["multirange"]
            for rows in found.values()
            for r in rows
            if r.get("multirange") and not r.get("canonical")
        )
        return read_types(lambda name, **_: found[name], schemas, self.type_name, self.warn)

    def base_type(self, type_: str) -> str:
        """The type a value of `type_` is stored as: under its domains, if it is one."""
        seen: set[str] = set()
        while type_ in self.base_types and type_ not in seen:
            seen.add(type_)
            type_ = self.base_types[type_]
        return type_

    def sequences(self, schemas: list[str]) -> list[SequenceGenerator]:
        """The sequences, standalone or owned by a column; an identity column's stays with it, its
        options kept for the column (`identity_options`)."""
        found = []
        for row in self.rows("inspect_sequences", schemas=schemas):
            if row["identity"]:
                options = IdentityOptions(
                    start=row["start"],
                    increment=row["increment"],
                    min_value=row["min_value"],
                    max_value=row["max_value"],
                    cache=row["cache"],
                    cycle=row["cycle"],
                )
                key = (row["owner_schema"], row["owner_table"], row["owner_column"])
                self.identity_options[key] = sequence_rules.canonical_identity(row["type"], options)
                continue
            sequence = SequenceGenerator(
                name=row["name"],
                schema=row["schema"],
                type=row["type"],
                start=row["start"],
                increment=row["increment"],
                min_value=row["min_value"],
                max_value=row["max_value"],
                cache=row["cache"],
                cycle=row["cycle"],
                owned_by=(row["owner_table"], row["owner_column"]) if row["owner_table"] else None,
                comment=row["comment"],
            )
            found.append(sequence_rules.canonical(sequence))
        return found

    def owners(self, sequences: list[SequenceGenerator], tables: list[Table]) -> list[SequenceGenerator]:
        """`sequences`, each owned by a column of the tables read, or made standalone with a warning."""
        columns = {(t.schema, t.name): set(t.column_names) for t in tables}
        kept = []
        for sequence in sequences:
            owner = sequence.owned_by
            if owner is not None and owner[1] not in columns.get((sequence.schema, owner[0]), ()):
                self.warn(
                    f"sequence `{_label(sequence.schema, sequence.name)}` is owned by "
                    f"`{'.'.join(owner)}`, which the spec does not declare: written unowned"
                )
                sequence = replace(sequence, owned_by=None)
            kept.append(sequence)
        return kept

    def other_objects(self, schemas: list[str], tables: set[tuple[str, str]]) -> None:
        """Warnings for what the Model cannot hold: policies (but those of the tables read), rules, other
        types."""
        for row in self.rows("inspect_policies", schemas=schemas):
            if (row["schema"], row["table"]) in tables:
                continue
            self.warn(
                f"policy `{row['name']}` on `{_label(row['schema'], row['table'])}` is not expressible "
                "in the spec: left out"
            )
        for row in self.rows("inspect_rules", schemas=schemas):
            self.warn(
                f"rule `{row['name']}` on `{_label(row['schema'], row['table'])}` is not expressible "
                "in the spec: left out"
            )
        for row in self.rows("inspect_types", schemas=schemas):
            self.warn(
                f"{row['kind']} `{_label(row['schema'], row['name'])}` is not expressible in the spec: "
                "left out"
            )

    # --- tables ------------------------------------------------------------------------------------

    def table(self, row: Row) -> Table:
        oid, schema, name = row["oid"], row["schema"], row["name"]
        label = _label(schema, name)
        columns = tuple(self.column(label, schema, name, c) for c in self.columns.get(oid, []))
        primary_key = None
        uniques: list[UniqueConstraint] = []
        checks: list[CheckConstraint] = []
        foreign_keys: list[ForeignKey] = []
        exclusions: list[ExclusionConstraint] = []
        for con in self.constraints.get(oid, []):
            kind, cname = con["type"], con["name"]
            if kind == "n":
                continue
            deferrable: Deferral = None
            if con["deferrable"]:
                deferrable = "deferred" if con["deferred"] else "immediate"
            if kind == "p":
                primary_key = PrimaryKey(
                    cname, tuple(con["columns"]), deferrable=deferrable, comment=con["comment"]
                )
            elif kind == "u":
                uniques.append(
                    UniqueConstraint(
                        cname,
                        tuple(con["columns"]),
                        con["nulls_not_distinct"],
                        deferrable=deferrable,
                        comment=con["comment"],
                    )
                )
            elif kind == "c":
                self.stored.checks[(schema, name, cname)] = con["raw_expression"]
                checks.append(
                    CheckConstraint(
                        cname,
                        con["expression"],
                        not_valid=not con["validated"],
                        no_inherit=bool(con["no_inherit"]),
                        comment=con["comment"],
                    )
                )
            elif kind == "f":
                foreign_keys.append(self.foreign_key(label, con))
            elif kind == "x" and (oid, cname) in self.exclusions:
                exclusions.append(replace(exclusion(self.exclusions[(oid, cname)]), comment=con["comment"]))
            else:
                what = (
                    "exclusion constraint"
                    if kind == "x"
                    else "constraint trigger"
                    if kind == "t"
                    else "constraint"
                )
                self.warn(f"{what} `{cname}` of `{label}` is not expressible in the spec: left out")
        indexes = [self.index(label, schema, name, ix) for ix in self.indexes.get(oid, [])]
        storage_parameters = self.storage(row)
        self.own_objects = []
        partition = self.scheme(row, name, columns) if row["kind"] == "p" else None
        partition_objects = tuple(sorted(self.own_objects, key=lambda o: o.partition))
        if row["persistence"] == "t":
            self.warn(
                f"table `{label}` is TEMPORARY, which the spec cannot say: it is written as a logged table"
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
            exclusions=tuple(sorted(exclusions, key=lambda x: x.name)),
            checks=tuple(sorted(checks, key=lambda c: c.name)),
            foreign_keys=tuple(sorted(foreign_keys, key=lambda f: f.name)),
            indexes=tuple(sorted(indexes, key=lambda i: i.name)),
            partition=partition,
            comment=row["comment"],
            storage=storage_parameters,
            unlogged=row["persistence"] == "u",
            partition_objects=partition_objects,
        )

    def storage(self, row: Row) -> tuple[StorageParameter, ...]:
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

    def leaves(self, oid: int) -> Iterator[Row]:
        for child in self.children.get(oid, []):
            if child["kind"] == "p":
                yield from self.leaves(child["oid"])
            else:
                yield child

    def options(self, what: str, row: Row) -> None:
        if row["options"] and row["oid"] not in self.storage_expressed:
            self.warn(f"{what} has storage options ({', '.join(row['options'])}) the spec cannot set")
        if row["row_security"] and not what.startswith("table "):  # a table's is read (inspect.access)
            self.warn(f"{what} has row-level security enabled, which the spec cannot say")

    def column(self, label: str, schema: str, table: str, row: Row) -> Column:
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
            default = self.column_default(row, type_)
        if row["expression"] is not None:
            self.stored.defaults[(schema, table, name)] = row["raw_expression"]
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
            identity_options=self.identity_options.get((schema, table, name)) if row["identity"] else None,
            generated=generated,
            collation=collation,
            comment=row["comment"],
        )

    def column_default(self, row: Row, type_: str) -> Default:
        """A column's default: `nextval` of a sequence read (`serial: true` or `default: {sequence}`
        in the spec), a literal, or an expression."""
        sequence = (row["default_sequence_schema"], row["default_sequence"])
        if sequence in self.sequence_keys and catalog_text.is_nextval(row["expression"]):
            return sequence_rules.sequence_default(*sequence)
        return catalog_text.column_default(row["expression"], self.base_type(type_), self.enum_names)

    def type_name(self, text: str, where: str) -> str:
        key = (text, self.type_names)  # a column's type is most often one read before
        found = self.canonical_types.get(key)
        if found is not None:
            return found
        try:
            found = self.canonical_types[key] = sqltypes.canonical_type(text, self.type_names)
        except sqltypes.UnknownTypeError:
            self.warn(f"{where} has type `{text}`, which the spec cannot declare")
            return text
        return found

    def foreign_key(self, label: str, con: Row) -> ForeignKey:
        name = con["name"]
        if con["match"] == "p":
            self.warn(f"foreign key `{name}` of `{label}` is MATCH PARTIAL, which the spec cannot say")
        if con["delete_set_columns"]:
            self.warn(
                f"foreign key `{name}` of `{label}` sets only some columns ON DELETE, which the spec "
                "cannot say"
            )
        # a key to a table outside the inspected schemas is the spec writer's to name (it leaves it out)
        return ForeignKey(
            name=name,
            columns=tuple(con["columns"]),
            ref_schema=con["ref_schema"],
            ref_table=con["ref_table"],
            ref_columns=tuple(con["ref_columns"]),
            on_delete=_ACTIONS.get(con["on_delete"]),
            on_update=_ACTIONS.get(con["on_update"]),
            deferrable=bool(con["deferrable"]),
            initially_immediate=bool(con["deferrable"] and not con["deferred"]),
            not_valid=not con["validated"],
            comment=con["comment"],
            match_full=con["match"] == "f",
        )

    def index(self, label: str, schema: str, table: str, row: Row) -> Index:
        name = row["name"]
        what = f"index `{name}` of `{label}`"
        elements: list[IndexElement] = []
        include: list[str] = []
        collations = index_keys.own_collations(row["definition"])
        for position, element in enumerate(row["elements"]):
            if position >= row["key_count"]:
                include.append(element["column"])
                continue
            collation = None
            own = collations[position] if position < len(collations) else None
            if own is not None:
                collation = own[1]
                if own[0] is not None and own[0] not in SEARCHED_SCHEMAS:
                    self.warn(
                        f"{what} uses collation `{own[0]}.{collation}`; the spec names collations "
                        "without a schema"
                    )
            elif element["own_collation"]:
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
                        column=element["column"],
                        opclass=opclass,
                        descending=descending,
                        nulls=nulls,
                        collation=collation,
                    )
                )
            else:
                text = catalog_text.unwrapped(element["expression"])
                elements.append(
                    IndexElement(
                        expression=text,
                        opclass=opclass,
                        descending=descending,
                        nulls=nulls,
                        collation=collation,
                    )
                )
        if not row["valid"]:
            self.warn(f"{what} is invalid (a failed or unfinished build); the spec's DDL builds it valid")
        parameters = []
        for option in row["options"] or ():
            key, _, value = option.partition("=")
            try:
                parameters.append(StorageParameter(key, index_storage.spell(row["method"], key, value)))
            except (KeyError, index_storage.StorageValueError):
                self.warn(f"{what} has a storage option ({option}) the spec cannot set")
        self.stored.indexes[(schema, name)] = row["definition"]
        return Index(
            name=name,
            table=table,
            elements=tuple(elements),
            unique=row["is_unique"],
            using=row["method"],
            where=row["predicate"],
            include=tuple(include),
            nulls_not_distinct=row["nulls_not_distinct"],
            storage=tuple(sorted(parameters)),
            comment=row["comment"],
        )

    def partition_extras(self, row: Row) -> None:
        """Warnings for what a partition has of its own: the spec shapes every partition like its parent.
        The catalog queries return of a partition only its columns that differ from its parent's, its own
        constraints and the indexes not attached to one of its parent's."""
        label = _label(row["schema"], row["name"])
        for column in self.columns.get(row["oid"], []):
            self.warn(
                f"column `{column['name']}` of partition `{label}` differs from its parent's (type, "
                "NOT NULL, default or collation), which the spec cannot say"
            )
        leaf = row["kind"] != "p"
        keys: list[ForeignKey] = []
        checks: list[CheckConstraint] = []
        for con in self.constraints.get(row["oid"], []):
            if leaf and con["type"] == "f" and con["comment"] is None:
                keys.append(self.foreign_key(label, con))
            elif leaf and con["type"] == "c":
                self.stored.checks[(row["schema"], row["name"], con["name"])] = con["raw_expression"]
                checks.append(
                    CheckConstraint(
                        con["name"],
                        con["expression"],
                        not_valid=not con["validated"],
                        no_inherit=bool(con["no_inherit"]),
                        comment=con["comment"],
                    )
                )
            elif con["type"] != "n":
                self.warn(f"constraint `{con['name']}` of partition `{label}` is not expressible: left out")
        indexes: list[Index] = []
        for ix in self.indexes.get(row["oid"], []):
            if leaf:
                indexes.append(self.index(label, row["schema"], row["name"], ix))
            else:
                self.warn(f"index `{ix['name']}` of partition `{label}` is not expressible: left out")
        if keys or indexes or checks:
            self.own_objects.append(
                PartitionObjects(
                    partition=row["name"],
                    indexes=tuple(sorted(indexes, key=lambda i: i.name)),
                    foreign_keys=tuple(sorted(keys, key=lambda f: f.name)),
                    checks=tuple(sorted(checks, key=lambda c: c.name)),
                )
            )
        if row["comment"] is not None:
            self.warn(f"the comment on partition `{label}` is not expressible: left out")
        self.options(f"partition `{label}`", row)

    # --- partitions --------------------------------------------------------------------------------

    def scheme(self, row: Row, prefix: str, columns: tuple[Column, ...]) -> PartitionScheme:
        label = _label(row["schema"], row["name"])
        self.stored.partition_keys[(row["schema"], row["name"])] = row["partition_key"]
        try:
            key = catalog_text.partition_key(row["partition_key"])
        except UnreadableText:
            raise DatabaseError(
                f"inspect: cannot read the partition key of {label}: {row['partition_key']}"
            ) from None
        if key.names_opclass_or_collation:
            self.warn(
                f"the partition key of `{label}` names an operator class or collation, which the "
                "spec cannot say"
            )
        types = {c.name: c.type for c in columns}
        key_types = [types.get(k.column) if k.column else None for k in key.keys]
        children: list[PartitionChild] = []
        for child in self.children.get(row["oid"], []):
            child_label = _label(child["schema"], child["name"])
            try:
                bound = catalog_text.partition_bound(child["bound"], key_types)
            except UnreadableText:
                raise DatabaseError(
                    f"inspect: cannot read the bound of partition {child_label}: {child['bound']}"
                ) from None
            sub = self.scheme(child, child["name"], columns) if child["kind"] == "p" else None
            own_schema = child["schema"] if child["schema"] != row["schema"] else None
            children.append(PartitionChild(child["name"], bound, sub, schema=own_schema))
            self.partition_extras(child)
        defaults = [c for c in children if c.bound.is_default]
        rest = [c for c in children if not c.bound.is_default]
        window = None
        modulus = None
        if key.kind == "hash":
            moduli = {c.bound.modulus for c in rest if c.bound.modulus is not None}
            if len(moduli) == 1:
                modulus = moduli.pop()
            elif len(moduli) > 1:
                self.warn(
                    f"the hash partitions of `{label}` mix moduli {sorted(moduli)}, which the spec cannot say"
                )
            rest.sort(key=lambda c: (c.bound.modulus or 0, c.bound.remainder or 0))
        elif key.kind == "range" and len(key.keys) == 1 and key_types[0] is not None:
            ordered = sorted(rest, key=lambda c: str(c.bound.range_from))
            window = range_window(prefix, ordered, key_types[0], bool(defaults))
            if window is not None:
                rest = ordered
        return PartitionScheme(
            kind=key.kind,
            key=key.keys,
            children=tuple(rest + defaults),
            window=window,
            modulus=modulus,
            has_default=bool(defaults),
        )

    # --- views -------------------------------------------------------------------------------------

    def view(self, row: Row) -> View:
        schema, name = row["schema"], row["name"]
        label = _label(schema, name)
        materialized = row["kind"] == "m"
        view_query = row["query"].strip().removesuffix(";").rstrip()
        self.stored.queries[(schema, name)] = row["raw_query"]
        indexes = [self.index(label, schema, name, ix) for ix in self.indexes.get(row["oid"], [])]
        options = view_options(row["options"] or [], materialized)
        if options.unknown:
            self.warn(f"view `{label}` has options ({', '.join(options.unknown)}) the spec cannot set")
        column_comments = tuple(
            sorted(
                (c["name"], c["comment"])
                for c in self.columns.get(row["oid"], [])
                if c["comment"] is not None
            )
        )
        return View(
            name=name,
            schema=schema,
            query=view_query,
            materialized=materialized,
            unpopulated=materialized and not row["populated"],
            security_barrier=options.security_barrier,
            security_invoker=options.security_invoker,
            check_option=options.check_option,
            depends_on=_depends_on(view_query),
            indexes=tuple(sorted(indexes, key=lambda i: i.name)),
            comment=row["comment"],
            column_comments=column_comments,
        )

    # --- Citus -------------------------------------------------------------------------------------

    def distributions(self, tables: list[Table], schemas: list[str]) -> list[Table]:
        """`tables` with how Citus places them, when the database has Citus: reference tables, and
        hash-distributed ones colocated with the root `_colocation_root` picks in their group. What
        `distribute:` cannot say is a warning, and the table stays plain."""
        if self.citus_version is None:
            return tables
        if _major_version(self.citus_version) < MIN_CITUS:
            self.warn(
                f"Citus {self.citus_version} is older than {MIN_CITUS}: how its tables are distributed "
                "is not read, and the spec writes them as plain tables"
            )
            return tables
        by_key = {(t.schema, t.name): t for t in tables}
        found: dict[tuple[str, str], Distribution] = {}
        groups: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows("inspect_distribution", schemas=schemas):
            key = (row["schema"], row["name"])
            if key not in by_key:
                continue  # a table the reader leaves out, with its own warning
            label = _label(*key)
            kind = row["kind"]
            if kind == "reference":
                found[key] = Distribution("reference")
            elif kind == "hash":
                groups[row["colocation_id"]].append(row)
                if row["replication_factor"] != 1:
                    self.warn(
                        f"table `{label}` keeps {row['replication_factor']} copies of each shard; the "
                        "spec's create_distributed_table makes as many as the cluster's "
                        "`citus.shard_replication_factor` says (1 by default)"
                    )
            elif kind == "schema":
                continue  # the spec says it of the schema: `citus: {distributed_schemas}`
            elif kind == "citus_local" and row["autoconverted"]:
                # Citus added it to its metadata for a foreign key to a reference table; the spec's
                # key does that again, so nothing is lost
                continue
            else:
                what = _UNEXPRESSIBLE_DISTRIBUTIONS[kind].format(column=row["column"])
                self.warn(f"table `{label}` {what}, which the spec cannot say: written as a plain table")
        for members in groups.values():
            root = _colocation_root([by_key[(r["schema"], r["name"])] for r in members])
            for row in members:
                is_root = (row["schema"], row["name"]) == (root.schema, root.name)
                found[(row["schema"], row["name"])] = Distribution(
                    "hash",
                    row["column"],
                    None if is_root else root.name,
                    row["shard_count"],
                    colocate_schema=root.schema if not is_root and root.schema != row["schema"] else None,
                )
        return [replace(t, distribution=found.get((t.schema, t.name))) for t in tables]

    def distributed_schemas(self, schemas: list[str]) -> tuple[DistributedSchema, ...]:
        """The schemas Citus shards as a whole (schema-based sharding), when the database has Citus 12
        or later (`distributions` warns about an older one)."""
        if self.citus_version is None or _major_version(self.citus_version) < MIN_CITUS:
            return ()
        rows = self.rows("inspect_distributed_schemas", schemas=schemas)
        return tuple(DistributedSchema(row["name"]) for row in rows)

    # --- schemagen's own functions -----------------------------------------------------------------

    def own_functions(
        self, tables: list[Table], views: list[View], functions: list[Row]
    ) -> tuple[list[Table], list[View]]:
        """Archive and refresh functions recognised as schemagen's (see `own_functions`); every other
        function is a warning."""
        own = OwnFunctions(self.templates, self.same_interval, citus=self.citus_version is not None)
        recognised = own.recognise(functions, tables, views)
        tables, others = recognised.tables, []
        for function in recognised.others:
            kept = self.maintain_function(tables, function)
            if kept is None:
                others.append(function)
            else:
                tables = kept
        for function in others:
            user = self.user_function(function)
            if user is not None:
                self.user_functions.append(user)
        return tables, recognised.views

    def maintain_function(self, tables: list[Table], function: Mapping[str, Any]) -> list[Table] | None:
        """`tables` with the policies of their windows (`premake`, `retain`, `expire`), when `function`
        is exactly the `schemagen_maintain()` they render: the policies are read from the line that
        opens each table's part of its body, and the function rendered again from them must be the
        one PostgreSQL keeps. None when it is not."""
        if function["name"] != lifecycle.MAINTAIN_FUNCTION or function["kind"] != "f":
            return None
        by_name = {qname(t.name, t.schema): t for t in tables}
        kept: dict[str, Table] = {}
        for line in _POLICY_LINE.finditer(function["body"] or ""):
            table = by_name.get(line["table"])
            scheme = table.partition if table is not None else None
            if table is None or scheme is None or scheme.window is None:
                return None
            window = replace(
                scheme.window,
                premake=int(line["premake"]) if line["premake"] else None,
                retain=line["retain"],
                expire=line["expire"],  # type: ignore[arg-type]
                child_name=line["named"],
            )
            kept[line["table"]] = replace(table, partition=replace(scheme, window=window))
        if not kept:
            return None
        candidate = [kept.get(name, table) for name, table in by_name.items()]
        model = Model(
            Project(name="inspected", schema=function["schema"]),
            tables=tuple(sorted(candidate, key=lambda t: (t.name, t.schema))),
        )
        entry = lifecycle.maintain_function(model)
        if entry is None:
            return None
        sql = self.templates.render(
            "postgres/maintain_function.sql.j2",
            "create_maintain_function",
            entry,
            lifecycle.MAINTAIN_LOCK_KEY,
        )
        if not RenderedFunction.of(sql).holds(function, self.same_interval):
            return None
        return candidate

    def partman_policies(self, tables: list[Table]) -> list[Table]:
        """The windows pg_partman maintains, given its policy: `premake`, its retention as `retain`, and
        `expire: detach` when it keeps expired tables (`retention_keep_table`), else `drop`."""
        found = self.rows("inspect_partman_config")
        if not found:
            return tables
        config = sql.Identifier(found[0]["schema"], "part_config")
        try:
            with self.cur.connection.transaction():  # a savepoint: another version may lack a column
                rows = self.cur.execute(composed("inspect_partman", table=config)).fetchall()
        except psycopg.Error as exc:
            self.warn(f"pg_partman's part_config could not be read ({exc.diag.message_primary}): left out")
            return tables
        settings = {row["parent_table"]: row for row in rows}
        kept = []
        for table in tables:
            row = settings.get(f"{table.schema}.{table.name}")
            scheme = table.partition
            if row is None or scheme is None or scheme.window is None:
                kept.append(table)
                continue
            retain = lifecycle.canonical_retain(row["retention"]) if row["retention"] else None
            if row["retention"] and retain is None:
                self.warn(
                    f"pg_partman keeps the partitions of `{table.schema}.{table.name}` for "
                    f"{row['retention']}, which `retain:` cannot say (days, weeks, months or years): left out"
                )
            window = replace(
                scheme.window,
                premake=row["premake"],
                retain=retain,
                expire=("detach" if row["retention_keep_table"] else "drop") if retain else None,
                child_name=child_name_pattern(list(scheme.children), scheme.window)
                or f"{table.name}_{{suffix}}",
            )
            kept.append(replace(table, partition=replace(scheme, window=window)))
            self.warn(
                f"`{table.schema}.{table.name}` is maintained by pg_partman: its premake and retention are "
                "written as the window's `premake` and `retain`; maintain it with schemagen or with "
                "pg_partman, not both"
            )
        return kept

    def same_interval(self, a: str, b: str) -> bool:
        """Whether PostgreSQL reads the two texts as the same interval; False when one is not one."""
        try:
            with self.cur.connection.transaction():  # a savepoint: the text may not be an interval
                same = self.cur.execute(query("inspect_interval"), {"a": a, "b": b}).fetchone()
        except psycopg.Error:
            return False
        return bool(same and same["same"])


# --- pure helpers ------------------------------------------------------------------------------------


#: The line opening a table's part of `schemagen_maintain()` (templates/postgres/maintain_function.sql.j2).
_POLICY_LINE = re.compile(
    r"^    -- (?P<table>\S+): every (?P<every>\w+), named (?P<named>\S+?)"
    r"(?:, premake (?P<premake>\d+))?(?:, retain (?P<retain>[^,\n]+))?(?:, expire (?P<expire>\w+))?$",
    re.MULTILINE,
)


def _input_identity(identity: str) -> str:
    """`pg_get_function_identity_arguments` without its OUT arguments, which name no function: the
    identity as the spec's `arguments:` give it."""
    parts = routines.split_top_level(identity) if identity.strip() else []
    return ", ".join(p.strip() for p in parts if not p.strip().startswith("OUT "))


def _home_schema(tables: list[Table], views: list[View], enums: list[Enum]) -> str:
    """`public` when it holds anything (or nothing does), else the schema holding the most objects."""
    counts: dict[str, int] = defaultdict(int)
    objects: list[Table | View | Enum] = [*tables, *views, *enums]
    for item in objects:
        counts[item.schema] += 1
    if not counts or counts.get("public"):
        return "public"
    return min(counts, key=lambda s: (-counts[s], s))


def _colocation_root(members: list[Table]) -> Table:
    """The table a colocation group's other members are written `colocate_with`: the member they
    reference most by foreign keys. A member that references another is no root while one that
    references none exists; ties go by (schema, name), so one catalog always gives one spec."""
    keys = {(t.schema, t.name) for t in members}
    referenced_by: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    referencing: set[tuple[str, str]] = set()
    for table in members:
        own = (table.schema, table.name)
        for fk in table.foreign_keys:
            target = (fk.ref_schema, fk.ref_table)
            if target in keys and target != own:
                referenced_by[target].add(own)
                referencing.add(own)
    # an archive table follows its source: never the root the spec would have to name
    rooted = [t for t in members if t.archive_of is None] or members
    candidates = [t for t in rooted if (t.schema, t.name) not in referencing] or rooted
    return min(candidates, key=lambda t: (-len(referenced_by[(t.schema, t.name)]), t.schema, t.name))


def _major_version(version: str) -> int:
    """12 for an extension version `12.1-1`; 0 when it does not start with a number."""
    digits = version.split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


def _depends_on(view_query: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(expressions.relations(expressions.parse_query(view_query))))
    except expressions.ExpressionError:
        return ()


def _nulls(descending: bool, nulls_first: bool) -> Literal["first", "last"] | None:
    """NULLS FIRST / LAST as the spec writes it: only where it is not the default of the order."""
    if nulls_first != descending:
        return "first" if nulls_first else "last"
    return None

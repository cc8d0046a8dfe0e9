"""Spec → Model: apply mixins, expand short forms, relationships, partitions and archives, name everything.

Problems that keep a part of the Model from being built (an unknown mixin, a type or expression that
does not parse, a partition window that cannot be expanded) are reported here, at their YAML line;
everything that can be judged on the finished Model is left to `checks`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from schemagen.build import access as access_rules
from schemagen.build.exclusions import build_exclusions, deferral
from schemagen.build.object_access import object_access, routine_access, schema_access, undeclared_roles
from schemagen.build.usertypes import build_types
from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load.loader import Path_, RawSpec
from schemagen.model import (
    CITUS_SHARD_COUNT,
    TRIGGER_EVENTS,
    Archive,
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
    Location,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionKind,
    PartitionObjects,
    PartitionScheme,
    PrimaryKey,
    Project,
    RangeWindow,
    ReferentialAction,
    Schema,
    SequenceGenerator,
    StorageParameter,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    all_children,
    lifecycle,
    naming,
    partition_objects,
)
from schemagen.model import sequences as sequence_rules
from schemagen.model.access import TableAccess, default_access
from schemagen.model.aggregates import AggregateDef
from schemagen.model.archive import archive_table
from schemagen.model.exclusions import Deferral, ExclusionConstraint
from schemagen.model.keys import owned_sequence_keys
from schemagen.model.objects import ExtensionSetting
from schemagen.model.partitions import (
    as_date,
    bound_value,
    window_bounds,
    window_problem,
)
from schemagen.model.usertypes import multirange_name
from schemagen.parse import fast
from schemagen.postgres import (
    builtins,
    expressions,
    identifiers,
    index_storage,
    routines,
    sqltypes,
    storage,
    trigger_functions,
)

if TYPE_CHECKING:
    from schemagen.parse.spec import (
        AggregateSpec,
        ColumnSpec,
        DistributeSpec,
        DomainSpec,
        EntitySpec,
        EnumSpec,
        FunctionSpec,
        IndexKeySpec,
        IndexSpec,
        PartitionSpec,
        RangeSpec,
        RelationshipSpec,
        SequenceSpec,
        Spec,
        TriggerSpec,
        ViewSpec,
    )

# `\Z`, not `$`: `$` also matches before a final newline, which a YAML string can end with.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
EXTENSION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")  # e.g. uuid-ossp
COLLATION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*\Z")  # e.g. C, en_US.utf8, und-x-icu
# what follows `{table}_` in a partition's name: `2026_01` as the window partitions have it
SUFFIX = re.compile(r"[A-Za-z0-9_]+\Z")
# The built-in collations whose names are upper case: `collation: posix` means them, not a collation
# named in lower case that no server has.
BUILTIN_COLLATIONS = {"c": "C", "posix": "POSIX"}
MAX_HASH_PARTITIONS = 1024
_SERIAL = {
    "smallserial": "smallint",
    "serial": "integer",
    "bigserial": "bigint",
    "serial2": "smallint",
    "serial4": "integer",
    "serial8": "bigint",
}
_ORDER_WORDS = {"asc", "desc"}
_UNREAD: Any = object()  # a key not read yet (None is one read as no key)
_name_of = attrgetter("name")
#: the literals a column's default is remembered by, with their type (`0` is not `false`); no float,
#: whose `-0.0` equals `0.0` and is not written as it
_SCALARS = frozenset({str, int, bool})


@dataclass
class _Pending:
    """An entity on its way to a Table: what the first pass knows, before references resolve."""

    name: str
    schema: str
    columns: list[Column]
    loc: Location | None
    path: Path_
    key: str = ""  # the entity's key (`name` unless qualified: `audit.accounts`)
    pk_columns: tuple[str, ...] | None = None
    pk_loc: Location | None = None
    pk_name: str | None = None
    pk_deferrable: Deferral = None
    pk_comment: str | None = None
    # constraint comments by the columns of a `unique:` entry, and by check key
    unique_comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    check_comments: dict[str, str] = field(default_factory=dict)
    # columns, pinned name, nulls not distinct, where, deferral
    uniques: list[tuple[tuple[str, ...], str | None, bool, Location | None, Deferral]] = field(
        default_factory=list
    )
    # key, expression, pinned name, where, where the expression is
    checks: list[tuple[str, str, str | None, Location | None, Location | None]] = field(default_factory=list)
    fks: list[tuple[_FkDraft, Location | None]] = field(default_factory=list)
    indexes: list[tuple[IndexSpec, Path_]] = field(default_factory=list)
    partition: PartitionScheme | None = None
    archive: Archive | None = None
    archive_of: str | None = None
    comment: str | None = None
    renamed_from: str | None = None
    storage: tuple[StorageParameter, ...] = ()
    unlogged: bool = False
    distribute: tuple[DistributeSpec | str, Path_] | None = None
    distribution: Distribution | None = None
    serials: list[int] = field(default_factory=list)  # positions of its `serial: true` columns
    access: TableAccess = field(default_factory=default_access)  # (shared: immutable)
    exclusions: list[ExclusionConstraint] = field(default_factory=list)
    # check key → (valid, no_inherit), for the checks that are NOT VALID or NO INHERIT
    check_states: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = self.key or self.name


class _FkDraft(NamedTuple):
    """A foreign key before its target's key is known (a tuple: made for every `references:`)."""

    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...] | None
    on_delete: ReferentialAction | None
    on_update: ReferentialAction | None
    deferrable: bool | str
    name: str | None
    valid: bool = True
    comment: str | None = None
    match_full: bool = False


# a `functions:` key naming one of several functions of the same name: `area(circle)`
OVERLOAD_KEY = re.compile(r"(?P<name>[^()\s]+)\s*\((?P<types>.*)\)\s*", re.DOTALL)


class Builder:
    """One build of one spec; collects diagnostics as it goes."""

    def __init__(self, spec: Spec, raw: RawSpec) -> None:
        self.spec = spec
        self.raw = raw
        self.diagnostics: list[Diagnostic] = []
        self.valid_names: set[str] = set()  # names `check_name` found nothing to say of
        project = spec.project
        extensions = (
            [(e, e) if isinstance(e, str) else (e.name, e) for e in project.extensions] if project else []
        )
        self.project = Project(
            name=(project.name if project else None) or _default_project_name(raw.root),
            postgres=project.postgres if project else 15,
            schema=project.schema_ if project else "public",
            extensions=tuple(sorted({name for name, _ in extensions})),
            custom_extensions=frozenset(
                name for name, e in extensions if not isinstance(e, str) and e.custom
            ),
            extension_settings=tuple(
                sorted(
                    {
                        name: ExtensionSetting(name, e.schema_, e.version)
                        for name, e in extensions
                        if not isinstance(e, str) and (e.schema_ is not None or e.version is not None)
                    }.values(),
                    key=lambda s: s.name,
                )
            ),
            extension_locs={
                name: loc
                for i, (name, e) in reversed(list(enumerate(extensions)))
                if (
                    loc := raw.locate(
                        ("project", "extensions", i)
                        if isinstance(e, str)
                        else ("project", "extensions", i, "name")
                    )
                )
                is not None
            },
            schema_loc=raw.locate(("project", "schema")),
            allow_destructive=tuple(project.allow_destructive) if project else (),
            shard_count=project.citus.shard_count if project and project.citus else None,
            distribute_concurrently=bool(project and project.citus and project.citus.distribute_concurrently),
        )
        self.check_allow_destructive()
        self.project = replace(self.project, distributed_schemas=self.distributed_schemas())
        self.project = replace(self.project, schemas=self.declared_schemas())
        self.naming_templates = project.naming.model_dump() if project else _default_naming()
        self.namer = naming.Namer(self.naming_templates)
        # the children's bounds of each time window and hash modulus: the same for many tables
        self.bounds_of_window: dict[
            tuple[str, date, date, str | None], tuple[tuple[str, PartitionBound], ...]
        ] = {}
        self.bounds_of_modulus: dict[int, tuple[tuple[str, PartitionBound], ...]] = {}
        # a column's type as written → its canonical spelling, qualified (of the types not reported)
        self.column_types: dict[str, str] = {}
        # an index's key written as a column's name, and any other key as read (None: not a key)
        self.column_elements: dict[str, IndexElement] = {}
        self.read_elements: dict[str, IndexElement | None] = {}
        self.literal_defaults: dict[tuple[type, Any], Default] = {}
        self.enum_names = frozenset(spec.enums)
        # the names a column type may give besides PostgreSQL's: enums and domains, and their schemas
        self.type_names = self.enum_names | frozenset(spec.domains) | frozenset(spec.types)
        # and the multirange type PostgreSQL makes beside each range type
        multiranges = {multirange_name(name): name for name, t in spec.types.items() if t.range is not None}
        self.type_names |= frozenset(multiranges)
        # an enum keyed `schema.name` is named so by column types already: not qualified again
        self.type_schemas = {
            name: enum.schema_ or self.project.schema
            for name, enum in spec.enums.items()
            if enum.schema_ or self.pinned_schema(name)[0] is None
        }
        self.type_schemas.update(
            {
                name: domain.schema_ or self.project.schema
                for name, domain in spec.domains.items()
                if domain.schema_ or self.pinned_schema(name)[0] is None
            }
        )
        self.type_schemas.update(
            {
                name: t.schema_ or self.project.schema
                for name, t in spec.types.items()
                if t.schema_ or self.pinned_schema(name)[0] is None
            }
        )
        self.type_schemas.update(
            {
                multirange: self.type_schemas[name]
                for multirange, name in multiranges.items()
                if name in self.type_schemas
            }
        )
        self.sequence_schemas = {
            name: self.sequence_schema(name, seq) for name, seq in spec.sequences.items()
        }
        # a key `schema.name` (a schema the spec knows, no `schema:`) is the sequence `name` of that schema
        self.sequence_names = {
            name: name if seq.schema_ else self.pinned_schema(name)[1] for name, seq in spec.sequences.items()
        }
        self.serial_sequences: list[SequenceGenerator] = []
        self.taken: dict[str, set[str]] = {}  # schema → relation names in use
        self.pinned_checked: set[Path_] = set()

    def distributed_schemas(self) -> tuple[DistributedSchema, ...]:
        """`citus: {distributed_schemas}`, sorted by name; a name given twice counts once."""
        project = self.spec.project
        names = project.citus.distributed_schemas if project and project.citus else []
        found: dict[str, DistributedSchema] = {}
        for i, name in enumerate(names):
            loc = self.loc("project", "citus", "distributed_schemas", i, key=False)
            self.check_name(name, "a schema", loc)
            found.setdefault(name, DistributedSchema(name, loc))
        return tuple(found[name] for name in sorted(found))

    def declared_schemas(self) -> tuple[Schema, ...]:
        """`project.schemas`, sorted by name: each a name or `{name, comment}`; a name given twice is
        an error (SG413) at its second place; a system schema is refused by the checks (SG408)."""
        project = self.spec.project
        found: dict[str, Schema] = {}
        for i, entry in enumerate(project.schemas if project else []):
            access = None
            if isinstance(entry, str):
                name, comment = entry, None
                loc = self.loc("project", "schemas", i, key=False)
            else:
                name, comment = entry.name, entry.comment
                loc = self.loc("project", "schemas", i, "name", key=False)
                access = schema_access(self, name, entry, ("project", "schemas", i))
            self.check_name(name, "a schema", loc)
            if name in found:
                self.report(rules.SCHEMA_TWICE(loc, schema=name))
            else:
                found[name] = Schema(name, comment, access, loc)
        return tuple(found[name] for name in sorted(found))

    # --- helpers ---------------------------------------------------------------------------------

    def loc(self, *path: str | int, key: bool = True) -> Location | None:
        return self.raw.locate(tuple(path), key=key)

    def report(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def check_name(self, name: str, what: str, loc: Location | None) -> None:
        if name in self.valid_names:  # (the same column names come back table after table)
            return
        if not identifiers.is_valid_name(name):
            shown = name if name.isprintable() else name.encode("unicode_escape").decode("ascii")
            self.report(rules.INVALID_NAME(loc, name=shown, what=what))
        elif len(name.encode()) > naming.MAX_IDENTIFIER_BYTES:
            self.report(rules.NAME_TOO_LONG(loc, name=name, length=len(name.encode())))
        else:
            self.valid_names.add(name)

    def check_suffix(self, suffix: str, loc: Location | None) -> None:
        """A partition's key under `bounds:` or `values:`, which names it `{table}_{key}`."""
        if not identifiers.is_valid_name(suffix):
            self.report(rules.INVALID_NAME(loc, name=suffix, what="a partition (it follows `{table}_`)"))

    def expression(self, text: str, what: str, loc: Location | None) -> str | None:
        try:
            return expressions.parse_expression(text).text
        except expressions.ExpressionError as error:
            self.report(rules.EXPRESSION_SYNTAX(loc, what=what, problem=error.message))
            return None

    def relation_name(self, schema: str, name: str) -> str:
        return naming.unique_name(name, self.taken.setdefault(schema, set()))

    # --- the build -------------------------------------------------------------------------------

    def check_allow_destructive(self) -> None:
        """Each entry names a kind of destructive change (the words `migrate new` matches), or is `all`
        or a bare name."""
        for i, entry in enumerate(self.project.allow_destructive):
            words = entry.strip().lower()
            if (
                words == "all"
                or " " not in words
                or any(words.startswith(f"{k} ") for k in rules.ALLOWED_BY.values())
            ):
                continue
            kind = words.rsplit(" ", 1)[0]
            self.report(
                rules.ALLOW_DESTRUCTIVE(
                    self.loc("project", "allow_destructive", i),
                    entry=entry,
                    suggestion=did_you_mean(kind, rules.ALLOWED_BY.values()),
                )
            )

    def check_project_names(self) -> None:
        """Names the spec uses beside its entities: schemas, extensions, collations, view keys."""
        if self.spec.project is not None:
            self.check_name(self.project.schema, "a schema", self.loc("project", "schema"))
            for i, extension in enumerate(self.spec.project.extensions):
                name = extension if isinstance(extension, str) else extension.name
                loc = self.loc("project", "extensions", i)
                if not EXTENSION_NAME.match(name):
                    self.report(rules.INVALID_NAME(loc, name=name, what="an extension"))
        sections: tuple[
            tuple[str, Mapping[str, EntitySpec | EnumSpec | ViewSpec | DomainSpec | SequenceSpec]], ...
        ]
        sections = (
            ("entities", self.spec.entities),
            ("enums", self.spec.enums),
            ("views", self.spec.views),
            ("domains", self.spec.domains),
            ("sequences", self.spec.sequences),
        )
        for section, items in sections:
            for name, item in items.items():
                if item.schema_ is not None:
                    self.check_name(item.schema_, "a schema", self.loc(section, name, "schema"))
        for name, view in self.spec.views.items():
            for i, column in enumerate(view.unique.columns if view.unique else ()):
                self.check_name(column, "a column", self.loc("views", name, "unique", "columns", i))
        for name, entity in self.spec.entities.items():
            for column, spec in entity.columns.items():
                if spec.collation is not None and not COLLATION_NAME.match(spec.collation):
                    loc = self.loc("entities", name, "columns", column, "collation")
                    self.report(rules.INVALID_NAME(loc, name=spec.collation, what="a collation"))

    def build(self) -> Model:
        self.check_project_names()
        for kind, template in self.naming_templates.items():
            problem = naming.template_problem(kind, template)
            if problem:
                self.report(
                    rules.NAMING_TEMPLATE(
                        self.loc("project", "naming", kind),
                        template=template,
                        problem=problem,
                        placeholders=", ".join(f"{{{p}}}" for p in sorted(naming.PLACEHOLDERS[kind])),
                    )
                )
        enums = self.build_enums()
        domains = self.build_domains()
        functions_named = frozenset(key.split("(")[0].strip() for key in self.spec.functions)
        user_types = build_types(self, self.spec.types, self.project.schema, functions_named)
        for domain in domains:  # domains are created before the types
            base = domain.type.removesuffix("[]").rsplit(".", 1)[-1]
            if base in self.spec.types:
                self.report(
                    rules.USER_TYPE(
                        self.loc("domains", domain.name, "type", key=False) or domain.loc,
                        type=base,
                        problem=f"domain `{domain.name}` is based on it; domains are created before types",
                        fix="use the type itself as the column type, or base the domain on a built-in type",
                    )
                )
        pending = [self.entity(name, entity) for name, entity in self.spec.entities.items()]
        pending = self.one_entity_per_table(pending)
        for index, relationship in enumerate(self.spec.relationships):
            junction = self.junction(index, relationship, pending)
            if junction:
                pending.append(junction)
        self.reserve_explicit_names(pending)
        sequences = self.build_sequences()
        for p in sorted(pending, key=lambda p: (p.name, p.schema)):
            self.serial_columns(p)
        sequences += self.serial_sequences
        by_name = {p.key: p for p in pending}
        for p in pending:
            p.distribution = self.distribution(p, by_name, ())
        tables = [self.finish(p, by_name) for p in sorted(pending, key=lambda p: (p.name, p.schema))]
        tables += [
            replace(archive, spec_key=f"{archive.schema}.{archive.name}") if table.spec_key else archive
            for table in tables
            if table.archive and (archive := self.archive_table(table, table.archive))
        ]
        tables.sort(key=lambda table: (table.name, table.schema))
        sequences = owned_sequence_keys(sequences, tables)
        views = [self.view(name, view) for name, view in sorted(self.spec.views.items())]
        items = sorted(self.spec.functions.items())
        functions = [self.function(name, spec) for name, spec in items if spec.aggregate is None]
        # an aggregate names the functions it folds with: built after them
        functions += [
            self.function(name, spec, functions) for name, spec in items if spec.aggregate is not None
        ]
        functions.sort(key=lambda f: (f.name, f.identity))
        seen: set[tuple[str, str, str]] = set()
        for function in functions:
            signature = (function.schema, function.name, builtins.identity_types(function.identity))
            if signature in seen:
                self.report(
                    rules.OVERLOAD(
                        function.loc,
                        function=function.name,
                        problem=f"`{function.signature}` is declared twice",
                        fix="give each function of the same name other argument types",
                    )
                )
            seen.add(signature)
        triggers = []
        for table in tables:
            entity = self.spec.entities.get(table.key) if table.archive_of is None else None
            for name, trigger_spec in sorted(entity.triggers.items() if entity else ()):
                triggers.append(self.trigger(table, name, trigger_spec, functions))
        model = Model(
            project=self.project,
            enums=tuple(enums),
            tables=tuple(tables),
            views=tuple(views),
            domains=tuple(domains),
            types=tuple(sorted(user_types, key=lambda t: (t.name, t.schema))),
            sequences=tuple(sorted(sequences, key=lambda s: (s.name, s.schema))),
            functions=tuple(functions),
            triggers=tuple(triggers),
            roles=access_rules.roles(self, self.spec.roles, tables),
            default_privileges=access_rules.default_privileges(
                self, self.spec.project.default_privileges if self.spec.project else [], self.project.schema
            ),
        )
        undeclared_roles(self, model)
        return model

    def build_enums(self) -> list[Enum]:
        enums = []
        for key, spec in sorted(self.spec.enums.items()):
            loc = self.loc("enums", key)
            # `schema.name` (a schema the spec knows, no `schema:`): the enum `name` of that schema
            qualifier, name = (None, key) if spec.schema_ else self.pinned_schema(key)
            self.check_name(name, "an enum", loc)
            seen: set[str] = set()
            for i, value in enumerate(spec.values):
                if len(value.encode()) > naming.MAX_IDENTIFIER_BYTES:
                    # PostgreSQL keeps a label in a name: "invalid enum label"
                    self.report(
                        rules.NAME_TOO_LONG(
                            self.loc("enums", key, "values", i, key=False) or loc,
                            name=value,
                            length=len(value.encode()),
                        )
                    )
                if value in seen:
                    self.report(
                        rules.DUPLICATE_COLUMN(
                            self.loc("enums", key, "values", i) or loc, column=value, what=f"enum `{key}`"
                        )
                    )
                seen.add(value)
            enums.append(
                Enum(
                    name=name,
                    schema=spec.schema_ or qualifier or self.project.schema,
                    values=tuple(spec.values),
                    comment=spec.comment,
                    spec_key=key if qualifier else None,
                    loc=loc,
                    schema_loc=self.loc("enums", key, "schema", key=False) if spec.schema_ else None,
                )
            )
        return enums

    def build_domains(self) -> list[Domain]:
        domains = []
        for domain_key, spec in sorted(self.spec.domains.items()):
            path: Path_ = ("domains", domain_key)
            loc = self.loc(*path)
            # `schema.name` (a schema the spec knows, no `schema:`): the domain `name` of that schema
            qualifier, name = (None, domain_key) if spec.schema_ else self.pinned_schema(domain_key)
            self.check_name(name, "a domain", loc)
            type_text = spec.type.strip()
            try:
                base = sqltypes.canonical_type(type_text, self.type_names)
            except sqltypes.UnknownTypeError as error:
                self.report(
                    rules.UNKNOWN_TYPE(
                        self.loc(*path, "type", key=False) or loc, type=type_text, problem=str(error)
                    )
                )
                base = type_text.lower()
            base = self.qualified_type(base)
            default = self.default(spec.default, (*path, "default"), f"the default of domain `{name}`", loc)
            checks: list[DomainCheck] = []
            written = dict(spec.checks)
            if spec.check is not None:
                key = f"{name}_check"
                if key in written:
                    self.report(
                        rules.DOMAIN(
                            self.loc(*path, "check"),
                            domain=name,
                            problem=f"`check:` names its constraint `{key}`, which `checks:` names too",
                            fix="write every check under `checks:`",
                        )
                    )
                written[key] = spec.check
            for key, text in sorted(written.items()):
                check_path = (*path, "check") if key not in spec.checks else (*path, "checks", key)
                check_loc = self.raw.locate(check_path, key=True) or loc
                self.check_name(key, "a constraint", check_loc)
                parsed = self.expression(
                    text, f"check `{key}` of domain `{name}`", self.raw.locate(check_path) or check_loc
                )
                if parsed:
                    checks.append(DomainCheck(key, parsed, check_loc))
            collation = None
            if spec.collation is not None:
                if not COLLATION_NAME.match(spec.collation):
                    self.report(
                        rules.INVALID_NAME(
                            self.loc(*path, "collation"), name=spec.collation, what="a collation"
                        )
                    )
                collation = BUILTIN_COLLATIONS.get(spec.collation.lower(), spec.collation)
            domains.append(
                Domain(
                    name=name,
                    schema=spec.schema_ or qualifier or self.project.schema,
                    spec_key=domain_key if qualifier else None,
                    type=base,
                    not_null=spec.not_null,
                    default=default,
                    checks=tuple(checks),
                    collation=collation,
                    comment=spec.comment,
                    loc=loc,
                )
            )
        return domains

    def sequence_schema(self, key: str, spec: SequenceSpec) -> str:
        """A sequence's own `schema:`, else the one its key names (`tenant_b.numbers`), else its owning
        table's (PostgreSQL keeps them together), else the project's."""
        if spec.schema_:
            return spec.schema_
        qualifier = self.pinned_schema(key)[0]
        if qualifier is not None:
            return qualifier
        table = self.owner_parts(spec.owned_by)[0] if spec.owned_by else None
        if table is not None and table in self.spec.entities:
            return self.entity_place(table)[0]
        return self.project.schema

    def owner_parts(self, owned_by: str) -> tuple[str, str]:
        """`table.column` of `owned_by:`, split at the dot after which an entity's name ends (names
        may hold dots themselves), else at the first one."""
        for i, char in enumerate(owned_by):
            if char == "." and owned_by[:i] in self.spec.entities:
                return owned_by[:i], owned_by[i + 1 :]
        table, _, column = owned_by.partition(".")
        return table, column

    def build_sequences(self) -> list[SequenceGenerator]:
        """The sequences of `sequences:`; the serial columns' own come from `serial_columns`."""
        found = []
        for key, spec in sorted(self.spec.sequences.items()):
            path: Path_ = ("sequences", key)
            loc = self.loc(*path)
            name = self.sequence_names[key]
            self.check_name(name, "a sequence", loc)
            type_text = spec.type.strip()
            try:
                canonical = sqltypes.canonical_type(type_text)
            except sqltypes.UnknownTypeError:
                canonical = type_text.lower()
            kind = sequence_rules.sequence_type(canonical)
            if kind is None:
                self.report(
                    rules.SEQUENCE(
                        self.loc(*path, "type", key=False) or loc,
                        what=f"sequence `{name}`",
                        problem=f"a sequence is smallint, integer or bigint, not `{type_text}`",
                        fix="write `type: bigint` (the default), `integer` or `smallint`",
                    )
                )
            owned_by = None
            if spec.owned_by is not None:
                table, column = self.owner_parts(spec.owned_by)
                if not (identifiers.is_valid_name(table) and identifiers.is_valid_name(column)):
                    self.report(
                        rules.SEQUENCE(
                            self.loc(*path, "owned_by", key=False) or loc,
                            what=f"sequence `{name}`",
                            problem=f"`owned_by: {spec.owned_by}` is not `table.column`",
                            fix="name the column whose drop drops the sequence: `owned_by: orders.number`",
                        )
                    )
                else:
                    owned_by = (self.entity_place(table)[1] if table in self.spec.entities else table, column)
            if spec.increment == 0:
                self.report(
                    rules.SEQUENCE(
                        self.loc(*path, "increment", key=False) or loc,
                        what=f"sequence `{name}`",
                        problem="`increment: 0` never moves",
                        fix="write a positive increment (ascending) or a negative one (descending)",
                    )
                )
            sequence = SequenceGenerator(
                name=name,
                schema=self.sequence_schemas[key],
                spec_key=key if key != name else None,
                type=kind or "bigint",
                start=spec.start,
                increment=spec.increment or 1,
                min_value=spec.min_value,
                max_value=spec.max_value,
                cache=spec.cache,
                cycle=spec.cycle,
                owned_by=owned_by,
                comment=spec.comment,
                access=object_access(self, "sequence", name, spec.owner, spec.grants, path),
                loc=loc,
            )
            found.append(sequence_rules.canonical(sequence))
        return found

    def serial_columns(self, p: _Pending) -> None:
        """Each `serial: true` column of `p` numbered by a sequence of its own, owned by it and named by
        `naming.sequence` (after the names written out are taken)."""
        for position in p.serials:
            column = p.columns[position]
            name = self.relation_name(p.schema, self.namer.make("sequence", table=p.name, column=column.name))
            self.serial_sequences.append(
                SequenceGenerator(
                    name=name,
                    schema=p.schema,
                    type=sequence_rules.sequence_type(column.type) or "bigint",
                    owned_by=(p.name, column.name),
                    loc=column.loc,
                )
            )
            p.columns[position] = replace(column, default=sequence_rules.sequence_default(p.schema, name))

    def qualified_type(self, canonical: str) -> str:
        """An enum's or domain's name qualified by its schema when that is not public (it is found by
        its qualified name whatever the search_path)."""
        base, array = canonical.removesuffix("[]"), canonical.endswith("[]")
        if self.type_schemas.get(base, "public") != "public":
            return f"{self.type_schemas[base]}.{base}" + ("[]" if array else "")
        return canonical

    def default(self, value: Any, path: Path_, what: str, loc: Location | None) -> Default | None:
        """A default as written: a literal, `{sql: expression}` or `{sequence: name}`."""
        if value is None:
            return None
        if isinstance(value, dict) and len(value) == 1 and "sql" in value:
            text = value["sql"]
            where = self.raw.locate((*path, "sql")) or loc
            if text is None or (isinstance(text, str) and not text.strip()):
                self.report(
                    rules.INVALID_VALUE(
                        where,
                        where=what,
                        problem="`sql:` holds no expression",
                        fix="write the expression (`default: {sql: now()}`), or leave the default out",
                    )
                )
                return None
            parsed = self.expression(text if isinstance(text, str) else str(text), what, where)
            return Default(expression=parsed) if parsed else None
        if isinstance(value, dict) and len(value) == 1 and "sequence" in value:
            name = value["sequence"]
            where = self.raw.locate((*path, "sequence")) or loc
            if not isinstance(name, str) or name not in self.sequence_schemas:
                self.report(
                    rules.SEQUENCE(
                        where,
                        what=what,
                        problem=f"`{name}` is not a sequence of the spec"
                        + did_you_mean(str(name), list(self.sequence_schemas)),
                        fix="declare it under `sequences:`, or write `serial: true` for a sequence of the "
                        "column's own",
                    )
                )
                return None
            return sequence_rules.sequence_default(self.sequence_schemas[name], self.sequence_names[name])
        return Default(value=value)

    def identity(
        self, spec: ColumnSpec, type_: str, path: Path_
    ) -> tuple[Literal["always", "by_default"] | None, IdentityOptions | None]:
        """`identity: always` or `by_default`, or `{kind, start, increment, …}` with the options of its
        sequence (those PostgreSQL would choose itself left out)."""
        written = spec.identity
        if written is None or isinstance(written, str):
            return written, None
        if written.increment == 0:
            self.report(
                rules.SEQUENCE(
                    self.raw.locate((*path, "identity", "increment")),
                    what="the identity's sequence",
                    problem="`increment: 0` never moves",
                    fix="write a positive increment (ascending) or a negative one (descending)",
                )
            )
        options = IdentityOptions(
            start=written.start,
            increment=written.increment or 1,
            min_value=written.min_value,
            max_value=written.max_value,
            cache=written.cache,
            cycle=written.cycle,
        )
        return written.kind, sequence_rules.canonical_identity(type_, options)

    def column(self, name: str, spec: ColumnSpec, path: Path_) -> Column:
        locate = self.raw.locate
        loc = locate(path, key=True)
        type_loc = locate((*path, "type"))
        if name not in self.valid_names:  # (checked once: the same names come back table after table)
            self.check_name(name, "a column", loc)
        canonical = self.column_types.get(spec.type)  # a type written before, and not reported
        if canonical is None:
            type_text = spec.type.strip()
            base = type_text.lower()
            if base in _SERIAL:
                self.report(rules.SERIAL_TYPE(loc, type=type_text, base=_SERIAL[base]))
                canonical = _SERIAL[base]
            else:
                try:
                    canonical = sqltypes.canonical_type(type_text, self.type_names)
                    self.column_types[spec.type] = self.qualified_type(canonical)
                except sqltypes.UnknownTypeError as error:
                    self.report(rules.UNKNOWN_TYPE(type_loc or loc, type=type_text, problem=str(error)))
                    canonical = type_text.lower()
            canonical = self.qualified_type(canonical)
        written = spec.default
        if written is None:
            default = None
        elif type(written) in _SCALARS:  # a literal, the same for every column that writes it
            default = self.literal_defaults.get((type(written), written))
            if default is None:
                default = self.literal_defaults[type(written), written] = Default(written)
        else:
            default = self.default(written, (*path, "default"), f"the default of `{name}`", loc)
        if spec.serial:
            other = (
                "a default"
                if spec.default is not None
                else "an identity"
                if spec.identity
                else "a generated expression"
                if spec.generated
                else None
            )
            if other is not None:
                self.report(
                    rules.COLUMN_CONFLICT(
                        loc,
                        column=name,
                        problem=f"has `serial: true` and {other}",
                        fix="keep one source of values",
                    )
                )
            elif not sqltypes.is_integer(canonical) or canonical.endswith("[]"):
                self.report(
                    rules.COLUMN_CONFLICT(
                        loc,
                        column=name,
                        problem=f"`serial: true` needs smallint, integer or bigint, not {canonical}",
                        fix="make the column bigint, or drop `serial`",
                    )
                )
        generated = None
        if spec.generated is not None:
            generated = self.expression(
                spec.generated,
                f"the generated expression of `{name}`",
                self.raw.locate((*path, "generated")) or loc,
            )
        using = using_down = None
        if spec.using is not None:
            using = self.expression(
                spec.using.up, f"the `using` of `{name}`", self.raw.locate((*path, "using")) or loc
            )
            if spec.using.down is not None:
                using_down = self.expression(
                    spec.using.down,
                    f"the down `using` of `{name}`",
                    self.raw.locate((*path, "using", "down")) or loc,
                )
        identity = identity_options = identity_access = None
        if spec.identity is not None:
            identity, identity_options = self.identity(spec, canonical, path)
            if not isinstance(spec.identity, str) and spec.identity.grants:
                identity_access = object_access(
                    self, "sequence", f"{name}'s identity", None, spec.identity.grants, (*path, "identity")
                )
        default_loc = None
        if default is not None:
            default_loc = locate(
                (*path, "default", "sql") if default.expression is not None else (*path, "default")
            )
        # by position, in the order of Column's fields: by keyword, the call took twice as long (11,000
        # columns in a spec of 1,000 tables)
        return Column(
            name,
            canonical,  # type
            spec.nullable,
            default,
            identity,
            identity_options,
            identity_access,
            generated,
            BUILTIN_COLLATIONS.get(spec.collation.lower(), spec.collation) if spec.collation else None,
            spec.comment,
            spec.renamed_from,
            using,
            using_down,
            loc,
            type_loc,
            default_loc,
            locate((*path, "generated")) if generated else None,  # generated_loc
            locate((*path, "collation")) if spec.collation is not None else None,  # collation_loc
        )

    def one_entity_per_table(self, pending: list[_Pending]) -> list[_Pending]:
        """The entities but the second of two keys that name one table (`accounts` and
        `public.accounts`), which is reported."""
        seen: dict[tuple[str, str], _Pending] = {}
        kept = []
        for p in pending:
            first = seen.setdefault((p.schema, p.name), p)
            if first is not p:
                self.report(
                    rules.DUPLICATE_NAME(
                        p.loc,
                        kind="table",
                        name=f"{p.schema}.{p.name}` (as `{p.key}`",
                        other=first.loc or "another entity",
                    )
                )
                continue
            kept.append(p)
        return kept

    def entity(self, key: str, spec: EntitySpec) -> _Pending:
        path: Path_ = ("entities", key)
        loc = self.loc(*path)
        schema, name = self.entity_place(key)
        self.check_name(name, "an entity", loc)
        pending = _Pending(
            name=name,
            schema=schema,
            columns=[],
            loc=loc,
            path=path,
            key=key,
            comment=spec.comment,
            renamed_from=spec.renamed_from,
        )
        columns: dict[str, tuple[ColumnSpec, Path_]] = {
            col: (col_spec, (*path, "columns", col)) for col, col_spec in spec.columns.items()
        }
        mixin_columns: dict[str, tuple[ColumnSpec, Path_]] = {}
        checks = {key: (expr, (*path, "checks", key)) for key, expr in spec.checks.items()}
        indexes: list[tuple[IndexSpec, Path_]] = [
            (ix, (*path, "indexes", i)) for i, ix in enumerate(spec.indexes)
        ]
        for i, mixin_name in enumerate(spec.mixins):
            mixin = self.spec.mixins.get(mixin_name)
            if mixin is None:
                self.report(
                    rules.UNKNOWN_MIXIN(
                        self.loc(*path, "mixins", i),
                        name=mixin_name,
                        known=", ".join(sorted(self.spec.mixins)) or "(none defined)",
                    )
                )
                continue
            for col, col_spec in mixin.columns.items():
                if col not in columns:
                    mixin_columns.setdefault(col, (col_spec, ("mixins", mixin_name, "columns", col)))
            for key, expr in mixin.checks.items():
                checks.setdefault(key, (expr, ("mixins", mixin_name, "checks", key)))
            indexes += [(ix, ("mixins", mixin_name, "indexes", j)) for j, ix in enumerate(mixin.indexes)]
        all_columns = {**columns, **mixin_columns} if mixin_columns else columns
        pk_flagged: list[str] = []
        for col, (col_spec, col_path) in all_columns.items():
            column = self.column(col, col_spec, col_path)
            if col_spec.serial and _numbered_by_serial(col_spec, column):
                pending.serials.append(len(pending.columns))
            pending.columns.append(column)
            col_loc = column.loc
            if col_spec.primary_key:
                pk_flagged.append(col)
            if col_spec.unique:
                pending.uniques.append(((col,), None, False, col_loc, None))
            if col_spec.check is not None:
                check_loc = self.raw.locate((*col_path, "check"))
                text = self.expression(col_spec.check, f"the check of `{col}`", check_loc)
                if text:
                    pending.checks.append((col, text, None, col_loc, check_loc))
            if col_spec.references is not None:
                ref = col_spec.references
                ref_table, ref_column = self.reference_key(ref.table, ref.column)
                pending.fks.append(
                    (
                        _FkDraft(
                            (col,),
                            ref_table,
                            (ref_column,) if ref_column else None,
                            ref.on_delete,
                            ref.on_update,
                            ref.deferrable,
                            None,
                            ref.valid,
                            ref.comment,
                        ),
                        self.raw.locate((*col_path, "references"), key=True) or col_loc,
                    )
                )
        if spec.primary_key and pk_flagged:
            self.report(
                rules.PRIMARY_KEY_TWICE(
                    self.loc(*path, "primary_key"),
                    table=name,
                    first=f"primary_key: true on {', '.join(pk_flagged)}",
                    second="primary_key: [...]",
                )
            )
        if spec.primary_key:
            pending.pk_columns = tuple(spec.primary_key.columns)
            pending.pk_loc = self.loc(*path, "primary_key")
            pending.pk_name = spec.primary_key.name
            pending.pk_deferrable = deferral(spec.primary_key.deferrable)
            pending.pk_comment = spec.primary_key.comment
            if pending.pk_name:
                self.check_name(pending.pk_name, "a constraint", pending.pk_loc)
        elif pk_flagged:
            pending.pk_columns = tuple(pk_flagged)
            pending.pk_loc = self.raw.locate(all_columns[pk_flagged[0]][1], key=True)
        for i, unique in enumerate(spec.unique):
            if unique.name:
                self.check_name(unique.name, "a constraint", self.loc(*path, "unique", i))
            pending.uniques.append(
                (
                    tuple(unique.columns),
                    unique.name,
                    unique.nulls_not_distinct,
                    self.loc(*path, "unique", i),
                    deferral(unique.deferrable),
                )
            )
            if unique.comment is not None:
                pending.unique_comments[tuple(unique.columns)] = unique.comment
        if spec.exclude:
            pending.exclusions = build_exclusions(
                name,
                spec.exclude,
                all_columns,
                lambda *at: self.loc(*path, "exclude", *at),
                self.report,
            )
        for key, (check, check_path) in checks.items():
            check_loc = self.raw.locate(check_path, key=True)
            self.check_name(key, "a check", check_loc)
            if check.name:
                self.check_name(check.name, "a constraint", self.raw.locate((*check_path, "name")))
            where = self.raw.locate((*check_path, "expression"))
            text = self.expression(check.expression, f"check `{key}`", where)
            if text:
                pending.checks.append((key, text, check.name, check_loc, where))
                if not check.valid or check.no_inherit:
                    pending.check_states[key] = (check.valid, check.no_inherit)
                if check.comment is not None:
                    pending.check_comments[key] = check.comment
        for i, fk in enumerate(spec.foreign_keys):
            if fk.name:
                self.check_name(fk.name, "a constraint", self.loc(*path, "foreign_keys", i))
            ref_table = fk.references.table
            ref_columns = tuple(fk.references.columns) if fk.references.columns else None
            if ref_table not in self.spec.entities and ref_columns and len(ref_columns) == 1:
                ref_table, ref_column = self.reference_key(ref_table, ref_columns[0])
                ref_columns = (ref_column,) if ref_column else None
            pending.fks.append(
                (
                    _FkDraft(
                        tuple(fk.columns),
                        ref_table,
                        ref_columns,
                        fk.on_delete,
                        fk.on_update,
                        fk.deferrable,
                        fk.name,
                        fk.valid,
                        fk.comment,
                        fk.match == "full",
                    ),
                    self.loc(*path, "foreign_keys", i),
                )
            )
        pending.indexes = indexes
        if spec.partition is not None:
            pending.partition = self.partition(spec.partition, name, pending.columns, (*path, "partition"))
        if spec.archive is not None:
            pending.archive = self.archive(spec, name, pending.columns, (*path, "archive"))
        if spec.storage:
            pending.storage = self.storage(spec.storage, (*path, "storage"), pending.columns)
        pending.unlogged = spec.unlogged
        pending.access = access_rules.table_access(self, name, spec, path)
        if spec.distribute is not None:
            pending.distribute = (spec.distribute, (*path, "distribute"))
        if pending.partition is not None:
            self.check_kept_window(spec, pending, (*path, "partition"))
        return pending

    def check_kept_window(self, spec: EntitySpec, pending: _Pending, path: Path_) -> None:
        """What a window kept over time needs of its table: `archive:` for `expire: archive`, and no
        second level or distribution, which maintenance does not make."""
        scheme = pending.partition
        window = scheme.window if scheme is not None else None
        if scheme is None or window is None or (not window.kept and window.expire is None):
            return
        body = (*path, "range")
        if window.expire == "archive" and spec.archive is None:
            self.report(
                rules.WINDOW_POLICY(
                    self.raw.locate((*body, "expire")),
                    problem="`expire: archive` moves expired rows into the archive table, and the entity "
                    "has no `archive:`",
                    fix="add `archive: {after: …, column: …}` to the entity, or expire with `detach` or "
                    "`drop`",
                )
            )
        if not window.kept:
            return
        if any(child.sub is not None for child in scheme.children):
            self.report(
                rules.WINDOW_POLICY(
                    self.raw.locate((*path, "then"), key=True),
                    problem="maintenance makes plain partitions: a window kept with `premake` or `retain` "
                    "cannot be partitioned again with `then:`",
                    fix="drop `then:`, or keep the window with a fixed `to:` and migrations",
                )
            )
        if spec.distribute is not None:
            self.report(
                rules.WINDOW_POLICY(
                    self.raw.locate(body, key=True),
                    problem="a distributed table's partitions are made by Citus "
                    "(`create_time_partitions`), not by schemagen's maintenance",
                    fix="drop `premake` and `retain`, and keep the window with a fixed `to:`",
                )
            )

    def junction(self, index: int, spec: RelationshipSpec, pending: list[_Pending]) -> _Pending | None:
        path: Path_ = ("relationships", index)
        loc = self.loc(*path)
        by_name = {p.key: p for p in pending}
        if spec.through in by_name:
            self.report(
                rules.RELATIONSHIP(
                    loc,
                    problem=f"`through: {spec.through}` is already an entity",
                    fix="name a new junction table, or model it as an entity",
                )
            )
            return None
        self.check_name(spec.through, "a table", self.loc(*path, "through"))
        sides = []
        for side in spec.many_to_many:
            target = by_name.get(side)
            if target is None:
                self.report(
                    rules.UNKNOWN_TABLE(
                        self.loc(*path, "many_to_many"),
                        what="many_to_many side",
                        name=side,
                        suggestion=did_you_mean(side, list(by_name)),
                    )
                )
                return None
            if not target.pk_columns:
                self.report(
                    rules.RELATIONSHIP(
                        loc, problem=f"`{side}` has no primary key", fix=f"give `{side}` a primary key"
                    )
                )
                return None
            sides.append(target)
        prefixes = [_singular(side.name) for side in sides]
        if prefixes[0] == prefixes[1]:
            self.report(
                rules.RELATIONSHIP(
                    loc,
                    problem="both sides are the same table",
                    fix="model a self-referencing many-to-many as an entity",
                )
            )
            return None
        junction = _Pending(
            name=spec.through,
            schema=self.project.schema,
            columns=[],
            loc=loc,
            path=path,
            comment=spec.comment,
        )
        key: list[str] = []
        for entity, prefix in zip(sides, prefixes, strict=True):
            names = []
            for pk in entity.pk_columns or ():
                source = next((c for c in entity.columns if c.name == pk), None)
                col_name = f"{prefix}_{pk}"
                names.append(col_name)
                junction.columns.append(
                    Column(name=col_name, type=source.type if source else "bigint", loc=loc)
                )
            key += names
            junction.fks.append(
                (
                    _FkDraft(tuple(names), entity.name, entity.pk_columns, spec.on_delete, None, False, None),
                    loc,
                )
            )
        junction.pk_columns = tuple(key)
        junction.pk_loc = loc
        for col, col_spec in spec.columns.items():
            column = self.column(col, col_spec, (*path, "columns", col))
            if _numbered_by_serial(col_spec, column):
                junction.serials.append(len(junction.columns))
            junction.columns.append(column)
        # the primary key serves lookups from the first side; the reverse index serves the second
        second = [c.name for c in junction.columns[len(sides[0].pk_columns or ()) : len(key)]]
        junction.indexes.append((fast.make("IndexSpec", columns=list(second)), path))
        junction.indexes += [(ix, (*path, "indexes", i)) for i, ix in enumerate(spec.indexes)]
        return junction

    def archive(self, spec: EntitySpec, table: str, columns: list[Column], path: Path_) -> Archive | None:
        archive = spec.archive
        assert archive is not None
        column = next((c for c in columns if c.name == archive.column), None)
        loc = self.loc(*path)
        if column is None:
            self.report(
                rules.UNKNOWN_COLUMN(
                    self.loc(*path, "column"),
                    what="archive",
                    column=archive.column,
                    table=table,
                    suggestion=did_you_mean(archive.column, [c.name for c in columns]),
                )
            )
            return None
        if sqltypes.type_family(column.type) not in ("timestamp", "date"):
            self.report(
                rules.ARCHIVE(
                    self.loc(*path, "column"),
                    table=table,
                    problem=f"`{archive.column}` is {column.type}, not a date or timestamp",
                    fix="archive by a date or timestamp column",
                )
            )
            return None
        if not re.fullmatch(
            r"\s*\d+\s+(?:years?|mons?|months?|weeks?|days?|hours?|minutes?)\s*", archive.after
        ):
            self.report(
                rules.ARCHIVE(
                    self.loc(*path, "after"),
                    table=table,
                    problem=f"`after: {archive.after}` is not an interval",
                    fix="write e.g. `after: 365 days` or `after: 6 months`",
                )
            )
            return None
        archive_table = archive.table or self.namer.make("archive_table", table=table)
        function = archive.function or self.namer.make("archive_function", table=table)
        self.check_name(archive_table, "a table", loc)
        self.check_name(function, "a function", loc)
        return Archive(
            column=archive.column,
            after=" ".join(archive.after.split()),
            archive_table=archive_table,
            function=function,
        )

    def archive_table(self, source: Table, archive: Archive) -> Table:
        """The table an archive moves rows into, its key and index named by the project's templates."""
        name, schema = archive.archive_table, source.schema
        return archive_table(
            source,
            archive,
            primary_key=self.relation_name(schema, self.namer.make("primary_key", table=name)),
            index=self.relation_name(schema, self.namer.make("index", table=name, columns=[archive.column])),
        )

    # --- partitions ------------------------------------------------------------------------------

    def partition(
        self, spec: PartitionSpec, table: str, columns: list[Column], path: Path_, prefix: str | None = None
    ) -> PartitionScheme | None:
        prefix = prefix or table
        kind: PartitionKind = "range" if spec.range else "list" if spec.list else "hash"
        body = spec.range or spec.list or spec.hash
        assert body is not None
        body_path = (*path, kind)
        loc = self.raw.locate(body_path, key=True)
        keys = self.partition_keys(body.key, table, columns, body_path)
        children: list[PartitionChild] = []
        window = None
        modulus = None
        has_default = False
        suffixes: list[str] = []

        own_schemas: dict[str, str] = {}  # child → the schema `names:` pins for it
        pinned = spec.names
        template_name = self.namer.partition_namer(prefix)

        def child_name(suffix: str) -> str:
            suffixes.append(suffix)
            name = self.child_name(prefix, suffix, pinned, (*path, "names", suffix))
            if suffix in pinned:
                schema, rest = self.pinned_schema(name)
                if schema is not None:
                    own_schemas[rest] = schema
                    return rest
            return name

        # most schemes pin no name: the template's names (and no suffixes kept, which only `names:` needs)
        name_of = child_name if pinned else template_name

        if spec.range is not None:
            key_type = _key_type(keys, columns)
            if spec.range.bounds is not None:
                for name, (low, high) in spec.range.bounds.items():
                    self.check_suffix(name, self.raw.locate((*body_path, "bounds", name), key=True))
                    bound = PartitionBound(
                        range_from=bound_value(low, key_type), range_to=bound_value(high, key_type)
                    )
                    children.append(PartitionChild(name_of(name), bound))
            else:
                assert spec.range.every and spec.range.from_
                start = as_date(spec.range.from_)
                until = spec.range.to
                if until is None:  # `premake` set: where the periods made on the day of `from` end
                    until = lifecycle.open_end(spec.range.every, start, spec.range.premake or 0)
                end = as_date(until)
                problem = window_problem(spec.range.every, spec.range.from_, until)
                if key_type is not None and sqltypes.type_family(key_type) not in ("timestamp", "date"):
                    self.report(
                        rules.PARTITION_KEY_TYPE(
                            self.raw.locate((*body_path, "key"), key=True) or loc,
                            key=keys[0].column or "key",
                            type=key_type,
                            problem="time windows need a date or timestamp key",
                            fix="partition this key with explicit `bounds:`, or by list or hash",
                        )
                    )
                elif problem:
                    self.report(rules.RANGE_WINDOW(loc, problem=problem[0], fix=problem[1]))
                else:
                    window = RangeWindow(
                        every=spec.range.every,
                        start=start,
                        end=end,
                        default=spec.range.default,
                        **self.window_policy(spec.range, prefix, body_path, top=prefix == table),
                    )
                    children += [
                        PartitionChild(name_of(suffix), bound)
                        for suffix, bound in self.window_children(window, key_type)
                    ]
            has_default = spec.range.default
        elif spec.list is not None:
            for name, values in spec.list.values.items():
                self.check_suffix(name, self.raw.locate((*body_path, "values", name), key=True))
                children.append(PartitionChild(name_of(name), PartitionBound(values=tuple(values))))
            has_default = spec.list.default
        elif spec.hash is not None:
            modulus = spec.hash.modulus
            if modulus > MAX_HASH_PARTITIONS:
                self.report(rules.HASH_MODULUS(loc, value=modulus))
            children += [
                PartitionChild(name_of(suffix), bound) for suffix, bound in self.hash_children(modulus)
            ]
        if has_default:
            children.append(PartitionChild(name_of("default"), PartitionBound(is_default=True)))
        self.check_pinned_names(spec.names, suffixes, table, path)
        if own_schemas:
            children = [
                replace(c, schema=own_schemas[c.name]) if c.name in own_schemas else c for c in children
            ]
        if spec.then is not None:
            children = [
                replace(
                    child, sub=self.partition(spec.then, table, columns, (*path, "then"), prefix=child.name)
                )
                for child in children
            ]
        return PartitionScheme(
            kind=kind,
            key=tuple(keys),
            children=tuple(children),
            window=window,
            modulus=modulus,
            has_default=has_default,
            loc=loc,
            key_loc=self.raw.locate((*body_path, "key")),
        )

    def window_children(
        self, window: RangeWindow, key_type: str | None
    ) -> tuple[tuple[str, PartitionBound], ...]:
        """(suffix, bound) of each child of a time window: the same for every table of the same window
        and key type, so made once and shared (a bound is a value; ~40 per windowed table)."""
        key = (window.every, window.start, window.end, key_type)
        found = self.bounds_of_window.get(key)
        if found is None:
            found = self.bounds_of_window[key] = tuple(
                (
                    suffix,
                    PartitionBound(
                        range_from=bound_value(low, key_type), range_to=bound_value(high, key_type)
                    ),
                )
                for suffix, low, high in window_bounds(window)
            )
        return found

    def hash_children(self, modulus: int) -> tuple[tuple[str, PartitionBound], ...]:
        """(suffix, bound) of each child of a hash scheme of `modulus` (at most MAX_HASH_PARTITIONS),
        made once per modulus and shared."""
        found = self.bounds_of_modulus.get(modulus)
        if found is None:
            found = self.bounds_of_modulus[modulus] = tuple(
                (f"p{remainder}", PartitionBound(modulus=modulus, remainder=remainder))
                for remainder in range(max(0, min(modulus, MAX_HASH_PARTITIONS)))
            )
        return found

    def window_policy(self, spec: RangeSpec, prefix: str, path: Path_, *, top: bool) -> dict[str, Any]:
        """The fields of a RangeWindow that keep it over time (`premake`, `retain`, `expire`), checked."""
        if spec.premake is None and spec.retain is None and spec.expire is None:
            return {}
        if not top:
            self.report(
                rules.WINDOW_POLICY(
                    self.raw.locate(path, key=True),
                    problem="`premake`, `retain` and `expire` keep a first-level window only",
                    fix="keep the window at the first level, and partition its periods again with `then:`",
                )
            )
            return {}
        retain = None
        if spec.retain is not None:
            retain = lifecycle.canonical_retain(spec.retain)
            if retain is None:
                self.report(
                    rules.WINDOW_POLICY(
                        self.raw.locate((*path, "retain")),
                        problem=f"`retain: {spec.retain}` is not a number of days, weeks, months or years",
                        fix="write e.g. `retain: 13 months` or `retain: 90 days`",
                    )
                )
        kept = spec.premake is not None or retain is not None
        template = self.namer.templates.get("partition", "{table}_{suffix}")
        return {
            "premake": spec.premake,
            "retain": retain,
            "expire": spec.expire or ("detach" if retain is not None else None),
            "child_name": template.replace("{table}", prefix) if kept else None,
            "open_end": spec.to is None,
        }

    def partition_keys(
        self, key: str | list[str], table: str, columns: list[Column], path: Path_
    ) -> list[PartitionKey]:
        texts = [key] if isinstance(key, str) else key
        keys = []
        names = [c.name for c in columns]
        for i, text in enumerate(texts):
            key_path = (*path, "key") if isinstance(key, str) else (*path, "key", i)
            key_loc = self.raw.locate(key_path)
            if text.strip() in names or IDENTIFIER.match(text.strip()):
                if text.strip() not in names:
                    self.report(
                        rules.PARTITION_KEY_COLUMN(
                            key_loc, key=text, table=table, suggestion=did_you_mean(text, names)
                        )
                    )
                keys.append(PartitionKey(column=text.strip()))
            else:
                parsed = self.expression(text, "the partition key", key_loc)
                if parsed:
                    keys.append(PartitionKey(expression=parsed))
        return keys

    def child_name(self, prefix: str, suffix: str, pinned: dict[str, str], path: Path_) -> str:
        """The naming template's name for a partition, or the one `names:` pins for its suffix."""
        template = pinned.get(suffix)
        if template is None:
            return self.namer.make("partition", table=prefix, suffix=suffix)
        if naming.template_problem("partition", template):
            return self.namer.make("partition", table=prefix, suffix=suffix)  # reported once, below
        name = template.format(table=prefix, suffix=suffix)
        self.check_name(name, "a partition", self.raw.locate(path))
        return name

    @cached_property
    def known_schemas(self) -> frozenset[str]:
        """The schemas the spec knows: the project's, public, the declared ones, those entities name."""
        project = self.spec.project
        known = {self.project.schema, "public"}
        known |= {e if isinstance(e, str) else e.name for e in (project.schemas if project else [])}
        known |= {e.schema_ for e in self.spec.entities.values() if e.schema_}
        return frozenset(known)

    def pinned_schema(self, name: str) -> tuple[str | None, str]:
        """A pinned partition name `schema.child` whose `schema` is one the spec knows (the project's,
        a declared one, an entity's): that schema and the child's name; else (None, name)."""
        if "." not in name:  # (nearly every name)
            return None, name
        for i, char in enumerate(name):
            if char == "." and name[:i] in self.known_schemas and name[i + 1 :]:
                return name[:i], name[i + 1 :]
        return None, name

    def entity_place(self, key: str) -> tuple[str, str]:
        """Where the entity `key` lives: (schema, table name). A key `schema.name` whose schema the
        spec knows, on an entity without a `schema:` of its own, is the table `name` of that schema
        (how a spec holds tables of the same name in two schemas)."""
        spec = self.spec.entities.get(key)
        if spec is not None and spec.schema_:
            return spec.schema_, key
        schema, name = self.pinned_schema(key)
        return (schema, name) if schema is not None else (self.project.schema, key)

    def reference_key(self, table: str, column: str | None) -> tuple[str, str | None]:
        """A reference's table key and column, re-read at the dots when the table is an entity whose
        key holds one (`references: audit.accounts` or `audit.accounts.id`, which read as table
        `audit`, column `accounts…`)."""
        entities = self.spec.entities
        if table in entities and (column is None or "." not in column):
            return table, column
        full = f"{table}.{column}" if column else table
        for key in sorted(entities, key=len, reverse=True):
            if full == key:
                return key, None
            if full.startswith(f"{key}.") and "." not in full[len(key) + 1 :]:
                return key, full[len(key) + 1 :]
        return table, column

    def check_pinned_names(
        self, pinned: dict[str, str], suffixes: list[str], table: str, path: Path_
    ) -> None:
        """Every key of `names:` is a partition of this level; every value a name or a template."""
        if path in self.pinned_checked:
            return  # a `then:` level is built once per parent partition; judge its names once
        self.pinned_checked.add(path)
        for key, template in pinned.items():
            loc = self.raw.locate((*path, "names", key), key=True)
            if key not in suffixes:
                self.report(
                    rules.PARTITION_NAMES(
                        loc,
                        key=key,
                        table=table,
                        suggestion=did_you_mean(key, suffixes),
                        known=", ".join(suffixes[:6]) + (", …" if len(suffixes) > 6 else ""),
                    )
                )
            problem = naming.template_problem("partition", template)
            if problem:
                self.report(
                    rules.NAMING_TEMPLATE(
                        self.raw.locate((*path, "names", key)),
                        template=template,
                        problem=problem,
                        placeholders="{table}, {suffix}",
                    )
                )

    # --- second pass -----------------------------------------------------------------------------

    def reserve_explicit_names(self, pending: list[_Pending]) -> None:
        """Tables, partitions and explicitly named indexes take their names before generated ones."""
        for p in sorted(pending, key=lambda p: (p.name, p.schema)):
            taken = self.taken.setdefault(p.schema, set())
            taken.add(p.name)
            if p.archive:
                taken.add(p.archive.archive_table)
            if p.partition is not None:
                taken.update(map(_name_of, all_children(p.partition)))
            for spec, _ in p.indexes:
                if spec.name:
                    taken.add(spec.name)
            entity = self.spec.entities.get(p.key) if p.path[0] == "entities" else None
            for own in (entity.partition.objects if entity and entity.partition else {}).values():
                taken.update(ix.name for ix in own.indexes if ix.name)
            for _, name, _, _, _ in p.uniques:
                if name:
                    taken.add(name)
            if p.pk_name:
                taken.add(p.pk_name)
        for name, view in self.spec.views.items():
            self.taken.setdefault(view.schema_ or self.project.schema, set()).add(name)
        for key, schema in self.sequence_schemas.items():
            self.taken.setdefault(schema, set()).add(self.sequence_names[key])

    def finish(self, p: _Pending, by_name: dict[str, _Pending]) -> Table:
        primary_key = None
        if p.pk_columns:
            primary_key = PrimaryKey(
                p.pk_name or self.relation_name(p.schema, self.namer.make("primary_key", table=p.name)),
                p.pk_columns,
                p.pk_loc,
                p.pk_deferrable,
                p.pk_comment,
            )
        uniques = []
        for columns, name, nulls_not_distinct, loc, deferrable in p.uniques:
            name = name or self.relation_name(
                p.schema, self.namer.make("unique", table=p.name, columns=columns)
            )
            uniques.append(
                UniqueConstraint(
                    name, columns, nulls_not_distinct, loc, deferrable, p.unique_comments.get(columns)
                )
            )
        table_names: set[str] = set()
        checks = []
        for key, text, pinned, loc, expression_loc in sorted(p.checks, key=lambda c: c[0]):
            name = pinned or naming.unique_name(self.namer.make("check", table=p.name, name=key), table_names)
            valid, no_inherit = p.check_states.get(key, (True, False))
            if p.partition is not None and (no_inherit or not valid):
                self.report(
                    rules.CONSTRAINT_STATE(
                        loc,
                        constraint=f"check `{key}`",
                        table=p.name,
                        problem="is NO INHERIT" if no_inherit else "is NOT VALID (`valid: false`)",
                        fix="drop it: PostgreSQL refuses it on a partitioned table",
                    )
                )
                valid, no_inherit = True, False
            checks.append(
                CheckConstraint(
                    name, text, loc, expression_loc, not valid, no_inherit, p.check_comments.get(key)
                )
            )
        fks = []
        for draft, loc in p.fks:
            target = by_name.get(draft.table)
            ref_columns = draft.ref_columns
            if ref_columns is None:
                ref_columns = (target.pk_columns or ()) if target else ()
            name = draft.name or naming.unique_name(
                self.namer.make("foreign_key", table=p.name, columns="_".join(draft.columns)), table_names
            )
            fks.append(
                ForeignKey(  # by position, in the order of its fields
                    name,
                    draft.columns,
                    target.schema if target else p.schema,  # ref_schema
                    target.name if target else draft.table,  # ref_table
                    tuple(ref_columns),
                    draft.on_delete,
                    draft.on_update,
                    draft.deferrable is not False,  # deferrable
                    loc,
                    draft.deferrable == "initially_immediate",  # initially_immediate
                    not draft.valid and p.partition is None,  # not_valid
                    draft.comment,
                    draft.match_full,
                )
            )
            if not draft.valid and p.partition is not None:
                self.report(
                    rules.CONSTRAINT_STATE(
                        loc,
                        constraint=f"foreign key `{name}`",
                        table=p.name,
                        problem="is NOT VALID (`valid: false`)",
                        fix="drop `valid: false`: PostgreSQL refuses it on a partitioned table",
                    )
                )
        names = [c.name for c in p.columns]  # once for all its indexes
        indexes = [self.index(spec, path, p, names) for spec, path in p.indexes]
        # by position, in the order of Table's fields
        table = Table(
            p.name,
            p.schema,
            tuple(p.columns),
            primary_key,
            tuple(sorted(uniques, key=_name_of)) if uniques else (),
            tuple(checks),
            tuple(sorted(fks, key=_name_of)),  # foreign_keys
            tuple(sorted([ix for ix in indexes if ix], key=_name_of)),  # indexes
            p.partition,
            p.archive,
            p.archive_of,
            p.comment,
            p.renamed_from,
            p.storage,
            p.distribution,
            p.unlogged,
            p.access if not p.access.is_default else None,  # access
            (),  # partition_objects: below
            p.loc,
            self.raw.locate((*p.path, "schema")) if p.path[0] == "entities" else None,  # schema_loc
            tuple(p.exclusions),
            p.key if p.key != p.name else None,  # spec_key
        )
        if p.partition is not None:
            objects = self.partition_objects(p, by_name, table)
            if objects:  # (most partitioned tables have none: the table as made)
                table = replace(table, partition_objects=objects)
        return access_rules.check_replica_index(self, table, p.path)

    def partition_objects(
        self, p: _Pending, by_name: dict[str, _Pending], parent: Table
    ) -> tuple[PartitionObjects, ...]:
        """The indexes, foreign keys and checks single leaf partitions have of their own, keyed by the
        partition's name or what follows `{table}_` in it; named as PostgreSQL names them on the
        partition."""
        entity = self.spec.entities.get(p.key) if p.path[0] == "entities" else None
        objects = entity.partition.objects if entity and entity.partition else {}
        level, path_ = entity.partition.then if entity and entity.partition else None, (*p.path, "partition")
        while level is not None:
            path_ = (*path_, "then")
            if level.objects:
                self.report(
                    rules.PARTITION_OBJECTS(
                        self.raw.locate((*path_, "objects"), key=True),
                        table=p.name,
                        problem="`objects` below the first level",
                        fix="write `objects:` at the first level, keyed by the leaf partition's name",
                    )
                )
            level = level.then
        if not objects or p.partition is None:
            return ()
        leaves = [c.name for c in all_children(p.partition) if c.sub is None]
        found: list[PartitionObjects] = []
        for key, spec in objects.items():
            path: Path_ = (*p.path, "partition", "objects", key)
            name = key if key in leaves else f"{p.name}_{key}"
            if name not in leaves:
                self.report(
                    rules.PARTITION_OBJECTS(
                        self.raw.locate(path, key=True),
                        table=p.name,
                        problem=f"`{key}` is not one of its leaf partitions{did_you_mean(name, leaves)}",
                        fix="name a leaf partition the spec declares, or what follows the table's name in it",
                    )
                )
                continue
            part = replace(p, name=name, indexes=[])
            # the clones of the parent's indexes are there first: an own index is not named as one
            self.taken.setdefault(p.schema, set()).update(partition_objects.clone_names(parent, name))
            indexes = [self.index(ix, (*path, "indexes", i), part) for i, ix in enumerate(spec.indexes)]
            fks = []
            names: set[str] = set()
            for i, fk in enumerate(spec.foreign_keys):
                loc = self.loc(*path, "foreign_keys", i)
                if fk.name:
                    self.check_name(fk.name, "a constraint", loc)
                ref_key, written = fk.references.table, fk.references.columns
                if ref_key not in by_name and written and len(written) == 1:
                    ref_key, column = self.reference_key(ref_key, written[0])
                    written = [column] if column else None
                target = by_name.get(ref_key)
                if target is None:
                    self.report(
                        rules.UNKNOWN_TABLE(
                            loc,
                            what="the foreign key's target",
                            name=ref_key,
                            suggestion=did_you_mean(ref_key, list(by_name)),
                        )
                    )
                    continue
                ref_columns = tuple(written or target.pk_columns or ())
                fk_name = fk.name or naming.unique_name(
                    self.namer.make("foreign_key", table=name, columns=tuple(fk.columns)), names
                )
                fks.append(
                    ForeignKey(
                        name=fk_name,
                        columns=tuple(fk.columns),
                        ref_schema=target.schema,
                        ref_table=target.name,
                        ref_columns=ref_columns,
                        on_delete=fk.on_delete,
                        on_update=fk.on_update,
                        deferrable=fk.deferrable is not False,
                        initially_immediate=fk.deferrable == "initially_immediate",
                        loc=loc,
                        match_full=fk.match == "full",
                    )
                )
            checks = []
            for key, check in spec.checks.items():
                check_path = (*path, "checks", key)
                check_loc = self.raw.locate(check_path, key=True)
                self.check_name(key, "a check", check_loc)
                if check.name:
                    self.check_name(check.name, "a constraint", self.raw.locate((*check_path, "name")))
                where = self.raw.locate((*check_path, "expression"))
                text = self.expression(check.expression, f"check `{key}` of partition `{name}`", where)
                if text:
                    check_name = check.name or naming.unique_name(
                        self.namer.make("check", table=name, name=key), names
                    )
                    checks.append(
                        CheckConstraint(
                            check_name,
                            text,
                            check_loc,
                            where,
                            not check.valid,
                            check.no_inherit,
                            check.comment,
                        )
                    )
            found.append(
                PartitionObjects(
                    partition=name,
                    indexes=tuple(sorted((ix for ix in indexes if ix), key=lambda i: i.name)),
                    foreign_keys=tuple(sorted(fks, key=lambda f: f.name)),
                    checks=tuple(sorted(checks, key=lambda c: c.name)),
                    loc=self.raw.locate(path, key=True),
                )
            )
        return tuple(sorted(found, key=lambda o: o.partition))

    def distribution(
        self, p: _Pending, by_name: dict[str, _Pending], seen: tuple[str, ...]
    ) -> Distribution | None:
        """The distribution of `p` on a Citus cluster, its colocation group resolved to the group's root and
        its shard count to the root's (else the project's default, else Citus's 32)."""
        if p.distribute is None:
            return None
        spec, path = p.distribute
        loc = self.raw.locate(path, key=True)
        if isinstance(spec, str):
            return Distribution("reference", loc=loc)
        column = next((c for c in p.columns if c.name == spec.by), None)
        if column is None:
            self.report(
                rules.UNKNOWN_COLUMN(
                    self.raw.locate((*path, "by")),
                    what="the distribution",
                    column=spec.by,
                    table=p.name,
                    suggestion=did_you_mean(spec.by, [c.name for c in p.columns]),
                )
            )
            return None
        default = self.project.shard_count or CITUS_SHARD_COUNT
        if spec.colocate_with is None:
            return Distribution("hash", spec.by, None, spec.shard_count or default, loc)
        where = self.raw.locate((*path, "colocate_with"))
        root = by_name.get(spec.colocate_with)
        named = sorted(q.key for q in by_name.values() if q.name == spec.colocate_with)
        if root is None and len(named) > 1:  # a bare name several schemas' tables have
            self.report(
                rules.AMBIGUOUS_TABLE(
                    where,
                    what="`colocate_with`",
                    name=spec.colocate_with,
                    tables=", ".join(f"`{k}`" for k in named),
                    keys=" or ".join(f"`colocate_with: {k}`" for k in named),
                )
            )
            return None
        if root is None:
            self.report(
                rules.UNKNOWN_TABLE(
                    where,
                    what="`colocate_with`",
                    name=spec.colocate_with,
                    suggestion=did_you_mean(spec.colocate_with, list(by_name)),
                )
            )
            return None
        if root.key in (*seen, p.key):
            problem, fix = (
                "the colocations form a cycle",
                "colocate every table of a group with the same root",
            )
            self.report(rules.COLOCATION(where, table=p.name, other=root.name, problem=problem, fix=fix))
            return None
        group = self.distribution(root, by_name, (*seen, p.key))
        problem = fix = ""
        if root.distribute is None or isinstance(root.distribute[0], str):
            kind = "not distributed" if root.distribute is None else "a reference table"
            problem = f"`{root.name}` is {kind}: only hash-distributed tables are colocated"
            fix = f"distribute `{root.name}` by a column, or drop `colocate_with`"
        if group is None or problem:
            if problem:
                self.report(rules.COLOCATION(where, table=p.name, other=root.name, problem=problem, fix=fix))
            return None
        root_column = next(c for c in root.columns if c.name == group.column)
        if root_column.type != column.type:
            problem = (
                f"their distribution columns differ in type: `{p.name}.{column.name}` is {column.type}, "
                f"`{root.name}.{root_column.name}` is {root_column.type}"
            )
            fix = f"make `{column.name}` a {root_column.type}"
        elif spec.shard_count is not None and spec.shard_count != group.shard_count:
            problem = f"`{root.name}` has {group.shard_count} shards, `{p.name}` asks for {spec.shard_count}"
            fix = "leave `shard_count` to the group's root"
        if problem:
            self.report(rules.COLOCATION(where, table=p.name, other=root.name, problem=problem, fix=fix))
            return None
        # the group's root: the root's own root, or the root itself
        root_place = group.colocation_root(root.schema) or (root.schema, root.name)
        return Distribution(
            "hash",
            spec.by,
            root_place[1],
            group.shard_count,
            loc,
            root_place[0] if root_place[0] != p.schema else None,
        )

    def storage(
        self, values: Mapping[str, bool | int | float | str], path: Path_, columns: list[Column]
    ) -> tuple[StorageParameter, ...]:
        """The storage parameters of an entity, each checked against PostgreSQL's own list."""
        found = []
        for name, value in sorted(values.items()):
            types = (c.type for c in columns)
            if name.startswith("toast.") and not sqltypes.has_toast_table(types, self.enum_names):
                self.report(
                    rules.STORAGE_PARAMETER(
                        self.raw.locate((*path, name), key=True),
                        name=name,
                        problem="no column of the table is stored out of line (text, jsonb, bytea, "
                        "arrays…), so it has no TOAST table and PostgreSQL ignores the parameter",
                        fix="leave `toast.` parameters out of this table",
                    )
                )
                continue
            loc = self.raw.locate((*path, name), key=True)
            if name not in storage.PARAMETERS:
                self.report(
                    rules.STORAGE_PARAMETER(
                        loc,
                        name=name,
                        problem="PostgreSQL has no such table storage parameter"
                        + did_you_mean(name, list(storage.PARAMETERS)),
                        fix="see `Storage Parameters` under CREATE TABLE in the PostgreSQL manual",
                    )
                )
                continue
            try:
                text = storage.spell(name, value)
            except storage.StorageValueError as error:
                self.report(
                    rules.STORAGE_PARAMETER(
                        self.raw.locate((*path, name)),
                        name=name,
                        problem=str(error),
                        fix=f"give `{name}` a value it takes",
                    )
                )
                continue
            found.append(StorageParameter(name, text))
        return tuple(found)

    def index(
        self, spec: IndexSpec, path: Path_, p: _Pending, column_names: list[str] | None = None
    ) -> Index | None:
        """`column_names`: those of `p`'s columns, when the caller has them already."""
        locate = self.raw.locate
        loc = locate(path, key=True)
        # located only when written: the checks read them only then
        where_loc = locate((*path, "where")) if spec.where is not None else None
        expression_loc = locate((*path, "expression")) if spec.expression is not None else None
        elements: list[IndexElement] = []
        label: list[str] = []
        if spec.expression is not None:
            text = self.expression(spec.expression, "the index expression", expression_loc)
            if text is None:
                return None
            elements.append(IndexElement(expression=text))
            label.append(expressions.expression_label(text))
        element_locs: list[Location | None] = []
        for i, entry in enumerate(spec.columns or ()):
            element_locs.append(locate((*path, "columns", i)))
            if not isinstance(entry, str):  # an IndexKeySpec
                keyed = self.index_key(entry, (*path, "columns", i), p)
                if keyed is None:
                    return None
                elements.append(keyed)
                label.append(keyed.column or expressions.expression_label(keyed.expression or ""))
                continue
            if column_names is None:
                column_names = [c.name for c in p.columns]
            if entry in column_names:
                element = self.column_elements.get(entry)
                if element is None:
                    element = self.column_elements[entry] = IndexElement(column=entry)
            else:
                # what the entry reads as depends on the entry alone: read once per spec
                element = self.read_elements.get(entry, _UNREAD)
                if element is _UNREAD:
                    element = self.read_elements[entry] = _index_element(entry, column_names)
            if element is None:
                self.report(
                    rules.INVALID_VALUE(
                        loc,
                        where=f"index of `{p.name}`",
                        problem=f"`{entry}` is not `column [opclass] [ASC|DESC] [NULLS FIRST|LAST]`",
                        fix="write `expression:` for anything but a column",
                    )
                )
                return None
            elements.append(element)
            label.append(element.column or "expr")
        where = None
        if spec.where is not None:
            where = self.expression(spec.where, "the index predicate", where_loc)
            if where is None:
                return None
        if spec.name:
            self.check_name(spec.name, "an index", loc)
        # (the columns joined here, as `make` would join them)
        name = spec.name or self.relation_name(
            p.schema, self.namer.make("index", table=p.name, columns="_".join(label))
        )
        # by position, in the order of Index's fields (3,000 indexes in a spec of 1,000 tables)
        return Index(
            name,
            p.name,  # table
            tuple(elements),
            spec.unique,
            spec.using,
            where,
            tuple(spec.include),
            spec.nulls_not_distinct,
            loc,
            where_loc,
            expression_loc,
            locate((*path, "using")) if spec.using != "btree" else None,  # using_loc
            locate((*path, "include")) if spec.include else None,  # include_loc
            tuple(element_locs),
            self.index_storage(spec, path, name) if spec.storage else (),
            spec.comment,
        )

    def index_key(self, spec: IndexKeySpec, path: Path_, p: _Pending) -> IndexElement | None:
        """A key of `columns:` written as a mapping: `{expression: lower(po), opclass: text_pattern_ops,
        order: desc, nulls: last, collation: C}`."""
        loc = self.raw.locate(path)
        expression = None
        if spec.expression is not None:
            expression = self.expression(
                spec.expression, "the index key", self.raw.locate((*path, "expression")) or loc
            )
            if expression is None:
                return None
        elif spec.column is not None and not IDENTIFIER.match(spec.column):
            self.report(
                rules.INVALID_NAME(
                    self.raw.locate((*path, "column")) or loc, name=spec.column, what="a column"
                )
            )
            return None
        if spec.opclass is not None and not IDENTIFIER.match(spec.opclass):
            self.report(
                rules.INVALID_NAME(
                    self.raw.locate((*path, "opclass")) or loc, name=spec.opclass, what="an operator class"
                )
            )
            return None
        collation = None
        if spec.collation is not None:
            if not COLLATION_NAME.match(spec.collation):
                self.report(
                    rules.INVALID_NAME(
                        self.raw.locate((*path, "collation")) or loc, name=spec.collation, what="a collation"
                    )
                )
                return None
            collation = BUILTIN_COLLATIONS.get(spec.collation.lower(), spec.collation)
            column = next((c for c in p.columns if c.name == spec.column), None)
            if column is not None and column.collation == collation:
                collation = None  # the column's own: PostgreSQL keeps no COLLATE of the key's
        return IndexElement(
            column=spec.column,
            expression=expression,
            opclass=spec.opclass,
            descending=spec.order == "desc",
            nulls=spec.nulls,
            collation=collation,
        )

    def index_storage(self, spec: IndexSpec, path: Path_, name: str) -> tuple[StorageParameter, ...]:
        """An index's storage parameters, each checked against those of its access method."""
        found = []
        for key, value in spec.storage.items():
            loc = self.raw.locate((*path, "storage", key))
            known = index_storage.PARAMETERS.get(spec.using, {})
            try:
                found.append(StorageParameter(key, index_storage.spell(spec.using, key, value)))
            except KeyError:
                names = ", ".join(known) or "none"
                self.report(
                    rules.INDEX_STORAGE(
                        loc,
                        index=name,
                        problem=f"a {spec.using} index has no storage parameter `{key}` (it has: {names})",
                        fix="drop it, or name one of those",
                    )
                )
            except index_storage.StorageValueError as error:
                self.report(
                    rules.INDEX_STORAGE(
                        loc, index=name, problem=f"`{key}` {error}", fix=f"give `{key}` a value it takes"
                    )
                )
        return tuple(sorted(found))

    # --- views -----------------------------------------------------------------------------------

    def function(self, key: str, spec: FunctionSpec, functions: list[Function] | None = None) -> Function:
        """The function, procedure or aggregate under `functions:` `key`: its name, or `name(types)` for
        one of several of the same name (overloads), whose `arguments:` it gives when they are left out."""
        path: Path_ = ("functions", key)
        loc = self.loc(*path)
        overload = OVERLOAD_KEY.fullmatch(key)
        name = overload["name"] if overload else key
        # `schema.name` (a schema the spec knows, no `schema:`): the function `name` of that schema
        qualifier, name = (None, name) if spec.schema_ else self.pinned_schema(name)
        schema = spec.schema_ or qualifier or self.project.schema
        spec_key = f"{qualifier}.{name}" if qualifier else None
        self.check_name(name, "a function", loc)
        names = self.type_names | frozenset(self.spec.entities)
        arguments = routines.Signature("", "")
        written = spec.arguments
        if overload and not written:
            written = routines.split_top_level(overload["types"]) if overload["types"].strip() else []
        try:
            arguments = routines.signature(written, names)
            if overload and spec.arguments:
                typed = routines.split_top_level(overload["types"]) if overload["types"].strip() else []
                keyed = builtins.identity_types(routines.signature(typed, names).identity)
                if keyed != builtins.identity_types(arguments.identity):
                    self.report(
                        rules.OVERLOAD(
                            loc,
                            function=key,
                            problem=f"its key says ({keyed}) but its arguments are "
                            f"({builtins.identity_types(arguments.identity)})",
                            fix=f"name it `{name}({builtins.identity_types(arguments.identity)})`, or drop "
                            "`arguments:`",
                        )
                    )
        except routines.SignatureError as error:
            self.report(
                rules.FUNCTION(
                    self.loc(*path, "arguments") or loc,
                    function=name,
                    problem=f"an argument's type: {error}",
                    fix="write each argument as `name type`, with a type PostgreSQL or the spec has",
                )
            )
        returns = None
        if spec.returns is not None:
            try:
                returns = routines.result(spec.returns, names)
            except routines.SignatureError as error:
                self.report(
                    rules.FUNCTION(
                        self.loc(*path, "returns") or loc,
                        function=name,
                        problem=f"its result: {error}",
                        fix="return a type PostgreSQL or the spec has, `SETOF type`, `TABLE(…)` or `trigger`",
                    )
                )
                returns = spec.returns.strip()
        if spec.procedure and (spec.volatility != "volatile" or spec.strict):
            self.report(
                rules.FUNCTION(
                    self.loc(*path, "volatility" if spec.volatility != "volatile" else "strict") or loc,
                    function=name,
                    problem="a procedure has no volatility and is never strict",
                    fix="drop `volatility:` and `strict:`, or make it a function with `returns:`",
                )
            )
        if spec.aggregate is not None:
            aggregate = self.aggregate(key, name, spec, spec.aggregate, arguments, functions or [])
            return replace(aggregate, schema=schema, spec_key=spec_key)
        assert spec.language is not None and spec.body is not None  # FunctionSpec says so
        body = routines.canonical_body(spec.body, spec.language)
        body_loc = self.loc(*path, "body", key=False) or loc
        problem = routines.body_problem(spec.language, body)
        if problem:
            self.report(
                rules.FUNCTION(
                    body_loc, function=name, problem=problem, fix="write the body in the function's language"
                )
            )
        return Function(
            name=name,
            schema=schema,
            spec_key=spec_key,
            arguments=arguments.arguments,
            identity=arguments.identity,
            returns=returns,
            language=spec.language,
            body=body,
            volatility=spec.volatility,
            security=spec.security,
            strict=spec.strict,
            comment=spec.comment,
            access=routine_access(self, "procedure" if spec.procedure else "function", key, spec, path),
            loc=loc,
            body_loc=body_loc,
        )

    def aggregate(
        self,
        key: str,
        name: str,
        spec: FunctionSpec,
        aggregate: AggregateSpec,
        arguments: routines.Signature,
        functions: list[Function],
    ) -> Function:
        """An aggregate: its state type, and the functions it folds with — the spec's own, or ones
        PostgreSQL or a listed extension ships — each taking as many arguments as it is given."""
        path: Path_ = ("functions", key, "aggregate")
        loc = self.loc("functions", key)
        names = self.type_names | frozenset(self.spec.entities)

        def problem(key: str, text: str, fix: str) -> None:
            self.report(rules.AGGREGATE(self.loc(*path, key) or loc, aggregate=name, problem=text, fix=fix))

        state_type = aggregate.state_type.strip()
        try:
            state_type = sqltypes.canonical_type(state_type, names)
        except sqltypes.UnknownTypeError as error:
            problem("state_type", f"its state type: {error}", "name a type PostgreSQL or the spec has")
        count = len(routines.split_top_level(arguments.identity)) if arguments.identity else 0
        known = builtins.catalog(self.project.postgres, self.project.extensions).functions

        def resolve(key: str, function: str | None, takes: int) -> tuple[str | None, str | None]:
            """(schema, result) of the function `key` names; schema None for a built-in one."""
            if function is None:
                return None, None
            # the spec's function of that name taking that many arguments (of its overloads), else any
            mine = [f for f in functions if f.name == function and f.aggregate is None and f.returns]
            arities = {f: len(routines.split_top_level(f.identity)) if f.identity else 0 for f in mine}
            own = next((f for f in mine if arities[f] == takes), mine[0] if mine else None)
            if own is not None:
                if arities[own] != takes:
                    problem(
                        key, f"`{function}` takes {arities[own]} arguments, not {takes}", f"give it {takes}"
                    )
                return own.schema, own.returns
            forms = [f for f in known.get(function, ()) if f.kind == "f" and f.takes(takes)]
            if forms:
                return None, forms[0].result
            hint = did_you_mean(function, [f.name for f in functions if f.aggregate is None])
            problem(
                key,
                f"`{function}` is not a function of the spec or PostgreSQL taking {takes} arguments{hint}",
                "declare it under `functions:`",
            )
            return None, None

        state_schema, _ = resolve("state_function", aggregate.state_function, count + 1)
        final_schema, final_result = resolve("final_function", aggregate.final_function, 1)
        combine_schema, _ = resolve("combine_function", aggregate.combine_function, 2)
        if spec.volatility != "volatile" or spec.strict or spec.security != "invoker":
            problem(
                "state_function",
                "an aggregate has no volatility, strictness or security of its own",
                "drop `volatility:`, `strict:` and `security:`: its functions have them",
            )
        return Function(
            name=name,
            schema=spec.schema_ or self.project.schema,
            arguments=arguments.arguments,
            identity=arguments.identity,
            returns=final_result if aggregate.final_function is not None and final_result else state_type,
            language="",
            body="",
            comment=spec.comment,
            aggregate=AggregateDef(
                state_function=aggregate.state_function,
                state_function_schema=state_schema,
                state_type=state_type,
                final_function=aggregate.final_function,
                final_function_schema=final_schema,
                initial_value=aggregate.initial_value,
                combine_function=aggregate.combine_function,
                combine_function_schema=combine_schema,
                parallel=aggregate.parallel,
            ),
            access=routine_access(self, "aggregate", key, spec, ("functions", key)),
            loc=loc,
        )

    def builtin_trigger_function(self, name: str) -> builtins.Function | None:
        """The function PostgreSQL or a listed extension ships under `name` that a trigger may call (one
        taking no arguments, preferably returning `trigger`), or None."""
        forms = builtins.catalog(self.project.postgres, self.project.extensions).functions.get(name, ())
        bare = [f for f in forms if not f.args and f.kind == "f"]
        return next((f for f in bare if f.result == "trigger"), bare[0] if bare else None)

    def trigger(self, table: Table, name: str, spec: TriggerSpec, functions: list[Function]) -> Trigger:
        path: Path_ = ("entities", table.name, "triggers", name)
        loc = self.loc(*path)
        self.check_name(name, "a trigger", loc)

        def problem(key: str, text: str, fix: str) -> None:
            self.report(
                rules.TRIGGER(
                    self.loc(*path, key) or loc, trigger=name, table=table.name, problem=text, fix=fix
                )
            )

        # of overloads, the one without arguments
        by_name = {f.key: f for f in sorted(functions, key=lambda f: f.identity == "")}
        function = by_name.get(spec.function)
        builtin = None if function else self.builtin_trigger_function(spec.function)
        if function is None and builtin is None:
            known = [f.name for f in functions]
            shipped_by = builtins.catalog(self.project.postgres, self.project.extensions).elsewhere.functions
            extension = shipped_by.get(spec.function)
            problem(
                "function",
                f"`{spec.function}` is not a function of the spec{did_you_mean(spec.function, known)}"
                + (f" (extension {extension} has one)" if extension else ""),
                f"list `{extension}` under `project: extensions:`"
                if extension
                else "declare it under `functions:`",
            )
        elif builtin is not None and builtin.result != "trigger":
            problem(
                "function",
                f"`{spec.function}` is PostgreSQL's, and does not return `trigger`",
                "call a trigger function: one of `functions:`, or one such as tsvector_update_trigger",
            )
        elif function is not None and (function.returns != "trigger" or function.identity):
            problem(
                "function",
                f"`{spec.function}` must take no arguments and return `trigger`",
                f"write `returns: trigger` in function `{spec.function}`",
            )
        events: set[str] = set()
        update_columns: list[str] = []
        for i, event in enumerate(spec.events):
            words = event.lower().split(None, 2)
            if words[:2] == ["update", "of"] and len(words) == 3:
                events.add("update")
                for column in (c.strip() for c in words[2].split(",")):
                    if table.column(column) is None:
                        self.report(
                            rules.TRIGGER(
                                self.loc(*path, "events", i, key=False) or loc,
                                trigger=name,
                                table=table.name,
                                problem=f"`update of` names `{column}`, which is not a column of the table",
                                fix="name columns of the table",
                            )
                        )
                    elif column not in update_columns:
                        update_columns.append(column)
            elif len(words) == 1 and words[0] in TRIGGER_EVENTS:
                events.add(words[0])
            else:
                self.report(
                    rules.TRIGGER(
                        self.loc(*path, "events", i, key=False) or loc,
                        trigger=name,
                        table=table.name,
                        problem=f"`{event}` is not an event",
                        fix="write insert, update, `update of column, …`, delete or truncate",
                    )
                )
        if spec.for_each == "row" and "truncate" in events:
            problem("events", "a row-level trigger cannot be on truncate", "use `for_each: statement`")
        if spec.timing == "instead of":
            problem("timing", "`instead of` triggers are on views, not tables", "use before or after")
        when = None
        if spec.when is not None:
            when = self.expression(spec.when, f"the `when` of trigger `{name}`", self.loc(*path, "when"))
            if spec.for_each == "statement":
                problem("when", "a statement-level trigger cannot have `when`", "use `for_each: row`")
        arguments = tuple(spec.arguments)
        if builtin is not None and builtin.result == "trigger":

            def column_type(column: str) -> str | None:
                found = table.column(column)
                return found.type if found else None

            for found in trigger_functions.check_builtin_trigger(
                spec.function,
                arguments,
                timing=spec.timing,
                for_each=spec.for_each,
                events=frozenset(events),
                column_type=column_type,
            ):
                self.report(
                    rules.TRIGGER_FUNCTION_USE(
                        self.loc(*path, found.key) or loc,
                        trigger=name,
                        table=table.name,
                        problem=found.text,
                        fix=found.fix,
                    )
                )
        return Trigger(
            name=name,
            table=table.name,
            schema=table.schema,
            function=function.name if function else spec.function,
            function_schema=function.schema if function else None if builtin else self.project.schema,
            arguments=arguments,
            timing=spec.timing,
            events=tuple(e for e in TRIGGER_EVENTS if e in events),
            update_columns=tuple(update_columns),
            for_each=spec.for_each,
            when=when,
            comment=spec.comment,
            loc=loc,
        )

    def view(self, key: str, spec: ViewSpec) -> View:
        """A view; keyed `schema.name` (a schema the spec knows, no `schema:`), the view `name` of that
        schema, as for entities."""
        path: Path_ = ("views", key)
        loc = self.loc(*path)
        qualifier, name = (None, key) if spec.schema_ else self.pinned_schema(key)
        schema = spec.schema_ or qualifier or self.project.schema
        self.check_name(name, "a view", loc)
        query_text = spec.query.strip().rstrip(";").strip()
        query_at = self.raw.text_at((*path, "query"), spec.query)
        if query_at is not None:
            query_at = query_at.skipped(spec.query[: len(spec.query) - len(spec.query.lstrip())])
        depends: tuple[str, ...] = ()
        try:
            query = expressions.parse_query(query_text)
            depends = tuple(sorted(expressions.relations(query)))
        except expressions.ExpressionError as error:
            self.report(
                rules.EXPRESSION_SYNTAX(
                    self.raw.locate((*path, "query")) or loc,
                    what=f"the query of `{name}`",
                    problem=error.message,
                )
            )
        indexes: tuple[Index, ...] = ()
        if spec.unique:
            columns = spec.unique.columns
            index_name = spec.unique.name or self.relation_name(
                schema, self.namer.make("index", table=name, columns=columns)
            )
            if spec.unique.name:
                self.check_name(spec.unique.name, "an index", self.loc(*path, "unique", "name"))
            indexes = (
                Index(
                    name=index_name,
                    table=name,
                    elements=tuple(IndexElement(column=c) for c in columns),
                    unique=True,
                    loc=self.loc(*path, "unique"),
                ),
            )
        if spec.indexes:
            # built as an entity's, on the view's output columns (a plain view's are SG504)
            pending = _Pending(name=name, schema=schema, columns=[], loc=loc, path=path, key=key)
            built = [self.index(ix, (*path, "indexes", i), pending) for i, ix in enumerate(spec.indexes)]
            indexes += tuple(ix for ix in built if ix is not None)
        refresh_function = None
        if spec.refresh and spec.materialized:
            refresh_function = spec.refresh_function or self.namer.make("refresh_function", view=name)
            if spec.refresh_function:
                self.check_name(spec.refresh_function, "a function", self.loc(*path, "refresh_function"))
        elif spec.refresh_function:
            self.report(
                rules.VIEW_OPTION(
                    self.loc(*path, "refresh_function"),
                    view=name,
                    problem="`refresh_function` names the function `refresh` creates, and there is none",
                    fix="add `materialized: true` and `refresh: concurrently` (or `blocking`), or drop it",
                )
            )
        for option in ("security_barrier", "security_invoker", "check_option"):
            if spec.materialized and getattr(spec, option) not in (False, None):
                self.report(
                    rules.VIEW_OPTION(
                        self.loc(*path, option),
                        view=name,
                        problem=f"`{option}` is an option of a plain view, not of a materialized one",
                        fix=f"drop `{option}`, or `materialized: true`",
                    )
                )
        if not spec.populated and not spec.materialized:
            self.report(
                rules.VIEW_OPTION(
                    self.loc(*path, "populated"),
                    view=name,
                    problem="`populated: false` needs `materialized: true` (a plain view holds no data)",
                    fix="add `materialized: true`, or drop `populated`",
                )
            )
        return View(
            name=name,
            schema=schema,
            spec_key=key if key != name else None,
            query=query_text,
            materialized=spec.materialized,
            unpopulated=spec.materialized and not spec.populated,
            security_barrier=spec.security_barrier and not spec.materialized,
            security_invoker=spec.security_invoker and not spec.materialized,
            check_option=None if spec.materialized else spec.check_option,
            depends_on=depends,
            indexes=indexes,
            refresh=spec.refresh,
            refresh_function=refresh_function,
            comment=spec.comment,
            column_comments=tuple(sorted(spec.column_comments.items())),
            renamed_from=spec.renamed_from,
            access=object_access(
                self,
                "materialized view" if spec.materialized else "view",
                name,
                spec.owner,
                spec.grants,
                path,
            ),
            loc=loc,
            query_at=query_at,
            schema_loc=self.loc(*path, "schema", key=False) if spec.schema_ else None,
            query_loc=self.loc(*path, "query", key=False),
        )


def build(spec: Spec, raw: RawSpec) -> tuple[Model, list[Diagnostic]]:
    """The Model of `spec`, and the problems that kept parts of it from being built."""
    builder = Builder(spec, raw)
    model = builder.build()
    return model, builder.diagnostics


# --- pure helpers ----------------------------------------------------------------------------------


def _default_project_name(root: Path) -> str:
    """A project without `name:` is named after the folder that holds its spec folder (the
    repository), or after the spec folder itself when that is all there is."""
    folder = root.resolve()
    folder = folder if folder.is_dir() else folder.parent
    return folder.parent.name if folder.name == "spec" and folder.parent.name else folder.name


def _default_naming() -> dict[str, str]:
    naming: dict[str, str] = fast.make("NamingSpec").model_dump()
    return naming


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("ses", "xes", "zes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _index_element(entry: str, columns: list[str]) -> IndexElement | None:
    """`column [opclass] [ASC|DESC] [NULLS FIRST|LAST]`; a column whose name is not a plain identifier
    is written as it is (the whole entry) or double-quoted as in SQL (`"Full Name" DESC`)."""
    if entry in columns:
        return IndexElement(column=entry)
    quoted = identifiers.split_quoted(entry)
    if quoted is not None:
        column, tail = quoted
        words = [column, *tail.split()]
    else:
        words = entry.split()
        if not words or not IDENTIFIER.match(words[0]):
            return None
        column = words[0]
    rest = [w.lower() for w in words[1:]]
    opclass = None
    descending = False
    nulls: Literal["first", "last"] | None = None
    i = 0
    if i < len(rest) and rest[i] not in _ORDER_WORDS and rest[i] != "nulls":
        if not IDENTIFIER.match(words[1 + i]):
            return None
        opclass = words[1 + i]
        i += 1
    if i < len(rest) and rest[i] in _ORDER_WORDS:
        descending = rest[i] == "desc"
        i += 1
    if i + 1 < len(rest) and rest[i] == "nulls" and rest[i + 1] in ("first", "last"):
        nulls = "first" if rest[i + 1] == "first" else "last"
        i += 2
    if i != len(rest):
        return None
    return IndexElement(column=column, opclass=opclass, descending=descending, nulls=nulls)


def _numbered_by_serial(spec: ColumnSpec, column: Column) -> bool:
    """`serial: true` with nothing in its way (what is, `column` reported)."""
    return (
        spec.serial
        and spec.default is None
        and not spec.identity
        and not spec.generated
        and sqltypes.is_integer(column.type)
        and not column.type.endswith("[]")
    )


def _key_type(keys: list[PartitionKey], columns: list[Column]) -> str | None:
    if len(keys) != 1 or keys[0].column is None:
        return None
    column = next((c for c in columns if c.name == keys[0].column), None)
    return column.type if column else None

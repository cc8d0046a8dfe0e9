"""Spec → Model: apply mixins, expand short forms, relationships, partitions and archives, name everything.

Problems that keep a part of the Model from being built (an unknown mixin, a type or expression that
does not parse, a partition window that cannot be expanded) are reported here, at their YAML line;
everything that can be judged on the finished Model is left to `checks`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load.loader import Path_, RawSpec
from schemagen.model import (
    CITUS_SHARD_COUNT,
    Archive,
    CheckConstraint,
    Column,
    Default,
    DistributedSchema,
    Distribution,
    Enum,
    ForeignKey,
    Index,
    IndexElement,
    Location,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionKind,
    PartitionScheme,
    PrimaryKey,
    Project,
    RangeWindow,
    ReferentialAction,
    StorageParameter,
    Table,
    UniqueConstraint,
    View,
    all_children,
    naming,
)
from schemagen.model.archive import archive_table
from schemagen.model.partitions import (
    as_date,
    bound_value,
    window_bounds,
    window_problem,
)
from schemagen.parse.spec import (
    ColumnSpec,
    DistributeSpec,
    EntitySpec,
    IndexSpec,
    PartitionSpec,
    RelationshipSpec,
    Spec,
    ViewSpec,
)
from schemagen.postgres import expressions, extensions, sqltypes, storage

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# what follows `{table}_` in a partition's name: `2026_01` as the window partitions have it
SUFFIX = re.compile(r"^[A-Za-z0-9_]+$")
EXTENSION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # e.g. uuid-ossp
COLLATION_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]*$")  # e.g. C, en_US.utf8, und-x-icu
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


@dataclass
class _Pending:
    """An entity on its way to a Table: what the first pass knows, before references resolve."""

    name: str
    schema: str
    columns: list[Column]
    loc: Location | None
    path: Path_
    pk_columns: tuple[str, ...] | None = None
    pk_loc: Location | None = None
    pk_name: str | None = None
    uniques: list[tuple[tuple[str, ...], str | None, bool, Location | None]] = field(default_factory=list)
    # key, expression, pinned name, where
    checks: list[tuple[str, str, str | None, Location | None]] = field(default_factory=list)
    fks: list[tuple[_FkDraft, Location | None]] = field(default_factory=list)
    indexes: list[tuple[IndexSpec, Path_]] = field(default_factory=list)
    partition: PartitionScheme | None = None
    archive: Archive | None = None
    archive_of: str | None = None
    comment: str | None = None
    renamed_from: str | None = None
    storage: tuple[StorageParameter, ...] = ()
    distribute: tuple[DistributeSpec | str, Path_] | None = None
    distribution: Distribution | None = None


@dataclass(frozen=True)
class _FkDraft:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...] | None
    on_delete: ReferentialAction | None
    on_update: ReferentialAction | None
    deferrable: bool
    name: str | None


class Builder:
    """One build of one spec; collects diagnostics as it goes."""

    def __init__(self, spec: Spec, raw: RawSpec) -> None:
        self.spec = spec
        self.raw = raw
        self.diagnostics: list[Diagnostic] = []
        project = spec.project
        self.project = Project(
            name=(project.name if project else None) or _default_project_name(raw.root),
            postgres=project.postgres if project else 15,
            schema=project.schema_ if project else "public",
            extensions=tuple(sorted(set(project.extensions))) if project else (),
            allow_destructive=tuple(project.allow_destructive) if project else (),
            shard_count=project.citus.shard_count if project and project.citus else None,
            distribute_concurrently=bool(project and project.citus and project.citus.distribute_concurrently),
        )
        self.check_allow_destructive()
        self.project = replace(self.project, distributed_schemas=self.distributed_schemas())
        self.naming_templates = project.naming.model_dump() if project else _default_naming()
        self.namer = naming.Namer(self.naming_templates)
        self.enum_names = frozenset(spec.enums)
        self.enum_schemas = {name: enum.schema_ or self.project.schema for name, enum in spec.enums.items()}
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

    # --- helpers ---------------------------------------------------------------------------------

    def loc(self, *path: str | int, key: bool = True) -> Location | None:
        return self.raw.locate(tuple(path), key=key)

    def report(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def check_name(self, name: str, what: str, loc: Location | None) -> None:
        if not IDENTIFIER.match(name):
            self.report(rules.INVALID_NAME(loc, name=name, what=what))
        elif len(name.encode()) > naming.MAX_IDENTIFIER_BYTES:
            self.report(rules.NAME_TOO_LONG(loc, name=name, length=len(name.encode())))

    def check_suffix(self, suffix: str, loc: Location | None) -> None:
        """A partition's key under `bounds:` or `values:`, which names it `{table}_{key}`."""
        if not SUFFIX.match(suffix):
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
            known = extensions.known_extensions()
            for i, name in enumerate(self.spec.project.extensions):
                loc = self.loc("project", "extensions", i)
                if not EXTENSION_NAME.match(name):
                    self.report(rules.INVALID_NAME(loc, name=name, what="an extension"))
                elif name not in known:
                    suggestion = did_you_mean(name, sorted(known))
                    self.report(rules.UNKNOWN_EXTENSION(loc, name=name, suggestion=suggestion))
        for section, items in (
            ("entities", self.spec.entities),
            ("enums", self.spec.enums),
            ("views", self.spec.views),
        ):
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
        pending = [self.entity(name, entity) for name, entity in self.spec.entities.items()]
        for index, relationship in enumerate(self.spec.relationships):
            junction = self.junction(index, relationship, pending)
            if junction:
                pending.append(junction)
        self.reserve_explicit_names(pending)
        by_name = {p.name: p for p in pending}
        for p in pending:
            p.distribution = self.distribution(p, by_name, ())
        tables = [self.finish(p, by_name) for p in sorted(pending, key=lambda p: p.name)]
        tables += [self.archive_table(table, table.archive) for table in tables if table.archive]
        tables.sort(key=lambda table: table.name)
        views = [self.view(name, view) for name, view in sorted(self.spec.views.items())]
        return Model(project=self.project, enums=tuple(enums), tables=tuple(tables), views=tuple(views))

    def build_enums(self) -> list[Enum]:
        enums = []
        for name, spec in sorted(self.spec.enums.items()):
            loc = self.loc("enums", name)
            self.check_name(name, "an enum", loc)
            seen: set[str] = set()
            for i, value in enumerate(spec.values):
                if value in seen:
                    self.report(
                        rules.DUPLICATE_COLUMN(
                            self.loc("enums", name, "values", i) or loc, column=value, what=f"enum `{name}`"
                        )
                    )
                seen.add(value)
            enums.append(
                Enum(
                    name=name,
                    schema=spec.schema_ or self.project.schema,
                    values=tuple(spec.values),
                    comment=spec.comment,
                    loc=loc,
                )
            )
        return enums

    def column(self, name: str, spec: ColumnSpec, path: Path_) -> Column:
        loc = self.raw.locate(path, key=True)
        self.check_name(name, "a column", loc)
        type_text = spec.type.strip()
        base = type_text.lower()
        if base in _SERIAL:
            self.report(rules.SERIAL_TYPE(loc, type=type_text, base=_SERIAL[base]))
            canonical = _SERIAL[base]
        else:
            try:
                canonical = sqltypes.canonical_type(type_text, self.enum_names)
            except sqltypes.UnknownTypeError as error:
                self.report(
                    rules.UNKNOWN_TYPE(
                        self.raw.locate((*path, "type")) or loc, type=type_text, problem=str(error)
                    )
                )
                canonical = type_text.lower()
        base, array = canonical.removesuffix("[]"), canonical.endswith("[]")
        if self.enum_schemas.get(base, "public") != "public":
            # an enum outside public is found by its qualified name, whatever the search_path
            canonical = f"{self.enum_schemas[base]}.{base}" + ("[]" if array else "")
        default = None
        if spec.default is not None:
            if isinstance(spec.default, dict) and set(spec.default) == {"sql"}:
                text = spec.default["sql"]
                where = self.raw.locate((*path, "default", "sql")) or loc
                if text is None or (isinstance(text, str) and not text.strip()):
                    self.report(
                        rules.INVALID_VALUE(
                            where,
                            where=f"the default of `{name}`",
                            problem="`sql:` holds no expression",
                            fix="write the expression (`default: {sql: now()}`), or leave the default out",
                        )
                    )
                    text = None
                elif not isinstance(text, str):
                    text = str(text)
                parsed = self.expression(text, f"the default of `{name}`", where) if text else None
                default = Default(expression=parsed) if parsed else None
            else:
                default = Default(value=spec.default)
        generated = None
        if spec.generated is not None:
            generated = self.expression(
                spec.generated,
                f"the generated expression of `{name}`",
                self.raw.locate((*path, "generated")) or loc,
            )
        return Column(
            name=name,
            type=canonical,
            nullable=spec.nullable,
            default=default,
            identity=spec.identity,
            generated=generated,
            collation=BUILTIN_COLLATIONS.get(spec.collation.lower(), spec.collation)
            if spec.collation
            else None,
            comment=spec.comment,
            renamed_from=spec.renamed_from,
            loc=loc,
        )

    def entity(self, name: str, spec: EntitySpec) -> _Pending:
        path: Path_ = ("entities", name)
        loc = self.loc(*path)
        self.check_name(name, "an entity", loc)
        schema = spec.schema_ or self.project.schema
        pending = _Pending(
            name=name,
            schema=schema,
            columns=[],
            loc=loc,
            path=path,
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
        all_columns = {**columns, **mixin_columns}
        pk_flagged: list[str] = []
        for col, (col_spec, col_path) in all_columns.items():
            column = self.column(col, col_spec, col_path)
            pending.columns.append(column)
            col_loc = column.loc
            if col_spec.primary_key:
                pk_flagged.append(col)
            if col_spec.unique:
                pending.uniques.append(((col,), None, False, col_loc))
            if col_spec.check is not None:
                text = self.expression(
                    col_spec.check, f"the check of `{col}`", self.raw.locate((*col_path, "check"))
                )
                if text:
                    pending.checks.append((col, text, None, col_loc))
            if col_spec.references is not None:
                ref = col_spec.references
                pending.fks.append(
                    (
                        _FkDraft(
                            (col,),
                            ref.table,
                            (ref.column,) if ref.column else None,
                            ref.on_delete,
                            ref.on_update,
                            ref.deferrable,
                            None,
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
            if pending.pk_name:
                self.check_name(pending.pk_name, "a constraint", pending.pk_loc)
        elif pk_flagged:
            pending.pk_columns = tuple(pk_flagged)
            pending.pk_loc = self.raw.locate(all_columns[pk_flagged[0]][1], key=True)
        for i, unique in enumerate(spec.unique):
            if unique.name:
                self.check_name(unique.name, "a constraint", self.loc(*path, "unique", i))
            pending.uniques.append(
                (tuple(unique.columns), unique.name, unique.nulls_not_distinct, self.loc(*path, "unique", i))
            )
        for key, (check, check_path) in checks.items():
            check_loc = self.raw.locate(check_path, key=True)
            self.check_name(key, "a check", check_loc)
            if check.name:
                self.check_name(check.name, "a constraint", self.raw.locate((*check_path, "name")))
            where = self.raw.locate((*check_path, "expression"))
            text = self.expression(check.expression, f"check `{key}`", where)
            if text:
                pending.checks.append((key, text, check.name, check_loc))
        for i, fk in enumerate(spec.foreign_keys):
            if fk.name:
                self.check_name(fk.name, "a constraint", self.loc(*path, "foreign_keys", i))
            ref_columns = tuple(fk.references.columns) if fk.references.columns else None
            pending.fks.append(
                (
                    _FkDraft(
                        tuple(fk.columns),
                        fk.references.table,
                        ref_columns,
                        fk.on_delete,
                        fk.on_update,
                        fk.deferrable,
                        fk.name,
                    ),
                    self.loc(*path, "foreign_keys", i),
                )
            )
        pending.indexes = indexes
        if spec.partition is not None:
            pending.partition = self.partition(spec.partition, name, pending.columns, (*path, "partition"))
        if spec.archive is not None:
            pending.archive = self.archive(spec, name, pending.columns, (*path, "archive"))
        pending.storage = self.storage(spec.storage, (*path, "storage"), pending.columns)
        if spec.distribute is not None:
            pending.distribute = (spec.distribute, (*path, "distribute"))
        return pending

    def junction(self, index: int, spec: RelationshipSpec, pending: list[_Pending]) -> _Pending | None:
        path: Path_ = ("relationships", index)
        loc = self.loc(*path)
        by_name = {p.name: p for p in pending}
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
            junction.columns.append(self.column(col, col_spec, (*path, "columns", col)))
        # the primary key serves lookups from the first side; the reverse index serves the second
        second = [c.name for c in junction.columns[len(sides[0].pk_columns or ()) : len(key)]]
        junction.indexes.append((IndexSpec(columns=second), path))
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

        def child_name(suffix: str) -> str:
            suffixes.append(suffix)
            return self.child_name(prefix, suffix, spec.names, (*path, "names", suffix))

        if spec.range is not None:
            key_type = _key_type(keys, columns)
            if spec.range.bounds is not None:
                for name, (low, high) in spec.range.bounds.items():
                    self.check_suffix(name, self.raw.locate((*body_path, "bounds", name), key=True))
                    bound = PartitionBound(
                        range_from=bound_value(low, key_type), range_to=bound_value(high, key_type)
                    )
                    children.append(PartitionChild(child_name(name), bound))
            else:
                assert spec.range.every and spec.range.from_ and spec.range.to
                start, end = as_date(spec.range.from_), as_date(spec.range.to)
                problem = window_problem(spec.range.every, spec.range.from_, spec.range.to)
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
                        every=spec.range.every, start=start, end=end, default=spec.range.default
                    )
                    for suffix, low, high in window_bounds(window):
                        bound = PartitionBound(
                            range_from=bound_value(low, key_type), range_to=bound_value(high, key_type)
                        )
                        children.append(PartitionChild(child_name(suffix), bound))
            has_default = spec.range.default
        elif spec.list is not None:
            for name, values in spec.list.values.items():
                self.check_suffix(name, self.raw.locate((*body_path, "values", name), key=True))
                children.append(PartitionChild(child_name(name), PartitionBound(values=tuple(values))))
            has_default = spec.list.default
        elif spec.hash is not None:
            modulus = spec.hash.modulus
            if modulus > MAX_HASH_PARTITIONS:
                self.report(rules.HASH_MODULUS(loc, value=modulus))
            for remainder in range(max(0, min(modulus, MAX_HASH_PARTITIONS))):
                bound = PartitionBound(modulus=modulus, remainder=remainder)
                children.append(PartitionChild(child_name(f"p{remainder}"), bound))
        if has_default:
            children.append(PartitionChild(child_name("default"), PartitionBound(is_default=True)))
        self.check_pinned_names(spec.names, suffixes, table, path)
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
        )

    def partition_keys(
        self, key: str | list[str], table: str, columns: list[Column], path: Path_
    ) -> list[PartitionKey]:
        texts = [key] if isinstance(key, str) else key
        keys = []
        names = [c.name for c in columns]
        for i, text in enumerate(texts):
            key_path = (*path, "key") if isinstance(key, str) else (*path, "key", i)
            key_loc = self.raw.locate(key_path)
            if IDENTIFIER.match(text.strip()):
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
        for p in sorted(pending, key=lambda p: p.name):
            taken = self.taken.setdefault(p.schema, set())
            taken.add(p.name)
            if p.archive:
                taken.add(p.archive.archive_table)
            for child in all_children(p.partition):
                taken.add(child.name)
            for spec, _ in p.indexes:
                if spec.name:
                    taken.add(spec.name)
            for _, name, _, _ in p.uniques:
                if name:
                    taken.add(name)
            if p.pk_name:
                taken.add(p.pk_name)
        for name, view in self.spec.views.items():
            self.taken.setdefault(view.schema_ or self.project.schema, set()).add(name)

    def finish(self, p: _Pending, by_name: dict[str, _Pending]) -> Table:
        primary_key = None
        if p.pk_columns:
            primary_key = PrimaryKey(
                p.pk_name or self.relation_name(p.schema, self.namer.make("primary_key", table=p.name)),
                p.pk_columns,
                p.pk_loc,
            )
        uniques = []
        for columns, name, nulls_not_distinct, loc in p.uniques:
            name = name or self.relation_name(
                p.schema, self.namer.make("unique", table=p.name, columns=columns)
            )
            uniques.append(UniqueConstraint(name, columns, nulls_not_distinct, loc))
        table_names: set[str] = set()
        checks = []
        for key, text, pinned, loc in sorted(p.checks, key=lambda c: c[0]):
            name = pinned or naming.unique_name(self.namer.make("check", table=p.name, name=key), table_names)
            checks.append(CheckConstraint(name, text, loc))
        fks = []
        for draft, loc in p.fks:
            target = by_name.get(draft.table)
            ref_columns = draft.ref_columns
            if ref_columns is None:
                ref_columns = (target.pk_columns or ()) if target else ()
            name = draft.name or naming.unique_name(
                self.namer.make("foreign_key", table=p.name, columns=draft.columns), table_names
            )
            fks.append(
                ForeignKey(
                    name=name,
                    columns=draft.columns,
                    ref_schema=target.schema if target else p.schema,
                    ref_table=draft.table,
                    ref_columns=tuple(ref_columns),
                    on_delete=draft.on_delete,
                    on_update=draft.on_update,
                    deferrable=draft.deferrable,
                    loc=loc,
                )
            )
        indexes = [self.index(spec, path, p) for spec, path in p.indexes]
        return Table(
            name=p.name,
            schema=p.schema,
            columns=tuple(p.columns),
            primary_key=primary_key,
            uniques=tuple(sorted(uniques, key=lambda u: u.name)),
            checks=tuple(checks),
            foreign_keys=tuple(sorted(fks, key=lambda f: f.name)),
            indexes=tuple(sorted((ix for ix in indexes if ix), key=lambda i: i.name)),
            partition=p.partition,
            archive=p.archive,
            archive_of=p.archive_of,
            comment=p.comment,
            renamed_from=p.renamed_from,
            storage=p.storage,
            distribution=p.distribution,
            loc=p.loc,
        )

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
        if root.name in (*seen, p.name):
            problem, fix = (
                "the colocations form a cycle",
                "colocate every table of a group with the same root",
            )
            self.report(rules.COLOCATION(where, table=p.name, other=root.name, problem=problem, fix=fix))
            return None
        group = self.distribution(root, by_name, (*seen, p.name))
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
        return Distribution("hash", spec.by, group.colocate_with or root.name, group.shard_count, loc)

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

    def index(self, spec: IndexSpec, path: Path_, p: _Pending) -> Index | None:
        loc = self.raw.locate(path, key=True)
        where_loc = self.raw.locate((*path, "where"))
        expression_loc = self.raw.locate((*path, "expression"))
        elements: list[IndexElement] = []
        label: list[str] = []
        if spec.expression is not None:
            text = self.expression(spec.expression, "the index expression", expression_loc)
            if text is None:
                return None
            elements.append(IndexElement(expression=text))
            label.append(expressions.expression_label(text))
        for entry in spec.columns or ():
            element = _index_element(entry)
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
        name = spec.name or self.relation_name(
            p.schema, self.namer.make("index", table=p.name, columns=label)
        )
        return Index(
            name=name,
            table=p.name,
            elements=tuple(elements),
            unique=spec.unique,
            using=spec.using,
            where=where,
            include=tuple(spec.include),
            nulls_not_distinct=spec.nulls_not_distinct,
            loc=loc,
            where_loc=where_loc,
            expression_loc=expression_loc,
        )

    # --- views -----------------------------------------------------------------------------------

    def view(self, name: str, spec: ViewSpec) -> View:
        path: Path_ = ("views", name)
        loc = self.loc(*path)
        self.check_name(name, "a view", loc)
        schema = spec.schema_ or self.project.schema
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
        return View(
            name=name,
            schema=schema,
            query=query_text,
            materialized=spec.materialized,
            depends_on=depends,
            indexes=indexes,
            refresh=spec.refresh,
            refresh_function=refresh_function,
            comment=spec.comment,
            renamed_from=spec.renamed_from,
            loc=loc,
            query_at=query_at,
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
    from schemagen.parse.spec import NamingSpec

    return NamingSpec().model_dump()


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("ses", "xes", "zes", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _index_element(entry: str) -> IndexElement | None:
    words = entry.split()
    if not words or not IDENTIFIER.match(words[0]):
        return None
    column, rest = words[0], [w.lower() for w in words[1:]]
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


def _key_type(keys: list[PartitionKey], columns: list[Column]) -> str | None:
    if len(keys) != 1 or keys[0].column is None:
        return None
    column = next((c for c in columns if c.name == keys[0].column), None)
    return column.type if column else None

"""Checks against PostgreSQL's built-in objects: what the server would refuse because a name does not
resolve, or resolves to something that cannot do what the spec asks.

Extensions, schemas, column types, collations, index access methods and operator classes, and every
expression (defaults, checks, generated columns, index expressions and predicates, partition keys)
resolved by `postgres.resolve` against the catalog of `project.postgres` (`postgres.builtins`).
Where the catalog cannot tell — an extension of the user's own, a project newer than the newest
catalog — nothing is reported: `validate --live` has the last word.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from schemagen.check.usertypes import check_types, collation_problems
from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.model import (
    Column,
    ForeignKey,
    Index,
    Location,
    Model,
    PartitionScheme,
    RangeType,
    Table,
    all_children,
    naming,
)
from schemagen.model.partition_objects import partition_tables
from schemagen.model.usertypes import multirange_name
from schemagen.postgres import builtins, literals, resolve
from schemagen.postgres.builtins import AccessMethod, Catalog, OpClass, type_key
from schemagen.postgres.expressions import ExpressionError, column_refs, parse_expression, parse_query

#: PostgreSQL's limit of columns per table (MaxHeapAttributeNumber).
MAX_COLUMNS = 1600
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "pg_toast", "information_schema"})


def _range_constructors(model: Model) -> list[tuple[str, str, str, str]]:
    """The functions PostgreSQL makes with each range type of the spec: `name(low, high)`,
    `name(low, high, bounds)`, and its multirange type's `multi()` and `multi(range)`."""
    found = []
    for t in model.types:
        if isinstance(t, RangeType):
            sub = t.subtype
            multi = t.name.replace("range", "multirange", 1) if "range" in t.name else f"{t.name}_multirange"
            found += [
                (t.name, f"{sub}, {sub}", t.name, "immutable"),
                (t.name, f"{sub}, {sub}, text", t.name, "immutable"),
                (multi, "", multi, "immutable"),
                (multi, t.name, multi, "immutable"),
            ]
    return found


def check(model: Model) -> Iterator[Diagnostic]:
    """Every finding of the catalog checks."""
    project = model.project
    catalog = builtins.with_functions(
        builtins.catalog(project.postgres, project.extensions),
        [(f.name, f.identity, f.returns or "void", f.volatility) for f in model.functions]
        + _range_constructors(model),
        [f.name for f in model.functions if f.aggregate is not None],
    )
    enums = model.enum_values_by_type
    yield from _extensions(model, catalog)
    yield from _schemas(model)
    yield from _view_calls(model, catalog)
    yield from check_types(model, catalog, _opclass, default_opclass)
    partitioned = {t.name: t for t in model.tables if t.partition is not None}
    # (schema, name) of the types a column may name qualified: the spec's enums, and in public the types
    # of the extensions it names (CREATE EXTENSION puts them there)
    qualified = {(e.schema, e.name) for e in model.enums}
    qualified |= {(t.schema, t.name) for t in model.types}
    qualified |= {(t.schema, multirange_name(t.name)) for t in model.types if isinstance(t, RangeType)}
    qualified |= {("public", name) for name, t in catalog.types.items() if t.extension is not None}
    qualified_types = frozenset(qualified)
    enums_key = tuple(sorted((k, tuple(v)) for k, v in enums.items()))
    shared = _Shared(
        names=frozenset(enums),
        key=enums_key,
        type_fine={},
        refs={},
        relations=_Relations(model),
        default_fine={},
        analyses=_analyses(catalog, enums_key),
        assignable={},
    )
    partition_counts: dict[str, int] = {}
    for table in model.tables:
        if table.archive_of is None:
            if model.domains:  # a column of a domain is checked as one of its base type
                columns = tuple(replace(c, type=model.base_type(c.type)) for c in table.columns)
                table = replace(table, columns=columns)
            yield from _table(table, catalog, enums, qualified_types, shared)
            if len(table.foreign_keys) > 1:  # one foreign key has no later one to clash with
                yield from _foreign_key_names(table, partitioned, partition_counts)


class _Shared(NamedTuple):
    """What every table's checks share: the spec's enums, and what was found once for all tables."""

    names: frozenset[str]
    key: tuple[tuple[str, tuple[str, ...]], ...]
    # column type → whether `_column_type` finds nothing to say of it (most columns share a few types)
    type_fine: dict[str, bool]
    # expression text → the names of the columns it reads, sorted (None: it does not parse)
    refs: dict[str, tuple[str, ...] | None]
    relations: _Relations
    # (access method, type) → whether the type has a default operator class for it (or it cannot be told)
    default_fine: dict[tuple[str, str], bool]
    # `_analysis`'s analyses for this catalog and these enums
    analyses: dict[tuple[object, ...], resolve.Analysis]
    # (an expression's type, a column's) → whether the one is stored into the other without a cast
    assignable: dict[tuple[str, str], bool]


class _Relations:
    """`_relations` of the model, worked out when an expression first holds a string literal (only a
    regclass literal reads them, and few specs write one)."""

    def __init__(self, model: Model) -> None:
        self._model: Model | None = model
        self._names: frozenset[str] | None = None

    def __call__(self) -> frozenset[str] | None:
        if self._model is not None:
            self._names, self._model = _relations(self._model), None
        return self._names


def _view_calls(model: Model, catalog: Catalog) -> Iterator[Diagnostic]:
    """Functions a view's query calls that do not exist, or not with as many arguments."""
    own = frozenset(
        [t.archive.function for t in model.tables if t.archive is not None]
        + [v.refresh_function for v in model.views if v.refresh_function]
    )
    for view in model.views:
        try:
            query = parse_query(view.query)
        except ExpressionError:
            continue
        what = f"the query of view `{view.name}`"
        for problem in resolve.call_problems(query.node, catalog, own):
            loc = view.query_loc or view.loc
            if problem.kind == "extension":
                yield rules.MISSING_EXTENSION(
                    loc, what=what, problem=problem.message, extension=problem.extension
                )
            else:
                yield rules.UNKNOWN_FUNCTION(
                    loc, what=what, problem=problem.message, version=catalog.requested
                )


def _foreign_key_names(
    table: Table, partitioned: Mapping[str, Table], partition_counts: dict[str, int]
) -> Iterator[Diagnostic]:
    """A foreign key to a partitioned table gets one more constraint on the referencing table per
    partition, which PostgreSQL names `{table}_{columns}_fkey`, `…1`, `…2` (the first names free at
    that moment): a foreign key created after it under one of those names fails ("already exists")."""
    existing = {c.name for c in table.checks} | {u.name for u in table.uniques}
    if table.primary_key is not None:
        existing.add(table.primary_key.name)
    internal: dict[str, ForeignKey] = {}  # a name PostgreSQL gives → the foreign key it is for
    for fk in sorted(table.foreign_keys, key=lambda f: f.name):  # the order schema.sql adds them in
        owner = internal.get(fk.name)
        if owner is not None:
            yield rules.DUPLICATE_OBJECT(
                fk.loc,
                kind="foreign key",
                name=fk.name,
                other_kind=f"a constraint PostgreSQL adds for foreign key `{owner.name}` (one per partition "
                f"of `{owner.ref_table}`)",
                other=str(owner.loc or "?"),
            )
        existing.add(fk.name)
        target = partitioned.get(fk.ref_table)
        if target is None or fk.ref_schema != target.schema:
            continue
        base = f"{table.name}_{'_'.join(fk.columns)}_fkey"
        if len(base.encode()) > naming.MAX_IDENTIFIER_BYTES - 6:
            continue  # PostgreSQL shortens such a name its own way
        count = partition_counts.get(fk.ref_table)
        if count is None:
            count = partition_counts[fk.ref_table] = sum(1 for _ in all_children(target.partition))
        suffix = 0
        while count:
            name = f"{base}{suffix or ''}"
            if name not in existing:
                existing.add(name)
                internal[name] = fk
                count -= 1
            suffix += 1


def _relations(model: Model) -> frozenset[str] | None:
    """The names of the relations the schema creates, which a regclass literal may name; None when
    one of them cannot be told."""
    names: set[str] = set()
    for table in model.tables:
        names.add(table.name)
        names.update(child.name for child in all_children(table.partition))
        names.update(index.name for index in table.indexes)
        names.update(u.name for u in table.uniques)
        if table.primary_key is not None:
            names.add(table.primary_key.name)
        for column in table.columns:
            if column.identity:
                names.add(naming.sequence_name(table.name, column.name))
    names.update(sequence.name for sequence in model.sequences)  # a serial column's among them
    for view in model.views:
        names.add(view.name)
        names.update(index.name for index in view.indexes)
    return frozenset(names)


# --- project ---------------------------------------------------------------------------------------


def _extensions(model: Model, catalog: Catalog) -> Iterator[Diagnostic]:
    project = model.project
    named = set(project.extensions)
    for name in project.extensions:
        loc = project.extension_locs.get(name)
        if name in project.custom_extensions:
            continue
        known = catalog.extensions.get(name)
        if known is None:
            if name in builtins.THIRD_PARTY_EXTENSIONS:
                continue
            offered = [*catalog.extensions, *builtins.THIRD_PARTY_EXTENSIONS]
            yield rules.UNKNOWN_EXTENSION(
                loc,
                name=name,
                problem=f"is not one PostgreSQL {catalog.version} comes with, nor one schemagen knows",
                suggestion=did_you_mean(name, offered),
            )
            continue
        for required in known.requires:
            if required not in named and not catalog.extensions.get(required, known).preinstalled:
                yield rules.MISSING_EXTENSION(
                    loc,
                    what=f"extension `{name}`",
                    problem=f"it requires `{required}`, which `project.extensions` does not list",
                    extension=required,
                )


def _schemas(model: Model) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    items: list[tuple[str, Location | None]] = [(model.project.schema, model.project.schema_loc)]
    items += [(t.schema, t.schema_loc) for t in model.tables if t.archive_of is None]
    items += [(e.schema, e.schema_loc) for e in model.enums]
    items += [(v.schema, v.schema_loc) for v in model.views]
    items += [(s.name, s.loc) for s in model.project.schemas]
    for schema, loc in items:
        if schema in seen:
            continue
        problem = None
        if schema in SYSTEM_SCHEMAS:
            problem = "it is one of PostgreSQL's system schemas"
        elif schema.lower().startswith("pg_"):
            problem = "the prefix `pg_` is reserved for system schemas"
        if problem is not None:
            seen.add(schema)
            yield rules.RESERVED_SCHEMA(loc or model.project.schema_loc, schema=schema, problem=problem)


# --- tables ----------------------------------------------------------------------------------------


def _table(
    table: Table,
    catalog: Catalog,
    enums: Mapping[str, Sequence[str]],
    qualified_types: frozenset[tuple[str, str]],
    shared: _Shared,
) -> Iterator[Diagnostic]:
    if len(table.columns) > MAX_COLUMNS:
        yield rules.TOO_MANY_COLUMNS(table.loc, table=table.name, count=len(table.columns))
    seen: dict[str, Column] = {}
    types: dict[str, str] = {}
    generated_names: list[str] = []
    for column in table.columns:
        name = column.name
        if name in seen:
            yield rules.DUPLICATE_COLUMN(column.loc, column=name, what=f"the columns of `{table.name}`")
        else:
            seen[name] = column
            types[name] = column.type
        if column.generated:
            generated_names.append(name)
    generated = frozenset(generated_names)
    enum_names = shared.names
    scope = _Scopes(catalog, types, enums, generated, shared)
    type_fine = shared.type_fine
    for column in seen.values():
        fine = type_fine.get(column.type)
        if fine is None:  # a column's type is judged once per type (most columns share a few)
            found = _column_type(column, type_key(column.type), catalog, qualified_types, enum_names)
            type_fine[column.type] = fine = next(found, None) is None
        if (
            fine
            and column.collation is None
            and column.generated is None
            and (column.default is None or column.default.expression is None)
        ):  # only its type to check, which is fine
            continue
        yield from _column(column, catalog, enums, scope, qualified_types, enum_names, type_fine=fine)
    for constraint in table.checks:
        loc = constraint.expression_loc or constraint.loc
        what = f"check `{constraint.name}`"
        yield from _expression(constraint.expression, scope, "check", what, loc)
    for index in table.indexes:
        yield from _index(index, table, catalog, scope, enum_names)
    for own in partition_tables(table):
        for index in own.indexes:
            yield from _index(index, own, catalog, scope, enum_names)
    keys = (
        [("the primary key", table.primary_key.columns, table.primary_key.loc)] if table.primary_key else []
    )
    keys += [(f"unique constraint `{u.name}`", u.columns, u.loc) for u in table.uniques]
    default_fine = shared.default_fine
    for what, columns, loc in keys:
        for name in columns:
            column_type = types.get(name)
            if column_type is None:
                continue
            key = type_key(column_type)
            if not default_fine.get(("btree", key)):
                yield from _opclass(
                    catalog,
                    "btree",
                    None,
                    key,
                    enum_names,
                    f"{what} (`{name}`)",
                    loc,
                    default_fine=default_fine,
                )
    if table.partition is not None:
        yield from _partitioning(table, table.partition, catalog, enums, scope)


def _column(
    column: Column,
    catalog: Catalog,
    enums: Mapping[str, Sequence[str]],
    scope: _Scopes,
    qualified_types: frozenset[tuple[str, str]] = frozenset(),
    enum_names: frozenset[str] | None = None,
    *,
    type_fine: bool = False,
) -> Iterator[Diagnostic]:
    """`type_fine`: `_column_type` is known to find nothing in the column's type."""
    if enum_names is None:
        enum_names = frozenset(enums)
    key = type_key(column.type)
    if not type_fine:
        yield from _column_type(column, key, catalog, qualified_types, enum_names)
    if column.collation is not None:
        yield from collation_problems(
            catalog,
            column.collation,
            key,
            enum_names,
            f"column `{column.name}`",
            column.collation_loc or column.loc,
        )
    if column.default is not None and column.default.expression is not None:
        yield from _stored_expression(column, column.default.expression, "default", scope, catalog, enums)
    if column.generated is not None:
        yield from _stored_expression(column, column.generated, "generated", scope, catalog, enums)


def _column_type(
    column: Column,
    key: str,
    catalog: Catalog,
    qualified_types: frozenset[tuple[str, str]],
    enum_names: frozenset[str],
) -> Iterator[Diagnostic]:
    """A column's type (`key`, as the catalog names it) that no schema holds, or whose extension the
    project does not name."""
    type_loc = column.type_loc or column.loc
    info = resolve.type_info(catalog, key, enum_names)
    schema, _, bare = key.removesuffix("[]").rpartition(".")
    if (
        schema
        and schema != "pg_catalog"
        and (schema, bare) not in qualified_types
        and (schema != "public" or catalog.complete)
    ):
        yield rules.UNKNOWN_TYPE(
            type_loc,
            type=column.type,
            problem=f"schema `{schema}` holds no type `{bare}` the spec or an extension it names creates",
        )
    elif info is None:
        base = key.removesuffix("[]")
        extension = catalog.elsewhere.types.get(base) or resolve.third_party_type_extension(base)
        if extension is not None and extension not in catalog.extensions_named:
            yield rules.MISSING_EXTENSION(
                type_loc,
                what=f"column `{column.name}`",
                problem=f"type {base} comes with the extension `{extension}`, which `project.extensions` "
                "does not list",
                extension=extension,
            )


def default_problem(value: Any, column_type: str, model: Model) -> str | None:
    """Why PostgreSQL refuses the literal default `value` for a column of `column_type`: a string the
    type's input function does not take, or a constant of a type that does not convert to it."""
    enums = model.enum_values_by_type
    problem = literals.value_problem(value, column_type, enums, model.project.postgres)
    if problem:
        return problem
    if isinstance(value, str | date | list | dict) or value is None:
        return None
    source = _constant_type(value)
    catalog = builtins.catalog(model.project.postgres, model.project.extensions)
    target = type_key(column_type)
    if resolve.can_assign(catalog, source, target, frozenset(enums)) is False:
        return (
            f"{_shown(value)} is a constant of type {source}, which a column of {column_type} does not take"
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return literals.number_problem(value, column_type)
    return None


def _constant_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return (
            "integer" if -(2**31) <= value < 2**31 else "bigint" if -(2**63) <= value < 2**63 else "numeric"
        )
    return "numeric"


def _shown(value: Any) -> str:
    return "true" if value is True else "false" if value is False else repr(value)


def _stored_expression(
    column: Column,
    text: str,
    context: str,
    scope: _Scopes,
    catalog: Catalog,
    enums: Mapping[str, Sequence[str]],
) -> Iterator[Diagnostic]:
    analysis = _analysis(text, scope, context)
    if analysis is None:
        return
    if not analysis.problems and analysis.literal is None:
        # nearly every stored expression: its type is all there is to judge, once per pair of types
        assignable = scope.shared.assignable
        if analysis.type is None or assignable.get((analysis.type, column.type)):
            return
    loc = (column.default_loc if context == "default" else column.generated_loc) or column.loc
    what = f"the {'default' if context == 'default' else 'generated expression'} of `{column.name}`"
    if analysis.problems:
        yield from _findings(analysis, scope, context, what, loc)
    if analysis.type is None:
        return
    if analysis.literal is not None:
        problem = literals.input_problem(analysis.literal, column.type, enums, catalog.requested)
        if problem:
            yield rules.INVALID_LITERAL(loc, what=what, problem=problem)
        return
    if resolve.assignment_problem(catalog, analysis.type, column.type, scope.shared.names):
        yield rules.EXPRESSION_TYPE(
            loc, what=what, type=analysis.type, column_type=column.type, expression=text
        )
    else:
        scope.shared.assignable[(analysis.type, column.type)] = True


_RULES = {
    "function": rules.UNKNOWN_FUNCTION,
    "operator": rules.UNKNOWN_OPERATOR,
    "not-boolean": rules.NOT_BOOLEAN,
    "literal": rules.INVALID_LITERAL,
    "type": rules.TYPE_OR_CAST,
    "cast": rules.TYPE_OR_CAST,
    "relation": rules.RELATION_OUTSIDE_THE_SPEC,
}
_NOT_ALLOWED_FIX = {
    "default": "a default is one value for a new row: compute what depends on other columns in a generated "
    "column or a trigger, aggregates in a query",
    "generated": "a generated column is computed from its own row: aggregate in a view",
}


class _Scopes:
    """The scopes the expressions of one table are resolved in, one per context; each made only when an
    analysis is not found by its key (a thousand tables may share one index predicate)."""

    __slots__ = ("_made", "catalog", "enums", "generated", "shared", "types")

    def __init__(
        self,
        catalog: Catalog,
        types: Mapping[str, str],
        enums: Mapping[str, Sequence[str]],
        generated: frozenset[str],
        shared: _Shared,
    ) -> None:
        self.catalog = catalog
        self.types = types
        self.enums = enums
        self.generated = generated
        self.shared = shared
        self._made: dict[tuple[str, bool], resolve.Scope] = {}

    def scope(self, context: str, literals: bool) -> resolve.Scope:
        """`literals`: the expression may hold a string literal, which may name a relation."""
        found = self._made.get((context, literals))
        if found is None:
            relations = self.shared.relations() if literals else None
            found = self._made[(context, literals)] = resolve.Scope(
                self.catalog, self.types, self.enums, context, self.generated, relations, self.shared.key
            )
        return found


_UNSEEN: tuple[str, ...] = ("",)


def _analysis(text: str, scopes: _Scopes, context: str) -> resolve.Analysis | None:
    """The analysis of `text` in `context`; the same expression over columns of the same types, in the
    same context, is analyzed once (a thousand tables may share one index predicate)."""
    shared = scopes.shared
    refs = shared.refs.get(text, _UNSEEN)
    if refs is _UNSEEN:
        try:
            refs = tuple(sorted(column_refs(parse_expression(text))))
        except ExpressionError:
            refs = None
        shared.refs[text] = refs
    if refs is None:
        return None
    types, generated = scopes.types, scopes.generated
    # a string literal is written in quotes or between dollars
    literals = "'" in text or "$" in text
    key = (
        text,
        context,
        tuple([types.get(name) for name in refs]),  # (the names come with the text)
        tuple([name in generated for name in refs]) if generated else None,
        shared.relations() if literals else None,
    )
    analyses = shared.analyses
    found = analyses.get(key)
    if found is None:
        found = resolve.analyze(parse_expression(text).node, scopes.scope(context, literals))
        if len(analyses) > 50_000:
            analyses.clear()
        analyses[key] = found
    return found


# (id of a catalog, the spec's enums) → the catalog, and `_analysis`'s analyses under them, by its
# key: what the checks found of one spec serves another of the same catalog and enums (`diff` compiles
# two). The catalog is kept with them: an id is only that object's while it lives.
_ANALYSES: dict[tuple[object, ...], tuple[Catalog, dict[tuple[object, ...], resolve.Analysis]]] = {}


def _analyses(catalog: Catalog, enums_key: tuple[object, ...]) -> dict[tuple[object, ...], resolve.Analysis]:
    kept = _ANALYSES.get((id(catalog), enums_key))
    if kept is not None and kept[0] is catalog:
        return kept[1]
    if len(_ANALYSES) > 64:
        _ANALYSES.clear()
    found: dict[tuple[object, ...], resolve.Analysis] = {}
    _ANALYSES[(id(catalog), enums_key)] = (catalog, found)
    return found


def _analyze(
    text: str, scope: _Scopes, context: str, what: str, loc: Location | None
) -> Generator[Diagnostic, None, resolve.Analysis | None]:
    """Yield the problems of the expression `text` in `context`, then return its analysis (None: it
    does not parse, which the build reported)."""
    analysis = _analysis(text, scope, context)
    if analysis is None:
        return None
    if analysis.problems:
        yield from _findings(analysis, scope, context, what, loc)
    return analysis


def _findings(
    analysis: resolve.Analysis, scope: _Scopes, context: str, what: str, loc: Location | None
) -> Iterator[Diagnostic]:
    """The diagnostics of the problems of an expression's `analysis`."""
    catalog = scope.catalog
    for problem in analysis.problems:
        if problem.kind == "extension":
            yield rules.MISSING_EXTENSION(
                loc, what=what, problem=problem.message, extension=problem.extension
            )
        elif problem.kind == "collation":
            yield rules.COLLATION(
                loc,
                what=what,
                problem=problem.message,
                fix="drop the COLLATE clause, or name a collation the server has",
            )
        elif problem.kind == "not-allowed":
            fix = _NOT_ALLOWED_FIX.get(
                context,
                "compute it in a query or a view; DDL expressions see one row at a time",
            )
            if problem.message.startswith("there is no parameter"):
                fix = "write the value itself: nothing binds parameters in DDL"
            yield rules.NOT_ALLOWED_IN_EXPRESSION(loc, what=what, problem=problem.message, fix=fix)
        else:
            rule = _RULES[problem.kind]
            yield rule(loc, what=what, problem=problem.message, version=catalog.requested)


def _expression(
    text: str, scope: _Scopes, context: str, what: str, loc: Location | None
) -> Iterator[Diagnostic]:
    yield from _analyze(text, scope, context, what, loc)


# --- indexes ---------------------------------------------------------------------------------------


def _index(
    index: Index, table: Table, catalog: Catalog, scope: _Scopes, enum_names: frozenset[str]
) -> Iterator[Diagnostic]:
    method = catalog.access_methods.get(index.using)
    if method is not None and (
        (index.unique and not method.can_unique)
        or (len(index.elements) > 1 and not method.can_multi_col)
        or (index.include and not method.can_include)
        or not method.can_order
    ):
        yield from _index_method(index, method)
    what = f"index `{index.name}`"
    element_locs = index.element_locs
    offset = len(index.elements) - len(element_locs)  # an `expression:` key comes before `columns:`
    default_fine = scope.shared.default_fine
    for position, element in enumerate(index.elements):
        element_type: str | None = None
        if element.expression is not None:
            analysis = _analysis(element.expression, scope, "index expression")
            if analysis is not None and analysis.problems:
                yield from _findings(
                    analysis, scope, "index expression", f"{what} (expression)", _element_loc(index, position)
                )
            element_type = analysis.type if analysis is not None else None
        else:
            column = table.column(element.column or "")
            element_type = type_key(column.type) if column is not None else None
        if (
            element.opclass is None
            and element_type is not None
            and element_type != resolve.UNKNOWN
            and default_fine.get((index.using, element_type))
        ):  # the default operator class of its type, found before
            continue
        at = position - offset
        own_loc = element_locs[at] if 0 <= at < len(element_locs) else None
        if element.expression is not None:
            loc = own_loc or index.expression_loc or index.loc
            label = f"{what} (expression)"
        else:
            loc = own_loc or index.loc
            label = f"{what} (`{element.column}`)"
        if element_type == resolve.UNKNOWN and element.opclass is None:
            yield rules.OPERATOR_CLASS(
                loc,
                what=label,
                problem=f"data type unknown has no default operator class for access method {index.using}",
                fix="a bare literal has no type: cast it, e.g. ('x')::text, or index a column",
            )
            continue
        if element_type in (None, resolve.UNKNOWN):
            if element.opclass is not None:
                yield from _opclass(catalog, index.using, element.opclass, None, enum_names, label, loc)
            continue
        subject = element.column or "(expression)"
        yield from _opclass(
            catalog, index.using, element.opclass, element_type, enum_names, label, loc, subject, default_fine
        )
    if index.where is not None:
        analysis = _analysis(index.where, scope, "index predicate")
        if analysis is not None and analysis.problems:
            yield from _findings(
                analysis, scope, "index predicate", f"{what} (predicate)", index.where_loc or index.loc
            )


def _element_loc(index: Index, position: int) -> Location | None:
    """Where the index expression at `position` is written."""
    element_locs = index.element_locs
    at = position - (len(index.elements) - len(element_locs))
    own_loc = element_locs[at] if 0 <= at < len(element_locs) else None
    return own_loc or index.expression_loc or index.loc


def _index_method(index: Index, method: AccessMethod) -> Iterator[Diagnostic]:
    """What the index asks of its access method that the method cannot do."""
    using_loc = index.using_loc or index.loc
    if index.unique and not method.can_unique:
        yield rules.INDEX_ACCESS_METHOD(
            using_loc,
            index=index.name,
            problem=f"access method {method.name} does not support unique indexes",
            fix="use btree for a unique index",
        )
    if len(index.elements) > 1 and not method.can_multi_col:
        yield rules.INDEX_ACCESS_METHOD(
            using_loc,
            index=index.name,
            problem=f"access method {method.name} does not support multicolumn indexes",
            fix=f"index one column with {method.name}, or use btree (or gin, gist) for several",
        )
    if index.include and not method.can_include:
        yield rules.INDEX_ACCESS_METHOD(
            index.include_loc or using_loc,
            index=index.name,
            problem=f"access method {method.name} does not support included columns",
            fix="drop `include:`, or use btree (gist and spgist take it too)",
        )
    if not method.can_order:
        for element in index.elements:
            option = "ASC/DESC" if element.descending else "NULLS FIRST/LAST" if element.nulls else None
            if option:
                yield rules.INDEX_ACCESS_METHOD(
                    using_loc,
                    index=index.name,
                    problem=f"access method {method.name} does not support {option} options",
                    fix="drop DESC and NULLS FIRST/LAST: only btree indexes keep an order",
                )
                break


def _opclass(
    catalog: Catalog,
    method: str,
    name: str | None,
    type_name: str | None,
    enums: frozenset[str],
    what: str,
    loc: Location | None,
    subject: str = "column",
    default_fine: dict[tuple[str, str], bool] | None = None,
) -> Iterator[Diagnostic]:
    """The operator class `name` (or the default one) of `method` for values of `type_name`;
    `subject`: the column, as a hint writes it; `default_fine` gains (method, type) when the type has a
    default operator class (or it cannot be told)."""
    if name is None:
        if type_name is None:
            return
        found = default_opclass(catalog, method, type_name, enums)
        if default_fine is not None:
            default_fine[(method, type_name)] = found is not False
        if found is False:
            others = [c.name for c in opclasses_for(catalog, method, type_name, enums)]
            offers = _extension_opclasses(catalog, method, type_name)
            if others:
                fix = (
                    f"name one: `{{column}} {others[0]}`"
                    if len(others) == 1
                    else f"name one of {', '.join(others)}"
                )
            elif offers:
                fix = (
                    f"add an extension that has one, {' or '.join(offers[:3])}, or use another access method"
                )
            else:
                fix = "use another access method, or index an expression of another type"
            yield rules.OPERATOR_CLASS(
                loc,
                what=what,
                problem=f"data type {type_name} has no default operator class for access method {method}",
                fix=fix.replace("{column}", subject),
            )
        return
    lowered = name.lower()
    found_class = catalog.opclasses.get(method, {}).get(lowered)
    if found_class is None:
        extension = catalog.elsewhere.opclasses.get((method, lowered))
        if extension is not None and extension not in catalog.extensions_named:
            yield rules.MISSING_EXTENSION(
                loc,
                what=what,
                problem=f"operator class {lowered} comes with the extension `{extension}`, which "
                "`project.extensions` does not list",
                extension=extension,
            )
            return
        if not catalog.complete:
            return
        elsewhere = sorted(am for am, classes in catalog.opclasses.items() if lowered in classes)
        if elsewhere:
            fix = f"it is an operator class of {', '.join(elsewhere)}: write `using: {elsewhere[0]}`"
        else:
            fix = (
                "name an operator class of "
                + method
                + did_you_mean(lowered, list(catalog.opclasses.get(method, {})))
            )
        yield rules.OPERATOR_CLASS(
            loc,
            what=what,
            problem=f'operator class "{lowered}" does not exist for access method "{method}"',
            fix=fix,
        )
        return
    if type_name is not None and binary_coercible(catalog, type_name, found_class.input_type, enums) is False:
        yield rules.OPERATOR_CLASS(
            loc,
            what=what,
            problem=f'operator class "{lowered}" does not accept data type {type_name}',
            fix=f"it takes {found_class.input_type}: index an expression of that type, or name another class",
        )


def _extension_opclasses(catalog: Catalog, method: str, type_name: str) -> list[str]:
    """The extensions the project does not name that would index `type_name` with `method`: `btree_gin`
    (a default operator class), `pg_trgm` (then name gin_trgm_ops)."""
    offers: dict[str, str] = {}
    for (am, name), extension in sorted(catalog.elsewhere.opclasses.items(), key=lambda i: (i[1], i[0])):
        if am != method or extension in catalog.extensions_named or extension in offers:
            continue
        full = builtins.catalog(catalog.requested, (*catalog.extensions_named, extension))
        found = full.opclasses.get(am, {}).get(name)
        if found is None or binary_coercible(full, type_name, found.input_type) is not True:
            continue
        if isinstance(default_opclass(full, method, type_name), OpClass):
            offers[extension] = f"`{extension}` (its default operator class takes {type_name})"
        else:
            offers[extension] = f"`{extension}` (then name `{name}`)"
    return list(offers.values())


def binary_coercible(
    catalog: Catalog, source: str, target: str, enums: frozenset[str] = frozenset()
) -> bool | None:
    """PostgreSQL's IsBinaryCoercible: whether a value of `source` is read as `target` unchanged."""
    if source == target or target in ('"any"', "anyelement", "anycompatible"):
        return True
    info = resolve.type_info(catalog, source, enums)
    if info is None:
        return None
    if info.typtype == "d" and info.of is not None:
        return binary_coercible(catalog, info.of, target, enums)
    if target in ("anyarray", "anycompatiblearray"):
        return info.category == "A"
    if target in ("anynonarray", "anycompatiblenonarray"):
        return info.category != "A"
    if target == "anyenum":
        return info.typtype == "e"
    if target in ("anyrange", "anycompatiblerange"):
        return info.typtype == "r"
    if target in ("anymultirange", "anycompatiblemultirange"):
        return info.typtype == "m"
    how = catalog.cast(source, target)
    return how is not None and how == "ib"


def opclasses_for(
    catalog: Catalog, method: str, type_name: str, enums: frozenset[str] = frozenset()
) -> list[OpClass]:
    return [
        c
        for c in catalog.opclasses.get(method, {}).values()
        if binary_coercible(catalog, type_name, c.input_type, enums) is True
    ]


def default_opclass(
    catalog: Catalog, method: str, type_name: str, enums: frozenset[str] = frozenset()
) -> OpClass | bool:
    """PostgreSQL's GetDefaultOpClass: the default operator class of `method` for `type_name`; False
    when there is none, True when it cannot be told (an unknown type)."""
    key = (id(catalog), method, type_name, enums if type_name.removesuffix("[]") in enums else None)
    found = _DEFAULT_OPCLASSES.get(key)
    if found is None:
        found = _DEFAULT_OPCLASSES[key] = _default_opclass(catalog, method, type_name, enums)
    return found


# per catalog (catalogs are cached, never freed), method, type
_DEFAULT_OPCLASSES: dict[tuple[object, ...], OpClass | bool] = {}


def _default_opclass(catalog: Catalog, method: str, type_name: str, enums: frozenset[str]) -> OpClass | bool:
    info = resolve.type_info(catalog, type_name, enums)
    if info is None:
        return True
    if info.typtype == "d" and info.of is not None:
        return default_opclass(catalog, method, info.of, enums)
    defaults = [c for c in catalog.opclasses.get(method, {}).values() if c.default]
    exact = [c for c in defaults if c.input_type == type_name]
    if len(exact) == 1:
        return exact[0]
    compatible = [c for c in defaults if binary_coercible(catalog, type_name, c.input_type, enums) is True]
    preferred = [
        c
        for c in compatible
        if (target := catalog.types.get(c.input_type)) is not None
        and target.preferred
        and target.category == info.category
    ]
    if len(preferred) == 1:
        return preferred[0]
    if len(compatible) == 1:
        return compatible[0]
    if not compatible and not catalog.complete and any(c.extension for c in defaults):
        return True
    return bool(compatible)  # several: PostgreSQL may still choose one


# --- partitions ------------------------------------------------------------------------------------


def _partitioning(
    table: Table,
    scheme: PartitionScheme,
    catalog: Catalog,
    enums: Mapping[str, Sequence[str]],
    scope: _Scopes,
) -> Iterator[Diagnostic]:
    enum_names = frozenset(enums)
    for level in _levels(scheme):
        loc = level.key_loc or level.loc
        method = "hash" if level.kind == "hash" else "btree"
        key_types: list[str | None] = []
        for key in level.key:
            if key.column is not None:
                column = table.column(key.column)
                key_type = column.type if column is not None else None
                if key_type is not None:
                    yield from _opclass(
                        catalog,
                        method,
                        None,
                        type_key(key_type),
                        enum_names,
                        f"partition key `{key.column}`",
                        loc,
                    )
                key_types.append(key_type)
            elif key.expression is not None:
                analysis = yield from _analyze(
                    key.expression, scope, "partition key", "the partition key", loc
                )
                result = analysis.type if analysis is not None else None
                if result == resolve.UNKNOWN:
                    yield rules.OPERATOR_CLASS(
                        loc,
                        what="the partition key",
                        problem=f"data type unknown has no default operator class for access method {method}",
                        fix="a bare literal has no type: partition by a column or an expression over one",
                    )
                if result not in (None, resolve.UNKNOWN):
                    assert result is not None
                    yield from _opclass(catalog, method, None, result, enum_names, "the partition key", loc)
                key_types.append(None)
        yield from _bounds(level, key_types, enums, catalog)


def _levels(scheme: PartitionScheme) -> Iterator[PartitionScheme]:
    yield scheme
    for child in scheme.children:
        if child.sub is not None:
            yield from _levels(child.sub)
            return


def _bounds(
    scheme: PartitionScheme, key_types: list[str | None], enums: Mapping[str, Sequence[str]], catalog: Catalog
) -> Iterator[Diagnostic]:
    if scheme.kind == "hash" or not key_types or scheme.window is not None:
        return  # a time window's bounds are written by schemagen, for a date or timestamp key
    reported: set[str] = set()
    for child in scheme.children:
        bound = child.bound
        if bound.is_default:
            continue
        values: Iterable[tuple[Any, str | None]]
        if scheme.kind == "list":
            values = [(v, key_types[0]) for v in bound.values] if len(key_types) == 1 else []
        else:
            pairs: list[tuple[Any, str | None]] = []
            for edge in (bound.range_from, bound.range_to):
                parts = edge if isinstance(edge, list | tuple) else [edge]
                if len(parts) == len(key_types):
                    pairs += list(zip(parts, key_types, strict=True))
            values = pairs
        for value, key_type in values:
            if key_type is None or value is None or value in ("MINVALUE", "MAXVALUE"):
                continue
            problem = _bound_problem(value, key_type, enums, catalog)
            if problem and problem not in reported:
                reported.add(problem)
                yield rules.INVALID_LITERAL(
                    scheme.loc, what=f"the bound of partition `{child.name}`", problem=problem
                )


def _bound_problem(
    value: Any, key_type: str, enums: Mapping[str, Sequence[str]], catalog: Catalog
) -> str | None:
    if isinstance(value, str | date):
        return literals.value_problem(value, key_type, enums, catalog.requested)
    source = _constant_type(value)
    if resolve.can_assign(catalog, source, type_key(key_type), frozenset(enums)) is False:
        return f"{_shown(value)} (a {source}) cannot be cast to the key's type {key_type}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return literals.number_problem(value, key_type)
    return None

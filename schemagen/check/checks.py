"""Static checks on a built Model: what PostgreSQL would reject later, caught at the YAML line now.

Each check is a small function over the Model yielding Diagnostics; `check` runs them all. The codes
and messages live in `rules`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import date, datetime
from typing import Any

from schemagen.check import catalog, distributed
from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.model import (
    Column,
    Domain,
    Index,
    Location,
    Model,
    PartitionScheme,
    SequenceGenerator,
    Table,
    View,
    all_children,
)
from schemagen.model import sequences as sequence_rules
from schemagen.model.naming import MAX_IDENTIFIER_BYTES
from schemagen.model.partition_objects import partition_tables
from schemagen.postgres import expressions, literals, scopes, sqltypes

Check = Callable[[Model], Iterator[Diagnostic]]
CHECKS: list[Check] = []

MAX_PARTITIONS = 10_000
_INT_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_UUID = re.compile(r"[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}\Z")
_WRITE = {"boolean": "true or false", "integer": "a whole number", "numeric": "a number"}


def check(model: Model) -> list[Diagnostic]:
    """Every diagnostic of every check."""
    return [d for run in CHECKS for d in run(model)]


def _check(function: Check) -> Check:
    CHECKS.append(function)
    return function


_check(distributed.check)
_check(catalog.check)


@_check
def _unlogged(model: Model) -> Iterator[Diagnostic]:
    """PostgreSQL refuses an UNLOGGED partitioned table, and a permanent table's foreign key to one."""
    unlogged = {(t.schema, t.name) for t in model.tables if t.unlogged}
    for table in _user_tables(model):
        if table.unlogged and table.partition is not None:
            yield rules.UNLOGGED(
                table.loc,
                table=table.name,
                problem="a partitioned table cannot be",
                fix="drop `unlogged`, or `partition`",
            )
        if table.unlogged or not unlogged:
            continue
        for fk in table.foreign_keys:
            if (fk.ref_schema, fk.ref_table) in unlogged:
                yield rules.UNLOGGED(
                    fk.loc or table.loc,
                    table=fk.ref_table,
                    problem=f"the permanent table `{table.name}` cannot reference it (`{fk.name}`)",
                    fix=f"make `{table.name}` unlogged too, or `{fk.ref_table}` permanent",
                )


def _user_tables(model: Model) -> Iterable[Table]:
    """Tables the spec declares (archive tables mirror their source and are checked through it)."""
    return (t for t in model.tables if t.archive_of is None)


def _missing_columns(
    table: Table,
    columns: Iterable[str],
    what: str,
    loc: Location | None,
    names: tuple[str, ...] | None = None,
) -> Iterator[Diagnostic]:
    """`names`: the table's column names, when the caller has them already."""
    if not columns:  # an index's `include`, nearly always
        return
    if names is None:
        names = table.column_names
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            yield rules.DUPLICATE_COLUMN(loc, column=column, what=what)
        seen.add(column)
        if column not in names:
            yield rules.UNKNOWN_COLUMN(
                loc, what=what, column=column, table=table.name, suggestion=did_you_mean(column, names)
            )


def _all_known(columns: Sequence[str], names: Container[str]) -> bool:
    """Whether `_missing_columns` has nothing to say: each of `columns` is one of `names`, once."""
    for column in columns:
        if column not in names:
            return False
    return len(columns) < 2 or len(set(columns)) == len(columns)


# --- references ----------------------------------------------------------------------------------


def _unique_keys(table: Table) -> list[frozenset[str]]:
    """The keys a foreign key can reference: a DEFERRABLE one cannot be."""
    keys = [frozenset(u.columns) for u in table.uniques if u.deferrable is None]
    if table.primary_key and table.primary_key.deferrable is None:
        keys.append(frozenset(table.primary_key.columns))
    keys += [
        frozenset(e.column for e in ix.elements if e.column)
        for ix in table.indexes
        if ix.unique and ix.where is None and all(e.column for e in ix.elements)
    ]
    return keys


def _with_partition_objects(model: Model) -> Iterator[Table]:
    """The spec's tables, then each partition with objects of its own, as a table holding just those."""
    for table in model.tables:
        if table.archive_of is None:
            yield table
            if table.partition_objects:  # (few tables: no generator made for the others)
                yield from partition_tables(table)


@_check
def foreign_keys(model: Model) -> Iterator[Diagnostic]:
    tables = model.tables_by_name
    unique_keys: dict[int, list[frozenset[str]]] = {}  # by id: the targets live as long as `model`
    for table in _with_partition_objects(model):
        if not table.foreign_keys:
            continue
        names = table.column_names
        for fk in table.foreign_keys:
            if not _all_known(fk.columns, names):
                yield from _missing_columns(table, fk.columns, "the foreign key", fk.loc, names)
            target = model.table_at(fk.ref_schema, fk.ref_table)
            if target is None:
                yield rules.UNKNOWN_TABLE(
                    fk.loc,
                    what="reference to",
                    name=fk.ref_table,
                    suggestion=did_you_mean(fk.ref_table, list(tables)),
                )
                continue
            if not fk.ref_columns:
                yield rules.FK_TARGET_NOT_UNIQUE(
                    fk.loc, ref=f"{target.name}", table=target.name, pk="none", columns=", ".join(fk.columns)
                )
                continue
            missing = [c for c in fk.ref_columns if target.column(c) is None]
            for column in missing:
                yield rules.UNKNOWN_REFERENCED_COLUMN(
                    fk.loc,
                    table=target.name,
                    column=column,
                    suggestion=did_you_mean(column, target.column_names),
                )
            if missing:
                continue
            if len(fk.ref_columns) != len(fk.columns):
                yield rules.FK_ARITY(fk.loc, count=len(fk.columns), ref_count=len(fk.ref_columns))
                continue
            for column, ref_column in zip(fk.columns, fk.ref_columns, strict=True):
                mine, theirs = table.column(column), target.column(ref_column)
                if mine and theirs and mine.type != theirs.type:
                    yield rules.FK_TYPE_MISMATCH(
                        fk.loc,
                        column=column,
                        type=mine.type,
                        ref=f"{target.name}.{ref_column}",
                        ref_type=theirs.type,
                    )
            keys = unique_keys.get(id(target))
            if keys is None:
                keys = unique_keys[id(target)] = _unique_keys(target)
            if frozenset(fk.ref_columns) in keys:
                continue
            deferrable = [
                key.name
                for key in (target.primary_key, *target.uniques)
                if key is not None and key.deferrable is not None and key.columns == fk.ref_columns
            ]
            if deferrable:
                yield rules.FK_TARGET_DEFERRABLE(
                    fk.loc, ref=f"{target.name}({', '.join(fk.ref_columns)})", key=deferrable[0]
                )
            else:
                pk = ", ".join(target.primary_key.columns) if target.primary_key else "none"
                yield rules.FK_TARGET_NOT_UNIQUE(
                    fk.loc,
                    ref=f"{target.name}({', '.join(fk.ref_columns)})",
                    table=target.name,
                    pk=pk,
                    columns=", ".join(fk.ref_columns),
                )


# --- keys, constraints, indexes ----------------------------------------------------------------


@_check
def keys_and_indexes(model: Model) -> Iterator[Diagnostic]:
    declared = _declared(model)
    # (text, the types of the columns it reads) of the index expressions found fine: a thousand tables
    # may share one predicate
    fine: set[tuple[str, tuple[str | None, ...]]] = set()
    refs_of: dict[str, tuple[str, ...]] = {}  # an expression's column names, sorted
    for table in _with_partition_objects(model):
        names = table.column_names
        if table.primary_key:
            pk = table.primary_key
            if not _all_known(pk.columns, names):
                yield from _missing_columns(table, pk.columns, "the primary key", pk.loc, names)
            for name in pk.columns:
                column = table.column(name)
                if column is not None and column.nullable:
                    yield rules.COLUMN_CONFLICT(
                        column.loc,
                        column=name,
                        problem="is in the primary key but nullable",
                        fix="drop `nullable: true` (or the `?`): key columns are NOT NULL",
                    )
        for unique in table.uniques:
            yield from _missing_columns(
                table, unique.columns, f"unique constraint `{unique.name}`", unique.loc, names
            )
        for index in table.indexes:
            keys = [e.column for e in index.elements if e.column]
            if not _all_known(keys, names):
                yield from _missing_columns(table, keys, f"index `{index.name}`", index.loc, names)
            if index.include:
                what = f"index `{index.name}` (include)"
                yield from _missing_columns(table, index.include, what, index.loc, names)
            if len(keys) < len(index.elements) or index.where:
                yield from _index_expressions(table, index, names, declared, fine, refs_of)
        for constraint in table.checks:
            refs = expressions.column_refs(expressions.parse_expression(constraint.expression))
            yield from _missing_columns(
                table, sorted(refs), f"check `{constraint.name}`", constraint.loc, names
            )


def _declared(model: Model) -> dict[str, str]:
    """The volatility of each of the spec's own functions, by name (of overloads, the least strict)."""
    rank = {"immutable": 0, "stable": 1, "volatile": 2}
    found: dict[str, str] = {}
    for f in model.functions:
        if rank[f.volatility] >= rank.get(found.get(f.name, "immutable"), 0):
            found[f.name] = f.volatility
    return found


def _type_of(table: Table, name: str) -> str | None:
    """The type of the column `name` as `{c.name: c.type for c in table.columns}` has it (the last of
    that name), without making that dict."""
    for column in reversed(table.columns):
        if column.name == name:
            return column.type
    return None


def _element_loc(index: Index, position: int) -> Location | None:
    """Where a key written under `columns:` is (the `expression:` key comes first, before them)."""
    offset = len(index.elements) - len(index.element_locs)
    at = position - offset
    return index.element_locs[at] if 0 <= at < len(index.element_locs) else None


def _index_expressions(
    table: Table,
    index: Index,
    names: tuple[str, ...],
    declared: dict[str, str],
    fine: set[tuple[str, tuple[str | None, ...]]],
    refs_of: dict[str, tuple[str, ...]],
) -> Iterator[Diagnostic]:
    """The columns an index's expressions and predicate name that its table lacks, and what in them
    is not immutable; `fine` holds the expressions found without either, with the types of the columns
    they read (what the findings depend on), and gains those found so."""
    parts = [(e.expression, i) for i, e in enumerate(index.elements) if e.expression]
    if index.where:
        parts.append((index.where, -1))  # -1: the predicate
    for text, position in parts:
        assert text is not None
        refs = refs_of.get(text)
        if refs is None:
            refs = refs_of[text] = tuple(sorted(expressions.column_refs(expressions.parse_expression(text))))
        key = (text, tuple([_type_of(table, ref) for ref in refs]))
        if key in fine:
            continue
        column_types = {c.name: c.type for c in table.columns}
        what = f"index `{index.name}`"
        if position < 0:
            part, loc = "predicate", index.where_loc or index.loc
        else:
            part, loc = "expression", _element_loc(index, position) or index.expression_loc or index.loc
        parsed = expressions.parse_expression(text)
        found = False
        for ref in refs:
            if ref not in names:
                found = True
                yield rules.UNKNOWN_COLUMN(
                    loc,
                    what=f"{what} ({part})",
                    column=ref,
                    table=table.name,
                    suggestion=did_you_mean(ref, names),
                )
        for problem in expressions.immutability_problems(parsed, column_types, declared):
            found = True
            yield rules.NOT_IMMUTABLE(loc, what=f"index {part} `{text}`", problem=problem)
        if not found:
            fine.add(key)


# --- columns -------------------------------------------------------------------------------------


@_check
def columns(model: Model) -> Iterator[Diagnostic]:
    fixes: dict[tuple[Any, ...], str | None] = {}  # what `_default_fix` found, for this model
    for table in _user_tables(model):
        types: dict[str, str] | None = None  # made for the first generated column
        for column in table.columns:
            # two sources of values, or an identity: what `_column_sources` judges (few columns)
            if column.identity or (column.generated and column.default is not None):
                yield from _column_sources(column)
            if column.generated:
                if types is None:
                    types = {c.name: c.type for c in table.columns}
                parsed = expressions.parse_expression(column.generated)
                for problem in expressions.immutability_problems(parsed, types, _declared(model)):
                    yield rules.NOT_IMMUTABLE(
                        column.loc, what=f"generated column `{column.name}`", problem=problem
                    )
                yield from _missing_columns(
                    table,
                    sorted(expressions.column_refs(parsed)),
                    f"the generated expression of `{column.name}`",
                    column.generated_loc or column.loc,
                )
            default = column.default
            if default is not None and not default.is_expression:
                key = _default_key(default.value, column.type)
                if key is None or fixes.get(key, "") is not None:  # not found fine before
                    yield from _literal_default(
                        model, default.value, column.type, column.default_loc or column.loc, fixes
                    )


#: The types of literal whose equal values read the same (not a float: -0.0 == 0.0 but they show apart)
_SAME_WHEN_EQUAL = (str, int, bool, type(None))


def _literal_default(
    model: Model,
    value: Any,
    type_: str,
    loc: Location | None,
    fixes: dict[tuple[Any, ...], str | None] | None = None,
) -> Iterator[Diagnostic]:
    """SG104 or SG103 when the literal `value` cannot be a default of `type_` (or of the type under a
    domain); `fixes` keeps what was found for a value and type already seen, None when nothing (a
    thousand tables may share one default)."""
    key = _default_key(value, type_) if fixes is not None else None
    if key is not None and fixes is not None and fixes.get(key, "") is None:
        return
    base = model.base_type(type_)
    enum = model.enum_of_type(base)
    if enum is not None:
        if value not in enum.values:
            yield rules.ENUM_DEFAULT(loc, value=value, enum=enum.name, values=", ".join(enum.values))
        elif key is not None and fixes is not None:
            fixes[key] = None
        return
    if key is not None and fixes is not None:
        if key in fixes:
            fix = fixes[key]
        else:
            fix = fixes[key] = _default_fix(model, value, type_, base)
    else:
        fix = _default_fix(model, value, type_, base)
    if fix:
        yield rules.DEFAULT_TYPE(loc, value=_show(value), type=type_, fix=fix)


def _default_key(value: Any, type_: str) -> tuple[Any, ...] | None:
    """What `_literal_default` finds of `value` as a default of `type_` is remembered by, if anything."""
    if type(value) in _SAME_WHEN_EQUAL:
        return (type(value), value, type_)
    if type(value) in (list, dict):  # its repr tells apart what equality does not (0 and 0.0)
        return (type(value), repr(value), type_)
    return None


def _default_fix(model: Model, value: Any, type_: str, base: str) -> str | None:
    fix = _default_problem(value, base)
    if not fix:
        refused = catalog.default_problem(value, base, model)
        fix = f"{refused}: write a value of {type_}" if refused else None
    return fix


# --- sequences and domains -----------------------------------------------------------------------


def _sequence_bounds(sequence: SequenceGenerator, what: str, loc: Location | None) -> Iterator[Diagnostic]:
    start, low, high = sequence_rules.resolved(sequence)
    smallest, largest = sequence_rules.TYPE_LIMITS[sequence.type]
    problem = fix = None
    if not smallest <= low <= largest or not smallest <= high <= largest:
        problem = f"its bounds [{low}, {high}] do not fit {sequence.type} [{smallest}, {largest}]"
        fix = "keep `min` and `max` within the type, or make it bigint"
    elif low >= high:
        problem, fix = f"`min` {low} is not below `max` {high}", "make `min` smaller than `max`"
    elif not low <= start <= high:
        problem = f"`start` {start} is outside [{low}, {high}]"
        fix = "start between `min` and `max`"
    if problem and fix:
        yield rules.SEQUENCE(loc, what=what, problem=problem, fix=fix)


@_check
def sequences(model: Model) -> Iterator[Diagnostic]:
    for user_table in _user_tables(model):
        for owner in user_table.columns:
            if owner.identity_options is not None and sequence_rules.sequence_type(owner.type):
                identity = sequence_rules.identity_sequence(owner.type, owner.identity_options)
                yield from _sequence_bounds(
                    identity, f"the identity of `{user_table.name}.{owner.name}`", owner.loc
                )
    for sequence in model.sequences:
        what = f"sequence `{sequence.name}`"
        yield from _sequence_bounds(sequence, what, sequence.loc)
        if sequence.owned_by is None:
            continue
        table_name, column = sequence.owned_by
        table = model.table_at(sequence.schema, table_name)
        if table is None or table.archive_of is not None:
            yield rules.SEQUENCE(
                sequence.loc,
                what=what,
                problem=f"`owned_by` names `{table_name}`, which is not an entity of the spec"
                + did_you_mean(table_name, [t.name for t in _user_tables(model)]),
                fix="name a column of an entity: `owned_by: table.column`",
            )
        elif table.column(column) is None:
            yield rules.SEQUENCE(
                sequence.loc,
                what=what,
                problem=f"`owned_by` names `{column}`, which is not a column of `{table_name}`"
                + did_you_mean(column, table.column_names),
                fix=f"name a column of `{table_name}`",
            )
        elif table.schema != sequence.schema:
            yield rules.SEQUENCE(
                sequence.loc,
                what=what,
                problem=f"it lives in schema `{sequence.schema}` and is owned by `{table_name}` of "
                f"`{table.schema}`; PostgreSQL keeps a sequence in its owner's schema",
                fix=f"leave `schema:` out (it follows its owner) or make it `{table.schema}`",
            )


@_check
def domains(model: Model) -> Iterator[Diagnostic]:
    by_name = model.domains_by_name
    for domain in model.domains:
        chain = [domain.name]
        base = domain.type.removesuffix("[]").rsplit(".", 1)[-1]
        while base in by_name and base not in chain:
            chain.append(base)
            base = by_name[base].type.removesuffix("[]").rsplit(".", 1)[-1]
        if base in chain:
            yield rules.DOMAIN(
                domain.loc,
                domain=domain.name,
                problem=f"its base types form a cycle: {' → '.join([*chain, base])}",
                fix="base one of them on a PostgreSQL type",
            )
            continue
        if domain.default is not None and not domain.default.is_expression:
            yield from _literal_default(model, domain.default.value, domain.type, domain.loc)
        yield from _domain_checks(domain)


def _domain_checks(domain: Domain) -> Iterator[Diagnostic]:
    for check in domain.checks:
        refs = expressions.column_refs(expressions.parse_expression(check.expression))
        others = sorted(ref for ref in refs if ref.lower() != "value")
        if others:
            yield rules.DOMAIN(
                check.loc or domain.loc,
                domain=domain.name,
                problem=f"check `{check.name}` reads {', '.join(f'`{o}`' for o in others)}; a domain's "
                "check reads only `VALUE`, the value being checked",
                fix="write the check over VALUE, e.g. `VALUE > 0`",
            )


def _column_sources(column: Column) -> Iterator[Diagnostic]:
    sources = [
        s
        for s, on in (
            ("a default", column.default is not None),
            ("an identity", column.identity),
            ("a generated expression", column.generated),
        )
        if on
    ]
    if len(sources) > 1:
        yield rules.COLUMN_CONFLICT(
            column.loc,
            column=column.name,
            problem=f"has {' and '.join(sources)}",
            fix="keep one source of values",
        )
    if column.identity and not sqltypes.is_integer(column.type):
        yield rules.COLUMN_CONFLICT(
            column.loc,
            column=column.name,
            problem=f"identity needs smallint, integer or bigint, not {column.type}",
            fix="make the column bigint, or drop `identity`",
        )
    if column.identity and column.nullable:
        yield rules.COLUMN_CONFLICT(
            column.loc,
            column=column.name,
            problem="an identity column cannot be nullable",
            fix="drop `nullable: true`",
        )


def _finite(value: Any) -> bool:
    """False when a float anywhere in `value` is NaN or infinite."""
    if value is None or type(value) is str:  # most values, and most partition bounds
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def _json_value(value: Any) -> bool:
    if isinstance(value, list):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return value is None or isinstance(value, bool | int | float | str)


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, (date, datetime)) else value.isoformat()


def _default_problem(value: Any, type_: str) -> str | None:
    """What to write instead when the literal `value` cannot be a default of `type_`, else None."""
    family = sqltypes.type_family(type_)
    if not _finite(value):
        return "NaN and infinity have no literal here: write e.g. {sql: \"'NaN'::float8\"}"
    if family == "json" and not _json_value(value):
        return "a json default holds strings, numbers, booleans, null, lists and mappings: quote dates"
    if family == "array":
        if isinstance(value, str) and literals.input_problem(value, type_) is None:
            return None  # the array's text form, '{1,2}'
        return None if isinstance(value, list) else "write a list, e.g. `default: []`"
    if isinstance(value, list) and family != "json":
        return f"a list is a default for array or json columns only; {type_} needs a scalar"
    if isinstance(value, dict) and family != "json":
        return "a mapping default is a json literal; for an expression write `default: {sql: ...}`"
    if isinstance(value, str) and family in ("boolean", "integer", "numeric"):
        # a quoted literal its type's input function takes: '1e3', 'NaN', 'Infinity', 'yes'
        problem = literals.input_problem(value, type_)
        return f"{problem}: write {_WRITE[family]}" if problem else None
    if family == "boolean":
        return None if isinstance(value, bool) else "write true or false"
    if family == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "write a whole number"
        limit = _INT_RANGES.get(type_)
        if limit and not -limit <= value < limit:
            return f"the value does not fit {type_}"
        return None
    if family == "numeric":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "write a number"
    if family == "text":
        if not isinstance(value, str):
            return f'write the text in quotes: default: "{value}"'
        length = sqltypes.varchar_length(type_)
        if length is not None and len(value) > length:
            return f"the value is {len(value)} characters long; {type_} holds {length}"
        return None
    if family == "uuid":
        return (
            None
            if isinstance(value, str) and _UUID.match(value)
            else "write a UUID string, or {sql: gen_random_uuid()}"
        )
    if family in ("date", "timestamp"):
        return None if isinstance(value, (date, datetime, str)) else "write a date, or {sql: now()}"
    return None


# --- partitions ----------------------------------------------------------------------------------


@_check
def partitions(model: Model) -> Iterator[Diagnostic]:
    for table in _user_tables(model):
        if table.partition is None:
            continue
        yield from _scheme(table, table.partition)
        total = _count(table.partition)
        if total > MAX_PARTITIONS:
            yield rules.INVALID_VALUE(
                table.partition.loc,
                where=f"partitions of `{table.name}`",
                problem=f"{total} partitions; PostgreSQL plans and locks slowly past {MAX_PARTITIONS}",
                fix="use a longer period, a smaller modulus, or fewer levels",
            )
        key_columns: list[str] = []
        has_expression = False
        for scheme in _levels(table.partition):
            key_columns += [c for c in scheme.key_columns if c not in key_columns]
            has_expression |= any(k.expression for k in scheme.key)
        constraints = (
            [("primary key", table.primary_key.columns, table.primary_key.loc)] if table.primary_key else []
        )
        constraints += [(f"unique constraint `{u.name}`", u.columns, u.loc) for u in table.uniques]
        constraints += [
            (f"unique index `{i.name}`", tuple(e.column or "" for e in i.elements), i.loc)
            for i in table.indexes
            if i.unique
        ]
        for label, columns_, loc in constraints:
            if has_expression:
                yield rules.EXPRESSION_KEY_WITH_UNIQUE(loc, table=table.name, constraint=label)
                continue
            missing = [c for c in key_columns if c not in columns_]
            if missing:
                suggestion = f"[{', '.join([*columns_, *missing])}]"
                yield rules.PARTITION_KEY_NOT_IN_UNIQUE(
                    loc, constraint=label, table=table.name, missing=", ".join(missing), suggestion=suggestion
                )


def _levels(scheme: PartitionScheme) -> Iterator[PartitionScheme]:
    yield scheme
    subs = [c.sub for c in scheme.children if c.sub]
    if subs:
        yield from _levels(subs[0])


def _count(scheme: PartitionScheme) -> int:
    """How many partitions there are under `scheme`, at every level."""
    total = len(scheme.children)
    for child in scheme.children:
        if child.sub is not None:
            total += _count(child.sub)
    return total


def _scheme(table: Table, scheme: PartitionScheme) -> Iterator[Diagnostic]:
    for key in scheme.key:
        if key.expression:
            types = {c.name: c.type for c in table.columns}
            parsed = expressions.parse_expression(key.expression)
            for problem in expressions.immutability_problems(parsed, types):
                yield rules.NOT_IMMUTABLE(scheme.loc, what="partition key", problem=problem)
            refs = sorted(expressions.column_refs(parsed))
            yield from _missing_columns(table, refs, "the partition key", scheme.key_loc or scheme.loc)
            if not refs:
                yield rules.INVALID_VALUE(
                    scheme.key_loc or scheme.loc,
                    where="the partition key",
                    problem=f"`{key.expression}` reads no column: PostgreSQL cannot partition by a constant",
                    fix="partition by a column, or by an expression over one",
                )
    # 0: no partitions yet, as a database may hold a table (above 1024: see build)
    if scheme.kind == "hash" and (scheme.modulus is None or scheme.modulus < 0):
        yield rules.HASH_MODULUS(scheme.loc, value=scheme.modulus)
    for child in scheme.children:
        bound = child.bound
        low, high = bound.range_from, bound.range_to
        if (low is None or type(low) is str) and (high is None or type(high) is str) and not bound.values:
            continue  # most bounds: what `_finite` passes at once
        if not (
            _finite(bound.range_from)
            and _finite(bound.range_to)
            and (not bound.values or _finite(bound.values))
        ):
            yield rules.INVALID_VALUE(
                scheme.loc,
                where=f"partition `{child.name}`",
                problem="NaN or infinity as a bound",
                fix="write a finite number, or MINVALUE / MAXVALUE",
            )
    if scheme.kind == "list":
        owner: dict[Any, str] = {}
        for child in scheme.children:
            for value in child.bound.values:
                if value in owner:
                    yield rules.LIST_DUPLICATE(
                        scheme.loc, value=_show(value), name=child.name, other=owner[value]
                    )
                owner.setdefault(value, child.name)
    if scheme.kind == "range" and scheme.window is None:
        yield from _range_bounds(scheme)
    for child in scheme.children:
        if child.sub:
            yield from _scheme(table, child.sub)
            break  # every child carries the same second level


def _range_bounds(scheme: PartitionScheme) -> Iterator[Diagnostic]:
    bounded = [c for c in scheme.children if not c.bound.is_default]
    order = {"MINVALUE": -1, "MAXVALUE": 1}
    try:
        ranked = sorted(bounded, key=lambda c: (order.get(str(c.bound.range_from), 0), c.bound.range_from))
    except TypeError:
        yield rules.INVALID_VALUE(
            scheme.loc,
            where="range bounds",
            problem="bounds mix values of different types",
            fix="write every bound as the same kind of value as the key",
        )
        return
    for child in ranked:
        low, high = child.bound.range_from, child.bound.range_to
        if low not in order and high not in order and _less_equal(high, low):
            yield rules.RANGE_WINDOW(
                scheme.loc,
                problem=f"partition `{child.name}`: `from` {low} is not before `to` {high}",
                fix="write [from, to) with from < to",
            )
            return
    for previous, current in itertools.pairwise(ranked):
        prev_high, low = previous.bound.range_to, current.bound.range_from
        if prev_high == "MAXVALUE" or (low not in order and prev_high not in order and _less(low, prev_high)):
            yield rules.RANGE_OVERLAP(
                scheme.loc,
                name=current.name,
                start=low,
                end=current.bound.range_to,
                other=previous.name,
                other_start=previous.bound.range_from,
                other_end=prev_high,
            )
        elif prev_high != low and not scheme.has_default:
            yield rules.RANGE_GAP(scheme.loc, start=prev_high, end=low)


def _less(a: Any, b: Any) -> bool:
    try:
        return a < b
    except TypeError:
        return False


def _less_equal(a: Any, b: Any) -> bool:
    try:
        return a <= b
    except TypeError:
        return False


# --- names ---------------------------------------------------------------------------------------


@_check
def names(model: Model) -> Iterator[Diagnostic]:
    # schema → name → (kind, where) of the relation that has it (by schema: the names are the keys of
    # ten thousand entries, hashed once each)
    relations: dict[str, dict[str, tuple[str, Location | None]]] = {}

    def in_schema(schema: str) -> dict[str, tuple[str, Location | None]]:
        found = relations.get(schema)
        if found is None:
            found = relations[schema] = {}
        return found

    def claim(schema: str, name: str, kind: str, loc: Location | None) -> Sequence[Diagnostic]:
        # a function, not a generator: it is called for every relation, and nearly always finds nothing
        entry = (kind, loc)
        other = in_schema(schema).setdefault(name, entry)
        length = len(name.encode())
        if other is entry and length <= MAX_IDENTIFIER_BYTES:
            return ()
        found = []
        if length > MAX_IDENTIFIER_BYTES:
            found.append(rules.NAME_TOO_LONG(loc, name=name, length=length))
        if other is not entry:
            found.append(
                rules.DUPLICATE_OBJECT(loc, kind=kind, name=name, other_kind=other[0], other=other[1] or "?")
            )
        return found

    for enum in model.enums:
        yield from claim(enum.schema, enum.name, "enum", enum.loc)
    for domain in model.domains:
        yield from claim(domain.schema, domain.name, "domain", domain.loc)
    for sequence in model.sequences:
        yield from claim(sequence.schema, sequence.name, "sequence", sequence.loc)
    for table in model.tables:
        yield from claim(table.schema, table.name, "table", table.loc)
        if table.partition is None:
            continue
        loc = table.partition.loc
        entry = ("partition", loc)
        named = in_schema(table.schema)
        for child in all_children(table.partition):
            # `claim` written out: ten partitions a table are most of the names
            name = child.name
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                yield rules.NAME_TOO_LONG(loc, name=name, length=len(name.encode()))
            other = named.setdefault(name, entry)
            if other is not entry:
                yield rules.DUPLICATE_OBJECT(
                    loc, kind="partition", name=name, other_kind=other[0], other=other[1] or "?"
                )
    for view in model.views:
        yield from claim(view.schema, view.name, "view", view.loc)
    for table in model.tables:
        constraint_names: dict[str, Location | None] = {}
        constraints = [(table.primary_key.name, table.primary_key.loc, True)] if table.primary_key else []
        constraints += [(u.name, u.loc, True) for u in table.uniques]
        constraints += [(c.name, c.loc, False) for c in table.checks]
        constraints += [(f.name, f.loc, False) for f in table.foreign_keys]
        for name, loc, makes_index in constraints:
            if name in constraint_names:
                yield rules.DUPLICATE_OBJECT(
                    loc,
                    kind="constraint",
                    name=name,
                    other_kind="a constraint",
                    other=constraint_names[name] or "?",
                )
            constraint_names[name] = loc
            if makes_index:
                yield from claim(table.schema, name, "constraint index", loc)
            elif len(name.encode()) > MAX_IDENTIFIER_BYTES:
                yield rules.NAME_TOO_LONG(loc, name=name, length=len(name.encode()))
        for index in table.indexes:
            yield from claim(table.schema, index.name, "index", index.loc)
    for view in model.views:
        for index in view.indexes:
            yield from claim(view.schema, index.name, "index", index.loc)


# --- views ---------------------------------------------------------------------------------------


@_check
def views(model: Model) -> Iterator[Diagnostic]:
    known = {(t.schema, t.name) for t in model.tables} | {(v.schema, v.name) for v in model.views}
    lookup = _view_catalog(model)
    for view in model.views:
        yield from _view_names(view, known, lookup)
        if not view.materialized and (view.refresh or view.indexes):
            yield rules.VIEW_OPTION(
                view.loc,
                view=view.name,
                problem="`unique`, `indexes` and `refresh` need `materialized: true`",
                fix="add `materialized: true`, or drop them",
            )
        if view.materialized and view.refresh == "concurrently":
            yield from _concurrent_refresh(view)
        if view.materialized:
            yield from _view_index_columns(view, concurrently=view.refresh == "concurrently")
    yield from _view_cycles(model)


def _view_catalog(model: Model) -> scopes.Lookup:
    """The spec's tables and views as a view's query sees them. A bare name resolves through the default
    search_path, i.e. to `public`; a schema the spec does not use may hold anything."""
    tables = {(t.schema, t.name): t for t in model.tables}
    views_ = {(v.schema, v.name): v for v in model.views}
    schemas = {schema for schema, _ in tables} | {schema for schema, _ in views_}
    outputs: dict[tuple[str, str], tuple[str, ...] | None] = {}

    # a bare name resolves to `public` only: the spec's relation of that name in another schema is
    # not found there
    bare_elsewhere = {name for _, name in tables} | {name for _, name in views_}

    def lookup(schema: str | None, name: str) -> scopes.Relation | None:
        key = (schema or "public", name)
        if key[0] not in schemas:
            return scopes.MISSING if schema is None and name in bare_elsewhere else None
        table = tables.get(key)
        if table is not None:
            return scopes.Relation(table.column_names, table=True)
        view = views_.get(key)
        if view is None:
            return scopes.MISSING
        if key not in outputs:
            outputs[key] = None  # while it is read: a cycle (SG503) reads as unknown columns
            with suppress(expressions.ExpressionError):
                outputs[key] = scopes.query_columns(expressions.parse_query(view.query), lookup)
        return scopes.Relation(outputs[key])

    return lookup


def _view_names(view: View, known: set[tuple[str, str]], lookup: scopes.Lookup) -> Iterator[Diagnostic]:
    """SG502 and SG505: the relations and columns the query reads that the spec does not have, each at
    its place in the query."""
    try:
        query = expressions.parse_query(view.query)
    except expressions.ExpressionError:
        return  # reported by the build (SG101)
    reported: set[str] = set()
    for found in scopes.unresolved(query, lookup):
        at = view.query_at.location(view.query, found.offset, found.length) if view.query_at else None
        loc = at or view.loc
        candidates = found.candidates
        if found.kind == "relation":
            if found.text in reported:
                continue
            reported.add(found.text)
            elsewhere = sorted(s for s, n in known if n == found.name)
            same_schema = sorted(n for s, n in known if s == (found.within or "public"))
            yield rules.VIEW_UNKNOWN_RELATION(
                loc,
                view=view.name,
                name=found.text,
                suggestion=(
                    f" in schema `{found.within or 'public'}`; the spec has `{elsewhere[0]}.{found.name}`"
                    if elsewhere
                    else did_you_mean(found.name, same_schema)
                ),
                hint_name=f"{elsewhere[0]}.{found.name}" if elsewhere else f"pg_catalog.{found.name}",
            )
        elif found.kind == "alias":
            yield rules.VIEW_UNKNOWN_COLUMN(
                loc,
                view=view.name,
                name=found.text,
                problem=f"no FROM item is named `{found.name}`",
                suggestion=did_you_mean(found.name, candidates),
                fix=f"qualify it with a name of its FROM clause: {', '.join(candidates)}"
                if candidates
                else "read it from a table or view of the spec, in the query's FROM clause",
            )
        else:
            qualified = "." in found.text
            if qualified:
                problem = f"`{found.within}` has no column `{found.name}`"
            elif found.within:
                problem = f"no table or view of its FROM clause ({found.within}) has a column `{found.name}`"
            else:
                problem = f"the query reads `{found.name}` from no FROM clause"
            shown = ", ".join(candidates[:12]) + (", …" if len(candidates) > 12 else "")
            yield rules.VIEW_UNKNOWN_COLUMN(
                loc,
                view=view.name,
                name=found.text,
                problem=problem,
                suggestion=did_you_mean(found.name, candidates),
                fix=f"read a column it has: {shown}" if candidates else "read a column the spec declares",
            )


def _concurrent_refresh(view: View) -> Iterator[Diagnostic]:
    """REFRESH … CONCURRENTLY needs a unique index of plain output columns, without WHERE."""
    keys = _refresh_keys(view)
    if not keys:
        yield rules.CONCURRENT_REFRESH(
            view.loc, view=view.name, problem="has no unique index of plain columns without `where`"
        )
        return
    outputs = _view_outputs(view)
    if outputs is None:
        return
    for element in keys[0].elements:
        if element.column not in outputs:
            yield rules.CONCURRENT_REFRESH(
                view.loc,
                view=view.name,
                problem=f"`unique` names `{element.column}`, which the query does not "
                f"output (it outputs {', '.join(outputs)})",
            )


def _view_index_columns(view: View, *, concurrently: bool) -> Iterator[Diagnostic]:
    """Each column an index of a materialized view names is one the query outputs (`concurrently`: but
    the key's, which `_concurrent_refresh` checks)."""
    outputs = _view_outputs(view)
    if outputs is None:
        return
    keys = _refresh_keys(view)
    for index in view.indexes:
        if concurrently and keys and index is keys[0]:
            continue
        for element in index.elements:
            if element.column is not None and element.column not in outputs:
                yield rules.VIEW_OPTION(
                    index.loc or view.loc,
                    view=view.name,
                    problem=f"index `{index.name}` names `{element.column}`, which the query does not "
                    f"output (it outputs {', '.join(outputs)})",
                    fix="name an output column of the query, or index an expression of them",
                )


def _refresh_keys(view: View) -> list[Index]:
    """The indexes REFRESH … CONCURRENTLY can use: unique, of plain columns, without WHERE."""
    return [
        ix
        for ix in view.indexes
        if ix.unique and ix.where is None and all(e.column is not None for e in ix.elements)
    ]


def _view_outputs(view: View) -> list[str] | None:
    """The query's output columns, or None when they cannot be told (`*`, or it does not parse)."""
    try:
        return expressions.output_columns(expressions.parse_query(view.query))
    except expressions.ExpressionError:
        return None


def _view_cycles(model: Model) -> Iterator[Diagnostic]:
    views_ = model.views_by_name
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(name: str, trail: list[str]) -> Iterator[Diagnostic]:
        state[name] = 1
        for dep in views_[name].depends_on:
            if dep not in views_:
                continue
            if state.get(dep) == 1:
                cycle = [*trail[trail.index(dep) :], dep] if dep in trail else [name, dep]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield rules.VIEW_CYCLE(views_[cycle[0]].loc, cycle=" → ".join(cycle))
            elif dep not in state:
                yield from visit(dep, [*trail, dep])
        state[name] = 2

    for name in sorted(views_):
        if name not in state:
            yield from visit(name, [name])


# --- project-wide --------------------------------------------------------------------------------


@_check
def version_features(model: Model) -> Iterator[Diagnostic]:
    version = model.project.postgres
    if version >= 15:
        return
    for table in model.tables:
        for unique in table.uniques:
            if unique.nulls_not_distinct:
                yield rules.VERSION_FEATURE(
                    unique.loc, feature="NULLS NOT DISTINCT", needed=15, version=version
                )
        for index in table.indexes:
            if index.nulls_not_distinct:
                yield rules.VERSION_FEATURE(
                    index.loc, feature="NULLS NOT DISTINCT", needed=15, version=version
                )

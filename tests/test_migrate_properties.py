"""Property: for random valid spec pairs A → B, the planned migration applied to a database at A gives
exactly the catalog of B rendered fresh, its down migration gives A's again (but for the NOT NULL of a
dropped column it documents it cannot restore: SG906), and rows that both versions can hold survive both
ways (DESIGN §5, §7). B's `allow_destructive` names what the pair destroys, so `migrate new` would
write the migration.

A is drawn as a small structure (2–4 tables, an optional enum, indexes, constraints, foreign keys to
earlier tables, an optional view); B is A after 1–4 random edits that keep it valid. Every object keeps
a stable id through the edits, so renames are written as `renamed_from` and rows are matched by id.
Every table of A gets three rows that satisfy both versions: non-NULL, pairwise distinct where a unique
constraint may land, integers in 1..3 so any foreign key to a table of A holds, enum values of HELD
only (never removed, so the rows fit every version of the enum).

Most pairs also rebuild the enum (values removed or reordered) under the checks, partial indexes and
indexes that read its columns, or change a column in place (widened, renamed) that an index reads.
The second property draws A with a hash-partitioned table, a range-partitioned one (month or quarter
windows, with or without a DEFAULT) or both, and B with its modulus changed (split, merged, rebuilt)
or its window moved, extended, shrunk, re-grained or its DEFAULT toggled, among other edits; each row's
range key lies where both versions have a partition for it.
"""

from __future__ import annotations

import copy
import itertools
import os
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from catalog import Catalog, assert_catalog_equal, snapshot
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from migrations import apply_sql, create
from psycopg import sql
from psycopg.types.json import Jsonb

from schemagen.database.cluster import ThrowawayCluster
from schemagen.migrate.history import refused
from schemagen.migrate.migration import Migration, build_migration
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.plan import PlanError

ROWS = 3
ENUM = "mood"
ENUM_VALUES = ("red", "green", "blue", "gray")
#: the enum values rows hold (row i holds HELD[i % 2]): never removed, so every row fits both versions
HELD = ("red", "green")
NEW_ENUM_VALUES = ("teal", "amber", "plum")
SCALAR_TYPES = ("bigint", "integer", "text", "varchar", "boolean", "timestamptz", "numeric(10,2)", "jsonb")
EPOCH = (2024, 1)  # month 0 of the range windows


# --- the structure both specs are written from ---------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """An expression default (`{sql: ...}`)."""

    expression: str


@dataclass
class Col:
    uid: int
    name: str
    type: str  # as written in the spec: bigint, varchar(8), mood...
    nullable: bool = False
    default: Any = None  # None, a literal, or Sql
    comment: str | None = None
    ref: int | None = None  # uid of the table whose primary key this column references
    on_delete: str | None = None
    distinct: bool = True  # the rows of the table hold pairwise distinct values here (or NULLs)
    nulls: bool = False  # the rows of the table may hold NULL here


@dataclass
class Idx:
    kind: str  # plain, desc, partial, expression
    column: int
    predicate: int | None = None  # partial: the boolean, integer or enum column of the predicate
    value: str | None = None  # an enum predicate's value (`<> value`): any value of the enum

    @property
    def label(self) -> str | int:
        """What PostgreSQL names the index after: its column (by uid), or its expression's function."""
        return "lower" if self.kind == "expression" else self.column


@dataclass
class Check:
    template: str  # with {c} for the column's name
    column: int

    def mentions(self, values: set[str]) -> bool:
        return any(f"'{v}'" in self.template for v in values)


@dataclass(frozen=True)
class Hash:
    """`partition: {hash: {key: <primary key>, modulus: ...}}`."""

    modulus: int


@dataclass(frozen=True)
class Window:
    """`partition: {range: {key: ..., every: ..., from: ..., to: ..., default: ...}}`; `start` and `end`
    count months from EPOCH, multiples of 3 when `every` is quarter."""

    key: int  # uid of the key column (date or timestamptz), the second column of the primary key
    every: str  # month | quarter
    start: int
    end: int
    default: bool

    @property
    def step(self) -> int:
        return 3 if self.every == "quarter" else 1

    def holds(self, month: int) -> bool:
        """Whether a row of that month has a partition."""
        return self.default or self.start <= month < self.end


Partitioning = Hash | Window


@dataclass
class Tbl:
    uid: int
    name: str
    cols: list[Col]
    uniques: list[tuple[int, ...]] = field(default_factory=list)
    checks: dict[str, Check] = field(default_factory=dict)
    indexes: list[Idx] = field(default_factory=list)
    comment: str | None = None
    partition: Partitioning | None = None

    @property
    def pk(self) -> Col:
        return self.cols[0]  # the primary key is always the first column (with a range key after it)

    @property
    def pk_uids(self) -> list[int]:
        if isinstance(self.partition, Window):
            return [self.pk.uid, self.partition.key]
        return [self.pk.uid]

    @property
    def key_uids(self) -> list[int]:
        """The partition key's columns, which every unique constraint must contain."""
        if isinstance(self.partition, Window):
            return [self.partition.key]
        return [self.pk.uid] if isinstance(self.partition, Hash) else []

    def col(self, uid: int) -> Col:
        return next(c for c in self.cols if c.uid == uid)

    def add_index(self, index: Idx) -> bool:
        """Add the index (a partitioned table may have two named after the same columns, t_c_idx and
        t_c_idx1, whose partitions' indexes PostgreSQL names again when it rebuilds one for ALTER
        COLUMN … TYPE: test_enum_rebuilt_under_two_indexes_of_its_column_on_a_partitioned_table)."""
        self.indexes.append(index)
        return True

    def reads(self, uid: int) -> bool:
        """Whether an index, a unique constraint or a check of the table reads column `uid`."""
        return (
            any(uid in (i.column, i.predicate) for i in self.indexes)
            or any(uid in u for u in self.uniques)
            or any(c.column == uid for c in self.checks.values())
        )


@dataclass
class ViewSpec:
    name: str
    table: int
    cols: list[int]
    where: int | None = None  # an integer column: WHERE col > 0
    materialized: bool = False


@dataclass
class Schema:
    enum: list[str] | None
    tables: list[Tbl]
    views: list[ViewSpec]
    next_uid: int = 1

    def uid(self) -> int:
        self.next_uid += 1
        return self.next_uid

    def table(self, uid: int) -> Tbl:
        return next(t for t in self.tables if t.uid == uid)

    def has_table(self, uid: int) -> bool:
        return any(t.uid == uid for t in self.tables)


def kind(type_: str) -> str:
    if type_ in ("bigint", "integer"):
        return "int"
    if type_ == "text" or type_.startswith("varchar"):
        return "text"
    return {
        "boolean": "bool",
        "timestamptz": "ts",
        "date": "date",
        "numeric(10,2)": "num",
        "jsonb": "json",
    }.get(type_, "enum")


def month(offset: int) -> date:
    """The first day of month `offset` counted from EPOCH."""
    year, month0 = divmod(EPOCH[0] * 12 + EPOCH[1] - 1 + offset, 12)
    return date(year, month0 + 1, 1)


def to_yaml(schema: Schema, before: Schema | None = None) -> str:
    """The spec of `schema`; with `before`, objects renamed since then carry `renamed_from`, and
    `allow_destructive` names what the migration from `before` destroys (`destructive`)."""
    old_tables = {t.uid: t for t in before.tables} if before else {}
    old_cols = {c.uid: c.name for t in before.tables for c in t.cols} if before else {}
    names = {t.uid: t.name for t in schema.tables}
    entities: dict[str, Any] = {}
    for table in schema.tables:
        by_uid = {c.uid: c.name for c in table.cols}
        columns: dict[str, Any] = {}
        for c in table.cols:
            entry: dict[str, Any] = {"type": c.type}
            if c is table.pk and len(table.pk_uids) == 1:
                entry["primary_key"] = True
            if c.nullable:
                entry["nullable"] = True
            if c.default is not None:
                entry["default"] = {"sql": c.default.expression} if isinstance(c.default, Sql) else c.default
            if c.ref is not None:
                entry["references"] = (
                    {"table": names[c.ref], "on_delete": c.on_delete} if c.on_delete else names[c.ref]
                )
            if c.comment is not None:
                entry["comment"] = c.comment
            if c.uid in old_cols and old_cols[c.uid] != c.name:
                entry["renamed_from"] = old_cols[c.uid]
            columns[c.name] = entry
        entity: dict[str, Any] = {"columns": columns}
        if len(table.pk_uids) > 1:
            entity["primary_key"] = [by_uid[u] for u in table.pk_uids]
        if table.partition is not None:
            entity["partition"] = partition_yaml(table)
        if table.uid in old_tables and old_tables[table.uid].name != table.name:
            entity["renamed_from"] = old_tables[table.uid].name
        if table.comment is not None:
            entity["comment"] = table.comment
        if table.uniques:
            entity["unique"] = [[by_uid[u] for u in unique] for unique in table.uniques]
        if table.checks:
            entity["checks"] = {
                name: check.template.format(c=by_uid[check.column]) for name, check in table.checks.items()
            }
        if table.indexes:
            entity["indexes"] = [index_yaml(index, table) for index in table.indexes]
        entities[table.name] = entity
    doc: dict[str, Any] = {"project": {"name": "prop", "postgres": 15}}
    if before is not None and (allowed := destructive(before, schema)):
        doc["project"]["allow_destructive"] = allowed
    if schema.enum is not None:
        doc["enums"] = {ENUM: list(schema.enum)}
    doc["entities"] = entities
    if schema.views:
        doc["views"] = {v.name: view_yaml(v, schema) for v in schema.views}
    return yaml.safe_dump(doc, sort_keys=False, width=1000)


def destructive(a: Schema, b: Schema) -> list[str]:
    """The `allow_destructive` entries of the changes A → B loses data by (though never rows of the
    test: those it drops are in no row, and rows stay inside both windows), so `migrate new` accepts
    the pair: dropped tables and columns, enum values removed, windows shrunk without a DEFAULT."""
    found = []
    for old in a.tables:
        if not b.has_table(old.uid):
            found.append(f"drop table {old.name}")
            continue
        new = b.table(old.uid)
        kept = {c.uid for c in new.cols}
        found += [f"drop column {new.name}.{c.name}" for c in old.cols if c.uid not in kept]
        w, v = old.partition, new.partition
        if isinstance(w, Window) and isinstance(v, Window) and shrinks(w, v):
            found.append(f"shrink {new.name}")
    if a.enum is not None and set(a.enum) - set(b.enum or ()):
        found.append(f"enum {ENUM}")
    return found


def shrinks(a: Window, b: Window) -> bool:
    """Whether partitions of A leave with nowhere for their rows to go (B has no DEFAULT)."""
    return not b.default and (a.default or a.start < b.start or a.end > b.end)


def partition_yaml(table: Tbl) -> dict[str, Any]:
    p = table.partition
    if isinstance(p, Hash):
        return {"hash": {"key": table.pk.name, "modulus": p.modulus}}
    assert isinstance(p, Window)
    window: dict[str, Any] = {
        "key": table.col(p.key).name,
        "every": p.every,
        "from": month(p.start),
        "to": month(p.end),
    }
    if p.default:
        window["default"] = True
    return {"range": window}


def index_yaml(index: Idx, table: Tbl) -> dict[str, Any]:
    column = table.col(index.column).name
    if index.kind == "desc":
        return {"columns": [f"{column} DESC"]}
    if index.kind == "expression":
        return {"expression": f"lower({column})"}
    if index.kind == "partial":
        assert index.predicate is not None
        flag = table.col(index.predicate)
        where = {"bool": f"{flag.name} = true", "enum": f"{flag.name} <> '{index.value}'"}.get(
            kind(flag.type), f"{flag.name} > 0"
        )
        return {"columns": [column], "where": where}
    return {"columns": [column]}


def view_yaml(view: ViewSpec, schema: Schema) -> dict[str, Any]:
    table = schema.table(view.table)
    query = f"SELECT {', '.join(table.col(u).name for u in view.cols)} FROM {table.name}"
    if view.where is not None:
        query += f" WHERE {table.col(view.where).name} > 0"
    entry: dict[str, Any] = {"query": query}
    if view.materialized:
        entry["materialized"] = True
    return entry


# --- drawing A -----------------------------------------------------------------------------------


def maybe(draw: st.DrawFn) -> bool:
    """A coin whose likelier side is True. The fixed (derandomized) examples begin with each strategy's
    first choice; starting from the richer side puts more objects and edits into every example."""
    return draw(st.sampled_from([True, False]))


def draw_default(draw: st.DrawFn, type_: str, enum: list[str] | None, *, fills_rows: bool = False) -> Any:
    """`fills_rows`: the default is what rows already there get, so an enum's is a value rows may hold."""
    options: dict[str, list[Any]] = {
        "int": [1, 3, Sql("1 + 1")],
        "text": ["x", "it's", Sql("'a' || 'b'")],
        "bool": [True, False],
        "ts": [Sql("now()"), "2024-01-01 00:00:00+00"],
        "num": [0, 1.5, Sql("2.25")],
        "json": [{}, {"a": 1}, []],
        "enum": list(HELD if fills_rows else enum or ENUM_VALUES),
    }
    return draw(st.sampled_from(options[kind(type_)]))


def draw_type(draw: st.DrawFn, enum: list[str] | None) -> str:
    # the enum twice: columns of it are what a rebuilt enum converts
    choices = list(SCALAR_TYPES) + ([ENUM, ENUM] if enum is not None else [])
    type_ = draw(st.sampled_from(choices))
    if type_ == "varchar":
        type_ = f"varchar({draw(st.integers(4, 12))})"
    return type_


def draw_column(draw: st.DrawFn, schema: Schema, *, existing_rows: bool) -> Col:
    """A new non-key column; on a table that holds rows it is nullable or has a default."""
    uid = schema.uid()
    type_ = draw_type(draw, schema.enum)
    nullable = draw(st.booleans())
    default = (
        draw_default(draw, type_, schema.enum, fills_rows=existing_rows)
        if draw(st.sampled_from([1, 0, 0]))
        else None
    )
    if existing_rows and not nullable and default is None:
        default = draw_default(draw, type_, schema.enum, fills_rows=True)
    comment = draw(st.sampled_from([None, None, "a column", "it's here"]))
    if existing_rows:
        distinct, nulls = default is None, default is None
    else:
        distinct, nulls = kind(type_) not in ("bool", "enum", "json"), False
    return Col(uid, f"c{uid}", type_, nullable, default, comment, distinct=distinct, nulls=nulls)


def enum_checks(column: Col, enum: list[str] | None) -> list[Check]:
    """Checks on an enum column that rows, which hold HELD values (or NULL), satisfy."""
    held = ", ".join(f"'{v}'" for v in HELD)
    found = [Check("{c} <> '" + v + "'", column.uid) for v in enum or () if v not in HELD]
    return [*found, Check("{c} IN (" + held + ")", column.uid)]


def draw_check(draw: st.DrawFn, table: Tbl, enum: list[str] | None) -> Check | None:
    """A check every row of either version satisfies: ints and numerics ≥ 0, text non-empty, or an
    enum column that holds no value but HELD ones."""
    options: list[Check] = []
    for c in table.cols:
        k = kind(c.type)
        if k in ("int", "num"):
            options.append(Check("{c} >= 0", c.uid))
        elif k == "text":
            options += [Check("{c} <> ''", c.uid), Check("length({c}) < 100", c.uid)]
        elif k == "enum":
            options += enum_checks(c, enum)
    return draw(st.sampled_from(options)) if options else None


def draw_index(
    draw: st.DrawFn, table: Tbl, enum: list[str] | None, new_values: set[str] | None = None
) -> Idx | None:
    plain = [c for c in table.cols if kind(c.type) in ("int", "text", "ts", "date", "num", "enum")]
    if not plain:
        return None
    index_kind = draw(st.sampled_from(["plain", "desc", "partial", "expression"]))
    if index_kind == "expression":
        texts = [c for c in table.cols if kind(c.type) == "text"]
        if texts:
            return Idx("expression", draw(st.sampled_from(texts)).uid)
        index_kind = "plain"
    column = draw(st.sampled_from(plain)).uid
    if index_kind == "partial":
        flags = [c for c in table.cols if kind(c.type) in ("bool", "int", "enum")]
        if flags:
            flag = draw(st.sampled_from(flags))
            return Idx("partial", column, flag.uid, draw_predicate_value(draw, flag, enum, new_values))
        index_kind = "plain"
    return Idx(index_kind, column)


def draw_predicate_value(
    draw: st.DrawFn, flag: Col, enum: list[str] | None, new_values: set[str] | None
) -> str | None:
    """An enum predicate's value: rather one B adds (then ADD VALUE commits at once), else any."""
    if kind(flag.type) != "enum":
        return None
    return sorted(new_values)[0] if new_values else draw(st.sampled_from(enum or list(ENUM_VALUES)))


def draw_enum_extras(draw: st.DrawFn, table: Tbl, enum: list[str] | None) -> None:
    """On a table with an enum column, often a check, a partial index or a plain index that reads it:
    what a rebuild of the enum has to drop and create again (or PostgreSQL rebuilds)."""
    columns = [c for c in table.cols if kind(c.type) == "enum"]
    if not columns:
        return
    column = draw(st.sampled_from(columns))
    extra = draw(st.sampled_from(["both", "partial", "check", "plain", "none"]))
    if extra in ("both", "check"):
        table.checks[f"ck{column.uid}e"] = draw(st.sampled_from(enum_checks(column, enum)))
    if extra in ("both", "partial"):
        indexed = draw(st.sampled_from([*(table.col(u) for u in table.pk_uids), column]))
        value = draw(st.sampled_from(enum or list(ENUM_VALUES)))
        table.add_index(Idx("partial", indexed.uid, column.uid, value))
    elif extra == "plain":
        table.add_index(Idx("plain", column.uid))


def unique_candidates(table: Tbl) -> list[Col]:
    return [c for c in table.cols if c.distinct and kind(c.type) in ("int", "text", "ts", "num")]


def draw_unique(draw: st.DrawFn, table: Tbl, candidates: list[Col]) -> tuple[int, ...]:
    """One distinct column, sometimes with a second column of any kind after it; then the partition key
    (PostgreSQL wants it in every unique constraint of a partitioned table)."""
    first = draw(st.sampled_from(candidates)).uid
    others = [c.uid for c in table.cols[1:] if c.uid != first and kind(c.type) != "json"]
    unique: tuple[int, ...] = (first,)
    if others and draw(st.integers(0, 3)) == 0:
        unique = (first, draw(st.sampled_from(others)))
    return tuple(dict.fromkeys(unique + tuple(table.key_uids)))


def draw_window(draw: st.DrawFn, key: int) -> Window:
    every = draw(st.sampled_from(["month", "quarter"]))
    if every == "quarter":
        start, length = 3 * draw(st.integers(0, 2)), 3 * draw(st.sampled_from([2, 1]))
    else:
        start, length = draw(st.integers(0, 5)), draw(st.sampled_from([3, 2, 4]))
    return Window(key, every, start, start + length, draw(st.booleans()))


def draw_table(draw: st.DrawFn, schema: Schema, *, new: bool, partition: str | None = None) -> Tbl:
    """A table with a primary key `id`-like first column; `new`: created by B, so it holds no rows.
    `partition`: hash (on that key) or range (on a date or timestamptz column, second in the key)."""
    uid = schema.uid()
    pk = Col(schema.uid(), "", draw(st.sampled_from(["bigint", "integer"])))
    pk.name = f"id{pk.uid}"
    table = Tbl(uid, f"t{uid}", [pk])
    if partition == "hash":
        table.partition = Hash(draw(st.sampled_from([4, 2, 3])))
    elif partition == "range":
        key = Col(schema.uid(), "", draw(st.sampled_from(["timestamptz", "date"])), distinct=False)
        key.name = f"at{key.uid}"
        table.cols.append(key)
        table.partition = draw_window(draw, key.uid)
    for _ in range(draw(st.sampled_from([3, 4, 2, 1]))):
        table.cols.append(draw_column(draw, schema, existing_rows=False))
    if schema.enum is not None and all(kind(c.type) != "enum" for c in table.cols) and maybe(draw):
        column = draw_column(draw, schema, existing_rows=False)
        column.type, column.default, column.distinct = ENUM, None, False
        table.cols.append(column)
    # a foreign key to an earlier table's primary key, of its type
    parents = [t for t in schema.tables if len(t.pk_uids) == 1]
    if parents and maybe(draw):
        parent = draw(st.sampled_from(parents))
        fk = Col(schema.uid(), "", parent.pk.type, nullable=draw(st.booleans()), ref=parent.uid)
        fk.on_delete = draw(st.sampled_from([None, None, "cascade", "restrict"]))
        fk.name = f"c{fk.uid}"
        table.cols.append(fk)
    if maybe(draw) and (candidates := unique_candidates(table)[1:]):
        table.uniques.append(draw_unique(draw, table, candidates))
    if maybe(draw) and (check := draw_check(draw, table, schema.enum)):
        table.checks[f"ck{schema.uid()}"] = check
    for _ in range(draw(st.sampled_from([2, 1, 3, 0]))):
        if index := draw_index(draw, table, schema.enum):
            table.add_index(index)
    draw_enum_extras(draw, table, schema.enum)
    table.comment = draw(st.sampled_from([None, None, "a table", "o'clock"]))
    if new:
        for c in table.cols:
            c.distinct, c.nulls = True, False
    return table


def draw_view(draw: st.DrawFn, schema: Schema) -> ViewSpec:
    table = draw(st.sampled_from(schema.tables))
    cols = draw(st.lists(st.sampled_from([c.uid for c in table.cols]), min_size=1, max_size=3, unique=True))
    ints = [c.uid for c in table.cols if kind(c.type) == "int"]
    where = draw(st.sampled_from(ints)) if ints and maybe(draw) else None
    return ViewSpec(f"v{schema.uid()}", table.uid, cols, where, materialized=draw(st.integers(0, 3)) == 0)


ENUMS = (ENUM_VALUES, ENUM_VALUES[:3], ENUM_VALUES[:2])


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    enum = list(draw(st.sampled_from(ENUMS))) if draw(st.sampled_from([True, True, False])) else None
    schema = Schema(enum, [], [])
    for _ in range(draw(st.sampled_from([3, 2, 4]))):
        schema.tables.append(draw_table(draw, schema, new=False))
    if maybe(draw):
        schema.views.append(draw_view(draw, schema))
    return schema


@st.composite
def partitioned_schemas(draw: st.DrawFn) -> Schema:
    """A hash-partitioned table, a range-partitioned one, or both, with an enum, and perhaps a plain
    table (which often references the hash-partitioned one: its key is dropped around the moves)."""
    schema = Schema(list(draw(st.sampled_from(ENUMS))), [], [])
    shape = draw(st.sampled_from(["both", "hash", "range"]))
    if shape != "range":
        schema.tables.append(draw_table(draw, schema, new=False, partition="hash"))
    if shape != "hash":
        schema.tables.append(draw_table(draw, schema, new=False, partition="range"))
    if maybe(draw):
        schema.tables.append(draw_table(draw, schema, new=False))
    if draw(st.integers(0, 3)) == 0:
        schema.views.append(draw_view(draw, schema))
    return schema


# --- edits: A → B --------------------------------------------------------------------------------


@dataclass
class Pair:
    a: Schema
    b: Schema
    edits: list[str]
    keys: dict[int, list[Any]] = field(default_factory=dict)  # a range key's value in each row, by table

    @property
    def a_yaml(self) -> str:
        return to_yaml(self.a)

    @property
    def b_yaml(self) -> str:
        return to_yaml(self.b, self.a)

    def __repr__(self) -> str:  # a failing example's notes hold both specs as YAML
        return f"Pair(edits={self.edits})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


Edit = Callable[[st.DrawFn, Schema, Schema], bool]


def holds_rows(table: Tbl, a: Schema) -> bool:
    """Whether a table of B comes from A, so the database holds its rows (B's new tables are empty)."""
    return a.has_table(table.uid)


def non_key_columns(b: Schema) -> list[tuple[Tbl, Col]]:
    return [(t, c) for t in b.tables for c in t.cols if c.uid not in t.pk_uids]


def pick(draw: st.DrawFn, candidates: list[tuple[Tbl, Col]]) -> tuple[Tbl, Col]:
    """One of the columns, more often one that an index, a unique constraint or a check reads: what
    PostgreSQL rebuilds, or the planner drops and creates again, when the column changes."""
    read = [(t, c) for t, c in candidates if t.reads(c.uid)]
    return draw(st.sampled_from(read if read and maybe(draw) else candidates))


def add_column(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    column = draw_column(draw, b, existing_rows=holds_rows(table, a))
    if not holds_rows(table, a):
        column.distinct, column.nulls = True, False
    table.cols.append(column)
    return True


def add_not_null_column_with_default(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    column = draw_column(draw, b, existing_rows=True)
    column.nullable = False
    if column.default is None:
        column.default = draw_default(draw, column.type, b.enum, fills_rows=True)
    column.distinct, column.nulls = not holds_rows(table, a), False
    table.cols.append(column)
    return True


def forget_column(b: Schema, table: Tbl, uid: int) -> None:
    """Remove everything of B that reads column `uid` of `table`, then the column."""
    table.uniques = [u for u in table.uniques if uid not in u]
    table.checks = {n: c for n, c in table.checks.items() if c.column != uid}
    table.indexes = [i for i in table.indexes if uid not in (i.column, i.predicate)]
    for view in b.views:
        if view.table == table.uid:
            view.cols = [c for c in view.cols if c != uid] or [table.pk.uid]
            if view.where == uid:
                view.where = None
    table.cols = [c for c in table.cols if c.uid != uid]


def drop_column(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """Not a column of a unique constraint of A that down would refill with one default for every row:
    down recreates structure, not data, so that constraint cannot come back (a limitation, not a bug).
    Without a default it comes back NULL (nullable even if A says NOT NULL: SG906), which a unique
    constraint accepts. Nor, for the same reason, an enum column whose default (not a HELD value) a
    check of A on it refuses."""
    refilled = {u for t in a.tables for unique in t.uniques for u in unique if t.col(u).default is not None}
    refilled |= {
        check.column
        for t in a.tables
        for check in t.checks.values()
        if kind(t.col(check.column).type) == "enum" and t.col(check.column).default not in (None, *HELD)
    }
    candidates = [(t, c) for t, c in non_key_columns(b) if c.uid not in refilled]
    if not candidates:
        return False
    table, column = draw(st.sampled_from(candidates))
    forget_column(b, table, column.uid)
    return True


def rename_column(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    _, column = pick(draw, [(t, c) for t in b.tables for c in t.cols])
    column.name = f"r{b.uid()}"
    return True


def rename_table(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    table.name = f"u{b.uid()}"
    return True


def widen_varchar(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    candidates = [(t, c) for t in b.tables for c in t.cols if c.type.startswith("varchar")]
    if not candidates:
        return False
    _, column = pick(draw, candidates)
    length = int(column.type[len("varchar(") : -1])
    column.type = draw(st.sampled_from(["text", f"varchar({length + draw(st.integers(1, 50))})"]))
    return True


def integer_to_bigint(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """integer → bigint; a primary key's referencing columns are widened with it. Not a partition key
    column: PostgreSQL cannot retype it, and the planner refuses to
    (test_retyping_a_partition_key_column_is_refused)."""
    candidates = [
        (t, c)
        for t in b.tables
        for c in t.cols
        if c.type == "integer" and c.ref is None and c.uid not in t.key_uids
    ]
    if not candidates:
        return False
    table, column = pick(draw, candidates)
    column.type = "bigint"
    if column is table.pk:
        for other in b.tables:
            for c in other.cols:
                if c.ref == table.uid:
                    c.type = "bigint"
    return True


def toggle_nullable(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    candidates = [(t, c) for t, c in non_key_columns(b) if not c.nullable or not c.nulls]
    if not candidates:
        return False
    _, column = draw(st.sampled_from(candidates))
    column.nullable = not column.nullable
    return True


def change_default(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """A new default, or none; existing rows keep their values either way. Not a column B adds to a table
    holding rows: its default is what the rows get (without one, NOT NULL is refused, and correctly)."""
    a_cols = {c.uid for t in a.tables for c in t.cols}
    candidates = [(t, c) for t, c in non_key_columns(b) if c.uid in a_cols or not holds_rows(t, a)]
    if not candidates:
        return False
    _, column = draw(st.sampled_from(candidates))
    column.default = draw(st.sampled_from([draw_default(draw, column.type, b.enum), None]))
    return True


def add_index(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    index = draw_index(draw, table, b.enum, new_enum_values(b, a))
    if index is None:
        return False
    return table.add_index(index)


def drop_index(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    tables = [t for t in b.tables if t.indexes]
    if not tables:
        return False
    table = draw(st.sampled_from(tables))
    del table.indexes[draw(st.integers(0, len(table.indexes) - 1))]
    return True


def new_enum_values(b: Schema, a: Schema) -> set[str]:
    return set(b.enum or ()) - set(a.enum or ())


def add_check(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    check = draw_check(draw, table, b.enum)
    if check is None:
        return False
    table.checks[f"ck{b.uid()}"] = check
    return True


def drop_check(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    tables = [t for t in b.tables if t.checks]
    if not tables:
        return False
    table = draw(st.sampled_from(tables))
    del table.checks[draw(st.sampled_from(sorted(table.checks)))]
    return True


def add_unique(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    candidates = unique_candidates(table)[1:]
    if not candidates:
        return False
    unique = draw_unique(draw, table, candidates)
    if unique in table.uniques:
        return False
    table.uniques.append(unique)
    return True


def drop_unique(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    tables = [t for t in b.tables if t.uniques]
    if not tables:
        return False
    table = draw(st.sampled_from(tables))
    del table.uniques[draw(st.integers(0, len(table.uniques) - 1))]
    return True


def add_foreign_key(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """A reference the rows already satisfy: integers are 1..3, the ids of every table of A."""
    candidates = []
    for child in b.tables:
        for column in child.cols[1:]:
            if column.ref is not None or kind(column.type) != "int":
                continue
            for parent in b.tables:
                if len(parent.pk_uids) > 1 or parent.pk.type != column.type:
                    continue
                if holds_rows(parent, a) or not holds_rows(child, a):
                    candidates.append((column, parent))
    if not candidates:
        return False
    column, parent = draw(st.sampled_from(candidates))
    column.ref = parent.uid
    column.on_delete = draw(st.sampled_from([None, "cascade"]))
    return True


def drop_foreign_key(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    candidates = [c for t in b.tables for c in t.cols if c.ref is not None]
    if not candidates:
        return False
    column = draw(st.sampled_from(candidates))
    column.ref = column.on_delete = None
    return True


def add_enum_value(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    if b.enum is None:
        return False
    free = [v for v in NEW_ENUM_VALUES if v not in b.enum]
    if not free:
        return False
    b.enum.insert(draw(st.integers(0, len(b.enum))), draw(st.sampled_from(free)))
    return True


def remove_enum_values(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """Values no row holds leave the enum (rebuilt, its columns converted), and what of B reads them:
    checks and partial indexes comparing with them go, defaults become a HELD value."""
    if b.enum is None or not (removable := [v for v in b.enum if v not in HELD]):
        return False
    gone = set(draw(st.lists(st.sampled_from(removable), min_size=1, max_size=2, unique=True)))
    b.enum = [v for v in b.enum if v not in gone]
    for table in b.tables:
        table.checks = {n: c for n, c in table.checks.items() if not c.mentions(gone)}
        table.indexes = [i for i in table.indexes if i.value not in gone]
        for c in table.cols:
            if kind(c.type) == "enum" and c.default in gone:
                c.default = HELD[0]
    return True


def reorder_enum(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """The values in another order: the enum is rebuilt, its columns converted through text."""
    if b.enum is None or len(b.enum) < 2:
        return False
    order = list(draw(st.permutations(b.enum)))
    b.enum = order if order != b.enum else order[1:] + order[:1]
    return True


def change_view(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    if not b.views:
        return False
    view = draw(st.sampled_from(b.views))
    table = b.table(view.table)
    change = draw(st.sampled_from(["columns", "where", "materialized"]))
    if change == "columns":
        view.cols = draw(
            st.lists(st.sampled_from([c.uid for c in table.cols]), min_size=1, max_size=3, unique=True)
        )
    elif change == "where":
        ints = [c.uid for c in table.cols if kind(c.type) == "int" and c.uid != view.where]
        view.where = draw(st.sampled_from([*ints, None]))
    else:
        view.materialized = not view.materialized
    return True


def add_table(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    b.tables.append(draw_table(draw, b, new=True))
    return True


def drop_table(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """Not a table that another references, in B or in A: down recreates it empty, and a foreign key it
    restores would fail on the rows that referenced the lost ones (a limitation, not a bug)."""
    referenced = {
        c.ref for side in (a, b) for t in side.tables for c in t.cols if c.ref is not None and c.ref != t.uid
    }
    candidates = [t for t in b.tables if t.uid not in referenced]
    if len(b.tables) < 2 or not candidates:
        return False
    table = draw(st.sampled_from(candidates))
    b.tables.remove(table)
    b.views = [v for v in b.views if v.table != table.uid]
    return True


def change_comment(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    table = draw(st.sampled_from(b.tables))
    text = draw(st.sampled_from([None, "changed", "it's changed"]))
    if draw(st.booleans()):
        table.comment = text
    else:
        draw(st.sampled_from(table.cols)).comment = text
    return True


EDITS: dict[str, Edit] = {
    f.__name__: f
    for f in (
        rename_table,
        rename_column,
        add_column,
        add_not_null_column_with_default,
        drop_column,
        widen_varchar,
        integer_to_bigint,
        toggle_nullable,
        change_default,
        add_index,
        drop_index,
        add_check,
        drop_check,
        add_unique,
        drop_unique,
        add_foreign_key,
        drop_foreign_key,
        add_enum_value,
        remove_enum_values,
        reorder_enum,
        change_view,
        add_table,
        drop_table,
        change_comment,
    )
}


#: edits of an enum's values that rebuild it
REBUILDS = ("remove_enum_values", "reorder_enum")
#: edits that change a column in place (`pick` prefers one an index, a constraint or a check reads)
RETYPES = ("widen_varchar", "integer_to_bigint", "rename_column")


def focused(draw: st.DrawFn, a: Schema, names: list[str]) -> list[str]:
    """`names`, in two cases of three with one of REBUILDS put in somewhere (when A has the enum), in
    one of two with one of RETYPES: what the property is most often about."""
    for focus, skip in (
        (REBUILDS, a.enum is None or draw(st.integers(0, 2)) == 2),
        (RETYPES, not maybe(draw)),
    ):
        if not skip and not any(n in names for n in focus):
            at = draw(st.integers(0, len(names)))
            names = [*names[:at], draw(st.sampled_from(focus)), *names[at:]]
    return names


def apply_edits(draw: st.DrawFn, a: Schema, b: Schema, names: list[str]) -> list[str]:
    """The edits that found something to work on, applied to B."""
    return [name for name in names if ALL_EDITS[name](draw, b, a)]


@st.composite
def spec_pairs(draw: st.DrawFn) -> Pair:
    a = draw(schemas())
    b = copy.deepcopy(a)
    count = draw(st.sampled_from([4, 3, 2, 1]))  # the first is the likeliest: most edits per example
    done = apply_edits(draw, a, b, focused(draw, a, draw(st.permutations(list(EDITS)))[:count]))
    if not done:  # every drawn edit had nothing to work on
        add_column(draw, b, a)
        done.append("add_column")
    return Pair(a, b, done)


# --- edits of partitioned tables -----------------------------------------------------------------


def change_modulus(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """Another hash modulus: a multiple or a divisor first (split, merge), else any (rebuild)."""
    tables = [t for t in b.tables if isinstance(t.partition, Hash)]
    if not tables:
        return False
    table = draw(st.sampled_from(tables))
    assert isinstance(table.partition, Hash)
    m = table.partition.modulus
    options = sorted((n for n in (2, 3, 4, 6, 8) if n != m), key=lambda n: (n % m and m % n, n))
    table.partition = Hash(draw(st.sampled_from(options)))
    return True


def windows(b: Schema) -> list[tuple[Tbl, Window]]:
    return [(t, t.partition) for t in b.tables if isinstance(t.partition, Window)]


def move_window(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """The window moved or shrunk by one period when it spans two or more (so it still overlaps A's,
    where the rows are when neither version has a DEFAULT), else extended at either end."""
    if not (found := windows(b)):
        return False
    table, w = draw(st.sampled_from(found))
    step, start, end = w.step, w.start, w.end
    how = draw(
        st.sampled_from(["later", "extend_end", "earlier", "extend_start", "shrink_end", "shrink_start"])
    )
    wide = end - start >= 2 * step
    if how == "later" and wide:
        start, end = start + step, end + step
    elif how == "earlier" and wide:
        start, end = start - step, end - step
    elif how == "shrink_end" and wide:
        end -= step
    elif how == "shrink_start" and wide:
        start += step
    elif how in ("earlier", "extend_start"):
        start -= step
    else:
        end += step
    table.partition = replace(w, start=start, end=end)
    return True


def toggle_default(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    if not (found := windows(b)):
        return False
    table, w = draw(st.sampled_from(found))
    table.partition = replace(w, default=not w.default)
    return True


def regrain_window(draw: st.DrawFn, b: Schema, a: Schema) -> bool:
    """Quarters into months, or months into quarters where the window is aligned to them."""
    found = [(t, w) for t, w in windows(b) if w.every == "quarter" or w.start % 3 == w.end % 3 == 0]
    if not found:
        return False
    table, w = draw(st.sampled_from(found))
    table.partition = replace(w, every="month" if w.every == "quarter" else "quarter")
    return True


PARTITION_EDITS: dict[str, Edit] = {
    f.__name__: f for f in (change_modulus, move_window, toggle_default, regrain_window)
}
ALL_EDITS = EDITS | PARTITION_EDITS


def moment(type_: str, offset: int, day: int) -> date | datetime:
    """A value of a range key in month `offset`: on its first instant (a bound) when `day` is 0."""
    at = month(offset) + timedelta(days=day)
    if type_ == "date":
        return at
    return datetime(at.year, at.month, at.day, 9 if day else 0, tzinfo=UTC)


def draw_keys(draw: st.DrawFn, a: Schema, b: Schema) -> dict[int, list[Any]]:
    """Each row's range key, in a month both versions have a partition for (a window, or a DEFAULT)."""
    keys = {}
    for table, w in windows(a):
        v = b.table(table.uid).partition if b.has_table(table.uid) else w
        assert isinstance(v, Window)
        months = range(min(w.start, v.start) - 1, max(w.end, v.end) + 1)
        key_type = table.col(w.key).type
        fits = [moment(key_type, m, day) for m in months if w.holds(m) and v.holds(m) for day in (0, 14)]
        keys[table.uid] = draw(st.lists(st.sampled_from(fits), min_size=ROWS, max_size=ROWS))
    return keys


@st.composite
def partition_pairs(draw: st.DrawFn) -> Pair:
    """One to three partition edits, mixed in with up to three others and, often, an enum rebuild or
    a column changed in place (as in `spec_pairs`)."""
    a = draw(partitioned_schemas())
    b = copy.deepcopy(a)
    names = draw(st.permutations(list(PARTITION_EDITS)))[: draw(st.sampled_from([2, 1, 3]))]
    names += focused(draw, a, draw(st.permutations(list(EDITS)))[: draw(st.sampled_from([2, 1, 0, 3]))])
    done = apply_edits(draw, a, b, draw(st.permutations(names)))
    if not any(name in PARTITION_EDITS for name in done):
        for name in ("change_modulus", "move_window"):  # none found its table: the other one's then
            if ALL_EDITS[name](draw, b, a):
                done.append(name)
                break
    return Pair(a, b, done, draw_keys(draw, a, b))


# --- rows ----------------------------------------------------------------------------------------


def value(column: Col, row: int) -> Any:
    """Row `row`'s value of an A column: non-NULL, distinct per row where the type allows, fits B."""
    k = kind(column.type)
    if k == "int":
        return row + 1
    if k == "text":
        return f"v{row + 1}"
    if k == "bool":
        return row % 2 == 0
    if k == "ts":
        return datetime(2024, 1, row + 1, tzinfo=UTC)
    if k == "date":
        return date(2024, 1, row + 1)
    if k == "num":
        return Decimal(f"{row + 1}.50")
    if k == "json":
        return Jsonb({"k": row})
    return HELD[row % len(HELD)]


def seed(conn: psycopg.Connection, pair: Pair) -> None:
    for table in pair.a.tables:  # foreign keys of A only reference earlier tables
        names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.cols)
        marks = sql.SQL(", ").join(sql.Placeholder() * len(table.cols))
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(sql.Identifier(table.name), names, marks)
        keys = pair.keys.get(table.uid)
        key = table.partition.key if isinstance(table.partition, Window) else None
        for row in range(ROWS):
            conn.execute(query, [keys[row] if keys and c.uid == key else value(c, row) for c in table.cols])


def common_rows(conn: psycopg.Connection, side: Schema, other: Schema) -> dict[int, list[tuple]]:
    """Per table uid, the rows of the columns `side` shares with `other`, ordered by primary key."""
    found = {}
    other_cols = {c.uid for t in other.tables for c in t.cols}
    for table in side.tables:
        if not other.has_table(table.uid):
            continue
        cols = [c for c in table.cols if c.uid in other_cols]
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(sql.Identifier(c.name) for c in cols),
            sql.Identifier(table.name),
            sql.Identifier(table.pk.name),
        )
        found[table.uid] = conn.execute(query).fetchall()
    return found


# --- the property --------------------------------------------------------------------------------


_databases = itertools.count()


@contextmanager
def database(cluster: ThrowawayCluster) -> Iterator[psycopg.Connection]:
    """An autocommit connection to a new, empty database, dropped afterwards."""
    name = f"prop_{os.getpid()}_{next(_databases)}"
    conn = psycopg.connect(cluster.create_database(name), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        cluster.drop_database(name)


def compile_yaml(text: str) -> Model:
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "spec.yaml").write_text(text)
        return compile_spec(Path(root)).model


def down_catalog(a_catalog: Catalog, migration: Migration) -> Catalog:
    """A's catalog as the down migration restores it: a column it re-adds nullable (SG906, its values
    are gone) lacks its NOT NULL, on the table and on its partitions; nothing else may differ."""
    expected = copy.deepcopy(a_catalog)
    relations = expected["relations"]
    for op in migration.down_operations:
        if any(h.code == "SG906" for h in op.hazards):
            table, column = op.target.split(".")
            tree = {table}
            while grown := {n for n, r in relations.items() if r["partition_of"] in tree} - tree:
                tree |= grown
            for name in tree:
                relations[name]["columns"][column]["not_null"] = False
    return expected


def check_pair(cluster: ThrowawayCluster, pair: Pair) -> None:
    """Up at A gives B's catalog, down gives A's, and the rows of the shared columns survive both."""
    note(f"edits: {pair.edits}\n--- A ---\n{pair.a_yaml}--- B ---\n{pair.b_yaml}")
    if pair.keys:
        note(f"range keys of the rows, by table: {pair.keys}")
    before, after = compile_yaml(pair.a_yaml), compile_yaml(pair.b_yaml)
    migration = build_migration(before, after, "0002_change")
    note(f"--- up ---\n{migration.up_sql}--- down ---\n{migration.down_sql}")
    refusal = refused(migration, after.project.allow_destructive)
    assert refusal is None, f"migrate new refuses what B allows: {refusal}"
    with database(cluster) as conn:
        create(conn, before)
        a_catalog = snapshot(conn)
        seed(conn, pair)
        rows_a = common_rows(conn, pair.a, pair.b)
        apply_sql(conn, migration.up_sql)
        with database(cluster) as fresh:
            create(fresh, after)
            b_catalog = snapshot(fresh)
        assert_catalog_equal(snapshot(conn), b_catalog)
        assert common_rows(conn, pair.b, pair.a) == rows_a, "rows changed by up"
        apply_sql(conn, migration.down_sql)
        assert_catalog_equal(snapshot(conn), down_catalog(a_catalog, migration))
        assert common_rows(conn, pair.a, pair.b) == rows_a, "rows changed by down"


def examples(count: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        # A shrink step costs two databases, and hypothesis shrinks for up to five minutes: the pairs are
        # small, and a failing one is printed as two specs with their migration, so it is not shrunk.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )


@examples(80)
@given(pair=spec_pairs())
def test_up_gives_b_and_down_gives_a(pg_cluster: ThrowawayCluster, pair: Pair) -> None:
    check_pair(pg_cluster, pair)


@examples(70)
@given(pair=partition_pairs())
def test_partitioned_tables_up_gives_b_and_down_gives_a(pg_cluster: ThrowawayCluster, pair: Pair) -> None:
    """The same for hash moduli and range windows changed (with their rows moved), among other edits."""
    check_pair(pg_cluster, pair)


# --- regressions: pairs the property found ---------------------------------------------------------

PROJECT = "project: {name: prop, postgres: 15}\n"


def roundtrip(cluster: ThrowawayCluster, a_yaml: str, b_yaml: str, seed_sql: str = "") -> None:
    """Up at A (after `seed_sql`) gives B's catalog, and down gives A's."""
    before = compile_yaml(PROJECT + textwrap.dedent(a_yaml))
    after = compile_yaml(PROJECT + textwrap.dedent(b_yaml))
    migration = build_migration(before, after, "0002_change")
    with database(cluster) as conn:
        create(conn, before)
        a_catalog = snapshot(conn)
        if seed_sql:
            conn.execute(seed_sql.encode())
        apply_sql(conn, migration.up_sql)
        with database(cluster) as fresh:
            create(fresh, after)
            b_catalog = snapshot(fresh)
        assert_catalog_equal(snapshot(conn), b_catalog)
        apply_sql(conn, migration.down_sql)
        assert_catalog_equal(snapshot(conn), down_catalog(a_catalog, migration))


def test_dropping_a_not_null_column_without_default_is_planned(pg_cluster: ThrowawayCluster) -> None:
    """Down re-adds the column, which the planner refused (a new NOT NULL column without a default), so
    `migrate new --allow-destructive` could not drop such a column. Now it comes back nullable (SG906)."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, v: text}}
        """,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        "INSERT INTO t VALUES (1, 'gone after up')",
    )


def test_dropping_a_not_null_column_of_a_partitioned_table_is_planned(pg_cluster: ThrowawayCluster) -> None:
    """The same on a partitioned table, whose partitions get the column back nullable too."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}, v: text}
            partition: {hash: {key: id, modulus: 2}}
        """,
        """\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}}
            partition: {hash: {key: id, modulus: 2}}
        """,
        "INSERT INTO t VALUES (1, 'gone after up'), (2, 'and this')",
    )


def test_an_added_column_keeps_its_comment(pg_cluster: ThrowawayCluster) -> None:
    """add_column renders the column without its COMMENT ON COLUMN."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        """\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              v: {type: text, nullable: true, comment: a note}
        """,
    )


def test_a_dropped_column_comes_back_with_its_comment(pg_cluster: ThrowawayCluster) -> None:
    """The same through down: the column re-added for A lacks its comment."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              v: {type: text, nullable: true, comment: a note}
        """,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        "INSERT INTO t VALUES (1, 'gone after up')",
    )


def test_varchar_to_text_recasts_a_literal_default(pg_cluster: ThrowawayCluster) -> None:
    """A fresh B says DEFAULT 'x'::text; ALTER TYPE alone leaves 'x'::character varying."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, v: {type: varchar(10), default: x}}}
        """,
        """\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, v: {type: text, default: x}}}
        """,
        "INSERT INTO t VALUES (1, 'a')",
    )


def test_an_enum_value_and_a_column_of_that_enum_added_together(pg_cluster: ThrowawayCluster) -> None:
    """Down removes the value by rebuilding the enum, which converts only the columns both versions
    have: the new column still holds the parked old type when DROP TYPE runs."""
    roundtrip(
        pg_cluster,
        """\
        enums: {mood: [red, green]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        """\
        enums: {mood: [red, green, teal]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, n: mood?}}
        """,
        "INSERT INTO t VALUES (1)",
    )


def test_rebuilt_enum_and_a_new_table_using_it(pg_cluster: ThrowawayCluster) -> None:
    """The new table is created with the old type before the rebuild, which skips it."""
    roundtrip(
        pg_cluster,
        """\
        enums: {mood: [red, green]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        """\
        enums: {mood: [green, red]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
          u: {columns: {id: {type: bigint, primary_key: true}, m: mood}}
        """,
    )


def test_rebuilt_enum_and_a_dropped_table_using_it(pg_cluster: ThrowawayCluster) -> None:
    """Up adds a value in the middle and drops the enum's only table; down recreates that table,
    then rebuilds the enum without converting it."""
    roundtrip(
        pg_cluster,
        """\
        enums: {mood: [red, green]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, m: mood}}
          u: {columns: {id: {type: bigint, primary_key: true}}}
        """,
        """\
        enums: {mood: [red, amber, green]}
        entities:
          u: {columns: {id: {type: bigint, primary_key: true}}}
        """,
    )


def test_a_second_identical_index_on_a_renamed_table_is_created(pg_cluster: ThrowawayCluster) -> None:
    """t_c_idx is renamed to u_c_idx, and u_c_idx1, of the same definition, is taken as renamed too."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}, c: text}
            indexes: [{columns: [c]}]
        """,
        """\
        entities:
          u:
            renamed_from: t
            columns: {id: {type: bigint, primary_key: true}, c: text}
            indexes: [{columns: [c]}, {columns: [c]}]
        """,
    )


def test_moved_rows_keep_a_renamed_column_down(pg_cluster: ThrowawayCluster) -> None:
    """Down renames v back to c, then splits the partitions: the rows were copied as (id, c, v), since
    the columns a move copies were matched through `renamed_from`, which the model of A lacks."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}, c: text}
            partition: {hash: {key: id, modulus: 4}}
        """,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}, v: {type: text, renamed_from: c}}
            partition: {hash: {key: id, modulus: 2}}
        """,
        "INSERT INTO h VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    )


def test_a_renamed_partition_key_column_is_renamed(pg_cluster: ThrowawayCluster) -> None:
    """The planner refused a partition key column's rename as a change of the key, which PostgreSQL
    cannot make in place; but RENAME COLUMN keeps the key (it is kept by column number). Here with the
    window extended, so rows move through the parent after the rename."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}}
            partition: {hash: {key: id, modulus: 2}}
          r:
            columns: {id: bigint, at: timestamptz}
            primary_key: [id, at]
            partition: {range: {key: at, every: month, from: 2024-01-01, to: 2024-03-01, default: true}}
        """,
        """\
        entities:
          h:
            columns: {n: {type: bigint, primary_key: true, renamed_from: id}}
            partition: {hash: {key: n, modulus: 2}}
          r:
            columns: {id: bigint, ts: {type: timestamptz, renamed_from: at}}
            primary_key: [id, ts]
            partition: {range: {key: ts, every: month, from: 2024-01-01, to: 2024-04-01, default: true}}
        """,
        "INSERT INTO h VALUES (1), (2), (3);"
        "INSERT INTO r VALUES (1, '2024-01-05+00'), (2, '2024-03-05+00'), (3, '2024-05-01+00');",
    )


def test_partitions_of_a_table_referencing_a_renamed_one_change(pg_cluster: ThrowawayCluster) -> None:
    """Dropping (or moving) a partition of r locks the tables r's foreign keys reference first: p, by
    its name in A, which the rename to q has already changed."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          p: {columns: {id: {type: bigint, primary_key: true}}}
          r:
            columns: {id: bigint, at: timestamptz, p_id: {type: bigint, references: p}}
            primary_key: [id, at]
            partition: {range: {key: at, every: month, from: 2024-01-01, to: 2024-03-01}}
        """,
        """\
        entities:
          q: {renamed_from: p, columns: {id: {type: bigint, primary_key: true}}}
          r:
            columns: {id: bigint, at: timestamptz, p_id: {type: bigint, references: q}}
            primary_key: [id, at]
            partition: {range: {key: at, every: month, from: 2024-02-01, to: 2024-04-01}}
        """,
        "INSERT INTO p VALUES (1); INSERT INTO r VALUES (1, '2024-02-05+00', 1);",
    )


def test_two_indexes_of_one_column_added_to_a_partitioned_table(pg_cluster: ThrowawayCluster) -> None:
    """The second index's partition indexes were named as the first's (h_p0_c_idx, not h_p0_c_idx1):
    CREATE INDEX … IF NOT EXISTS skipped them and ATTACH failed, the first index's being attached."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}, c: bigint}
            partition: {hash: {key: id, modulus: 2}}
        """,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}, c: bigint}
            partition: {hash: {key: id, modulus: 2}}
            indexes: [{columns: [c]}, {columns: [c]}]
        """,
        "INSERT INTO h VALUES (1, 1), (2, 2), (3, 3)",
    )


def test_retyping_a_partition_key_column_is_refused() -> None:
    """PostgreSQL cannot change the type of a column of a partition key: the planner wrote ALTER COLUMN
    … TYPE, which failed when the migration ran. It is refused, as other changes of the key are."""
    before = compile_yaml(
        PROJECT
        + textwrap.dedent(
            """\
            entities:
              h:
                columns: {id: {type: integer, primary_key: true}}
                partition: {hash: {key: id, modulus: 2}}
            """
        )
    )
    after = compile_yaml(
        PROJECT
        + textwrap.dedent(
            """\
            entities:
              h:
                columns: {id: {type: bigint, primary_key: true}}
                partition: {hash: {key: id, modulus: 2}}
            """
        )
    )
    with pytest.raises(PlanError, match=r"h\.id .*partition key"):
        build_migration(before, after, "0002_change")


def test_a_dropped_table_is_allowed_by_its_name() -> None:
    """The hazard's fix (and the README) say `allow_destructive: [drop table t]`, but `migrate new`
    matched a dropped table only by its schema-qualified name (`drop table public.t`), and refused."""
    before = compile_yaml(
        PROJECT
        + textwrap.dedent(
            """\
            entities:
              t: {columns: {id: {type: bigint, primary_key: true}}}
              u: {columns: {id: {type: bigint, primary_key: true}}}
            """
        )
    )
    after = compile_yaml(
        textwrap.dedent(
            """\
            project: {name: prop, postgres: 15, allow_destructive: [drop table t]}
            entities:
              u: {columns: {id: {type: bigint, primary_key: true}}}
            """
        )
    )
    migration = build_migration(before, after, "0002_change")
    assert [h.fix for op in migration.up_operations for h in op.hazards] == [
        "keep the entity, or allow it: `allow_destructive: [drop table t]`"
    ]
    assert refused(migration, after.project.allow_destructive) is None


def test_enum_values_appended_keep_their_order(pg_cluster: ThrowawayCluster) -> None:
    """Each value appended was added AFTER the last value of A, so gray landed before blue. (Down of
    removing both values.)"""
    roundtrip(
        pg_cluster,
        """\
        enums: {mood: [red, green]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, m: mood}}
        """,
        """\
        enums: {mood: [red, green, blue, gray]}
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}, m: mood}}
        """,
        "INSERT INTO t VALUES (1, 'red'), (2, 'green')",
    )


def test_renaming_a_table_that_references_a_partitioned_one(pg_cluster: ThrowawayCluster) -> None:
    """A foreign key to a partitioned table has a clone per partition of it (t_h_id_fkey1, …), named
    after the referencing table: renaming t to u renamed the key, and left the clones' names."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}}
            partition: {hash: {key: id, modulus: 2}}
          t: {columns: {id: {type: bigint, primary_key: true}, h_id: {type: bigint, references: h}}}
        """,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}}
            partition: {hash: {key: id, modulus: 2}}
          u:
            renamed_from: t
            columns: {id: {type: bigint, primary_key: true}, h_id: {type: bigint, references: h}}
        """,
        "INSERT INTO h VALUES (1), (2); INSERT INTO t VALUES (1, 1), (2, 2);",
    )


def test_enum_rebuilt_under_two_indexes_of_its_column_on_a_partitioned_table(
    pg_cluster: ThrowawayCluster,
) -> None:
    """h_m_idx (its predicate compares with a value) is dropped before the rebuild, h_m_idx1 is rebuilt
    by it, and its partitions' indexes take the names h_m_idx's had; creating h_m_idx again then finds
    h_p0_m_idx attached to h_m_idx1."""
    spec = """\
        enums: {mood: VALUES}
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}, m: mood}
            partition: {hash: {key: id, modulus: 2}}
            indexes: [{columns: [m], where: "m <> 'red'"}, {columns: [m]}]
        """
    roundtrip(
        pg_cluster,
        spec.replace("VALUES", "[red, green]"),
        spec.replace("VALUES", "[green, red]"),
        "INSERT INTO h VALUES (1, 'red'), (2, 'green'), (3, 'red')",
    )


def test_resharding_a_renamed_table_whose_key_column_is_renamed(pg_cluster: ThrowawayCluster) -> None:
    """The keys that reference a re-sharded table are dropped before the moves and added again after;
    with the referenced key column renamed, the key was not found unchanged and was left in place, so
    the detach failed on the rows it referenced."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          h:
            columns: {id: {type: bigint, primary_key: true}}
            partition: {hash: {key: id, modulus: 4}}
          t: {columns: {id: {type: bigint, primary_key: true}, h_id: {type: bigint, references: h}}}
        """,
        """\
        entities:
          g:
            renamed_from: h
            columns: {gid: {type: bigint, primary_key: true, renamed_from: id}}
            partition: {hash: {key: gid, modulus: 2}}
          t: {columns: {id: {type: bigint, primary_key: true}, h_id: {type: bigint, references: g}}}
        """,
        "INSERT INTO h VALUES (1), (2), (3); INSERT INTO t VALUES (1, 1), (2, 2), (3, 3);",
    )


def test_renaming_a_column_of_a_partitioned_table_renames_its_partitions_indexes(
    pg_cluster: ThrowawayCluster,
) -> None:
    """PostgreSQL names a partition's index after its parent index's column names as they were when
    that was created: after RENAME COLUMN the partitions kept t_p0_c_id_key where a fresh database has
    t_p0_c_r_key, and a partition created later in the migration got the old name too."""
    roundtrip(
        pg_cluster,
        """\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}, c: {type: bigint}}
            unique: [[c, id]]
            indexes: [{columns: [id]}, {columns: [c, id]}]
            partition: {hash: {key: id, modulus: 2}}
        """,
        """\
        entities:
          t:
            columns: {r: {type: bigint, primary_key: true, renamed_from: id}, c: {type: bigint}}
            unique: [[c, r]]
            indexes: [{columns: [r]}, {columns: [c, r]}]
            partition: {hash: {key: r, modulus: 4}}
        """,
        "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)",
    )

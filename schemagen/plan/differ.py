"""Model A, Model B → the operations that take a database at A to B. Reads no files, writes no SQL.

Every rule of a safe migration lives here: indexes built CONCURRENTLY, constraints added NOT VALID
and validated apart, NOT NULL set through a validated CHECK, renames only through `renamed_from`,
destructive changes flagged so `migrate new` can refuse them. Partition changes (re-sharding, moving
range windows) are planned by `partitions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import IntEnum
from functools import cached_property
from typing import TypeVar

from schemagen.model import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Model,
    PrimaryKey,
    Table,
    UniqueConstraint,
    naming,
)
from schemagen.model.archive import archive_entry
from schemagen.model.ordering import order_tables, order_views
from schemagen.plan import hazards
from schemagen.plan.locking import with_lock_order
from schemagen.plan.operations import Lock, Operation, Step, TableLock
from schemagen.postgres import expressions, sqltypes, storage, volatility
from schemagen.postgres.names import partition_index_name

T = TypeVar("T")


class Phase(IntEnum):
    """The order operations run in; within a phase, the planner's order."""

    EXTENSIONS = 10
    ENUMS = 15
    ENUM_VALUES = 18
    DROP_VIEWS = 20
    DROP_FUNCTIONS = 22
    RENAMES = 25
    DROP_FOREIGN_KEYS = 28
    DROP_CONSTRAINTS = 30
    DROP_INDEXES = 32
    # after the renames and the drops of what spells out old values, before anything new is created
    # with the type: a rebuilt enum converts exactly the columns that exist and keep it
    REBUILD_ENUMS = 35
    CREATE_TABLES = 40
    COLUMNS = 50
    PARTITIONS = 60
    CONSTRAINTS = 70
    INDEXES = 72
    FOREIGN_KEYS = 75
    DROP_COLUMNS = 80
    DROP_TABLES = 85
    DROP_ENUMS = 87
    VIEWS = 90
    FUNCTIONS = 92
    STORAGE = 94  # after the partitions are created: every leaf of B exists by then
    COMMENTS = 95


class PlanError(Exception):
    """A change the planner refuses to plan; the message says what to write in the spec instead."""


@dataclass(frozen=True)
class Renames:
    """Old name → new name, for tables and for (new table, old column) pairs."""

    tables: dict[str, str]
    columns: dict[tuple[str, str], str]

    @classmethod
    def from_model(cls, model: Model) -> Renames:
        return cls(
            tables={t.renamed_from: t.name for t in model.tables if t.renamed_from},
            columns={
                (t.name, c.renamed_from): c.name for t in model.tables for c in t.columns if c.renamed_from
            },
        )

    def inverse(self) -> Renames:
        """The renames that undo these: new names back to old ones."""
        old_table = {new: old for old, new in self.tables.items()}
        return Renames(
            tables=old_table,
            columns={(old_table.get(table, table), new): old for (table, old), new in self.columns.items()},
        )


def plan(a: Model, b: Model, renames: Renames | None = None, *, down: bool = False) -> list[Operation]:
    """The operations that take a database at `a` to `b`, in the order they must run.

    `down`: `b` is the version the database was at before `a` (a down migration), so every column it
    adds is one the up migration dropped with its values: NOT NULL without a default, it comes back
    nullable (SG906) instead of being refused.
    """
    renames = renames if renames is not None else Renames.from_model(b)
    planner = _Planner(a, b, renames, down=down)
    operations = sorted(planner.run(), key=lambda op: op.order)  # stable: keeps the order within a phase
    return with_lock_order(operations, a, b)


def plan_down(a: Model, b: Model) -> list[Operation]:
    """The inverse of plan(a, b): from `b` back to `a`."""
    return plan(b, a, Renames.from_model(b).inverse(), down=True)


# Why a check or an index whose definition did not change is dropped and created again.
REREAD = " (it reads a column converted to a rebuilt enum: created again after the rebuild)"

# Statements that only help when they commit apart from what came before them: VALIDATE after ADD …
# NOT VALID would otherwise run while the ADD's lock is still held, which is what the split avoids.
OWN_TRANSACTION = frozenset({"validate_constraint"})


def _step(
    template: str,
    lock: Lock,
    on: str = "",
    *,
    transactional: bool = True,
    brief: bool = True,
    locks: tuple[TableLock, ...] = (),
    **args: object,
) -> Step:
    transactional = transactional and template not in OWN_TRANSACTION
    return Step(
        template=template,
        args=args,
        lock=lock,
        on=on,
        transactional=transactional,
        brief=brief,
        locks=locks,
    )


def foreign_key_locks(schema: str, table: str, fk: ForeignKey, mode: Lock) -> tuple[TableLock, ...]:
    """What adding or dropping foreign key `fk` of `table` locks: both ends, in one mode (PostgreSQL
    adds or removes triggers on the referenced table too)."""
    return (TableLock(schema, table, mode), TableLock(fk.ref_schema, fk.ref_table, mode))


class _Planner:
    def __init__(self, a: Model, b: Model, renames: Renames, *, down: bool = False) -> None:
        self.a, self.b, self.renames, self.down = a, b, renames, down
        self.recreated_views: set[str] = set()
        self.changed_tables: set[str] = set()  # tables whose columns change shape (views over them recreate)
        self.converted: dict[str, set[str]] = {}  # table → its columns converted to a rebuilt enum

    # What partition planning reads of the whole models: computed once per plan, when first needed.

    @cached_property
    def relation_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """The names in the relations' namespace of A and of B."""
        from schemagen.plan.partitions import relation_names

        return frozenset(relation_names(self.a)), frozenset(relation_names(self.b))

    @cached_property
    def taken_names(self) -> set[str]:
        """Every name a relation may have in A or B, and the temporary names picked so far."""
        a_names, b_names = self.relation_names
        return set(a_names | b_names)

    @cached_property
    def kept_foreign_keys(self) -> dict[tuple[str, str], list[tuple[Table, ForeignKey]]]:
        """Foreign keys of B that exist unchanged in A, by the (schema, table) they reference."""
        from schemagen.plan.partitions import kept_foreign_keys

        return kept_foreign_keys(self)

    def run(self) -> Iterator[Operation]:
        pairs, created, dropped = self.match_tables()
        yield from self.extensions()
        yield from self.enums(pairs)
        for old, new in pairs:
            yield from self.table_changes(old, new)
        b_order, _ = order_tables(self.b.tables)
        for table in b_order:
            if table.name in created:
                yield from self.create_table(table)
        for table in reversed(order_tables(self.a.tables)[0]):
            if table.name in dropped:
                yield from self.drop_table(table)
        yield from self.views()
        yield from self.functions(pairs, created, dropped)

    # --- project-wide ----------------------------------------------------------------------------

    def extensions(self) -> Iterator[Operation]:
        for name in sorted(set(self.b.project.extensions) - set(self.a.project.extensions)):
            yield Operation(
                "create_extension",
                name,
                f"create extension {name}",
                (_step("create_extension", Lock.NONE, name=name),),
                order=Phase.EXTENSIONS,
            )
        for name in sorted(self.b.used_schemas - self.a.used_schemas - {"public"}):
            yield Operation(
                "create_schema",
                name,
                f"create schema {name}",
                (_step("create_schema", Lock.NONE, name=name),),
                order=Phase.EXTENSIONS,
            )

    def enums(self, pairs: list[tuple[Table, Table]]) -> Iterator[Operation]:
        a_enums, b_enums = self.a.enums_by_name, self.b.enums_by_name
        for name, enum in sorted(b_enums.items()):
            old = a_enums.get(name)
            if old is None:
                yield Operation(
                    "create_enum",
                    name,
                    f"create enum {name}",
                    (_step("create_enum", Lock.NONE, enum=enum),),
                    order=Phase.ENUMS,
                )
                continue
            yield from self.enum_values(old, enum, pairs)
        for name, enum in sorted(a_enums.items()):
            if name not in b_enums:
                yield Operation(
                    "drop_enum",
                    name,
                    f"drop enum {name}",
                    (_step("drop_enum", Lock.NONE, enum=enum),),
                    order=Phase.DROP_ENUMS,
                )

    def enum_values(self, old: Enum, new: Enum, pairs: list[tuple[Table, Table]]) -> Iterator[Operation]:
        removed = [v for v in old.values if v not in new.values]
        kept = [v for v in new.values if v in old.values]
        if removed or kept != [v for v in old.values if v in new.values]:
            yield from self.rebuild_enum(new, removed, pairs)
            return
        for i, value in enumerate(new.values):
            if value in old.values:
                continue
            before = next((v for v in new.values[i + 1 :] if v in old.values), None)
            after = None if before else next((v for v in reversed(new.values[:i]) if v in old.values), None)
            # ADD VALUE may run in a transaction (PostgreSQL 12+), but the value is unusable until it
            # commits: when the new spec uses it, the migration runs statement by statement instead
            used = self.uses_enum_value(new, value)
            yield Operation(
                "add_enum_value",
                f"{new.name}.{value}",
                f"add value {value!r} to enum {new.name}"
                + (" (committed at once: the new spec uses it)" if used else ""),
                (
                    _step(
                        "add_enum_value",
                        Lock.NONE,
                        transactional=not used,
                        enum=new,
                        value=value,
                        before=before,
                        after=after,
                    ),
                ),
                order=Phase.ENUM_VALUES,
            )

    def uses_enum_value(self, enum: Enum, value: str) -> bool:
        """Whether the new spec writes `value` of `enum` anywhere: a default, a check, a predicate, a view."""
        quoted = "'" + value.replace("'", "''") + "'"
        for table in self.b.tables:
            for column in table.columns:
                if (
                    column.type.rsplit(".", 1)[-1] == enum.name
                    and column.default
                    and column.default.value == value
                ):
                    return True
            texts = [c.expression for c in table.checks] + [i.where or "" for i in table.indexes]
            if any(quoted in text for text in texts):
                return True
        return any(quoted in view.query for view in self.b.views)

    def rebuild_enum(
        self, new: Enum, removed: list[str], pairs: list[tuple[Table, Table]]
    ) -> Iterator[Operation]:
        """Values removed or reordered: the old type parked under another name, the new one created and
        the columns that keep the type converted to it; the parked type is dropped last, once the
        columns this migration drops or retypes are gone."""
        schema = new.schema
        parked = naming.truncate(f"{new.name}_old")
        steps = [
            _step("rename_enum", Lock.NONE, new.name, old=new.name, new=parked, schema=schema),
            _step("create_enum", Lock.NONE, new.name, enum=new),
        ]
        found = [hazards.remove_enum_value(new.name, removed)] if removed else []
        for table, column in self.enum_columns(new, pairs):
            self.changed_tables.add(table.name)
            self.converted.setdefault(table.name, set()).add(column.name)
            steps += _convert_to_enum(table, column)
            found.append(hazards.rewrite(table.name, f"{column.name} is converted to the rebuilt enum"))
        what = f"remove {', '.join(removed)} from" if removed else "reorder the values of"
        yield Operation(
            "rebuild_enum",
            new.name,
            f"{what} enum {new.name}: rebuild the type and convert its columns",
            tuple(steps),
            hazards=tuple(found),
            order=Phase.REBUILD_ENUMS,
        )
        yield Operation(
            "drop_enum",
            parked,
            f"drop {parked}, the old type of enum {new.name}",
            (_step("drop_enum", Lock.NONE, new.name, enum=new, name=parked),),
            order=Phase.DROP_ENUMS,
        )

    def enum_columns(self, enum: Enum, pairs: list[tuple[Table, Table]]) -> Iterator[tuple[Table, Column]]:
        """The columns of `enum`'s type in both versions, under their new names: those that exist when the
        enum is rebuilt (after the renames, before any column is added or dropped) and keep the type.

        A column added later, or in a table created later, is created with the new type; one dropped or
        retyped later keeps the parked type until then.
        """
        for old, new in pairs:
            for before, column in self.match_columns(old, new):
                if before is not None and before.type == column.type and _enum_of(column) == enum.name:
                    yield new, column

    # --- tables ----------------------------------------------------------------------------------

    def match_tables(self) -> tuple[list[tuple[Table, Table]], set[str], set[str]]:
        a_tables, b_tables = self.a.tables_by_name, self.b.tables_by_name
        pairs = []
        matched_a = set()
        for name, table in sorted(b_tables.items()):
            old_name = next((o for o, n in self.renames.tables.items() if n == name and o in a_tables), None)
            if old_name is not None and old_name not in b_tables:
                pairs.append((a_tables[old_name], table))
                matched_a.add(old_name)
            elif name in a_tables:
                pairs.append((a_tables[name], table))
                matched_a.add(name)
        paired = {new.name for _, new in pairs}
        created = {n for n in b_tables if n not in paired}
        dropped = set(a_tables) - matched_a
        return pairs, created, dropped

    def create_table(self, table: Table) -> Iterator[Operation]:
        qualified = f"{table.schema}.{table.name}"
        yield Operation(
            "create_table",
            qualified,
            f"create table {table.name}",
            (_step("create_table", Lock.NONE, table.name, table=table),),
            order=Phase.CREATE_TABLES,
        )
        for index in table.indexes:
            # a new table is empty: a plain CREATE INDEX is instant and keeps the plan transactional
            yield Operation(
                "create_index",
                index.name,
                f"create index {index.name} on new table {table.name}",
                (
                    _step(
                        "create_index",
                        Lock.SHARE,
                        table.name,
                        index=index,
                        name=index.name,
                        table=table.name,
                        schema=table.schema,
                        concurrently=False,
                        only=False,
                    ),
                ),
                order=Phase.INDEXES,
            )
        for fk in table.foreign_keys:
            yield Operation(
                "add_foreign_key",
                f"{table.name}.{fk.name}",
                f"add foreign key {fk.name} of new table {table.name}",
                (
                    _step(
                        "add_constraint",
                        Lock.SHARE_ROW_EXCLUSIVE,
                        fk.ref_table,
                        locks=foreign_key_locks(table.schema, table.name, fk, Lock.SHARE_ROW_EXCLUSIVE),
                        kind="foreign_key",
                        constraint=fk,
                        table=table.name,
                        schema=table.schema,
                        not_valid=False,
                    ),
                ),
                order=Phase.FOREIGN_KEYS,
            )

    def drop_table(self, table: Table) -> Iterator[Operation]:
        for fk in table.foreign_keys:
            # dropped first so the order of table drops never matters
            yield Operation(
                "drop_foreign_key",
                f"{table.name}.{fk.name}",
                f"drop foreign key {fk.name}",
                (
                    _step(
                        "drop_constraint",
                        Lock.ACCESS_EXCLUSIVE,
                        f"{table.name} and {fk.ref_table}",
                        locks=foreign_key_locks(table.schema, table.name, fk, Lock.ACCESS_EXCLUSIVE),
                        table=table.name,
                        schema=table.schema,
                        name=fk.name,
                    ),
                ),
                order=Phase.DROP_FOREIGN_KEYS,
            )
        yield Operation(
            "drop_table",
            f"{table.schema}.{table.name}",
            f"drop table {table.name}",
            (_step("drop_table", Lock.ACCESS_EXCLUSIVE, table.name, name=table.name, schema=table.schema),),
            hazards=(hazards.drop_table(table.name),),
            order=Phase.DROP_TABLES,
        )

    def table_changes(self, old: Table, new: Table) -> Iterator[Operation]:
        if self.unchanged(old, new):
            return
        schema = new.schema
        if old.name != new.name:
            yield Operation(
                "rename_table",
                new.name,
                f"rename table {old.name} to {new.name}",
                (
                    _step(
                        "rename_table",
                        Lock.ACCESS_EXCLUSIVE,
                        old.name,
                        old=old.name,
                        new=new.name,
                        schema=schema,
                    ),
                ),
                order=Phase.RENAMES,
            )
        from schemagen.plan import partitions  # partition planning needs the helpers above

        yield from partitions.plan_partitioning(self, old, new)
        yield from self.columns(old, new)
        yield from self.constraints(old, new)
        yield from self.indexes(old, new)
        yield from self.storage(old, new)
        yield from self.comments(old, new)

    def unchanged(self, old: Table, new: Table) -> bool:
        """Nothing of the table changes: equal in both Models, none of its columns is converted to a
        rebuilt enum, and no table it references was renamed (its name may now mean another table)."""
        return (
            old == new
            and new.name not in self.converted
            and not any(fk.ref_table in self.renames.tables for fk in new.foreign_keys)
        )

    # --- columns ---------------------------------------------------------------------------------

    def match_columns(self, old: Table, new: Table) -> list[tuple[Column | None, Column]]:
        """Each column of `new` with the column of `old` it continues (renamed or not), or None: added."""
        old_columns = {c.name: c for c in old.columns}
        found: list[tuple[Column | None, Column]] = []
        for column in new.columns:
            old_name = next(
                (old for (t, old), n in self.renames.columns.items() if t == new.name and n == column.name),
                None,
            )
            if old_name and old_name in old_columns and column.name not in old_columns:
                found.append((old_columns[old_name], column))
            else:
                found.append((old_columns.get(column.name), column))
        return found

    def columns(self, old: Table, new: Table) -> Iterator[Operation]:
        table, schema = new.name, new.schema
        matched: set[str] = set()
        for before, column in self.match_columns(old, new):
            if before is None:
                yield from self.add_column(new, column)
                continue
            matched.add(before.name)
            if before.name != column.name:
                yield Operation(
                    "rename_column",
                    f"{table}.{column.name}",
                    f"rename column {table}.{before.name} to {column.name}",
                    (
                        _step(
                            "rename_column",
                            Lock.ACCESS_EXCLUSIVE,
                            table,
                            table=table,
                            schema=schema,
                            old=before.name,
                            new=column.name,
                        ),
                    ),
                    order=Phase.RENAMES,
                )
                self.changed_tables.add(table)
            yield from self.column_changes(new, replace(before, name=column.name), column)
        for column in old.columns:
            if column.name not in matched:
                self.changed_tables.add(table)
                yield Operation(
                    "drop_column",
                    f"{table}.{column.name}",
                    f"drop column {table}.{column.name}",
                    (
                        _step(
                            "drop_column",
                            Lock.ACCESS_EXCLUSIVE,
                            table,
                            table=table,
                            schema=schema,
                            column=column.name,
                        ),
                    ),
                    hazards=(hazards.drop_column(table, column.name),),
                    order=Phase.DROP_COLUMNS,
                )

    def add_column(self, table: Table, column: Column) -> Iterator[Operation]:
        found: list = []
        comment = f"add column {table.name}.{column.name}"
        if (
            not column.nullable
            and column.default is None
            and column.identity is None
            and column.generated is None
        ):
            if not self.down:
                raise PlanError(
                    f"new column {table.name}.{column.name} is NOT NULL without a default: existing rows "
                    "would violate it. Add it with a default, or as `nullable: true`, fill it, then make it "
                    "NOT NULL in a later migration"
                )
            # the up migration dropped its values: the rows can only get NULL back, which NOT NULL refuses
            column = replace(column, nullable=True)
            found.append(hazards.not_null_not_restored(table.name, column.name))
            comment += " (nullable: its values are gone, so its NOT NULL cannot come back)"
        volatile = (
            column.default is not None
            and column.default.is_expression
            and any(
                volatility.volatility(call.name) == "volatile"
                for call in expressions.function_calls(
                    expressions.parse_expression(column.default.expression or "")
                )
            )
        )
        rewrites = bool(volatile or column.identity or column.generated)
        if rewrites:
            found.append(hazards.rewrite(table.name, f"adding {column.name} computes a value for every row"))
        yield Operation(
            "add_column",
            f"{table.name}.{column.name}",
            comment,
            (
                _step(
                    "add_column",
                    Lock.ACCESS_EXCLUSIVE,
                    table.name,
                    brief=not rewrites,
                    table=table.name,
                    schema=table.schema,
                    column=column,
                ),
            ),
            hazards=tuple(found),
            order=Phase.COLUMNS,
        )
        if column.comment is not None:
            yield self.comment("COLUMN", (table.schema, table.name, column.name), column.comment)

    def column_changes(self, table: Table, old: Column, new: Column) -> Iterator[Operation]:
        name, schema, target = table.name, table.schema, f"{table.name}.{new.name}"
        if old.type != new.type or old.collation != new.collation:
            self.changed_tables.add(name)
            kind = type_change(old.type, new.type) if old.collation == new.collation else "rewrite"
            found = []
            if kind == "narrowing":
                found.append(hazards.narrowing(target, old.type, new.type))
            if kind != "free":
                found.append(hazards.rewrite(name, f"{new.name}: {old.type} → {new.type} rewrites the table"))
            args = {"table": name, "schema": schema}
            steps = []
            if kind != "free" and old.type != new.type and old.default is not None:
                # PostgreSQL casts the old default without USING, which fails between some types (text
                # to an enum): dropped first, the new default is set after the conversion
                no_default = replace(new, default=None)
                steps.append(_step("set_default", Lock.ACCESS_EXCLUSIVE, name, column=no_default, **args))
            steps.append(
                _step(
                    "alter_column_type",
                    Lock.ACCESS_EXCLUSIVE,
                    name,
                    brief=kind == "free",
                    column=new.name,
                    type=new.type,
                    collation=new.collation if new.collation != old.collation else None,
                    using=kind != "free",
                    via_text=False,
                    **args,
                )
            )
            yield Operation(
                "alter_column_type",
                target,
                f"change type of {target} to {new.type}",
                tuple(steps),
                hazards=tuple(found),
                order=Phase.COLUMNS,
            )
        if old.identity != new.identity:
            steps = []
            if old.identity:
                steps.append(
                    _step(
                        "drop_identity",
                        Lock.ACCESS_EXCLUSIVE,
                        name,
                        table=name,
                        schema=schema,
                        column=new.name,
                    )
                )
            if new.identity:
                steps.append(
                    _step(
                        "add_identity",
                        Lock.ACCESS_EXCLUSIVE,
                        name,
                        table=name,
                        schema=schema,
                        column=new.name,
                        identity=new.identity,
                    )
                )
            yield Operation(
                "alter_identity", target, f"change identity of {target}", tuple(steps), order=Phase.COLUMNS
            )
        if old.generated != new.generated:
            raise PlanError(
                f"the generated expression of {target} changes: PostgreSQL cannot alter it in place; "
                "add a new generated column and drop the old one (`allow_destructive`)"
            )
        # a literal default is stored cast to the column's type: a new type needs it written again
        retyped = old.type != new.type and new.default is not None
        if (old.default != new.default or retyped) and not new.identity:
            yield Operation(
                "set_default",
                target,
                f"set default of {target}",
                (_step("set_default", Lock.ACCESS_EXCLUSIVE, name, table=name, schema=schema, column=new),),
                order=Phase.COLUMNS,
            )
        if old.nullable and not new.nullable and not new.identity:
            yield self.set_not_null(table, new.name)
        elif not old.nullable and new.nullable:
            yield Operation(
                "drop_not_null",
                target,
                f"make {target} nullable",
                (
                    _step(
                        "drop_not_null",
                        Lock.ACCESS_EXCLUSIVE,
                        name,
                        table=name,
                        schema=schema,
                        column=new.name,
                    ),
                ),
                order=Phase.COLUMNS,
            )
        if old.comment != new.comment:
            yield self.comment("COLUMN", (schema, name, new.name), new.comment)

    def set_not_null(self, table: Table, column: str) -> Operation:
        """SET NOT NULL without a long ACCESS EXCLUSIVE scan: a validated CHECK proves it first."""
        name, schema = table.name, table.schema
        check = partition_index_name(name, [column], "not_null")
        args = {"table": name, "schema": schema}
        if table.partition is not None:
            # NOT VALID checks are not allowed on partitioned tables: the scan happens under the lock
            return Operation(
                "set_not_null",
                f"{name}.{column}",
                f"make {name}.{column} NOT NULL",
                (_step("set_not_null", Lock.ACCESS_EXCLUSIVE, name, brief=False, column=column, **args),),
                hazards=(
                    hazards.data_dependent(f"{name}.{column}", "fails if any row holds NULL"),
                    hazards.long_lock(name, "SET NOT NULL scans the partitioned table under lock"),
                ),
                order=Phase.CONSTRAINTS,
            )
        steps = (
            _step("add_not_null_check", Lock.ACCESS_EXCLUSIVE, name, name=check, column=column, **args),
            _step("validate_constraint", Lock.SHARE_UPDATE_EXCLUSIVE, name, name=check, **args),
            _step("set_not_null", Lock.ACCESS_EXCLUSIVE, name, column=column, **args),
            _step("drop_constraint", Lock.ACCESS_EXCLUSIVE, name, name=check, **args),
        )
        return Operation(
            "set_not_null",
            f"{name}.{column}",
            f"make {name}.{column} NOT NULL (validated through a CHECK, so SET NOT NULL does not scan)",
            steps,
            hazards=(hazards.data_dependent(f"{name}.{column}", "fails if any row holds NULL"),),
            order=Phase.CONSTRAINTS,
        )

    # --- constraints -----------------------------------------------------------------------------

    def constraints(self, old: Table, new: Table) -> Iterator[Operation]:
        name, schema = new.name, new.schema
        args = {"table": name, "schema": schema}
        old_set = _constraints(old, self.renames)
        new_set = _constraints(new, self.renames)
        stale = {key for key, (_, constraint) in new_set.items() if self.reads_converted(name, constraint)}
        renamed = matched_renames(_without(old_set, stale), _without(new_set, stale), _same_constraint)
        for old_name, new_name in renamed.items():
            yield Operation(
                "rename_constraint",
                f"{name}.{new_name}",
                f"rename constraint {old_name} to {new_name}",
                (
                    _step(
                        "rename_constraint", Lock.ACCESS_EXCLUSIVE, name, old=old_name, new=new_name, **args
                    ),
                ),
                order=Phase.RENAMES,
            )
        for key, (kind, constraint) in old_set.items():
            if key in renamed:
                continue
            if key not in new_set or not _same_definition(new_set[key][1], constraint) or key in stale:
                order = Phase.DROP_FOREIGN_KEYS if kind == "foreign_key" else Phase.DROP_CONSTRAINTS
                yield Operation(
                    f"drop_{kind}",
                    f"{name}.{key}",
                    f"drop {kind.replace('_', ' ')} {key}" + (REREAD if key in stale else ""),
                    (
                        _step(
                            "drop_constraint",
                            Lock.ACCESS_EXCLUSIVE,
                            name,
                            locks=foreign_key_locks(schema, name, constraint, Lock.ACCESS_EXCLUSIVE)
                            if isinstance(constraint, ForeignKey)
                            else (),
                            name=key,
                            **args,
                        ),
                    ),
                    order=order,
                )
        for key, (kind, constraint) in new_set.items():
            unchanged = key in old_set and _same_definition(old_set[key][1], constraint) and key not in stale
            if key in renamed.values() or unchanged:
                continue
            yield self.add_constraint(new, kind, constraint)

    def reads_converted(self, table: str, item: object) -> bool:
        """Whether a check's expression, or an index's predicate or expression, reads a column converted to
        a rebuilt enum: PostgreSQL would rebuild it with its values still of the old type (`m <> 'x'::old`
        no longer compares), so it is dropped before the rebuild and created again after."""
        columns = self.converted.get(table)
        if not columns:
            return False
        if isinstance(item, CheckConstraint):
            texts = [item.expression]
        elif isinstance(item, Index):
            texts = [item.where or ""] + [e.expression or "" for e in item.elements]
        else:
            return False
        return any(
            columns & expressions.column_refs(expressions.parse_expression(text)) for text in texts if text
        )

    def add_constraint(self, table: Table, kind: str, constraint: object) -> Operation:
        name, schema = table.name, table.schema
        args = {"table": name, "schema": schema}
        cname = constraint.name  # type: ignore[attr-defined]
        target = f"{name}.{cname}"
        partitioned = table.partition is not None
        if kind in ("check", "foreign_key") and not partitioned:
            on = constraint.ref_table if kind == "foreign_key" else name  # type: ignore[attr-defined]
            lock = Lock.SHARE_ROW_EXCLUSIVE if kind == "foreign_key" else Lock.ACCESS_EXCLUSIVE
            locks = (
                foreign_key_locks(schema, name, constraint, lock)
                if isinstance(constraint, ForeignKey)
                else ()
            )
            steps = (
                _step(
                    "add_constraint",
                    lock,
                    on,
                    locks=locks,
                    kind=kind,
                    constraint=constraint,
                    not_valid=True,
                    **args,
                ),
                _step("validate_constraint", Lock.SHARE_UPDATE_EXCLUSIVE, name, name=cname, **args),
            )
            return Operation(
                f"add_{kind}",
                target,
                f"add {kind.replace('_', ' ')} {cname} NOT VALID, then validate it without blocking writes",
                steps,
                hazards=(hazards.data_dependent(target, "validation fails if existing rows violate it"),),
                order=Phase.FOREIGN_KEYS if kind == "foreign_key" else Phase.CONSTRAINTS,
            )
        if kind in ("primary_key", "unique") and not partitioned:
            index = Index(
                name=cname,
                table=name,
                elements=tuple(_column_elements(constraint.columns)),  # type: ignore[attr-defined]
                unique=True,
                nulls_not_distinct=getattr(constraint, "nulls_not_distinct", False),
            )
            steps = (
                _step(
                    "create_index",
                    Lock.SHARE_UPDATE_EXCLUSIVE,
                    name,
                    transactional=False,
                    index=index,
                    name=cname,
                    concurrently=True,
                    only=False,
                    **args,
                ),
                _step(
                    "add_constraint_using_index", Lock.ACCESS_EXCLUSIVE, name, kind=kind, name=cname, **args
                ),
            )
            return Operation(
                f"add_{kind}",
                target,
                f"add {kind.replace('_', ' ')} {cname}: unique index built concurrently, then attached",
                steps,
                hazards=(hazards.data_dependent(target, "fails if existing rows hold duplicates"),),
                order=Phase.CONSTRAINTS,
            )
        lock = Lock.SHARE_ROW_EXCLUSIVE if kind == "foreign_key" else Lock.ACCESS_EXCLUSIVE
        return Operation(
            f"add_{kind}",
            target,
            f"add {kind.replace('_', ' ')} {cname} to partitioned table {name}",
            (
                _step(
                    "add_constraint",
                    lock,
                    name,
                    brief=False,
                    locks=foreign_key_locks(schema, name, constraint, lock)
                    if isinstance(constraint, ForeignKey)
                    else (),
                    kind=kind,
                    constraint=constraint,
                    not_valid=False,
                    **args,
                ),
            ),
            hazards=(
                hazards.data_dependent(target, "fails if existing rows violate it"),
                hazards.long_lock(name, "PostgreSQL checks every partition while holding the lock"),
            ),
            order=Phase.FOREIGN_KEYS if kind == "foreign_key" else Phase.CONSTRAINTS,
        )

    # --- indexes ---------------------------------------------------------------------------------

    def indexes(self, old: Table, new: Table) -> Iterator[Operation]:
        name, schema = new.name, new.schema
        old_indexes = {i.name: i for i in old.indexes}
        new_indexes = {i.name: i for i in new.indexes}
        stale = {index_name for index_name, index in new_indexes.items() if self.reads_converted(name, index)}
        renamed = matched_renames(_without(old_indexes, stale), _without(new_indexes, stale), _same_index)
        for old_name, new_name in renamed.items():
            yield Operation(
                "rename_index",
                new_name,
                f"rename index {old_name} to {new_name}",
                (
                    _step(
                        "rename_index",
                        Lock.SHARE_UPDATE_EXCLUSIVE,
                        name,
                        old=old_name,
                        new=new_name,
                        schema=schema,
                    ),
                ),
                order=Phase.RENAMES,
            )
        for index_name, index in old_indexes.items():
            if index_name in renamed:
                continue
            changed = index_name not in new_indexes or not _same_index(new_indexes[index_name], index)
            if changed or index_name in stale:
                yield self.drop_index(new, index, REREAD if index_name in stale else "")
        for index_name, index in new_indexes.items():
            unchanged = (
                index_name in old_indexes
                and _same_index(old_indexes[index_name], index)
                and index_name not in stale
            )
            if not unchanged and index_name not in renamed.values():
                yield self.create_index(new, index)

    def drop_index(self, table: Table, index: Index, why: str = "") -> Operation:
        partitioned = table.partition is not None
        return Operation(
            "drop_index",
            index.name,
            f"drop index {index.name}{why}",
            (
                _step(
                    "drop_index",
                    Lock.ACCESS_EXCLUSIVE if partitioned else Lock.SHARE_UPDATE_EXCLUSIVE,
                    table.name,
                    transactional=partitioned,
                    name=index.name,
                    schema=table.schema,
                    concurrently=not partitioned,
                ),
            ),
            order=Phase.DROP_INDEXES,
        )

    def create_index(self, table: Table, index: Index) -> Operation:
        schema = table.schema
        found = (
            (hazards.data_dependent(index.name, "fails if existing rows hold duplicates"),)
            if index.unique
            else ()
        )
        if table.partition is None:
            return Operation(
                "create_index",
                index.name,
                f"create index {index.name} concurrently",
                (
                    _step(
                        "create_index",
                        Lock.SHARE_UPDATE_EXCLUSIVE,
                        table.name,
                        transactional=False,
                        index=index,
                        name=index.name,
                        table=table.name,
                        schema=schema,
                        concurrently=True,
                        only=False,
                    ),
                ),
                hazards=found,
                order=Phase.INDEXES,
            )
        steps = [
            _step(
                "create_index",
                Lock.SHARE,
                table.name,
                index=index,
                name=index.name,
                table=table.name,
                schema=schema,
                concurrently=False,
                only=True,
            )
        ]
        steps += _partition_index_steps(table.name, index.name, table.partition, index, schema)
        return Operation(
            "create_index",
            index.name,
            f"create index {index.name} on partitioned {table.name}: ON ONLY the parent, CONCURRENTLY "
            f"on each partition, then attached",
            tuple(steps),
            hazards=found,
            order=Phase.INDEXES,
        )

    # --- storage parameters ----------------------------------------------------------------------

    def storage(self, old: Table, new: Table) -> Iterator[Operation]:
        """Changed storage parameters, set on the table or on each of its leaf partitions (a leaf this
        migration creates already has them; setting them again changes nothing)."""
        if old.storage == new.storage:
            return
        before = {p.name: p for p in old.storage}
        changed = tuple(p for p in new.storage if before.get(p.name) != p)
        reset = tuple(sorted(set(before) - {p.name for p in new.storage}))
        names = [p.name for p in changed] + list(reset)
        lock = (
            Lock.ACCESS_EXCLUSIVE
            if any(storage.PARAMETERS[name].access_exclusive for name in names)
            else Lock.SHARE_UPDATE_EXCLUSIVE
        )
        steps = tuple(
            _step("set_storage", lock, holder, table=holder, schema=new.schema, set=changed, reset=reset)
            for holder in new.storage_holders
        )
        yield Operation(
            "set_storage",
            f"{new.schema}.{new.name}",
            f"set storage parameters of {new.name}: {', '.join(names)}",
            steps,
            order=Phase.STORAGE,
        )

    # --- comments --------------------------------------------------------------------------------

    def comment(self, kind: str, parts: tuple[str, ...], text: str | None) -> Operation:
        return Operation(
            "comment",
            ".".join(parts[1:]),
            f"comment on {kind.lower()} {'.'.join(parts[1:])}",
            (_step("comment", Lock.SHARE_UPDATE_EXCLUSIVE, parts[1], kind=kind, parts=parts, text=text),),
            order=Phase.COMMENTS,
        )

    def comments(self, old: Table, new: Table) -> Iterator[Operation]:
        if old.comment != new.comment:
            yield self.comment("TABLE", (new.schema, new.name), new.comment)

    # --- views and functions ---------------------------------------------------------------------

    def views(self) -> Iterator[Operation]:
        a_views, b_views = self.a.views_by_name, self.b.views_by_name
        recreate: set[str] = set()
        for name, view in b_views.items():
            old = a_views.get(name)
            if old is not None and (
                old != view or any(dep in self.changed_tables for dep in view.depends_on)
            ):
                recreate.add(name)
        changed = True
        while changed:  # a view over a recreated view is recreated too
            changed = False
            for name, view in b_views.items():
                if name in a_views and name not in recreate and any(d in recreate for d in view.depends_on):
                    recreate.add(name)
                    changed = True
        self.recreated_views = recreate
        for view in reversed(order_views(self.a.views)):
            if view.name not in b_views or view.name in recreate:
                yield Operation(
                    "drop_view",
                    view.name,
                    f"drop view {view.name}",
                    (
                        _step(
                            "drop_view",
                            Lock.ACCESS_EXCLUSIVE,
                            view.name,
                            # LOCK TABLE cannot name a materialized view: its DROP locks it alone
                            locks=()
                            if view.materialized
                            else (TableLock(view.schema, view.name, Lock.ACCESS_EXCLUSIVE),),
                            view=view,
                        ),
                    ),
                    order=Phase.DROP_VIEWS,
                )
        for view in order_views(self.b.views):
            if view.name not in a_views or view.name in recreate:
                found = ()
                if view.materialized:
                    found = (
                        hazards.long_lock(view.name, "the materialized view is computed while it is created"),
                    )
                yield Operation(
                    "create_view",
                    view.name,
                    f"create {'materialized ' if view.materialized else ''}view {view.name}",
                    (_step("create_view", Lock.NONE, view.name, brief=not view.materialized, view=view),),
                    hazards=found,
                    order=Phase.VIEWS,
                )

    def functions(
        self, pairs: list[tuple[Table, Table]], created: set[str], dropped: set[str]
    ) -> Iterator[Operation]:
        old_archives = {t.name: t for t in self.a.tables if t.archive}
        new_archives = {t.name: t for t in self.b.tables if t.archive}
        renamed_to = {old.name: new.name for old, new in pairs}
        for name, table in old_archives.items():
            new = self.b.table(renamed_to.get(name, "")) if name in renamed_to else None
            if (
                new is None
                or new.archive is None
                or _archive_signature(self.a, table) != _archive_signature(self.b, new)
                or new.name in self.changed_tables
            ):
                entry = archive_entry(self.a, table, table.archive)
                yield _drop_function(entry.archive.function, table.schema, entry.cutoff_type)
        old_by_new = {new.name: old for old, new in pairs}
        for name, table in new_archives.items():
            old = old_by_new.get(name)
            if (
                old is None
                or old.archive is None
                or _archive_signature(self.a, old) != _archive_signature(self.b, table)
                or name in self.changed_tables
            ):
                entry = archive_entry(self.b, table, table.archive)
                yield Operation(
                    "create_function",
                    entry.archive.function,
                    f"create function {entry.archive.function}",
                    (_step("create_archive_function", Lock.NONE, entry.archive.function, entry=entry),),
                    order=Phase.FUNCTIONS,
                )
        a_views = self.a.views_by_name
        for view in self.b.views:
            old = a_views.get(view.name)
            if view.refresh_function and (
                old is None
                or old.refresh_function != view.refresh_function
                or old.refresh != view.refresh
                or view.name in self.recreated_views
            ):
                if old is not None and old.refresh_function:
                    yield _drop_function(old.refresh_function, old.schema, "")
                yield Operation(
                    "create_function",
                    view.refresh_function,
                    f"create function {view.refresh_function}",
                    (_step("create_refresh_function", Lock.NONE, view.refresh_function, view=view),),
                    order=Phase.FUNCTIONS,
                )
        for view in self.a.views:
            if view.refresh_function and view.name not in self.b.views_by_name:
                yield _drop_function(view.refresh_function, view.schema, "")


# --- helpers -------------------------------------------------------------------------------------


def _drop_function(name: str, schema: str, arguments: str) -> Operation:
    return Operation(
        "drop_function",
        name,
        f"drop function {name}",
        (_step("drop_function", Lock.NONE, name, name=name, schema=schema, arguments=arguments),),
        order=Phase.DROP_FUNCTIONS,
    )


def _enum_of(column: Column) -> str:
    """The type name of a column without schema or array brackets: an enum's name when it holds one."""
    return column.type.removesuffix("[]").rsplit(".", 1)[-1]


def _convert_to_enum(table: Table, column: Column) -> list[Step]:
    """The steps converting `column` to its rebuilt enum type, through text."""
    args = {"table": table.name, "schema": table.schema}
    steps = [
        # the default is of the old type: dropped around the conversion, then written again
        _step("set_default", Lock.ACCESS_EXCLUSIVE, table.name, column=replace(column, default=None), **args),
        _step(
            "alter_column_type",
            Lock.ACCESS_EXCLUSIVE,
            table.name,
            brief=False,
            column=column.name,
            type=column.type,
            collation=None,
            using=True,
            via_text=True,
            **args,
        ),
    ]
    if column.default is not None:
        steps.append(_step("set_default", Lock.ACCESS_EXCLUSIVE, table.name, column=column, **args))
    return steps


def _without(items: dict[str, T], names: set[str]) -> dict[str, T]:
    return {name: item for name, item in items.items() if name not in names}


def matched_renames(old: dict[str, T], new: dict[str, T], same: Callable[[T, T], bool]) -> dict[str, str]:
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


def _same_constraint(a: tuple[str, object], b: tuple[str, object]) -> bool:
    return a[0] == b[0] and _same_definition(a[1], b[1])


def _archive_signature(model: Model, table: Table) -> tuple[object, ...]:
    entry = archive_entry(model, table, table.archive)
    return (entry.archive, entry.columns, entry.cutoff_type, entry.overriding_system_value)


def _column_elements(columns: Iterable[str]) -> Iterator[object]:
    from schemagen.model import IndexElement

    for column in columns:
        yield IndexElement(column=column)


def _constraints(table: Table, renames: Renames) -> dict[str, tuple[str, object]]:
    """Constraints by name; a foreign key names its target's new name, so a table rename is no change."""
    found: dict[str, tuple[str, object]] = {}
    if table.primary_key:
        found[table.primary_key.name] = ("primary_key", table.primary_key)
    for unique in table.uniques:
        found[unique.name] = ("unique", unique)
    for check in table.checks:
        found[check.name] = ("check", check)
    for fk in table.foreign_keys:
        found[fk.name] = (
            "foreign_key",
            replace(fk, ref_table=renames.tables.get(fk.ref_table, fk.ref_table)),
        )
    return found


def _same_definition(a: object, b: object) -> bool:
    """Two constraints that differ at most in name (and source location)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (PrimaryKey, UniqueConstraint, CheckConstraint, ForeignKey)):
        return replace(a, name="") == replace(b, name="")  # type: ignore[type-var]
    return a == b


def _same_index(a: Index, b: Index) -> bool:
    return replace(a, name="", table="") == replace(b, name="", table="")


def _partition_index_steps(parent: str, parent_index: str, scheme, index: Index, schema: str) -> list[Step]:
    """CONCURRENTLY on each leaf, ON ONLY on each partitioned child, then ATTACH, depth first."""
    steps: list[Step] = []
    for child in scheme.children:
        child_index = partition_index_name(
            child.name,
            [e.column or expressions.expression_label(e.expression or "") for e in index.elements],
            "idx",
        )
        if child.sub is not None:
            steps.append(
                _step(
                    "create_index",
                    Lock.SHARE,
                    child.name,
                    index=index,
                    name=child_index,
                    table=child.name,
                    schema=schema,
                    concurrently=False,
                    only=True,
                )
            )
            steps += _partition_index_steps(child.name, child_index, child.sub, index, schema)
        else:
            steps.append(
                _step(
                    "create_index",
                    Lock.SHARE_UPDATE_EXCLUSIVE,
                    child.name,
                    transactional=False,
                    index=index,
                    name=child_index,
                    table=child.name,
                    schema=schema,
                    concurrently=True,
                    only=False,
                )
            )
        steps.append(
            _step(
                "attach_index",
                Lock.SHARE_UPDATE_EXCLUSIVE,
                parent,
                parent=parent_index,
                child=child_index,
                schema=schema,
            )
        )
    return steps


def type_change(old: str, new: str) -> str:
    """`free` (no rewrite, no loss), `rewrite` (values convert), or `narrowing` (values may not fit)."""
    if old == new:
        return "free"
    old_len, new_len = sqltypes.varchar_length(old), sqltypes.varchar_length(new)
    old_text = old.startswith("character varying") or old == "text"
    if old_text and new in ("text", "character varying"):
        return "free"
    both_varchar = old.startswith("character varying") and new.startswith("character varying")
    if both_varchar and old_len is not None and new_len is not None:
        return "free" if new_len >= old_len else "narrowing"
    if old_text and new.startswith("character varying") and new_len is not None:
        return "narrowing"
    widen = {("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint")}
    if (old, new) in widen:
        return "rewrite"
    if (new, old) in widen:
        return "narrowing"
    return "rewrite"

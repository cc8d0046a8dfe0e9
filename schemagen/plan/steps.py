"""Every statement a migration can hold: one typed statement per template of
`templates/postgres/migrate/`, and one builder per template that decides what it locks.

A statement's fields are its template's arguments (a user's own `templates/` may override any of
them, so their names do not change). Its class states the facts the rest of the planner needs
without naming templates: whether it commits on its own, scans every row, opens or closes a unit of
work, takes a unit's locks up front, or brings a relation into being. A builder states the lock: the
strongest mode, what it is on (for the header), every table it locks where it locks more than the one
it names, whether it may run in a transaction, and whether an ACCESS EXCLUSIVE lasts only for a
catalog change (`brief`). A builder takes the Model's table when the statement is about one, and a
schema and a relation name when it may be about a partition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from schemagen.model import (
    Column,
    Domain,
    DomainCheck,
    Enum,
    ForeignKey,
    Function,
    IdentityOptions,
    Index,
    LiteralValue,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    SequenceGenerator,
    StorageParameter,
    Table,
    Trigger,
    View,
    lifecycle,
)
from schemagen.model import sequences as sequence_rules
from schemagen.model.access import DefaultPrivileges, Grant, Policy, Role
from schemagen.model.archive import ArchiveEntry
from schemagen.model.lifecycle import MaintainFunction
from schemagen.model.objects import ExtensionSetting
from schemagen.plan import reshard_steps
from schemagen.plan.changes import Constraint, ConstraintKind, constraint_kind
from schemagen.plan.object_access_steps import (  # noqa: F401  (statements of `steps`, one per template)
    GrantObject,
    RevokeObject,
    SetObjectOwner,
    grant_object,
    revoke_object,
    set_object_owner,
)
from schemagen.plan.operations import Lock, Statement, Step, TableLock
from schemagen.plan.schemes import RowFilter
from schemagen.postgres import index_storage, storage
from schemagen.records import dataclass

#: (schema, table): a table a statement locks besides the ones it names.
Relation = tuple[str, str]

# --- statements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateExtension(Statement):
    template = "create_extension"
    name: str
    setting: ExtensionSetting | None = None


@dataclass(frozen=True)
class AlterExtension(Statement):
    template = "alter_extension"
    name: str
    schema: str
    move: bool
    version: str | None
    update: bool
    if_reachable: bool = False


@dataclass(frozen=True)
class DropExtension(Statement):
    template = "drop_extension"
    name: str


@dataclass(frozen=True)
class CreateSchema(Statement):
    template = "create_schema"
    name: str


@dataclass(frozen=True)
class DropSchema(Statement):
    template = "drop_schema"
    name: str


@dataclass(frozen=True)
class SchemaSql(Statement):
    """The first migration of a spec: exactly schema.sql."""

    template = "schema_sql"
    text: str


@dataclass(frozen=True)
class CreateEnum(Statement):
    template = "create_enum"
    enum: Enum


@dataclass(frozen=True)
class AddEnumValue(Statement):
    template = "add_enum_value"
    enum: Enum
    value: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class RenameEnum(Statement):
    template = "rename_enum"
    old: str
    new: str
    schema: str


@dataclass(frozen=True)
class DropEnum(Statement):
    """`name`: the type's current name when it is not the enum's (parked while rebuilt)."""

    template = "drop_enum"
    enum: Enum
    name: str | None = None

    @property
    def args(self) -> Mapping[str, Any]:
        return {"enum": self.enum} if self.name is None else {"enum": self.enum, "name": self.name}


@dataclass(frozen=True)
class CreateSequence(Statement):
    template = "create_sequence"
    on_sequence = True
    sequence: SequenceGenerator


@dataclass(frozen=True)
class DropSequence(Statement):
    template = "drop_sequence"
    on_sequence = True
    name: str
    schema: str


@dataclass(frozen=True)
class AlterSequence(Statement):
    """Every option of `sequence`, with those PostgreSQL resolves (`start`, `min_value`, `max_value`)."""

    template = "alter_sequence"
    on_sequence = True
    sequence: SequenceGenerator
    start: int
    min_value: int
    max_value: int


@dataclass(frozen=True)
class SequenceOwnedBy(Statement):
    template = "sequence_owned_by"
    on_sequence = True
    sequence: SequenceGenerator
    owner: tuple[str, str] | None


@dataclass(frozen=True)
class RenameSequence(Statement):
    template = "rename_sequence"
    on_sequence = True
    old: str
    new: str
    schema: str


@dataclass(frozen=True)
class CreateDomain(Statement):
    template = "create_domain"
    domain: Domain


@dataclass(frozen=True)
class DropDomain(Statement):
    template = "drop_domain"
    domain: Domain


@dataclass(frozen=True)
class AlterDomainDefault(Statement):
    template = "alter_domain_default"
    domain: Domain


@dataclass(frozen=True)
class AlterDomainNotNull(Statement):
    template = "alter_domain_not_null"
    domain: Domain
    not_null: bool

    @property
    def scans_rows(self) -> bool:
        return self.not_null


@dataclass(frozen=True)
class AddDomainCheck(Statement):
    template = "add_domain_check"
    domain: Domain
    check: DomainCheck


@dataclass(frozen=True)
class ValidateDomainCheck(Statement):
    template = "validate_domain_check"
    domain: Domain
    name: str

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class DropDomainCheck(Statement):
    template = "drop_domain_check"
    domain: Domain
    name: str


@dataclass(frozen=True)
class CreateTable(Statement):
    template = "create_table"
    table: Table

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.table.schema, self.table.name)})


@dataclass(frozen=True)
class SetSchema(Statement):
    template = "set_schema"
    name: str
    schema: str
    new_schema: str

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.new_schema, self.name)})


@dataclass(frozen=True)
class RenameTable(Statement):
    template = "rename_table"
    old: str
    new: str
    schema: str

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.schema, self.new)})


@dataclass(frozen=True)
class DropTable(Statement):
    template = "drop_table"
    name: str
    schema: str


@dataclass(frozen=True)
class AddColumn(Statement):
    template = "add_column"
    table: str
    schema: str
    column: Column


@dataclass(frozen=True)
class DropColumn(Statement):
    template = "drop_column"
    table: str
    schema: str
    column: str


@dataclass(frozen=True)
class RenameColumn(Statement):
    template = "rename_column"
    table: str
    schema: str
    old: str
    new: str


@dataclass(frozen=True)
class AlterColumnType(Statement):
    """`using`: convert through a cast; `via_text`: through text, as between two enum types;
    `expression`: the spec's own conversion (the column's `using:`)."""

    template = "alter_column_type"
    table: str
    schema: str
    column: str
    type: str
    collation: str | None
    using: bool
    via_text: bool
    expression: str | None = None


@dataclass(frozen=True)
class SetDefault(Statement):
    """`column`'s default set, or dropped when it has none."""

    template = "set_default"
    table: str
    schema: str
    column: Column


@dataclass(frozen=True)
class AddIdentity(Statement):
    template = "add_identity"
    table: str
    schema: str
    column: str
    identity: Literal["always", "by_default"]
    options: IdentityOptions | None = None


@dataclass(frozen=True)
class SetIdentity(Statement):
    """`identity` (None: unchanged) and every option of the identity's sequence (`options`, resolved:
    no None in it; None: unchanged)."""

    template = "set_identity"
    table: str
    schema: str
    column: str
    identity: Literal["always", "by_default"] | None
    options: IdentityOptions | None


@dataclass(frozen=True)
class ContinueIdentity(Statement):
    """`sequence` (else the identity's of `column`) set past the column's largest value, and past the
    next value of `previous` (a sequence) or of the column's identity (`previous_identity`)."""

    template = "continue_identity"
    table: str
    schema: str
    column: str
    sequence: str | None = None
    previous: str | None = None
    previous_identity: bool = False
    sequence_schema: str | None = None  # of `sequence` and `previous`, when not the table's
    descending: bool = False  # `sequence` counts down: it goes on below the smallest value

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class DropIdentity(Statement):
    template = "drop_identity"
    table: str
    schema: str
    column: str


@dataclass(frozen=True)
class AddNotNullCheck(Statement):
    template = "add_not_null_check"
    table: str
    schema: str
    name: str
    column: str


@dataclass(frozen=True)
class SetNotNull(Statement):
    template = "set_not_null"
    table: str
    schema: str
    column: str


@dataclass(frozen=True)
class DropNotNull(Statement):
    template = "drop_not_null"
    table: str
    schema: str
    column: str


@dataclass(frozen=True)
class AddConstraint(Statement):
    template = "add_constraint"
    table: str
    schema: str
    kind: ConstraintKind
    constraint: Constraint
    not_valid: bool


@dataclass(frozen=True)
class AddConstraintUsingIndex(Statement):
    template = "add_constraint_using_index"
    table: str
    schema: str
    kind: ConstraintKind
    name: str
    deferrable: Literal["immediate", "deferred"] | None = None


@dataclass(frozen=True)
class ValidateConstraint(Statement):
    template = "validate_constraint"
    # after ADD … NOT VALID it would otherwise run while the ADD's lock is still held, which is what
    # the split avoids
    own_transaction = True
    table: str
    schema: str
    name: str

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class DropConstraint(Statement):
    template = "drop_constraint"
    table: str
    schema: str
    name: str


@dataclass(frozen=True)
class RenameConstraint(Statement):
    template = "rename_constraint"
    table: str
    schema: str
    old: str
    new: str


@dataclass(frozen=True)
class CreateIndex(Statement):
    """`name` and `table` may differ from the index's own when it is built on one partition."""

    template = "create_index"
    index: Index
    name: str
    table: str
    schema: str
    concurrently: bool
    only: bool

    @property
    def scans_rows(self) -> bool:
        return self.concurrently


@dataclass(frozen=True)
class AttachIndex(Statement):
    template = "attach_index"
    parent: str
    child: str
    schema: str


@dataclass(frozen=True)
class DropIndex(Statement):
    template = "drop_index"
    name: str
    schema: str
    concurrently: bool


@dataclass(frozen=True)
class RenameIndex(Statement):
    template = "rename_index"
    old: str
    new: str
    schema: str


@dataclass(frozen=True)
class SetIndexStorage(Statement):
    template = "set_index_storage"
    index: str
    schema: str
    set: tuple[StorageParameter, ...]
    reset: tuple[str, ...]


@dataclass(frozen=True)
class SetPersistence(Statement):
    template = "set_persistence"
    table: str
    schema: str
    unlogged: bool

    @property
    def scans_rows(self) -> bool:
        return True  # the table is written anew (and, made LOGGED, into the WAL)


@dataclass(frozen=True)
class SetStorage(Statement):
    template = "set_storage"
    table: str
    schema: str
    set: tuple[StorageParameter, ...]
    reset: tuple[str, ...]


@dataclass(frozen=True)
class Comment(Statement):
    template = "comment"
    kind: Literal[
        "TABLE",
        "COLUMN",
        "VIEW",
        "MATERIALIZED VIEW",
        "SEQUENCE",
        "DOMAIN",
        "SCHEMA",
        "INDEX",
        "CONSTRAINT",
        "TYPE",
        "TRIGGER",
        "POLICY",
    ]
    parts: tuple[str, ...]
    text: str | None


@dataclass(frozen=True)
class CreateView(Statement):
    template = "create_view"
    view: View


@dataclass(frozen=True)
class DropView(Statement):
    template = "drop_view"
    view: View


@dataclass(frozen=True)
class ReplaceView(Statement):
    template = "replace_view"
    view: View


@dataclass(frozen=True)
class CreateArchiveFunction(Statement):
    template = "create_archive_function"
    entry: ArchiveEntry


@dataclass(frozen=True)
class CreateMaintainFunction(Statement):
    template = "create_maintain_function"
    entry: MaintainFunction
    lock_key: int


@dataclass(frozen=True)
class CreateRefreshFunction(Statement):
    template = "create_refresh_function"
    view: View


@dataclass(frozen=True)
class DropFunction(Statement):
    template = "drop_function"
    name: str
    schema: str
    arguments: str


@dataclass(frozen=True)
class CreateRoutine(Statement):
    template = "create_routine"
    function: Function
    replace: bool
    clear_comment: bool
    quoted: bool = False  # a SQL-standard body in quotes (see `replace_routine_body`)

    @property
    def writes_sql_body(self) -> bool:
        return self.function.language == "sql" and (self.quoted or self.function.standard_body is None)


@dataclass(frozen=True)
class ReplaceRoutineBody(Statement):
    """CREATE OR REPLACE of a function with a SQL-standard body, keeping what calls it: `quoted`, its
    body in quotes, which PostgreSQL does not tie to what it reads; else the body itself."""

    template = "replace_routine_body"
    function: Function
    quoted: bool

    @property
    def writes_sql_body(self) -> bool:
        return self.quoted


@dataclass(frozen=True)
class DropRoutine(Statement):
    template = "drop_routine"
    function: Function


@dataclass(frozen=True)
class CreateTrigger(Statement):
    template = "create_trigger"
    trigger: Trigger


@dataclass(frozen=True)
class DropTrigger(Statement):
    template = "drop_trigger"
    trigger: Trigger


@dataclass(frozen=True)
class PartitionBegin(Statement):
    """Opens the transaction of one partition move."""

    template = "partition_begin"
    opens_unit = True


@dataclass(frozen=True)
class PartitionCommit(Statement):
    template = "partition_commit"
    closes_unit = True


@dataclass(frozen=True)
class PartitionDetach(Statement):
    template = "partition_detach"
    parent: str
    child: str
    schema: str
    concurrently: bool
    child_schema: str


@dataclass(frozen=True)
class PartitionCreate(Statement):
    """`scheme`: the parent's scheme holding just the new child."""

    template = "partition_create"
    parent: str
    schema: str
    scheme: PartitionScheme
    storage: tuple[StorageParameter, ...]

    def made_relations(self) -> frozenset[Relation]:
        return frozenset((child.schema or self.schema, child.name) for child in self.scheme.children)


@dataclass(frozen=True)
class PartitionMoveRows(Statement):
    """Rows of `source` re-inserted through `parent`; `filters` (None: every row) keep only the rows
    that fit a new partition; `delete_source` takes them out of `source` in the same statement."""

    template = "partition_move_rows"
    parent: str
    source: str
    schema: str
    columns: list[str]
    overriding: bool
    key: tuple[PartitionKey, ...]
    filters: list[RowFilter] | None
    delete_source: bool
    source_schema: str | None = None  # the source's, when not the parent's (`names:` pins another)

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class PartitionAttachDefault(Statement):
    template = "partition_attach_default"
    parent: str
    child: str
    schema: str
    child_schema: str | None = None  # the child's, when not the parent's (`names:` pins another)


@dataclass(frozen=True)
class PeriodCreate(Statement):
    """A new period of a window kept over time, made as a table of its own shaped like `parent`, with
    `check` holding the period's bound so that ATTACH PARTITION need not scan it."""

    template = "period_create"
    parent: str
    child: str
    schema: str
    key: str
    low: LiteralValue
    high: LiteralValue
    check: str
    storage: tuple[StorageParameter, ...]
    child_schema: str | None = None  # the period's, when not the parent's (`names:` pins another)

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.child_schema or self.schema, self.child)})


@dataclass(frozen=True)
class PeriodMoveRows(Statement):
    """Rows of `source` moved into `target` (None: deleted only) by one statement, DELETE … RETURNING
    feeding the INSERT: those whose `key` is in [low, high) (no `low`: every row), at most `batch` of
    them (None: all)."""

    template = "period_move_rows"
    source: str
    target: str | None
    schema: str
    columns: list[str]
    overriding: bool
    key: str | None
    low: LiteralValue
    high: LiteralValue
    batch: int | None
    # the source's and the target's, when not `schema` (`names:` pins a partition to another)
    source_schema: str | None = None
    target_schema: str | None = None

    @property
    def scans_rows(self) -> bool:
        return self.batch is None

    @property
    def repeats(self) -> bool:
        return self.batch is not None


@dataclass(frozen=True)
class PeriodAttach(Statement):
    template = "period_attach"
    parent: str
    child: str
    schema: str
    low: LiteralValue
    high: LiteralValue
    child_schema: str | None = None  # the period's, when not the parent's


@dataclass(frozen=True)
class PartitionDetachFinalize(Statement):
    """Completes a DETACH … CONCURRENTLY that was interrupted between its two transactions."""

    template = "partition_detach_finalize"
    parent: str
    child: str
    schema: str
    child_schema: str


@dataclass(frozen=True)
class DistributeTable(Statement):
    """`table` made the Citus table its distribution says; `existing`: its rows are copied into the
    shards; `concurrently`: while writes keep flowing."""

    template = "distribute_table"
    table: Table
    existing: bool
    concurrently: bool

    @property
    def scans_rows(self) -> bool:
        return self.existing


@dataclass(frozen=True)
class TruncateLocalData(Statement):
    """The rows a blocking distribution copied into the shards, removed from the coordinator's disk
    (no query sees them any more)."""

    template = "truncate_local_data"
    table: str
    schema: str


@dataclass(frozen=True)
class DropReplacedShards(Statement):
    """The shards a concurrent distribution replaced, which Citus drops later on its own, dropped now:
    until then the coordinator's catalog lists them beside the table."""

    template = "drop_replaced_shards"


@dataclass(frozen=True)
class UndistributeTable(Statement):
    template = "undistribute_table"
    table: str
    schema: str

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class DistributeSchema(Statement):
    """`citus_schema_distribute`; `existing`: some of its tables hold rows, copied into their shards."""

    template = "distribute_schema"
    schema: str
    existing: bool

    @property
    def scans_rows(self) -> bool:
        return self.existing


@dataclass(frozen=True)
class UndistributeSchema(Statement):
    template = "undistribute_schema"
    schema: str

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class AlterDistributedTable(Statement):
    """`colocate_with`: a root table, or "none"; `cascade`: the shard count of the whole group;
    `colocate_schema`: the root's schema when it is not the table's."""

    template = "alter_distributed_table"
    table: str
    schema: str
    column: str | None
    shard_count: int | None
    colocate_with: str | None
    cascade: bool
    colocate_schema: str | None = None

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class Begin(Statement):
    """Opens the transaction of one statement that locks several tables."""

    template = "begin"
    opens_unit = True


@dataclass(frozen=True)
class Commit(Statement):
    template = "commit"
    closes_unit = True


@dataclass(frozen=True)
class LockTables(Statement):
    template = "lock_tables"
    takes_locks_first = True
    locks: tuple[TableLock, ...]


# --- builders: project-wide, enums ---------------------------------------------------------------


def create_extension(name: str, setting: ExtensionSetting | None = None) -> Step:
    return Step(CreateExtension(name, setting), Lock.NONE)


def alter_extension(
    name: str, schema: str, move: bool, version: str | None, update: bool, if_reachable: bool = False
) -> Step:
    """SET SCHEMA moves the extension's objects (a catalog change); UPDATE runs its update scripts."""
    return Step(AlterExtension(name, schema, move, version, update, if_reachable), Lock.NONE)


def drop_extension(name: str) -> Step:
    return Step(DropExtension(name), Lock.NONE)


def create_schema(name: str) -> Step:
    return Step(CreateSchema(name), Lock.NONE)


def drop_schema(name: str) -> Step:
    """RESTRICT: fails while anything is left in the schema (a declared one removed, or the one a
    rebuild parked its old table in)."""
    return Step(DropSchema(name), Lock.NONE, name)


def schema_sql(text: str) -> Step:
    """`text`: schema.sql, ending in exactly one newline."""
    return Step(SchemaSql(text.rstrip("\n") + "\n"), Lock.NONE)


def create_enum(enum: Enum) -> Step:
    return Step(CreateEnum(enum), Lock.NONE, enum.name)


def add_enum_value(enum: Enum, value: str, *, before: str | None, after: str | None, commits: bool) -> Step:
    """`commits`: the migration uses the value, which PostgreSQL allows only once it is committed, so it
    runs outside the migration's transaction."""
    return Step(AddEnumValue(enum, value, before, after), Lock.NONE, transactional=not commits)


@dataclass(frozen=True)
class EnumGuard(Statement):
    """Fails, changing nothing, while a row of `columns` holds a value in `removed`."""

    template = "enum_guard"
    enum: Enum
    removed: tuple[str, ...]
    columns: tuple[tuple[str, str, str], ...]  # (schema, table, column)
    tag: str  # the DO body's dollar-quote tag, which no removed value contains

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class RebuildCopyRows(Statement):
    """Every row of `source` (in `source_schema`) inserted into `table`: `columns` of `table` from
    `sources` of `source`."""

    template = "rebuild_copy_rows"
    table: str
    schema: str
    source: str
    source_schema: str
    columns: list[str]
    sources: list[str]
    overriding: bool

    @property
    def scans_rows(self) -> bool:
        return True


def rebuild_copy_rows(
    table: Table, source_schema: str, source: str, columns: Sequence[tuple[str, str]], overriding: bool
) -> Step:
    """Reads every row of the parked table (SHARE: no writer may change it meanwhile) into the new one."""
    statement = RebuildCopyRows(
        table.name,
        table.schema,
        source,
        source_schema,
        [new for new, _ in columns],
        [old for _, old in columns],
        overriding,
    )
    locks = (
        TableLock(source_schema, source, Lock.SHARE),
        TableLock(table.schema, table.name, Lock.ROW_EXCLUSIVE),
    )
    return Step(statement, Lock.SHARE, source, locks=locks)


@dataclass(frozen=True)
class EmptyGuard(Statement):
    """Fails, changing nothing, while `table` holds a row: `column` (NOT NULL, no default) cannot be
    added to it then."""

    template = "empty_guard"
    table: str
    schema: str
    column: str


def empty_guard(schema: str, table: str, column: str) -> Step:
    """Reads one row at most (ACCESS SHARE)."""
    statement = EmptyGuard(table, schema, column)
    return Step(statement, Lock.ACCESS_SHARE, table, locks=(TableLock(schema, table, Lock.ACCESS_SHARE),))


def enum_guard(enum: Enum, removed: Sequence[str], columns: Sequence[tuple[Table, Column]]) -> Step:
    """Reads each column (ACCESS SHARE) for rows still holding a removed value."""
    tag = next(f"guard{n}" for n in range(len(removed) + 1) if not any(f"$guard{n}$" in v for v in removed))
    statement = EnumGuard(enum, tuple(removed), tuple((t.schema, t.name, c.name) for t, c in columns), tag)
    locks = tuple(TableLock(t.schema, t.name, Lock.ACCESS_SHARE) for t, _ in columns)
    return Step(statement, Lock.ACCESS_SHARE, ", ".join(t.name for t, _ in columns), locks=locks)


def rename_enum(enum: Enum, new: str) -> Step:
    return Step(RenameEnum(enum.name, new, enum.schema), Lock.NONE, enum.name)


def drop_enum(enum: Enum, *, parked: str | None = None) -> Step:
    return Step(DropEnum(enum, parked), Lock.NONE, enum.name)


# --- tables and columns --------------------------------------------------------------------------


def create_table(table: Table) -> Step:
    return Step(CreateTable(table), Lock.NONE, table.name)


def rename_table(schema: str, old: str, new: str) -> Step:
    return Step(RenameTable(old, new, schema), Lock.ACCESS_EXCLUSIVE, old)


def set_schema(schema: str, name: str, new_schema: str) -> Step:
    """A table or partition moved to another schema: ACCESS EXCLUSIVE, catalog only."""
    return Step(SetSchema(name, schema, new_schema), Lock.ACCESS_EXCLUSIVE, name)


def drop_table(schema: str, name: str, *, referenced: Sequence[Relation] = ()) -> Step:
    """`referenced`: the tables its foreign keys reference, whose triggers go with it."""
    locks = (
        (TableLock(schema, name, Lock.ACCESS_EXCLUSIVE), *_locks(referenced, Lock.ACCESS_EXCLUSIVE))
        if referenced
        else ()
    )
    return Step(DropTable(name, schema), Lock.ACCESS_EXCLUSIVE, name, locks=locks)


def add_column(table: Table, column: Column, *, rewrites: bool) -> Step:
    """`rewrites`: every row gets a computed value, under the lock."""
    statement = AddColumn(table.name, table.schema, column)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, brief=not rewrites)


def drop_column(table: Table, column: str) -> Step:
    return Step(DropColumn(table.name, table.schema, column), Lock.ACCESS_EXCLUSIVE, table.name)


def rename_column(table: Table, old: str, new: str) -> Step:
    return Step(RenameColumn(table.name, table.schema, old, new), Lock.ACCESS_EXCLUSIVE, table.name)


def alter_column_type(
    table: Table,
    column: str,
    type: str,
    *,
    collation: str | None = None,
    conversion: Literal["none", "cast", "via_text"],
    using: str | None = None,
    rebuilds_indexes: bool = False,
) -> Step:
    """`conversion`: none (a catalog change), or the values converted by a cast (through text between
    two enum types) or by the expression `using`, which rewrites the table under its lock.
    `rebuilds_indexes`: a new collation alone, which rebuilds the indexes on the column under it."""
    statement = AlterColumnType(
        table.name,
        table.schema,
        column,
        type,
        collation,
        using=conversion != "none",
        via_text=conversion == "via_text",
        expression=using,
    )
    brief = conversion == "none" and not rebuilds_indexes
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, brief=brief)


def set_default(table: Table, column: Column) -> Step:
    return Step(SetDefault(table.name, table.schema, column), Lock.ACCESS_EXCLUSIVE, table.name)


def add_identity(
    table: Table,
    column: str,
    identity: Literal["always", "by_default"],
    options: IdentityOptions | None = None,
) -> Step:
    statement = AddIdentity(table.name, table.schema, column, identity, options)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name)


def set_identity(
    table: Table,
    column: Column,
    identity: Literal["always", "by_default"] | None,
    options: bool,
) -> Step:
    """ALWAYS or BY DEFAULT, and (`options`) every option of the sequence as the column says, resolved:
    ACCESS EXCLUSIVE, catalog only; the sequence keeps its value."""
    resolved = None
    if options:
        sequence = sequence_rules.identity_sequence(column.type, column.identity_options)
        start, low, high = sequence_rules.resolved(sequence)
        resolved = IdentityOptions(start, sequence.increment, low, high, sequence.cache, sequence.cycle)
    statement = SetIdentity(table.name, table.schema, column.name, identity, resolved)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name)


def continue_identity(
    table: Table,
    column: str,
    *,
    sequence: str | None = None,
    previous: str | None = None,
    previous_identity: bool = False,
    sequence_schema: str | None = None,
    descending: bool = False,
) -> Step:
    """Reads the column's largest value (an index scan when it is indexed, else every row); `sequence`
    (else the column's identity) goes on past it, and past where `previous` (a sequence of the table's
    schema) or the column's identity (`previous_identity`) stood. setval takes the sequence's ROW
    EXCLUSIVE, as nextval does."""
    statement = ContinueIdentity(
        table.name,
        table.schema,
        column,
        sequence,
        previous,
        previous_identity,
        sequence_schema if sequence_schema != table.schema else None,
        descending,
    )
    return Step(statement, Lock.ACCESS_SHARE, table.name)


def drop_identity(table: Table, column: str) -> Step:
    return Step(DropIdentity(table.name, table.schema, column), Lock.ACCESS_EXCLUSIVE, table.name)


def add_not_null_check(table: Table, name: str, column: str) -> Step:
    statement = AddNotNullCheck(table.name, table.schema, name, column)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name)


def set_not_null(table: Table, column: str, *, scans: bool = False) -> Step:
    """`scans`: no valid check proves it, so PostgreSQL scans the table under the lock."""
    statement = SetNotNull(table.name, table.schema, column)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, brief=not scans)


def drop_not_null(table: Table, column: str) -> Step:
    return Step(DropNotNull(table.name, table.schema, column), Lock.ACCESS_EXCLUSIVE, table.name)


def set_persistence(table: Table, unlogged: bool) -> Step:
    """ALTER TABLE … SET UNLOGGED / LOGGED rewrites the table under ACCESS EXCLUSIVE."""
    statement = SetPersistence(table.name, table.schema, unlogged)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, brief=False)


def set_storage(
    schema: str, relation: str, set: tuple[StorageParameter, ...], reset: tuple[str, ...]
) -> Step:
    """SHARE UPDATE EXCLUSIVE, unless one of the parameters needs ACCESS EXCLUSIVE."""
    names = [p.name for p in set] + list(reset)
    lock = (
        Lock.ACCESS_EXCLUSIVE
        if any(storage.PARAMETERS[name].access_exclusive for name in names)
        else Lock.SHARE_UPDATE_EXCLUSIVE
    )
    return Step(SetStorage(relation, schema, set, reset), lock, relation)


def set_index_storage(
    schema: str, table: str, index: Index, set: tuple[StorageParameter, ...], reset: tuple[str, ...]
) -> Step:
    """SHARE UPDATE EXCLUSIVE on the index, or ACCESS EXCLUSIVE when a parameter needs it (gin's
    fastupdate, brin's pages_per_range, gist's buffering); a catalog change either way."""
    names = [p.name for p in set] + list(reset)
    lock = (
        Lock.ACCESS_EXCLUSIVE
        if index_storage.access_exclusive(index.using, names)
        else Lock.SHARE_UPDATE_EXCLUSIVE
    )
    return Step(SetIndexStorage(index.name, schema, set, reset), lock, table)


def comment(
    kind: Literal[
        "TABLE",
        "COLUMN",
        "VIEW",
        "MATERIALIZED VIEW",
        "SEQUENCE",
        "DOMAIN",
        "SCHEMA",
        "INDEX",
        "CONSTRAINT",
        "TYPE",
        "TRIGGER",
        "POLICY",
    ],
    parts: tuple[str, ...],
    text: str | None,
) -> Step:
    if kind == "DOMAIN":
        return Step(Comment(kind, parts, text), Lock.NONE, f"domain {parts[1]}")
    if kind == "TYPE":
        return Step(Comment(kind, parts, text), Lock.NONE, f"type {parts[1]}")
    if kind == "SCHEMA":
        return Step(Comment(kind, parts, text), Lock.NONE, f"schema {parts[0]}")
    if kind == "INDEX":  # SHARE UPDATE EXCLUSIVE on the index alone: its table's reads and writes go on
        return Step(Comment(kind, parts, text), Lock.SHARE_UPDATE_EXCLUSIVE, f"index {parts[1]}")
    on = f"sequence {parts[1]}" if kind == "SEQUENCE" else parts[1]
    return Step(Comment(kind, parts, text), Lock.SHARE_UPDATE_EXCLUSIVE, on)


# --- sequences -----------------------------------------------------------------------------------
# A sequence's lock is on the sequence (`on` says so): nextval takes ROW EXCLUSIVE on it, so a statement
# that takes more makes inserts that number rows from it wait, for a catalog change. LOCK TABLE cannot
# take a sequence, so these never join a unit's LOCK TABLE list (`on_sequence`).


def create_sequence(sequence: SequenceGenerator) -> Step:
    return Step(CreateSequence(sequence), Lock.NONE, f"sequence {sequence.name}")


def drop_sequence(schema: str, name: str) -> Step:
    return Step(DropSequence(name, schema), Lock.ACCESS_EXCLUSIVE, f"sequence {name}")


def alter_sequence(sequence: SequenceGenerator) -> Step:
    """ALTER SEQUENCE takes SHARE ROW EXCLUSIVE on the sequence: nextval waits for the catalog change."""
    start, low, high = sequence_rules.resolved(sequence)
    statement = AlterSequence(sequence, start, low, high)
    return Step(statement, Lock.SHARE_ROW_EXCLUSIVE, f"sequence {sequence.name}")


def sequence_owned_by(sequence: SequenceGenerator, owner: tuple[str, str] | None) -> Step:
    """Like alter_sequence; the owning table is read under ACCESS SHARE."""
    statement = SequenceOwnedBy(sequence, owner)
    return Step(statement, Lock.SHARE_ROW_EXCLUSIVE, f"sequence {sequence.name}")


def rename_sequence(schema: str, old: str, new: str) -> Step:
    return Step(RenameSequence(old, new, schema), Lock.ACCESS_EXCLUSIVE, f"sequence {old}")


# --- domains -------------------------------------------------------------------------------------
# A domain's own changes lock no table; adding NOT NULL or validating a check reads every column of the
# domain's type (`tables`: theirs), each table under SHARE: writes wait while it is read.


def create_domain(domain: Domain) -> Step:
    return Step(CreateDomain(domain), Lock.NONE, f"domain {domain.name}")


def drop_domain(domain: Domain) -> Step:
    return Step(DropDomain(domain), Lock.NONE, f"domain {domain.name}")


def alter_domain_default(domain: Domain) -> Step:
    return Step(AlterDomainDefault(domain), Lock.NONE, f"domain {domain.name}")


def alter_domain_not_null(domain: Domain, not_null: bool, tables: Sequence[Relation] = ()) -> Step:
    if not not_null or not tables:
        return Step(AlterDomainNotNull(domain, not_null), Lock.NONE, f"domain {domain.name}")
    return _domain_scan(AlterDomainNotNull(domain, not_null), tables)


def add_domain_check(domain: Domain, check: DomainCheck) -> Step:
    return Step(AddDomainCheck(domain, check), Lock.NONE, f"domain {domain.name}")


def validate_domain_check(domain: Domain, name: str, tables: Sequence[Relation]) -> Step:
    if not tables:
        return Step(ValidateDomainCheck(domain, name), Lock.NONE, f"domain {domain.name}")
    return _domain_scan(ValidateDomainCheck(domain, name), tables)


def drop_domain_check(domain: Domain, name: str) -> Step:
    return Step(DropDomainCheck(domain, name), Lock.NONE, f"domain {domain.name}")


def _domain_scan(statement: Statement, tables: Sequence[Relation]) -> Step:
    """A statement that reads every column of a domain's type, each of `tables` under SHARE."""
    on = ", ".join(name for _, name in tables)
    return Step(statement, Lock.SHARE, on, locks=_locks(tables, Lock.SHARE))


# --- constraints and indexes ---------------------------------------------------------------------


def add_constraint(
    schema: str,
    table: str,
    constraint: Constraint,
    *,
    not_valid: bool,
    scans: bool = False,
    on: str | None = None,
) -> Step:
    """A foreign key takes SHARE ROW EXCLUSIVE on both ends (PostgreSQL adds triggers on the referenced
    table too), any other constraint ACCESS EXCLUSIVE; `scans`: every row is checked under the lock
    (no NOT VALID); `on`: what the header says it locks, when not `table`."""
    statement = AddConstraint(table, schema, constraint_kind(constraint), constraint, not_valid)
    if isinstance(constraint, ForeignKey):
        lock = Lock.SHARE_ROW_EXCLUSIVE
        locks = foreign_key_locks(schema, table, constraint, lock)
    else:
        lock, locks = Lock.ACCESS_EXCLUSIVE, ()
    return Step(statement, lock, on or table, brief=not scans, locks=locks)


def validate_constraint(schema: str, table: str, name: str) -> Step:
    statement = ValidateConstraint(table, schema, name)
    return Step(statement, Lock.SHARE_UPDATE_EXCLUSIVE, table, transactional=not statement.own_transaction)


def drop_constraint(
    schema: str, table: str, name: str, *, foreign_key: ForeignKey | None = None, on: str | None = None
) -> Step:
    """Dropping `foreign_key` locks both ends (its triggers on the referenced table go too)."""
    locks = (
        () if foreign_key is None else foreign_key_locks(schema, table, foreign_key, Lock.ACCESS_EXCLUSIVE)
    )
    return Step(DropConstraint(table, schema, name), Lock.ACCESS_EXCLUSIVE, on or table, locks=locks)


def rename_constraint(schema: str, table: str, old: str, new: str) -> Step:
    return Step(RenameConstraint(table, schema, old, new), Lock.ACCESS_EXCLUSIVE, table)


def add_constraint_using_index(
    table: Table, kind: ConstraintKind, name: str, deferrable: Literal["immediate", "deferred"] | None = None
) -> Step:
    statement = AddConstraintUsingIndex(table.name, table.schema, kind, name, deferrable)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name)


def create_index(
    index: Index, *, name: str, table: str, schema: str, concurrently: bool = False, only: bool = False
) -> Step:
    """CONCURRENTLY: SHARE UPDATE EXCLUSIVE, outside a transaction; otherwise SHARE (on an empty table,
    or ON ONLY a partitioned parent, where it is a catalog change)."""
    statement = CreateIndex(index, name, table, schema, concurrently, only)
    if concurrently:
        return Step(statement, Lock.SHARE_UPDATE_EXCLUSIVE, table, transactional=False)
    return Step(statement, Lock.SHARE, table)


def attach_index(schema: str, table: str, parent: str, child: str) -> Step:
    """Index `child` (of a partition) attached to index `parent` of `table`."""
    return Step(AttachIndex(parent, child, schema), Lock.SHARE_UPDATE_EXCLUSIVE, table)


def drop_index(schema: str, table: str, name: str, *, partitioned: bool) -> Step:
    """CONCURRENTLY, outside a transaction; a partitioned index cannot be: ACCESS EXCLUSIVE, briefly."""
    if partitioned:
        return Step(DropIndex(name, schema, concurrently=False), Lock.ACCESS_EXCLUSIVE, table)
    statement = DropIndex(name, schema, concurrently=True)
    return Step(statement, Lock.SHARE_UPDATE_EXCLUSIVE, table, transactional=False)


@dataclass(frozen=True)
class NamePartitionIndexes(Statement):
    """Each partition's index attached to a parent index renamed to the name wanted, where it differs
    (found in the catalog: its present name depends on the history of the parent's columns)."""

    template = "name_partition_indexes"
    schema: str
    # (partition, its schema, parent index, the parent's schema, wanted name)
    indexes: tuple[tuple[str, str, str, str, str], ...]


def name_partition_indexes(
    schema: str, table: str, indexes: Sequence[tuple[str, str, str, str, str]]
) -> Step:
    """ALTER INDEX … RENAME takes SHARE UPDATE EXCLUSIVE on each index and a catalog change only."""
    return Step(NamePartitionIndexes(schema, tuple(indexes)), Lock.SHARE_UPDATE_EXCLUSIVE, table)


def rename_index(schema: str, table: str, old: str, new: str) -> Step:
    return Step(RenameIndex(old, new, schema), Lock.SHARE_UPDATE_EXCLUSIVE, table)


def foreign_key_locks(schema: str, table: str, fk: ForeignKey, mode: Lock) -> tuple[TableLock, ...]:
    """What adding or dropping foreign key `fk` of `table` locks: both ends, in one mode (PostgreSQL
    adds or removes triggers on the referenced table too)."""
    return (TableLock(schema, table, mode), TableLock(fk.ref_schema, fk.ref_table, mode))


# --- views and functions -------------------------------------------------------------------------


def create_view(view: View) -> Step:
    """A materialized view is computed while it is created (unless it is created WITH NO DATA)."""
    computed = view.materialized and not view.unpopulated
    return Step(CreateView(view), Lock.NONE, view.name, brief=not computed)


def drop_view(view: View) -> Step:
    # LOCK TABLE cannot name a materialized view: its DROP locks it alone
    own = TableLock(view.schema, view.name, Lock.ACCESS_EXCLUSIVE)
    return Step(DropView(view), Lock.ACCESS_EXCLUSIVE, view.name, locks=() if view.materialized else (own,))


def replace_view(view: View) -> Step:
    """CREATE OR REPLACE VIEW locks the view (ACCESS EXCLUSIVE) for a catalog change."""
    own = TableLock(view.schema, view.name, Lock.ACCESS_EXCLUSIVE)
    return Step(ReplaceView(view), Lock.ACCESS_EXCLUSIVE, view.name, locks=(own,))


def create_archive_function(entry: ArchiveEntry) -> Step:
    return Step(CreateArchiveFunction(entry), Lock.NONE, entry.archive.function)


def create_maintain_function(entry: MaintainFunction) -> Step:
    return Step(CreateMaintainFunction(entry, lifecycle.MAINTAIN_LOCK_KEY), Lock.NONE, entry.name)


def create_refresh_function(view: View) -> Step:
    return Step(CreateRefreshFunction(view), Lock.NONE, view.refresh_function or "")


def drop_function(schema: str, name: str, arguments: str) -> Step:
    return Step(DropFunction(name, schema, arguments), Lock.NONE, name)


def create_routine(
    function: Function, *, replace: bool = False, clear_comment: bool = False, quoted: bool = False
) -> Step:
    return Step(CreateRoutine(function, replace, clear_comment, quoted), Lock.NONE, function.name)


def replace_routine_body(function: Function, *, quoted: bool) -> Step:
    """CREATE OR REPLACE FUNCTION locks no table."""
    return Step(ReplaceRoutineBody(function, quoted), Lock.NONE, function.name)


def drop_routine(function: Function) -> Step:
    return Step(DropRoutine(function), Lock.NONE, function.name)


# --- triggers ------------------------------------------------------------------------------------
# CREATE TRIGGER takes SHARE ROW EXCLUSIVE on its table (reads go on, writes wait); DROP TRIGGER takes
# ACCESS EXCLUSIVE, for a catalog change only.


def create_trigger(trigger: Trigger) -> Step:
    return Step(
        CreateTrigger(trigger),
        Lock.SHARE_ROW_EXCLUSIVE,
        trigger.table,
        locks=_locks([(trigger.schema, trigger.table)], Lock.SHARE_ROW_EXCLUSIVE),
    )


def drop_trigger(trigger: Trigger) -> Step:
    return Step(
        DropTrigger(trigger),
        Lock.ACCESS_EXCLUSIVE,
        trigger.table,
        locks=_locks([(trigger.schema, trigger.table)], Lock.ACCESS_EXCLUSIVE),
    )


# --- partitions ----------------------------------------------------------------------------------
# `referenced`: the tables the partitions' foreign keys reference. A partition created, detached or
# dropped gets or loses the triggers of each key, on the referenced table too.


def partition_begin() -> Step:
    return Step(PartitionBegin(), Lock.NONE, transactional=False)


def partition_commit() -> Step:
    return Step(PartitionCommit(), Lock.NONE, transactional=False)


def partition_detach(
    schema: str,
    parent: str,
    child: str,
    *,
    referenced: Sequence[Relation],
    concurrently: bool = False,
    brief: bool = True,
    child_schema: str | None = None,
) -> Step:
    """ACCESS EXCLUSIVE on the parent and the child (`brief`: committed at once, not held for a move);
    CONCURRENTLY: SHARE UPDATE EXCLUSIVE, outside a transaction. `child_schema`: the child's, when not
    the parent's."""
    statement = PartitionDetach(parent, child, schema, concurrently, child_schema or schema)
    mode = Lock.SHARE_UPDATE_EXCLUSIVE if concurrently else Lock.ACCESS_EXCLUSIVE
    locks = (
        TableLock(schema, parent, mode),
        TableLock(child_schema or schema, child, mode),
        *_locks(referenced, Lock.SHARE_ROW_EXCLUSIVE),
    )
    if concurrently:
        return Step(statement, mode, parent, transactional=False, locks=locks)
    return Step(statement, mode, parent, brief=brief, locks=locks)


def partition_create(
    schema: str,
    parent: str,
    scheme: PartitionScheme,
    child: PartitionChild,
    storage: tuple[StorageParameter, ...],
    *,
    referenced: Sequence[Relation],
) -> Step:
    """`child` of `parent` (partitioned by `scheme`), with its own partitions."""
    statement = PartitionCreate(parent, schema, replace(scheme, children=(child,)), storage)
    locks = (TableLock(schema, parent, Lock.ACCESS_EXCLUSIVE), *_locks(referenced, Lock.SHARE_ROW_EXCLUSIVE))
    return Step(statement, Lock.ACCESS_EXCLUSIVE, parent, locks=locks)


def partition_move_rows(
    schema: str,
    parent: str,
    source: str,
    *,
    columns: tuple[str, ...],
    overriding: bool,
    key: tuple[PartitionKey, ...],
    filters: list[RowFilter] | None,
    delete_source: bool,
    source_schema: str | None = None,
) -> Step:
    statement = PartitionMoveRows(
        parent, source, schema, list(columns), overriding, key, filters, delete_source, source_schema
    )
    return Step(statement, Lock.ROW_EXCLUSIVE, parent)


def partition_attach_default(
    schema: str, parent: str, child: str, *, referenced: Sequence[Relation], child_schema: str | None = None
) -> Step:
    """PostgreSQL scans the DEFAULT partition for rows another partition should hold, under its lock."""
    locks = (
        TableLock(schema, parent, Lock.SHARE_UPDATE_EXCLUSIVE),
        TableLock(child_schema or schema, child, Lock.ACCESS_EXCLUSIVE),
        *_locks(referenced, Lock.ACCESS_EXCLUSIVE),
    )
    statement = PartitionAttachDefault(parent, child, schema, child_schema)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, child, brief=False, locks=locks)


# --- periods of windows kept over time --------------------------------------------------------------
# `schemagen partitions maintain` makes a period a table of its own first and attaches it after, so
# the parent is never held (ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on it); rows move in batches.


def period_create(
    table: Table,
    child: str,
    key: str,
    low: LiteralValue,
    high: LiteralValue,
    check: str,
    child_schema: str | None = None,
) -> Step:
    """LIKE reads the parent's definition (ACCESS SHARE); the new table is no one's yet."""
    statement = PeriodCreate(
        table.name, child, table.schema, key, low, high, check, table.storage, child_schema
    )
    return Step(statement, Lock.ACCESS_SHARE, table.name)


def period_move_rows(
    schema: str,
    source: str,
    target: str | None,
    *,
    columns: Sequence[str] = (),
    overriding: bool = False,
    key: str | None = None,
    low: LiteralValue = None,
    high: LiteralValue = None,
    batch: int | None = None,
    source_schema: str | None = None,
    target_schema: str | None = None,
) -> Step:
    """ROW EXCLUSIVE on both tables, as the application's own writes."""
    statement = PeriodMoveRows(
        source, target, schema, list(columns), overriding, key, low, high, batch, source_schema, target_schema
    )
    places = ((source_schema or schema, source), (target_schema or schema, target))
    locks = tuple(TableLock(at, t, Lock.ROW_EXCLUSIVE) for at, t in places if t is not None)
    return Step(statement, Lock.ROW_EXCLUSIVE, source, locks=locks)


def period_attach(
    table: Table,
    child: str,
    low: LiteralValue,
    high: LiteralValue,
    *,
    default: str | None,
    referenced: Sequence[Relation],
    referencing: Sequence[Relation] = (),
    child_schema: str | None = None,
    default_schema: str | None = None,
) -> Step:
    """Without a DEFAULT partition, SHARE UPDATE EXCLUSIVE on the parent, which lets reads and writes
    through. With one, PostgreSQL scans it for rows of the new period under ACCESS EXCLUSIVE, and an
    insert that routed a row to it before the attach would fail its new constraint after: the parent
    is held (ACCESS EXCLUSIVE, which locks its partitions too) until the commit, so writes wait
    instead. ACCESS EXCLUSIVE on the new table (no one's yet); SHARE ROW EXCLUSIVE on the tables the
    foreign keys join."""
    schema = table.schema
    parent = Lock.ACCESS_EXCLUSIVE if default else Lock.SHARE_UPDATE_EXCLUSIVE
    locks = (
        TableLock(schema, table.name, parent),
        TableLock(child_schema or schema, child, Lock.ACCESS_EXCLUSIVE),
        *((TableLock(default_schema or schema, default, Lock.ACCESS_EXCLUSIVE),) if default else ()),
        *_locks(referenced, Lock.SHARE_ROW_EXCLUSIVE),
        *_locks(referencing, Lock.SHARE_ROW_EXCLUSIVE),
    )
    statement = PeriodAttach(table.name, child, schema, low, high, child_schema)
    on = table.name if default else child
    return Step(statement, Lock.ACCESS_EXCLUSIVE, on, brief=default is None, locks=locks)


def partition_detach_finalize(schema: str, parent: str, child: str, child_schema: str | None = None) -> Step:
    statement = PartitionDetachFinalize(parent, child, schema, child_schema or schema)
    locks = (TableLock(schema, parent, Lock.SHARE_UPDATE_EXCLUSIVE),)
    return Step(statement, Lock.SHARE_UPDATE_EXCLUSIVE, parent, transactional=False, locks=locks)


# --- distribution (Citus) -------------------------------------------------------------------------
# Each runs outside a transaction block: one that copies rows must not hold its locks until the end of
# the migration, the concurrent one cannot run in a block at all, and Citus refuses DDL in a block after
# statements that used several connections per node.


def distribute_table(table: Table, *, existing: bool, concurrently: bool = False) -> Step:
    """EXCLUSIVE on the table (and its partitions) while its rows are copied into the shards: writes
    wait, reads do not; concurrently, SHARE UPDATE EXCLUSIVE, which lets writes flow."""
    mode = Lock.SHARE_UPDATE_EXCLUSIVE if concurrently else Lock.EXCLUSIVE
    return Step(DistributeTable(table, existing, concurrently), mode, table.name, transactional=False)


def truncate_local_data(table: Table) -> Step:
    return Step(
        TruncateLocalData(table.name, table.schema), Lock.ACCESS_EXCLUSIVE, table.name, transactional=False
    )


def drop_replaced_shards(table: Table) -> Step:
    """Only shards no query uses any more: no table of the application is locked."""
    return Step(DropReplacedShards(), Lock.NONE, f"the replaced shards of {table.name}", transactional=False)


def undistribute_table(table: Table) -> Step:
    """EXCLUSIVE while the rows are copied back into a new table, ACCESS EXCLUSIVE while it replaces the
    old one (which drops the shards)."""
    statement = UndistributeTable(table.name, table.schema)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, transactional=False, brief=False)


def alter_distributed_table(
    table: Table,
    *,
    column: str | None,
    shard_count: int | None,
    colocate_with: str | None,
    cascade: bool,
    group: Sequence[Table] = (),
    colocate_schema: str | None = None,
) -> Step:
    """Like undistribute_table, for the table and (`cascade`) every table of its colocation group: the
    rows copied into new shards under EXCLUSIVE, then ACCESS EXCLUSIVE while the new tables replace the
    old ones."""
    statement = AlterDistributedTable(
        table.name, table.schema, column, shard_count, colocate_with, cascade, colocate_schema
    )
    locks = _locks([(t.schema, t.name) for t in (table, *group)], Lock.ACCESS_EXCLUSIVE) if group else ()
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name, transactional=False, brief=False, locks=locks)


def distribute_schema(name: str, tables: Sequence[Table], *, existing: bool) -> Step:
    """Citus locks the schema itself (no table can be created in it meanwhile), then makes each table a
    table of one shard as create_distributed_table does: EXCLUSIVE on each while its rows are copied,
    writes wait, reads do not."""
    locks = _locks([(t.schema, t.name) for t in tables], Lock.EXCLUSIVE)
    return Step(
        DistributeSchema(name, existing),
        Lock.EXCLUSIVE,
        f"every table of schema {name}",
        transactional=False,
        brief=False,
        locks=locks,
    )


def undistribute_schema(name: str, tables: Sequence[Table]) -> Step:
    """Like undistribute_table for each table of the schema, one after the other in one statement:
    EXCLUSIVE while a table's rows are copied back, then ACCESS EXCLUSIVE until the end."""
    locks = _locks([(t.schema, t.name) for t in tables], Lock.ACCESS_EXCLUSIVE)
    return Step(
        UndistributeSchema(name),
        Lock.ACCESS_EXCLUSIVE,
        f"every table of schema {name}",
        transactional=False,
        brief=False,
        locks=locks,
    )


# --- units of work (`locking`) -------------------------------------------------------------------


def begin() -> Step:
    return Step(Begin(), Lock.NONE, transactional=False)


def commit() -> Step:
    return Step(Commit(), Lock.NONE, transactional=False)


def lock_tables(locks: tuple[TableLock, ...]) -> Step:
    """LOCK TABLE each of `locks`, in order: only the first waits."""
    return Step(
        LockTables(locks),
        max(lock.mode for lock in locks),
        ", ".join(lock.relation for lock in locks),
        locks=locks,
    )


def _locks(relations: Sequence[Relation], mode: Lock) -> tuple[TableLock, ...]:
    return tuple(TableLock(schema, table, mode) for schema, table in relations)


# --- access: owners, grants, row-level security, policies, replica identity ------------------------


@dataclass(frozen=True)
class SetOwner(Statement):
    template = "set_owner"
    table: str
    schema: str
    owner: str


@dataclass(frozen=True)
class GrantPrivileges(Statement):
    template = "grant"
    table: str
    schema: str
    grant: Grant


@dataclass(frozen=True)
class RevokePrivileges(Statement):
    template = "revoke"
    table: str
    schema: str
    grant: Grant
    option_only: bool = False


@dataclass(frozen=True)
class SetRowSecurity(Statement):
    template = "set_row_security"
    table: str
    schema: str
    enabled: bool
    forced: bool


@dataclass(frozen=True)
class CreatePolicy(Statement):
    template = "create_policy"
    table: str
    schema: str
    policy: Policy


@dataclass(frozen=True)
class DropPolicy(Statement):
    template = "drop_policy"
    table: str
    schema: str
    policy: Policy


@dataclass(frozen=True)
class SetReplicaIdentity(Statement):
    template = "replica_identity"
    table: str
    schema: str
    identity: str
    index: str | None


def set_owner(table: Table, owner: str) -> Step:
    """ALTER TABLE … OWNER TO: ACCESS EXCLUSIVE, for the catalog change only."""
    return Step(SetOwner(table.name, table.schema, owner), Lock.ACCESS_EXCLUSIVE, table.name)


def grant(table: Table, grant: Grant) -> Step:
    """GRANT takes no lock on the table: it rewrites the table's ACL in pg_class only."""
    return Step(GrantPrivileges(table.name, table.schema, grant), Lock.NONE, table.name)


def revoke(table: Table, grant: Grant, *, option_only: bool = False) -> Step:
    """REVOKE, like GRANT, takes no lock on the table."""
    return Step(RevokePrivileges(table.name, table.schema, grant, option_only), Lock.NONE, table.name)


def set_row_security(table: Table, enabled: bool, forced: bool) -> Step:
    """ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY: ACCESS EXCLUSIVE, for the catalog change only."""
    return Step(SetRowSecurity(table.name, table.schema, enabled, forced), Lock.ACCESS_EXCLUSIVE, table.name)


def create_policy(table: Table, policy: Policy) -> Step:
    """CREATE POLICY locks its table ACCESS EXCLUSIVE, for the catalog change only."""
    return Step(CreatePolicy(table.name, table.schema, policy), Lock.ACCESS_EXCLUSIVE, table.name)


def drop_policy(table: Table, policy: Policy) -> Step:
    """DROP POLICY locks its table ACCESS EXCLUSIVE, for the catalog change only."""
    return Step(DropPolicy(table.name, table.schema, policy), Lock.ACCESS_EXCLUSIVE, table.name)


def set_replica_identity(table: Table, identity: str, index: str | None) -> Step:
    """ALTER TABLE … REPLICA IDENTITY: ACCESS EXCLUSIVE, for the catalog change only."""
    statement = SetReplicaIdentity(table.name, table.schema, identity, index)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, table.name)


@dataclass(frozen=True)
class CreateRole(Statement):
    template = "create_role"
    role: Role


@dataclass(frozen=True)
class AlterRole(Statement):
    template = "alter_role"
    role: Role


@dataclass(frozen=True)
class GrantMembership(Statement):
    template = "grant_membership"
    role: str
    parent: str


@dataclass(frozen=True)
class RevokeMembership(Statement):
    template = "revoke_membership"
    role: str
    parent: str


def create_role(role: Role) -> Step:
    """A role of the cluster, created when absent: no lock on any table."""
    return Step(CreateRole(role), Lock.NONE, role.name)


def alter_role(role: Role) -> Step:
    return Step(AlterRole(role), Lock.NONE, role.name)


def grant_membership(role: str, parent: str) -> Step:
    return Step(GrantMembership(role, parent), Lock.NONE, role)


def revoke_membership(role: str, parent: str) -> Step:
    return Step(RevokeMembership(role, parent), Lock.NONE, role)


@dataclass(frozen=True)
class DefaultPrivilegesStatement(Statement):
    template = "default_privileges"
    entry: DefaultPrivileges
    grant: Grant
    revoke: bool = False
    option_only: bool = False


def default_privileges(
    entry: DefaultPrivileges, grant: Grant, *, revoke: bool = False, option_only: bool = False
) -> Step:
    """ALTER DEFAULT PRIVILEGES changes pg_default_acl only: no lock on any table."""
    return Step(DefaultPrivilegesStatement(entry, grant, revoke, option_only), Lock.NONE, entry.schema)


# The online split's statements live in plan/reshard_steps.py; named here too, so that this module
# still holds one statement per template.
ReshardAttach = reshard_steps.ReshardAttach
ReshardCaptureFunction = reshard_steps.ReshardCaptureFunction
ReshardCaptureTrigger = reshard_steps.ReshardCaptureTrigger
ReshardCopy = reshard_steps.ReshardCopy
ReshardCreate = reshard_steps.ReshardCreate
ReshardDropCapture = reshard_steps.ReshardDropCapture
ReshardDropFunction = reshard_steps.ReshardDropFunction
ReshardLogAnalyze = reshard_steps.ReshardLogAnalyze
ReshardLogClear = reshard_steps.ReshardLogClear
ReshardLogCreate = reshard_steps.ReshardLogCreate
ReshardReplayDelete = reshard_steps.ReshardReplayDelete
ReshardReplayInsert = reshard_steps.ReshardReplayInsert
ReshardSnapshot = reshard_steps.ReshardSnapshot
ReshardSplit = reshard_steps.ReshardSplit

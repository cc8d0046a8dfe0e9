"""The differences between two Models, as typed values: what `diff` finds and `recipes` turn into steps.

A change holds the Model objects it concerns, under the names they have when it runs (after the
renames), and what the comparison decided about them (a rename matched, a column converted, the
temporary name of a detached partition), so a recipe or a hazard analyzer reads nothing else. No
change knows SQL, locks or phases: those are the recipes' business.
"""

from __future__ import annotations

import re
from typing import Literal

from schemagen.model import (
    CheckConstraint,
    Column,
    Distribution,
    Domain,
    DomainCheck,
    Enum,
    Expire,
    ForeignKey,
    Function,
    Index,
    PartitionChild,
    PartitionScheme,
    PrimaryKey,
    SequenceGenerator,
    StorageParameter,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    naming,
)
from schemagen.model.access import DefaultPrivileges, Role, TableAccess
from schemagen.model.archive import ArchiveEntry
from schemagen.model.exclusions import ExclusionConstraint
from schemagen.model.lifecycle import MaintainFunction
from schemagen.model.object_access import AccessTarget, ObjectAccess
from schemagen.model.objects import ExtensionSetting, Project
from schemagen.model.usertypes import CompositeAttribute, CompositeType, RangeType, UserType
from schemagen.plan import casts
from schemagen.postgres import expressions, sqltypes, volatility
from schemagen.records import dataclass

Constraint = PrimaryKey | UniqueConstraint | CheckConstraint | ForeignKey | ExclusionConstraint
ConstraintKind = Literal["primary_key", "unique", "check", "foreign_key", "exclusion"]
#: `free` (no rewrite, no loss), `rewrite` (values convert), or `narrowing` (values may not fit).
Conversion = Literal["free", "rewrite", "narrowing"]


def constraint_kind(constraint: Constraint) -> ConstraintKind:
    if isinstance(constraint, PrimaryKey):
        return "primary_key"
    if isinstance(constraint, UniqueConstraint):
        return "unique"
    if isinstance(constraint, CheckConstraint):
        return "check"
    if isinstance(constraint, ExclusionConstraint):
        return "exclusion"
    return "foreign_key"


# --- project-wide --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateExtension:
    name: str
    setting: ExtensionSetting | None = None


@dataclass(frozen=True)
class AlterExtension:
    """An extension moved to another schema (`schema`, None: public) and/or updated to another version
    (`version`, None when it stays; `default_version`: updated to its default one). `if_reachable`: a
    down migration's update back, made only when the server has an update path to that version (most
    extensions ship none downwards): else the extension stays, with a warning."""

    name: str
    schema: str | None = None
    move: bool = False
    version: str | None = None
    update: bool = False
    if_reachable: bool = False


@dataclass(frozen=True)
class DropExtension:
    name: str


@dataclass(frozen=True)
class CreateSchema:
    name: str


@dataclass(frozen=True)
class DropSchema:
    """A schema the old version declared (`project.schemas`) and the new one neither declares nor uses."""

    name: str


# --- enums ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateEnum:
    enum: Enum


@dataclass(frozen=True)
class AddEnumValue:
    """`value` added to `enum` before or after an existing value; `used`: the new spec writes it (a
    default, a check, a predicate, a view), so it must be committed before the statements that do."""

    enum: Enum
    value: str
    before: str | None
    after: str | None
    used: bool


@dataclass(frozen=True)
class CheckRemovedValues:
    """Before an enum loses `removed`: no row of `columns` may still hold one (checked first of all, so
    the tables and columns are named as they are before the migration)."""

    enum: Enum
    removed: tuple[str, ...]
    columns: tuple[tuple[Table, Column], ...]


@dataclass(frozen=True)
class RebuildEnum:
    """Values removed or reordered: the old type parked under `parked`, `enum` created anew, and
    `columns` (which exist when it runs and keep the type, under their new names) converted to it."""

    enum: Enum
    parked: str
    removed: tuple[str, ...]
    columns: tuple[tuple[Table, Column], ...]


@dataclass(frozen=True)
class DropEnum:
    """`parked`: the old type of a rebuilt enum, dropped under the name it was parked under."""

    enum: Enum
    parked: str | None = None


# --- sequences -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateSequence:
    sequence: SequenceGenerator


@dataclass(frozen=True)
class DropSequence:
    sequence: SequenceGenerator


@dataclass(frozen=True)
class AlterSequence:
    """New options (type, start, increment, bounds, cache, cycle); the sequence's value stays."""

    old: SequenceGenerator
    new: SequenceGenerator


@dataclass(frozen=True)
class RenameSequence:
    """`old` renamed to the name of `new`: a serial whose table or column was renamed keeps its
    numbering."""

    old: SequenceGenerator
    new: SequenceGenerator


@dataclass(frozen=True)
class SetSequenceOwner:
    """OWNED BY `owner` (the column, under its name in B), or NONE: released before the migration drops
    a column or table that owned it, so it survives them."""

    sequence: SequenceGenerator
    owner: tuple[str, str] | None


# --- composite and range types ------------------------------------------------------------------


@dataclass(frozen=True)
class CreateType:
    type: UserType
    # the type it replaces: dropped first (a range type PostgreSQL cannot alter, which nothing uses)
    replaces: UserType | None = None
    # made anew once what used it in A is dropped (nothing in B uses it), not before B's columns
    late: bool = False


@dataclass(frozen=True)
class DropType:
    """`parked`: the old type of a rebuilt range type, dropped under the name it was parked under (its
    multirange type and constructors go with it)."""

    type: UserType
    parked: str | None = None


@dataclass(frozen=True)
class RebuildRange:
    """A range type PostgreSQL cannot alter (`what` changes) that columns or functions use: the
    functions whose arguments or result name it or its multirange type dropped (`dropped`, as A has
    them), the old type parked under `parked` and its multirange type under `parked_multirange` (with
    the constructors named after them, which the new ones would collide with), `range` created anew,
    `columns` (which exist when it runs and keep their type of the range, of its multirange or arrays of
    them, under their new names) converted to it through their text, and `created` (as B has them)
    made again; `views` (keys, as A has them): the views naming it or calling a dropped function, dropped
    before and created again after (those reading a converted column are anyway)."""

    range: RangeType
    old: RangeType
    what: str
    parked: str
    multirange: str
    parked_multirange: str
    columns: tuple[tuple[Table, Column], ...]
    dropped: tuple[Function, ...] = ()
    created: tuple[Function, ...] = ()
    views: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlterTypeAttribute:
    """An attribute of a composite type added, dropped or (no column holding the type) retyped."""

    type: CompositeType
    action: Literal["add", "drop", "type", "rename"]
    attribute: CompositeAttribute
    new_name: str | None = None  # a rename's


# --- domains -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateDomain:
    domain: Domain


@dataclass(frozen=True)
class DropDomain:
    domain: Domain


@dataclass(frozen=True)
class SetDomainDefault:
    domain: Domain


@dataclass(frozen=True)
class SetDomainNotNull:
    """`tables`: those with a column of the domain's type, which SET NOT NULL reads."""

    domain: Domain
    not_null: bool
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class AddDomainCheck:
    """Added NOT VALID, then validated: `tables` are read (see `SetDomainNotNull`)."""

    domain: Domain
    check: DomainCheck
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class DropDomainCheck:
    domain: Domain
    check: DomainCheck


# --- tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateTable:
    table: Table


@dataclass(frozen=True)
class DropTable:
    table: Table


@dataclass(frozen=True)
class RenameTable:
    old: Table
    new: Table


@dataclass(frozen=True)
class MoveTable:
    """`old` moved to the schema of `new` (`ALTER TABLE … SET SCHEMA`), after any rename: its
    partitions with it; its indexes, constraints and owned sequences follow on their own."""

    old: Table
    new: Table


# --- columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddColumn:
    """`not_null_lost`: a down migration re-adds a column the up dropped with its values, NOT NULL
    without a default in that version: the rows can only get NULL back, so `column` is nullable.
    `needs_empty`: NOT NULL without a default, which PostgreSQL adds only to a table without rows."""

    table: Table
    column: Column
    not_null_lost: bool = False
    needs_empty: bool = False

    @property
    def rewrites(self) -> bool:
        """Adding it computes a value for every row: a volatile default, an identity, a generated column."""
        column = self.column
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
        return bool(volatile or column.identity or column.generated)

    @property
    def node_dependent_default(self) -> str | None:
        """Its default, when it calls a function that is not IMMUTABLE (`now()`): on a distributed table
        each node computes it for the rows it holds."""
        default = self.column.default
        if default is None or default.expression is None:
            return None
        calls = expressions.function_calls(expressions.parse_expression(default.expression))
        return (
            default.expression if any(volatility.volatility(c.name) != "immutable" for c in calls) else None
        )


@dataclass(frozen=True)
class RebuildTable:
    """`old` becomes `new`, which PostgreSQL cannot reach by altering it (`why`): the old table is
    parked in a schema of its own, `new` created, the rows copied (`columns`: each column of `new`
    with the column of `old` it is copied from), and the old table dropped. `owned`: the sequences
    of B owned by a column of the table (a serial's), kept out of the move: unlinked first, linked to
    the new table's column after."""

    old: Table
    new: Table
    why: str
    columns: tuple[tuple[str, str], ...]
    owned: tuple[SequenceGenerator, ...] = ()


@dataclass(frozen=True)
class CheckEmpty:
    """Before `column` (NOT NULL, no default) is added to `table`: the table must hold no rows (checked
    first of all, so `schema` and `name` are the table's before the migration)."""

    table: Table
    column: Column
    schema: str
    name: str


@dataclass(frozen=True)
class DropColumn:
    table: Table
    column: Column


@dataclass(frozen=True)
class RenameColumn:
    table: Table
    old: str
    new: str
    # an identity column before and after: its sequence is renamed with it
    identity_kept: bool = False


@dataclass(frozen=True)
class AlterColumnType:
    """A new type or collation (`old` is the column of A under its name in B). `using`: the spec's
    expression that computes the new value; `through_text`: without it, the values are converted
    through their text form, which fails on one the new type cannot read; `via_text`: the statement
    says so (`USING col::text::new`), as PostgreSQL casts nothing between two enum types."""

    table: Table
    old: Column
    new: Column
    using: str | None = None
    through_text: bool = False
    via_text: bool = False

    @property
    def conversion(self) -> Conversion:
        """A new collation alone converts no value (PostgreSQL keeps the table's file, and rebuilds
        the indexes on the column: `rebuilds_indexes`)."""
        return type_conversion(self.old.type, self.new.type)

    @property
    def rebuilds_indexes(self) -> tuple[str, ...]:
        """The indexes PostgreSQL rebuilds under the lock when only the collation changes (with the
        type, the rewrite rebuilds them anyway)."""
        if self.old.collation == self.new.collation or self.conversion != "free":
            return ()
        column, table = self.new.name, self.table
        found = [
            index.name
            for index in table.indexes
            if column in index.include
            or any(e.column == column or e.expression is not None for e in index.elements)
        ]
        if table.primary_key is not None and column in table.primary_key.columns:
            found.append(table.primary_key.name)
        found += [key.name for key in table.uniques if column in key.columns]
        return tuple(found)


@dataclass(frozen=True)
class AlterIdentity:
    """`old`'s identity becomes `new`'s. A serial becoming an identity keeps its numbering: the identity
    goes on from `previous`, the sequence that numbered the column (parked under `parked` first, and
    dropped after, when B drops it). An identity becoming a serial likewise: `numbered_by`, the sequence
    of its new default, goes on from the identity (created under `parked` first, when B adds it: the
    identity's sequence still has its name)."""

    table: Table
    old: Column
    new: Column
    previous: SequenceGenerator | None = None
    numbered_by: SequenceGenerator | None = None
    parked: str | None = None


@dataclass(frozen=True)
class SetDefault:
    """`column`'s default written (again) or dropped (None). `continues`: the sequence of a new
    `nextval` default of a column that holds rows, set past the values they hold."""

    table: Table
    column: Column
    continues: SequenceGenerator | None = None


@dataclass(frozen=True)
class SetNotNull:
    table: Table
    column: str


@dataclass(frozen=True)
class DropNotNull:
    table: Table
    column: str


@dataclass(frozen=True)
class Comment:
    """`parts`: (schema, relation) for a table or view, (schema, relation, column) for a column,
    (schema,) for a schema; None removes it."""

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


# --- constraints and indexes ---------------------------------------------------------------------


@dataclass(frozen=True)
class AddConstraint:
    """`on_new_table`: the table is created by the same migration (empty: nothing to validate)."""

    table: Table
    constraint: Constraint
    on_new_table: bool = False

    @property
    def kind(self) -> ConstraintKind:
        return constraint_kind(self.constraint)


@dataclass(frozen=True)
class DropConstraint:
    """`reread`: unchanged, but it reads a column converted to a rebuilt enum, so it is dropped before
    the rebuild and added again after; `with_table`: a foreign key of a table this migration drops;
    `redistributed`: an unchanged foreign key of a table Citus redistributes (which it refuses, or
    drops the key, while the key is there), dropped before and added again after."""

    table: Table
    constraint: Constraint
    reread: bool = False
    with_table: bool = False
    redistributed: bool = False
    rebuilt: str = "enum"  # what `reread` was converted to: "enum", or "range type"

    @property
    def kind(self) -> ConstraintKind:
        return constraint_kind(self.constraint)


@dataclass(frozen=True)
class RenameConstraint:
    """A generated name that changed while the definition did not."""

    table: Table
    old: str
    new: str


@dataclass(frozen=True)
class SetIndexStorage:
    """An index's storage parameters given a new value (`set`) or returned to the default (`reset`)."""

    table: Table
    index: Index
    set: tuple[StorageParameter, ...]
    reset: tuple[str, ...]


@dataclass(frozen=True)
class ValidateConstraint:
    """A check or foreign key kept NOT VALID that the spec now wants valid: its rows are checked."""

    table: Table
    constraint: Constraint


@dataclass(frozen=True)
class AddIndex:
    table: Table
    index: Index
    on_new_table: bool = False


@dataclass(frozen=True)
class DropIndex:
    """`reread`, `rebuilt`: as for `DropConstraint`."""

    table: Table
    index: Index
    reread: bool = False
    rebuilt: str = "enum"


@dataclass(frozen=True)
class RenameIndex:
    table: Table
    old: str
    new: str


@dataclass(frozen=True)
class SetPersistence:
    """A table made UNLOGGED (`unlogged`) or LOGGED again: PostgreSQL rewrites it."""

    table: Table
    unlogged: bool


@dataclass(frozen=True)
class SetStorage:
    """Storage parameters given a new value (`set`) or returned to PostgreSQL's default (`reset`)."""

    table: Table
    set: tuple[StorageParameter, ...]
    reset: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.set] + list(self.reset)


@dataclass(frozen=True)
class ChangeRole:
    """A role of the spec created when absent (`old` None) or altered; a role the spec no longer
    declares is left to the cluster."""

    old: Role | None
    new: Role


@dataclass(frozen=True)
class ChangeDefaultPrivileges:
    """Default privileges of one (schema, kind of object, role) going from `old` to `new` (either
    empty: none)."""

    old: DefaultPrivileges
    new: DefaultPrivileges


@dataclass(frozen=True)
class ChangeAccess:
    """A table's owner, grants, row-level security, policies or replica identity go from `old` to `new`
    (`old` is a new table's defaults). `drop_policies`: the operation that drops the policies that go
    or change, before columns and functions they read can go."""

    table: Table
    old: TableAccess
    new: TableAccess
    drop_policies: bool = False


@dataclass(frozen=True)
class ChangeObjectAccess:
    """The owner or grants of what is not a table (`target`) go from `old` to `new` (`old` is a new
    object's defaults)."""

    target: AccessTarget
    old: ObjectAccess
    new: ObjectAccess


# --- views and functions -------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateView:
    view: View


@dataclass(frozen=True)
class DropView:
    view: View


@dataclass(frozen=True)
class ReplaceView:
    """A plain view whose query changes but keeps its output columns, each under its name and type
    (`expressions.replaces_in_place`): replaced where it stands, with what depends on it."""

    view: View


@dataclass(frozen=True)
class CreateArchiveFunction:
    entry: ArchiveEntry


@dataclass(frozen=True)
class CreateRefreshFunction:
    view: View


@dataclass(frozen=True)
class CreateMaintainFunction:
    """`schemagen_maintain()`, which keeps the windows kept over time inside the database."""

    entry: MaintainFunction


@dataclass(frozen=True)
class DropFunction:
    name: str
    schema: str
    arguments: str


# --- user functions and triggers ----------------------------------------------------------------


@dataclass(frozen=True)
class CreateRoutine:
    """A function or procedure of the spec; `replace`: CREATE OR REPLACE over the one of the same
    signature and result (`old`), which keeps what depends on it."""

    function: Function
    replace: bool = False
    old: Function | None = None
    # it takes or returns a table's row type: created once the tables are
    after_tables: bool = False
    # a SQL-standard body made in quotes (`SetStandardBody` gives it its body once all it reads exists)
    quoted: bool = False


@dataclass(frozen=True)
class QuoteStandardBody:
    """A kept function with a SQL-standard body that reads something the migration changes or drops
    (`reads`): its body put in quotes first, which PostgreSQL does not tie to what it reads."""

    function: Function
    reads: tuple[str, ...]


@dataclass(frozen=True)
class SetStandardBody:
    """The SQL-standard body of a function created or kept in quotes, once all it reads exists."""

    function: Function


@dataclass(frozen=True)
class DropRoutine:
    """`dependents`: what the spec has calling it, for the header (triggers are dropped before it);
    `recreated`: it is created again with another signature or result, right after."""

    function: Function
    dependents: tuple[str, ...] = ()
    recreated: bool = False
    # it takes or returns a table's row type: dropped before the tables (DROP TABLE fails while it is)
    before_tables: bool = False


@dataclass(frozen=True)
class CreateTrigger:
    trigger: Trigger


@dataclass(frozen=True)
class DropTrigger:
    trigger: Trigger


@dataclass(frozen=True)
class ReplaceTrigger:
    """Dropped and created again in one transaction: no write slips through without it."""

    old: Trigger
    new: Trigger


# --- partitions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelationRename:
    """A partition renamed, with the indexes PostgreSQL gave it (old name, new name); `schema`: the
    partition's (None: its table's), `to`: the schema it then moves to (`names:` pins another)."""

    old: str
    new: str
    indexes: tuple[tuple[str, str], ...]
    schema: str | None = None
    to: str | None = None


@dataclass(frozen=True)
class RenamePartitions:
    """Kept partitions of `table` under new names (`partitions`), and the clones of its renamed foreign
    keys (old name, new name) on each kept partition (`kept`), which PostgreSQL does not rename."""

    table: Table
    partitions: tuple[RelationRename, ...]
    foreign_keys: tuple[tuple[str, str], ...]
    kept: tuple[str, ...]


@dataclass(frozen=True)
class NamePartitionIndexes:
    """The indexes of `table`'s partitions renamed, where they differ, to the names a fresh database
    gives them: PostgreSQL names a partition's index after the column names its parent index had when
    that was created, which RENAME COLUMN does not change, so after a column rename both the kept
    partitions and those created later keep the old column names in their indexes' names."""

    table: Table
    # after a column's new type made PostgreSQL build indexes of the table again while the names of the
    # partitions' indexes of an index dropped and created again were free: it names the rebuilt ones'
    # partition indexes anew, perhaps with those names, which the index created again needs
    converted: bool = False


@dataclass(frozen=True)
class PartitionDrop:
    """A child of `parent` dropped with its rows; `concurrently`: detached without blocking (not while
    the parent has a DEFAULT partition, nor on a distributed table)."""

    parent: str
    child: str
    concurrently: bool
    schema: str | None = None  # the child's, when not its table's (`names:` pins another)


@dataclass(frozen=True)
class DropPartitions:
    """Children removed whose rows have nowhere to go; `referencing`: the foreign keys of other tables
    that reference `table` (PostgreSQL refuses to lose rows they reference); `referenced`: the
    (schema, table) its own foreign keys reference."""

    table: Table
    drops: tuple[PartitionDrop, ...]
    referencing: tuple[tuple[Table, ForeignKey], ...]
    referenced: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PartitionCreate:
    parent: str
    scheme: PartitionScheme  # the parent's scheme (B), whose key and kind the child is created under
    child: PartitionChild


@dataclass(frozen=True)
class CreatePartitions:
    """New children with no rows to move into them."""

    table: Table
    creates: tuple[PartitionCreate, ...]
    referenced: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HashSplit:
    """Hash modulus `modulus` → a multiple: one old child into the new ones with the same hash values."""

    modulus: int


@dataclass(frozen=True)
class HashMerge:
    """Hash modulus → `modulus`, a divisor: old children into the one with the same hash values."""

    modulus: int


@dataclass(frozen=True)
class HashRebuild:
    """Hash modulus `before` → `after`, neither dividing the other: every child rebuilt at once."""

    before: int
    after: int


@dataclass(frozen=True)
class BoundsChanged:
    """Range or list children changed: `into`, B's DEFAULT that takes rows no other child fits;
    `rebuilt`, children whose own partitioning changes kind or key; `lost`, removed children whose rows
    fit no child of B (dropped with them)."""

    into: str | None
    rebuilt: tuple[str, ...]
    lost: tuple[str, ...]


@dataclass(frozen=True)
class SubpartitionChanged:
    """One child whose own partitioning (`then:`) changes kind or key: rebuilt with its rows."""


MoveReason = HashSplit | HashMerge | HashRebuild | BoundsChanged | SubpartitionChanged


@dataclass(frozen=True)
class PartitionMove:
    """One transaction on `parent`: the `old` children out, the `new` ones in, the rows re-inserted.

    `columns`: what a moved row carries (`overriding`: OVERRIDING SYSTEM VALUE for an identity
    column); `referenced`: as in `DropPartitions`; `retired`: detached children (and their partitions)
    renamed out of the way of B's names, with their indexes; `default`: a kept DEFAULT whose rows that
    fit `new` move out of it; `filtered`: B has no DEFAULT, so only rows that fit one of `new` are
    re-inserted.
    """

    table: Table
    parent: str
    scheme: PartitionScheme  # B's scheme of this level: its key filters the rows
    old: tuple[PartitionChild, ...]
    new: tuple[PartitionChild, ...]
    why: MoveReason
    columns: tuple[str, ...]
    overriding: bool
    referenced: tuple[tuple[str, str], ...]
    retired: tuple[RelationRename, ...] = ()
    default: PartitionChild | None = None
    filtered: bool = False

    @property
    def sources(self) -> list[str]:
        """The names the `old` children have once detached (and retired)."""
        retired = {r.old: r.new for r in self.retired}
        return [retired.get(child.name, child.name) for child in self.old]


@dataclass(frozen=True)
class DropReferencingForeignKeys:
    """Foreign keys of other tables that reference `table`, dropped while its partitions change."""

    table: Table
    foreign_keys: tuple[tuple[Table, ForeignKey], ...]


@dataclass(frozen=True)
class RestoreForeignKey:
    """A foreign key of `table` dropped by `DropReferencingForeignKeys`, added back and validated."""

    table: Table
    foreign_key: ForeignKey
    referenced: str


# --- periods of windows kept over time ------------------------------------------------------------

#: Where an expiring period stands: still a partition, detached by a DETACH … CONCURRENTLY that stopped
#: half-way, or a table of its own left by a run that stopped before dropping it.
PeriodState = Literal["attached", "detaching", "detached"]


@dataclass(frozen=True)
class CreatePeriod:
    """A period of a window kept over time made a table of its own, given the rows of the parent's
    DEFAULT partition (`default`) that belong to it when `from_default`, then attached. `batch`: how many
    rows move per transaction (None: all in one statement); `referenced`: the (schema, table) its own
    foreign keys reference; `referencing`: the (schema, table) of other tables' foreign keys to it."""

    table: Table
    child: PartitionChild
    default: str | None
    from_default: bool
    batch: int | None
    referenced: tuple[tuple[str, str], ...]
    referencing: tuple[tuple[str, str], ...]
    returning: bool = False  # a period an expiry took away, brought back by a migration (its mark cleared)
    default_schema: str | None = None  # the DEFAULT partition's, when not the table's

    @property
    def check(self) -> str:
        """The constraint holding the period's bound until the table is attached."""
        return naming.truncate(f"{self.child.name}_period_bound")


@dataclass(frozen=True)
class ExpirePeriod:
    """A period that left a window kept over time, gone the way `how` says: detached (`concurrently`:
    DETACH … CONCURRENTLY, impossible while the parent has a DEFAULT partition), dropped, or emptied
    into the archive (`archive`) and dropped. Rows are deleted or archived before the detach, in batches
    of `batch` (None: one statement), when they go and other tables' foreign keys reference the table
    (`referencing`), so their ON DELETE actions run; `lost`: its rows go for good (`drop`)."""

    table: Table
    child: str
    how: Expire
    state: PeriodState
    concurrently: bool
    batch: int | None
    archive: ArchiveEntry | None
    referenced: tuple[tuple[str, str], ...]
    referencing: tuple[tuple[str, str], ...]
    child_schema: str | None = None  # the period's, when not the table's (`names:` pins another)

    @property
    def lost(self) -> bool:
        return self.how == "drop"


# --- distribution (Citus) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribute:
    """`table` made a reference or hash-distributed table as `table.distribution` says; `existing`: it
    holds rows (it is not created by this migration), which Citus copies into the shards;
    `concurrently`: while writes keep flowing (`create_distributed_table_concurrently`), else while they
    wait."""

    table: Table
    existing: bool
    concurrently: bool = False


@dataclass(frozen=True)
class Undistribute:
    """`table` (under its new name) made a plain table again, its rows copied back from the shards;
    `was`: its distribution until then."""

    table: Table
    was: Distribution


@dataclass(frozen=True)
class DistributeSchema:
    """The schema `name` sharded as a whole (`citus_schema_distribute`): each of its `tables` (as in B)
    becomes a table of one shard in the schema's colocation group; `existing`: the tables that hold
    rows (not created by this migration), copied into their shards."""

    name: str
    tables: tuple[Table, ...]
    existing: tuple[Table, ...]


@dataclass(frozen=True)
class UndistributeSchema:
    """The schema `name` made a plain schema again (`citus_schema_undistribute`): its `tables` (as in B)
    become plain tables, their rows copied back from their shards."""

    name: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class AlterDistribution:
    """A hash-distributed table redistributed in place (`alter_distributed_table`): a new distribution
    `column`, a new colocation group (`colocate_with`: a root table, or "none" for a group of its own),
    a new `shard_count`; `cascade`: the shard count changes for its whole colocation group, `group`
    (the other tables of the group, which move with it); `was`: its distribution until then."""

    table: Table
    was: Distribution
    column: str | None = None
    colocate_with: str | None = None
    shard_count: int | None = None
    cascade: bool = False
    group: tuple[Table, ...] = ()


Change = (
    ChangeAccess
    | ChangeObjectAccess
    | ChangeDefaultPrivileges
    | ChangeRole
    | CreateRoutine
    | DropRoutine
    | QuoteStandardBody
    | SetStandardBody
    | CreateTrigger
    | DropTrigger
    | ReplaceTrigger
    | CreateExtension
    | AlterExtension
    | CreateSchema
    | DropSchema
    | DropExtension
    | MoveTable
    | CreateSequence
    | DropSequence
    | AlterSequence
    | RenameSequence
    | SetSequenceOwner
    | CreateType
    | DropType
    | RebuildRange
    | AlterTypeAttribute
    | CreateDomain
    | DropDomain
    | SetDomainDefault
    | SetDomainNotNull
    | AddDomainCheck
    | DropDomainCheck
    | CreateEnum
    | AddEnumValue
    | CheckRemovedValues
    | RebuildEnum
    | DropEnum
    | CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | CheckEmpty
    | RebuildTable
    | DropColumn
    | RenameColumn
    | AlterColumnType
    | AlterIdentity
    | SetDefault
    | SetNotNull
    | DropNotNull
    | Comment
    | AddConstraint
    | DropConstraint
    | RenameConstraint
    | ValidateConstraint
    | SetIndexStorage
    | AddIndex
    | DropIndex
    | RenameIndex
    | SetStorage
    | SetPersistence
    | CreateView
    | DropView
    | ReplaceView
    | CreateArchiveFunction
    | CreateRefreshFunction
    | CreateMaintainFunction
    | DropFunction
    | RenamePartitions
    | NamePartitionIndexes
    | DropPartitions
    | CreatePartitions
    | PartitionMove
    | DropReferencingForeignKeys
    | RestoreForeignKey
    | CreatePeriod
    | ExpirePeriod
    | Distribute
    | Undistribute
    | AlterDistribution
    | DistributeSchema
    | UndistributeSchema
)


def type_conversion(old: str, new: str) -> Conversion:
    """What changing a column's type from `old` to `new` does to its values."""
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
    if (modified := _typmod_conversion(old, new)) is not None:
        return modified
    if casts.binary_coercible(old, new):
        return "free"
    widen = {("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint")}
    if (old, new) in widen:
        return "rewrite"
    if (new, old) in widen:
        return "narrowing"
    return "rewrite"


# A type with a modifier as format_type() spells it: `numeric(7,2)`, `timestamp(3) with time zone`.
_TYPMOD = re.compile(r"^(numeric|timestamp|time|interval|bit varying)(?:\((\d+)(?:,(\d+))?\))?(.*)$")


def _typmod_conversion(old: str, new: str) -> Conversion | None:
    """A change of the modifier only, as PostgreSQL's support functions judge it (numeric_support,
    timestamp_support, varbit_support…): a wider one is a catalog change, a narrower one rewrites
    (numeric and bit varying may also fail on a value that no longer fits). None: not such a change."""
    a, b = _TYPMOD.match(old), _TYPMOD.match(new)
    if a is None or b is None or a[1] != b[1] or a[4] != b[4]:
        return None
    if a[1] == "numeric":
        if b[2] is None:
            return "free"  # unconstrained numeric holds every value as it is
        if a[2] is None:
            return "narrowing"
        old_scale, new_scale = int(a[3] or 0), int(b[3] or 0)
        old_digits, new_digits = int(a[2]) - old_scale, int(b[2]) - new_scale
        if new_digits < old_digits:
            return "narrowing"
        return "free" if new_scale == old_scale else "rewrite"
    old_mod, new_mod = a[2], b[2]
    if new_mod is None or (old_mod is not None and int(new_mod) >= int(old_mod)):
        return "free"
    return "narrowing" if a[1] == "bit varying" else "rewrite"


def extension_changes(a: Project, b: Project, *, down: bool = False) -> list[AlterExtension]:
    """The extensions both versions name whose schema or version the spec changes (`down`: for a down
    migration, whose update goes back only where the server has a path)."""
    before = {s.name: s for s in a.extension_settings}
    after = {s.name: s for s in b.extension_settings}
    found = []
    for name in sorted(set(a.extensions) & set(b.extensions)):
        old, new = before.get(name, ExtensionSetting(name)), after.get(name, ExtensionSetting(name))
        if old == new:
            continue
        found.append(
            AlterExtension(
                name,
                schema=new.schema,
                move=old.schema != new.schema,
                version=new.version,
                update=old.version != new.version,
                if_reachable=down and new.version is not None,
            )
        )
    return found

"""The planner's output: typed operations. SQL appears only when templates render their steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field, fields, replace
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from schemagen.records import dataclass

if TYPE_CHECKING:
    from schemagen.plan.changes import Change


class Lock(IntEnum):
    """PostgreSQL's table lock levels, weakest first; a step states the strongest it takes."""

    NONE = 0
    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        return _LOCK_LABELS[self]


#: Each lock's `label`, made once (a migration's header and JSON say tens of thousands of them).
_LOCK_LABELS = {lock: "no table lock" if lock is Lock.NONE else lock.name.replace("_", " ") for lock in Lock}


@dataclass(frozen=True, order=True)
class TableLock:
    """A table-level lock a statement takes: the relation, schema-qualified, and the mode."""

    schema: str
    relation: str
    mode: Lock

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.relation}"


class Statement:
    """What one SQL statement says, as the arguments of its template (`steps` defines one subclass,
    a frozen dataclass, per template in `templates/postgres/migrate/`).

    The class attributes are the facts the rest of the planner reads instead of template names. It is
    no dataclass itself (it has no fields): a subclass without a dataclass base gets its methods from
    `records.dataclass` when first used, instead of compiling them all at import.
    """

    #: The template under `templates/postgres/migrate/` (without `.sql.j2`) that renders it.
    template: ClassVar[str]
    #: It only helps when it commits apart from the statements before it (VALIDATE after ADD … NOT VALID).
    own_transaction: ClassVar[bool] = False
    #: It opens (BEGIN) or closes (COMMIT) a unit of work of several statements.
    opens_unit: ClassVar[bool] = False
    closes_unit: ClassVar[bool] = False
    #: It takes a unit's table locks up front (LOCK TABLE).
    takes_locks_first: ClassVar[bool] = False
    #: Its lock is on a sequence, which LOCK TABLE cannot take: it never joins a unit's LOCK TABLE list.
    on_sequence: ClassVar[bool] = False

    @property
    def scans_rows(self) -> bool:
        """Its time grows with the table: it scans or moves every row (the statement timeout is lifted)."""
        return False

    @property
    def writes_sql_body(self) -> bool:
        """It creates or replaces a function with a body in quotes in `language: sql`, which may read
        tables the migration creates after it: the file turns `check_function_bodies` off first."""
        return False

    @property
    def repeats(self) -> bool:
        """It moves one batch of rows: it is run again, each time in a transaction of its own, until it
        moves none (`schemagen partitions maintain`)."""
        return False

    @property
    def args(self) -> Mapping[str, Any]:
        """The template's arguments: the statement's fields by name."""
        return {name: getattr(self, name) for name in _field_names(type(self))}

    def made_relations(self) -> frozenset[tuple[str, str]]:
        """The (schema, relation) it brings into being or gives a new name: a later statement of the
        same unit cannot lock it up front, and no application can be using it."""
        return frozenset()


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}

_T = TypeVar("_T")


def _with(record: _T, name: str, value: object) -> _T:
    """`dataclasses.replace(record, name=value)` of a frozen dataclass whose `__init__` only sets its
    fields (and caches nothing among its attributes): a copy of its attributes with one changed."""
    if not hasattr(record, "__dict__"):  # a class with slots: the general way
        return replace(record, **{name: value})  # type: ignore[type-var]
    made = object.__new__(type(record))
    made.__dict__.update(record.__dict__)
    object.__setattr__(made, name, value)
    return made


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class (a migration renders thousands of steps)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True)
class Step:
    """One SQL statement: what it says (`statement`, rendered by its template), and what it locks.

    `lock` and `on` state the strongest lock for the header; `locks` lists every table the statement
    locks, with its mode, where it locks more than the table it names (a foreign key locks both
    ends, a detach the parent, the partition and the tables the partition references). `brief` marks
    an ACCESS EXCLUSIVE that lasts only for a catalog change (no scan, no rewrite); anything else
    holding ACCESS EXCLUSIVE must be flagged by a hazard. Steps are built by `steps`.
    """

    statement: Statement
    lock: Lock
    on: str = ""
    transactional: bool = True
    brief: bool = True
    locks: tuple[TableLock, ...] = ()

    @property
    def template(self) -> str:
        return self.statement.template

    @property
    def args(self) -> Mapping[str, Any]:
        return self.statement.args

    @property
    def runs_long(self) -> bool:
        """Whether it scans or moves every row (rather than only changing the catalog)."""
        return self.statement.scans_rows or not self.brief

    def __hash__(self) -> int:
        return hash((self.template, self.lock, self.on))

    def with_statement(self, statement: Statement) -> Step:
        """The same step saying `statement`: `dataclasses.replace`, without going through the fields
        one by one (the lock order gives each of a migration's thousands of splits its lists)."""
        return _with(self, "statement", statement)


#: What a migration file sets `statement_timeout` back to after a statement that scans or moves rows.
STATEMENT_TIMEOUT = "1min"

#: One statement a `Unit` stands for, as the header and JSON read it: its lock, the relation the
#: header names (`on`), `brief`, and the LOCK TABLE list when it is one (else None).
Part = tuple[Lock, str, bool, "tuple[TableLock, ...] | None"]
#: What one statement of a unit locks (schema, relation, mode) and brings into being, for `locking`.
Taken = tuple[tuple[tuple[str, str, Lock], ...], frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Unit(Statement):
    """Several units of work (BEGIN … COMMIT) of one operation, rendered by one template and carried
    by one step: a split of thousands of statements, as a few hundred step objects would cost more
    than the planning itself.

    `steps()` gives the statements it stands for, one step each, exactly as the file holds them
    (including each unit's LOCK TABLE list, `first`, which `locking` fills in); `parts()` and
    `taken()` say the same facts without making them, and a test holds all three, and the text of
    the one template against the statements' own templates, to each other. A user's template of any
    of the statements (`statement_templates`) makes the file render `steps()` one by one.
    """

    #: The statement templates its template stands for (a user's own of any of them is used instead).
    statement_templates: ClassVar[tuple[str, ...]] = ()
    #: Its template's macro that renders it from the fields `own` alone, the other fields being what
    #: the units of one table share (worked out once, in a module of the template, for a table's
    #: units one after the other); None: its template renders it whole, every time.
    macro: ClassVar[str | None] = None
    own: ClassVar[tuple[str, ...]] = ()
    #: Per unit of work, in order: the LOCK TABLE list it starts with (`locking`), empty for none.
    first: tuple[tuple[TableLock, ...], ...] = field(default=(), kw_only=True)

    @property
    def args(self) -> Mapping[str, Any]:
        arguments = dict(super().args)
        arguments["statement_timeout"] = STATEMENT_TIMEOUT
        return arguments

    def with_first(self, first: tuple[tuple[TableLock, ...], ...]) -> Unit:
        """The same unit with LOCK TABLE lists `first`: `dataclasses.replace`, without going through
        the fields one by one (a unit has many, and a migration may hold thousands of units)."""
        return _with(self, "first", first)

    def steps(self) -> tuple[Step, ...]:
        """The statements it stands for, one step each, as the file holds them."""
        raise NotImplementedError

    def parts(self) -> Iterator[Part]:
        """(lock, on, brief, LOCK TABLE list or None) of each statement of `steps()`, in order."""
        raise NotImplementedError

    def said(self) -> Iterator[Part]:
        """What the header says of it: `parts()`, of which it may leave out those without a table lock
        and any that an earlier one repeats (the header says each lock once)."""
        return self.parts()

    def taken(self) -> Iterator[list[Taken]]:
        """Per unit of work, in order: what each of its statements (LOCK TABLE aside) locks and makes."""
        raise NotImplementedError


def parts_of(step: Step) -> Iterator[Part]:
    """(lock, on, brief, LOCK TABLE list or None) of each statement `step` stands for."""
    statement = step.statement
    if isinstance(statement, Unit):
        yield from statement.parts()
    else:
        yield step.lock, step.on, step.brief, step.locks if statement.takes_locks_first else None


def said_of(step: Step) -> Iterator[Part]:
    """`parts_of(step)`, or as much of it as the header needs (`Unit.said`)."""
    statement = step.statement
    if isinstance(statement, Unit):
        yield from statement.said()
    else:
        yield step.lock, step.on, step.brief, step.locks if statement.takes_locks_first else None


def flat(steps: tuple[Step, ...] | list[Step]) -> Iterator[Step]:
    """`steps` with each `Unit` as the steps it stands for."""
    for step in steps:
        if isinstance(step.statement, Unit):
            yield from step.statement.steps()
        else:
            yield step


@dataclass(frozen=True)
class Hazard:
    """Something a reviewer must know about an operation: a stable code, what happens, the fix."""

    code: str
    message: str
    fix: str
    destructive: bool = False


class Kind(StrEnum):
    """What an operation does: its `kind` in migration headers, JSON and docs/migrations.md."""

    CREATE_EXTENSION = "create_extension"
    ALTER_EXTENSION = "alter_extension"
    CREATE_SCHEMA = "create_schema"
    DROP_SCHEMA = "drop_schema"
    DROP_EXTENSION = "drop_extension"
    CREATE_ENUM = "create_enum"
    ADD_ENUM_VALUE = "add_enum_value"
    CHECK_ENUM_VALUES = "check_enum_values"
    CHECK_EMPTY = "check_empty"
    REBUILD_TABLE = "rebuild_table"
    REBUILD_ENUM = "rebuild_enum"
    DROP_ENUM = "drop_enum"
    CREATE_TYPE = "create_type"
    ALTER_TYPE = "alter_type"
    DROP_TYPE = "drop_type"
    CREATE_DOMAIN = "create_domain"
    ALTER_DOMAIN = "alter_domain"
    ADD_DOMAIN_CHECK = "add_domain_check"
    DROP_DOMAIN_CHECK = "drop_domain_check"
    DROP_DOMAIN = "drop_domain"
    CREATE_SEQUENCE = "create_sequence"
    ALTER_SEQUENCE = "alter_sequence"
    RENAME_SEQUENCE = "rename_sequence"
    DROP_SEQUENCE = "drop_sequence"
    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    MOVE_TABLE = "move_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    ALTER_COLUMN_TYPE = "alter_column_type"
    ALTER_IDENTITY = "alter_identity"
    SET_DEFAULT = "set_default"
    SET_NOT_NULL = "set_not_null"
    DROP_NOT_NULL = "drop_not_null"
    ADD_PRIMARY_KEY = "add_primary_key"
    ADD_UNIQUE = "add_unique"
    ADD_EXCLUSION = "add_exclusion"
    ADD_CHECK = "add_check"
    ADD_FOREIGN_KEY = "add_foreign_key"
    DROP_PRIMARY_KEY = "drop_primary_key"
    DROP_UNIQUE = "drop_unique"
    DROP_EXCLUSION = "drop_exclusion"
    DROP_CHECK = "drop_check"
    DROP_FOREIGN_KEY = "drop_foreign_key"
    RENAME_CONSTRAINT = "rename_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    RENAME_INDEX = "rename_index"
    CREATE_VIEW = "create_view"
    DROP_VIEW = "drop_view"
    REPLACE_VIEW = "replace_view"
    CREATE_FUNCTION = "create_function"
    DROP_FUNCTION = "drop_function"
    REPLACE_FUNCTION = "replace_function"
    CREATE_TRIGGER = "create_trigger"
    DROP_TRIGGER = "drop_trigger"
    REPLACE_TRIGGER = "replace_trigger"
    COMMENT = "comment"
    SET_STORAGE = "set_storage"
    SET_PERSISTENCE = "set_persistence"
    CHANGE_ACCESS = "change_access"
    CHANGE_OBJECT_ACCESS = "change_object_access"
    CHANGE_ROLE = "change_role"
    DEFAULT_PRIVILEGES = "default_privileges"
    DROP_POLICIES = "drop_policies"
    SET_INDEX_STORAGE = "set_index_storage"
    LOCK_TABLES = "lock_tables"
    # partitioning
    RENAME_PARTITIONS = "rename_partitions"
    NAME_PARTITION_INDEXES = "name_partition_indexes"
    CREATE_PARTITIONS = "create_partitions"
    DROP_PARTITIONS = "drop_partitions"
    SPLIT_PARTITION = "split_partition"
    MERGE_PARTITIONS = "merge_partitions"
    REBUILD_PARTITIONS = "rebuild_partitions"
    MOVE_PARTITIONS = "move_partitions"
    REBUILD_PARTITION = "rebuild_partition"
    # windows kept over time (`schemagen partitions maintain`, and migrations that move `from:`)
    CREATE_PERIOD = "create_period"
    EXPIRE_PERIOD = "expire_period"
    DROP_REFERENCING_FOREIGN_KEYS = "drop_referencing_foreign_keys"
    RESTORE_FOREIGN_KEY = "restore_foreign_key"
    # distribution (Citus)
    DISTRIBUTE_TABLE = "distribute_table"
    UNDISTRIBUTE_TABLE = "undistribute_table"
    ALTER_DISTRIBUTION = "alter_distribution"
    DISTRIBUTE_SCHEMA = "distribute_schema"
    UNDISTRIBUTE_SCHEMA = "undistribute_schema"


class Phase(IntEnum):
    """The order operations run in; within a phase, the planner's order."""

    LOCKS = 0  # the LOCK TABLE statements of a migration run in one transaction
    CHECKS = 5  # what the rows must allow, checked before anything changes
    EXTENSIONS = 10
    ROLES = 12  # before anything is owned by or granted to them
    ENUMS = 15
    SEQUENCES = 16  # before the domains and columns whose defaults read them
    DOMAINS = 17  # after the enums and sequences they may use, before the columns of their type
    ENUM_VALUES = 18
    # the spec's functions: after the types they take, before the checks, defaults and triggers that
    # call them (a SQL body reads only what exists before the migration's new tables)
    USER_FUNCTIONS = 19
    DROP_VIEWS = 20
    DROP_TRIGGERS = 21  # before their function or table changes
    DROP_FUNCTIONS = 22
    RENAMES = 25
    DROP_POLICIES = 27  # before the columns and functions they read go
    DROP_FOREIGN_KEYS = 28
    DROP_CONSTRAINTS = 30
    DROP_INDEXES = 32
    # after the renames and the drops of what spells out old values, before anything new is created
    # with the type: a rebuilt enum converts exactly the columns that exist and keep it
    REBUILD_ENUMS = 35
    CREATE_TABLES = 40
    COLUMNS = 50
    OWN_SEQUENCES = 55  # OWNED BY: once the owning column exists
    PARTITIONS = 60
    # after the columns (a new distribution column) and the drops of what a distributed table cannot
    # have, before the constraints and keys it can have only once distributed
    DISTRIBUTION = 65
    # the partitions' indexes that a column's new type made PostgreSQL build again, named as a fresh
    # database names them: after every conversion and new partition, before the indexes dropped
    # around them are created again under their names
    REBUILT_INDEX_NAMES = 68
    CONSTRAINTS = 70
    INDEXES = 72
    PARTITION_INDEX_NAMES = 73  # once every partition and index of B exists
    FOREIGN_KEYS = 75
    ROW_TYPED_FUNCTIONS = 76  # the spec's functions taking or returning a table's row type: once it exists
    DROP_COLUMNS = 80
    DROP_ROW_TYPED_FUNCTIONS = 84  # the spec's functions on a table's row type: before the table goes
    DROP_TABLES = 85
    DROP_USER_FUNCTIONS = 86  # once no table, check or trigger calls them; before the types they take
    DROP_DOMAINS = 87  # once no column has their type; before the enums they are based on
    DROP_ENUMS = 88
    DROP_EXTENSIONS = 89  # once nothing of the schema uses them
    DROP_SEQUENCES = 90  # once no default reads them (an owned one went with its column or table)
    VIEWS = 91
    FUNCTIONS = 92
    TRIGGERS = 93  # once their functions and tables exist
    STORAGE = 94  # after the partitions are created: every leaf of B exists by then
    COMMENTS = 95
    ACCESS = 96  # owners, grants, row-level security, policies, replica identity: once all exists
    DROP_SCHEMAS = 97  # once everything in them is gone


@dataclass(frozen=True)
class Operation:
    """One change of the schema: its statements in order, what they lock, what to know, and the change
    of the Models it came from (`source`: none for the LOCK TABLE preamble or a whole schema.sql).

    The inverse of a whole plan is planned, not hand-written: the down migration of A → B is
    `plan(B, A, down=True)` with the renames reversed, so it goes through the same rules as any change.
    """

    kind: Kind
    target: str
    comment: str
    up: tuple[Step, ...]
    hazards: tuple[Hazard, ...] = ()
    order: int = 50  # its Phase; ties keep the planner's order
    source: Change | None = None
    # its statements stand or fall together: in a file run statement by statement they are one
    # BEGIN … COMMIT (in a file run in one transaction, they are anyway)
    atomic: bool = False

    @property
    def lock(self) -> Lock:
        return max((s.lock for s in self.up), default=Lock.NONE)

    def with_up(self, up: tuple[Step, ...]) -> Operation:
        """The same operation of statements `up`: `dataclasses.replace`, without going through the
        fields one by one (the lock order gives thousands of operations their LOCK TABLE lists)."""
        return _with(self, "up", up)

    def with_hazards(self, hazards: tuple[Hazard, ...]) -> Operation:
        """The same operation with `hazards`: `dataclasses.replace`, without going through the fields
        one by one (the analyzers flag most of a migration's thousands of splits)."""
        return _with(self, "hazards", hazards)

    @property
    def transactional(self) -> bool:
        return all(s.transactional for s in self.up)

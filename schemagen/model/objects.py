"""The Model: the normalized schema every later stage works on.

Plain frozen dataclasses with no YAML, Jinja or database in them. Names are resolved (generated
constraint and index names filled in, mixins applied, short forms expanded, partitions expanded into
their children), and every collection is sorted, so two Models of the same schema compare equal and
render to the same bytes. Each object keeps the `Location` of the YAML that declared it, for errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Literal

from schemagen.model.access import DefaultPrivileges, Role, TableAccess
from schemagen.model.aggregates import AggregateDef
from schemagen.model.locations import Location, PendingTextAt, TextAt
from schemagen.model.object_access import ObjectAccess
from schemagen.postgres import builtins, routines
from schemagen.postgres.identifiers import qname
from schemagen.records import dataclass

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
LiteralValue = JsonValue | date | datetime

PartitionKind = Literal["range", "list", "hash"]


@dataclass(frozen=True, slots=True)
class Default:
    """A column default: a literal value (escaped when rendered) or a SQL expression. A default that
    numbers rows from a sequence of the Model is the expression `nextval('schema.name'::regclass)`
    (`sequence_default` spells it) with `sequence` naming it, so the spec can say `serial: true` or
    `default: {sequence: name}`."""

    value: LiteralValue = None
    expression: str | None = None
    sequence: str | None = None

    @property
    def is_expression(self) -> bool:
        return self.expression is not None


@dataclass(frozen=True, slots=True)
class IdentityOptions:
    """The options of an identity column's sequence, as `SequenceGenerator` holds them: None or their
    default where PostgreSQL chooses them itself (the type is the column's)."""

    start: int | None = None
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # canonical PostgreSQL spelling, as format_type() prints it
    nullable: bool = False
    default: Default | None = None
    identity: Literal["always", "by_default"] | None = None
    # the options of the identity's sequence that are not PostgreSQL's own (None: all are)
    identity_options: IdentityOptions | None = None
    # the grants on the identity's sequence (its owner is always the table's); None: none of its own
    identity_access: ObjectAccess | None = None
    generated: str | None = None  # stored generated column expression
    collation: str | None = None
    comment: str | None = None
    renamed_from: str | None = None
    # migration hints, not part of the schema: how a migration that changes the type converts the
    # values (`using`), and how its down migration converts them back (`using_down`)
    using: str | None = field(default=None, compare=False)
    using_down: str | None = field(default=None, compare=False)
    loc: Location | None = field(default=None, compare=False)
    # where the spec says each part (None when the column has no such key, or was not written in YAML)
    type_loc: Location | None = field(default=None, compare=False)
    default_loc: Location | None = field(default=None, compare=False)
    generated_loc: Location | None = field(default=None, compare=False)
    collation_loc: Location | None = field(default=None, compare=False)


#: `deferrable:` of a key: not at all, DEFERRABLE (INITIALLY IMMEDIATE), or INITIALLY DEFERRED
Deferral = Literal["immediate", "deferred"] | None


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]
    loc: Location | None = field(default=None, compare=False)
    deferrable: Deferral = None
    comment: str | None = None  # COMMENT ON CONSTRAINT


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]
    nulls_not_distinct: bool = False
    loc: Location | None = field(default=None, compare=False)
    deferrable: Deferral = None
    comment: str | None = None  # COMMENT ON CONSTRAINT


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    name: str
    expression: str
    loc: Location | None = field(default=None, compare=False)
    expression_loc: Location | None = field(default=None, compare=False)
    not_valid: bool = False  # NOT VALID, kept so (`valid: false`: existing rows are not checked)
    no_inherit: bool = False
    comment: str | None = None  # COMMENT ON CONSTRAINT


@dataclass(frozen=True, slots=True)
class ExclusionElement:
    """One key: a column or an expression, and the operator rows are compared with on it."""

    operator: str
    column: str | None = None
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class ExclusionConstraint:
    name: str
    elements: tuple[ExclusionElement, ...]
    using: str = "gist"
    where: str | None = None
    deferrable: Deferral = None
    loc: Location | None = field(default=None, compare=False)
    comment: str | None = None  # COMMENT ON CONSTRAINT

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns it names as keys (not those inside expressions)."""
        return tuple(e.column for e in self.elements if e.column is not None)


ReferentialAction = Literal["cascade", "restrict", "set null", "set default", "no action"]


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None
    deferrable: bool = False
    loc: Location | None = field(default=None, compare=False)
    initially_immediate: bool = False  # a deferrable key that is not INITIALLY DEFERRED
    not_valid: bool = False  # NOT VALID, kept so (`valid: false`: existing rows are not checked)
    comment: str | None = None  # COMMENT ON CONSTRAINT
    match_full: bool = False  # MATCH FULL (else PostgreSQL's default, MATCH SIMPLE)


@dataclass(frozen=True, slots=True)
class IndexElement:
    """One key of an index: a column or a parenthesised expression, with its modifiers."""

    column: str | None = None
    expression: str | None = None
    opclass: str | None = None
    descending: bool = False
    nulls: Literal["first", "last"] | None = None
    collation: str | None = None  # a collation of the key's own (`COLLATE "C"`)


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    table: str
    elements: tuple[IndexElement, ...]
    unique: bool = False
    using: str = "btree"
    where: str | None = None
    include: tuple[str, ...] = ()
    nulls_not_distinct: bool = False
    loc: Location | None = field(default=None, compare=False)
    where_loc: Location | None = field(default=None, compare=False)
    expression_loc: Location | None = field(default=None, compare=False)
    using_loc: Location | None = field(default=None, compare=False)
    include_loc: Location | None = field(default=None, compare=False)
    # of each element written under `columns:` (an `expression:` element's is `expression_loc`)
    element_locs: tuple[Location | None, ...] = field(default=(), compare=False)
    storage: tuple[StorageParameter, ...] = ()  # sorted by name: CREATE INDEX … WITH (…)
    comment: str | None = None  # COMMENT ON INDEX: set after it is built, changed in place


@dataclass(frozen=True, slots=True)
class PartitionObjects:
    """Indexes, foreign keys and checks that one leaf partition has of its own (its parent lacks them).
    Each index's `table` is the partition's name."""

    partition: str
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()  # sorted by name
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PartitionKey:
    column: str | None = None
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class PartitionBound:
    """`FOR VALUES …` of one child; exactly one shape is filled, or `is_default`."""

    range_from: LiteralValue = None
    range_to: LiteralValue = None
    values: tuple[LiteralValue, ...] = ()
    modulus: int | None = None
    remainder: int | None = None
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class PartitionChild:
    name: str
    bound: PartitionBound
    sub: PartitionScheme | None = None  # second level (`then:`), partitioning this child again
    # a schema of its own (`names:` pins `schema.name`); None: its parent's
    schema: str | None = None


#: `c.name`, read in C (`Table.column_names` is asked for often)
_name_of = attrgetter("name")


def all_children(scheme: PartitionScheme | None) -> Iterator[PartitionChild]:
    """Every partition under `scheme`, depth first: a child, then its own partitions."""
    if scheme is None:
        return
    for child in scheme.children:
        yield child
        if child.sub is not None:  # (most children are leaves: no generator made for them)
            yield from all_children(child.sub)


Period = Literal["day", "week", "month", "quarter", "year"]
Expire = Literal["detach", "drop", "archive"]


@dataclass(frozen=True, slots=True)
class RangeWindow:
    """The spec's time-window declaration, kept so a migration can tell a moved window from new bounds.

    A window kept over time (`model.lifecycle`) also says how: `premake` periods after today's are
    created ahead, periods older than `retain` (an interval, `13 months`) leave the table as `expire`
    says, and `child_name` names the periods maintenance creates (`{suffix}` for the period's suffix).
    `open_end`: the spec has no `to:`, and `end` is where the periods made on the day of `start` end.
    """

    every: Period
    start: date
    end: date
    default: bool
    premake: int | None = None
    retain: str | None = None
    expire: Expire | None = None
    child_name: str | None = None
    open_end: bool = False

    @property
    def kept(self) -> bool:
        """Whether periods are made or expired over time (the window has `premake` or `retain`)."""
        return self.premake is not None or self.retain is not None


@dataclass(frozen=True, slots=True)
class PartitionScheme:
    kind: PartitionKind
    key: tuple[PartitionKey, ...]
    children: tuple[PartitionChild, ...]
    window: RangeWindow | None = None  # range partitions declared with every/from/to
    modulus: int | None = None  # hash partitions
    has_default: bool = False
    loc: Location | None = field(default=None, compare=False)
    key_loc: Location | None = field(default=None, compare=False)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(k.column for k in self.key if k.column is not None)


@dataclass(frozen=True, slots=True)
class Archive:
    """Rows older than a cutoff move from `table` to `archive_table` through `function`."""

    column: str
    after: str  # an interval, e.g. "365 days": the function's default cutoff is now() - after
    archive_table: str
    function: str


@dataclass(frozen=True, slots=True, order=True)
class StorageParameter:
    """A storage parameter (`WITH (fillfactor = 90)`), its value spelled as PostgreSQL keeps it in
    `reloptions`: `true`/`false`, an integer, or a decimal number."""

    name: str
    value: str


DistributionKind = Literal["hash", "reference"]

#: Citus's default number of shards of a hash-distributed table (`citus.shard_count`).
CITUS_SHARD_COUNT = 32


@dataclass(frozen=True, slots=True)
class Distribution:
    """How Citus places a table on a cluster: hash-distributed by `column` into `shard_count` shards,
    colocated with the other tables of its group (`colocate_with` names the group's root table, None
    when the table is a root), or a reference table, copied whole to every node."""

    kind: DistributionKind
    column: str | None = None
    colocate_with: str | None = None
    shard_count: int | None = None
    loc: Location | None = field(default=None, compare=False)
    # the schema of the `colocate_with` table when it is not the table's own (a table of that name may
    # live in several schemas: `colocate_with: tenant_b.accounts`); None: the table's schema
    colocate_schema: str | None = None

    def colocation_root(self, schema: str) -> tuple[str, str] | None:
        """(schema, name) of the table a table of `schema` so placed is colocated with, if any."""
        if self.colocate_with is None:
            return None
        return (self.colocate_schema or schema, self.colocate_with)


@dataclass(frozen=True, slots=True)
class DistributedSchema:
    """A schema Citus shards as a whole (`citus_schema_distribute`): each of its tables becomes a table
    of one shard, and all of them share one colocation group, so one node holds the whole schema."""

    name: str
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    schema: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    partition: PartitionScheme | None = None
    archive: Archive | None = None
    archive_of: str | None = None  # set on the archive table rendered for another table's `archive`
    comment: str | None = None
    renamed_from: str | None = None
    # sorted by name; on a partitioned table they are set on every leaf partition (PostgreSQL
    # keeps none on the partitioned parent itself)
    storage: tuple[StorageParameter, ...] = ()
    distribution: Distribution | None = None  # on a Citus cluster
    unlogged: bool = False  # CREATE UNLOGGED TABLE
    # owner, grants, row-level security, replica identity
    access: TableAccess | None = None  # None: the spec says nothing (model.access.access_of)
    # what single partitions have of their own, by partition name (`partition: {objects: …}`)
    partition_objects: tuple[PartitionObjects, ...] = ()
    loc: Location | None = field(default=None, compare=False)
    schema_loc: Location | None = field(default=None, compare=False)  # of its `schema:` key
    exclusions: tuple[ExclusionConstraint, ...] = ()  # sorted by name
    # the entity's key when it is not the table's name: `audit.accounts`, beside a `public.accounts`
    spec_key: str | None = None

    @property
    def key(self) -> str:
        """How the spec names it: its entity key (the table's name unless qualified by its schema)."""
        return self.spec_key or self.name

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(map(_name_of, self.columns))

    @property
    def storage_holders(self) -> tuple[str, ...]:
        """The relations its storage parameters are set on: the table, or each of its leaf partitions."""
        if self.partition is None:
            return (self.name,)
        return tuple(child.name for child in all_children(self.partition) if child.sub is None)


@dataclass(frozen=True, slots=True)
class Enum:
    name: str
    schema: str
    values: tuple[str, ...]
    comment: str | None = None
    # `schema.name` when the spec qualifies it (an enum of that name lives in another schema too)
    spec_key: str | None = None
    loc: Location | None = field(default=None, compare=False)
    schema_loc: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """How the spec names it, and how a column type names it: its name, or `schema.name`."""
        return self.spec_key or self.name

    def is_type_of(self, type_: str) -> bool:
        """Whether a column type (`status`, `app.status`, `status[]`) is this enum (or an array of it)."""
        base = type_.removesuffix("[]")
        return base in (self.key, f"{self.schema}.{self.name}") or (
            self.spec_key is None and base == self.name
        )


SequenceType = Literal["smallint", "integer", "bigint"]


@dataclass(frozen=True, slots=True)
class SequenceGenerator:
    """A sequence (`CREATE SEQUENCE`): its own, or the one a serial column numbers its rows from,
    `owned_by` that column (`(table, column)`, the table in the sequence's schema), dropped with it.

    Options PostgreSQL would choose itself are None (`start`, `min_value`, `max_value`) or their
    default, so a spec that spells a default out and one that leaves it out give equal Models
    (`model.sequences.canonical` makes them so)."""

    name: str
    schema: str
    type: SequenceType = "bigint"
    start: int | None = None
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[str, str] | None = None
    comment: str | None = None
    access: ObjectAccess | None = None  # owner and grants; None: the spec says nothing
    loc: Location | None = field(default=None, compare=False)
    # `schema.name` when owned by a table the spec keys `schema.name` (its name is another's too)
    spec_key: str | None = None

    @property
    def key(self) -> str:
        """How the Model tells it from a sequence of the same name in another schema."""
        return self.spec_key or self.name


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """A CHECK constraint of a domain, over `VALUE`; its name is the spec's key."""

    name: str
    expression: str
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain (`CREATE DOMAIN`): a base type with a default, NOT NULL, checks and a collation,
    usable as a column type. `type` is the base type in its canonical spelling (another domain or an
    enum of the Model may be one)."""

    name: str
    schema: str
    type: str
    not_null: bool = False
    default: Default | None = None
    checks: tuple[DomainCheck, ...] = ()  # sorted by name
    collation: str | None = None
    comment: str | None = None
    # `schema.name` when the spec qualifies it (a domain of that name lives in another schema too)
    spec_key: str | None = None
    loc: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """How the spec names it, and how a column type names it: its name, or `schema.name`."""
        return self.spec_key or self.name


# --- composite and range types (`types:`; see model.usertypes) ---


@dataclass(frozen=True, slots=True)
class CompositeAttribute:
    name: str
    type: str  # canonical spelling; an enum, domain or type of the spec by its (qualified) name
    # a migration hint, not part of the type: the attribute's name before (RENAME ATTRIBUTE)
    renamed_from: str | None = field(default=None, compare=False)
    collation: str | None = None  # a collation of its own (`COLLATE "C"`), None: its type's
    collation_loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CompositeType:
    name: str
    schema: str
    attributes: tuple[CompositeAttribute, ...]  # in the spec's order
    comment: str | None = None
    loc: Location | None = field(default=None, compare=False)
    spec_key: str | None = None  # `schema.name` when the spec qualifies it

    @property
    def key(self) -> str:
        """How the spec and column types name it: its name, or `schema.name`."""
        return self.spec_key or self.name

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(a.type for a in self.attributes)


@dataclass(frozen=True, slots=True)
class RangeType:
    name: str
    schema: str
    subtype: str
    subtype_diff: str | None = None  # a function's name, as PostgreSQL spells it (`float8mi`)
    collation: str | None = None
    comment: str | None = None
    loc: Location | None = field(default=None, compare=False)
    spec_key: str | None = None  # `schema.name` when the spec qualifies it
    # the btree operator class ordering its values (SUBTYPE_OPCLASS), None: the subtype's default one
    subtype_opclass: str | None = None
    subtype_opclass_loc: Location | None = field(default=None, compare=False)
    collation_loc: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """How the spec and column types name it: its name, or `schema.name`."""
        return self.spec_key or self.name

    @property
    def uses(self) -> tuple[str, ...]:
        return (self.subtype,)


UserType = CompositeType | RangeType


@dataclass(frozen=True, slots=True)
class View:
    name: str
    schema: str
    query: str
    materialized: bool = False
    unpopulated: bool = False  # a materialized view created WITH NO DATA (`populated: false`)
    # a plain view's options (WITH (…)): set by CREATE [OR REPLACE] VIEW
    security_barrier: bool = False
    security_invoker: bool = False
    check_option: Literal["local", "cascaded"] | None = None
    depends_on: tuple[str, ...] = ()  # tables and views the query reads, sorted
    indexes: tuple[Index, ...] = ()  # materialized views only (the unique index for CONCURRENTLY)
    refresh: Literal["concurrently", "blocking"] | None = None
    refresh_function: str | None = None
    comment: str | None = None
    # COMMENT ON COLUMN view.column, by column name (sorted)
    column_comments: tuple[tuple[str, str], ...] = ()
    renamed_from: str | None = None
    access: ObjectAccess | None = None  # owner and grants; None: the spec says nothing
    # the view's key when it is not its name: `reporting.summary`, beside a `public.summary`
    spec_key: str | None = None
    loc: Location | None = field(default=None, compare=False)
    # where the query's text is written (its position inside the spec file), when it maps one to one
    query_at: TextAt | PendingTextAt | None = field(default=None, compare=False)
    schema_loc: Location | None = field(default=None, compare=False)
    query_loc: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """How the spec names it: its key under `views:`."""
        return self.spec_key or self.name


Volatility = Literal["immutable", "stable", "volatile"]
TriggerTiming = Literal["before", "after", "instead of"]
#: The order PostgreSQL prints a trigger's events in (`pg_get_triggerdef`).
TRIGGER_EVENTS = ("insert", "delete", "update", "truncate")


@dataclass(frozen=True, slots=True)
class Function:
    """A user's function or procedure (`returns` None). `arguments` is the signature as PostgreSQL's
    `pg_get_function_arguments` prints it (`p_id integer, p_name text DEFAULT 'x'::text`), with each
    type in its canonical spelling; `identity` (the types alone) is what names it in DROP and COMMENT.
    `returns` is spelled as `pg_get_function_result` prints it; `body` is the text between the dollar
    quotes, or a SQL-standard body (`RETURN …`, `BEGIN ATOMIC … END`), without blank space around it."""

    name: str
    schema: str
    arguments: str
    identity: str
    returns: str | None
    language: str
    body: str
    volatility: Volatility = "volatile"
    security: Literal["invoker", "definer"] = "invoker"
    strict: bool = False
    comment: str | None = None
    # an aggregate (CREATE AGGREGATE; `language` and `body` empty, `returns` its result), else None
    aggregate: AggregateDef | None = None
    access: ObjectAccess | None = None  # owner and grants; None: the spec says nothing
    # `schema.name` when the spec qualifies it (a function of that name lives in another schema too)
    spec_key: str | None = None
    loc: Location | None = field(default=None, compare=False)
    body_loc: Location | None = field(default=None, compare=False)

    @property
    def procedure(self) -> bool:
        return self.returns is None

    @property
    def standard_body(self) -> routines.StandardBody | None:
        """A SQL-standard body (`RETURN …`, `BEGIN ATOMIC … END`) taken apart; None for one in quotes.
        PostgreSQL parses such a body when the function is created and ties it to what it reads."""
        return routines.standard_body(self.language, self.body)

    @property
    def signature(self) -> str:
        """`name(types)`: what tells overloads, functions of the same name, apart."""
        return f"{self.name}({builtins.identity_types(self.identity)})"

    @property
    def key(self) -> str:
        """How the spec names it: its name, or `schema.name` when qualified."""
        return self.spec_key or self.name

    @property
    def keyed_signature(self) -> str:
        """`key(types)`: what tells it apart from every other routine of the Model."""
        return f"{self.key}({builtins.identity_types(self.identity)})"


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger on a table (`CREATE TRIGGER`), calling a function of the Model that returns `trigger`,
    or a built-in one (PostgreSQL's or an extension's: `function_schema` None, found on the search path).
    `events` are in PostgreSQL's order (`TRIGGER_EVENTS`); `update_columns` are those of `UPDATE OF`;
    `arguments` are the strings the function reads in TG_ARGV."""

    name: str
    table: str
    schema: str  # the table's
    function: str
    function_schema: str | None
    timing: TriggerTiming
    events: tuple[str, ...]
    update_columns: tuple[str, ...] = ()
    for_each: Literal["row", "statement"] = "statement"
    when: str | None = None
    arguments: tuple[str, ...] = ()
    comment: str | None = None  # COMMENT ON TRIGGER
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Schema:
    """A schema `project.schemas` declares: created even when nothing lives in it, with its comment."""

    name: str
    comment: str | None = None
    access: ObjectAccess | None = None  # owner and grants (USAGE, CREATE); None: the spec says nothing
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ExtensionSetting:
    """Where an extension is created and at which version, when the spec says (`{name, schema,
    version}`); None: where `CREATE EXTENSION` puts it (its control file's schema, else public), and
    at its default version."""

    name: str
    schema: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    postgres: int = 15
    schema: str = "public"
    extensions: tuple[str, ...] = ()
    allow_destructive: tuple[str, ...] = ()
    shard_count: int | None = None  # `citus: {shard_count}`: the default of the hash-distributed tables
    # `citus: {distribute_concurrently}`: migrations copy a table's rows into its shards while writes flow
    distribute_concurrently: bool = False
    # extensions written `{name: …, custom: true}`: of the user's own, their objects unknown to schemagen
    custom_extensions: frozenset[str] = field(default=frozenset(), compare=False)
    # the extensions written with a `schema` or `version`, sorted by name
    extension_settings: tuple[ExtensionSetting, ...] = ()
    # where the spec names each extension, and the project's schema
    extension_locs: Mapping[str, Location] = field(default_factory=dict, compare=False, hash=False)
    schema_loc: Location | None = field(default=None, compare=False)
    # `citus: {distributed_schemas}`: schema-based sharding, sorted by name
    distributed_schemas: tuple[DistributedSchema, ...] = ()
    # `schemas`: declared schemas, sorted by name
    schemas: tuple[Schema, ...] = ()


@dataclass(frozen=True)
class Model:
    """A whole schema. Tables, enums, domains, sequences and views are sorted by name."""

    project: Project
    enums: tuple[Enum, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    domains: tuple[Domain, ...] = ()
    sequences: tuple[SequenceGenerator, ...] = ()
    functions: tuple[Function, ...] = ()  # sorted by name
    triggers: tuple[Trigger, ...] = ()  # sorted by table, then name
    roles: tuple[Role, ...] = ()  # sorted by name
    default_privileges: tuple[DefaultPrivileges, ...] = ()  # sorted by key
    types: tuple[UserType, ...] = ()  # composite and range types (`types:`), sorted by name

    @cached_property
    def used_schemas(self) -> frozenset[str]:
        """The schemas its tables, enums, domains, sequences and views live in."""
        items: tuple[Table | Enum | View | Domain | SequenceGenerator, ...] = (
            *self.tables,
            *self.enums,
            *self.views,
            *self.domains,
            *self.sequences,
        )
        declared = {s.name for s in self.project.schemas}
        declared |= {c.schema for t in self.tables for c in all_children(t.partition) if c.schema is not None}
        declared |= {t.schema for t in self.types}
        return frozenset(item.schema for item in items) | {f.schema for f in self.functions} | declared

    @cached_property
    def schema_comments(self) -> Mapping[str, str]:
        """The comments of the declared schemas that have one, by schema."""
        return {s.name: s.comment for s in self.project.schemas if s.comment is not None}

    @cached_property
    def distributed(self) -> bool:
        """Whether any table or schema is distributed by Citus (the schema needs a Citus cluster)."""
        return bool(self.project.distributed_schemas) or any(t.distribution is not None for t in self.tables)

    @cached_property
    def distributed_schema_names(self) -> frozenset[str]:
        """The schemas Citus shards as a whole (`citus: {distributed_schemas}`)."""
        return frozenset(s.name for s in self.project.distributed_schemas)

    @cached_property
    def tables_by_name(self) -> Mapping[str, Table]:
        """The tables by their key in the spec: the table's name, or `schema.name` when the spec
        qualifies it (a table of the same name lives in another schema)."""
        return {t.key: t for t in self.tables}

    @cached_property
    def tables_by_place(self) -> Mapping[tuple[str, str], Table]:
        """The tables by (schema, name)."""
        return {(t.schema, t.name): t for t in self.tables}

    def table_at(self, schema: str, name: str) -> Table | None:
        """The table `name` of `schema`, else the one the spec calls `name` (a reference the checks
        report as unknown keeps the key it was written with)."""
        return self.tables_by_place.get((schema, name)) or self.tables_by_name.get(name)

    @cached_property
    def views_by_name(self) -> Mapping[str, View]:
        """The views by their key in the spec: the name, or `schema.name` when qualified."""
        return {v.key: v for v in self.views}

    @cached_property
    def enums_by_name(self) -> Mapping[str, Enum]:
        """The enums by key: the name, or `schema.name` for one the spec qualifies."""
        return {e.key: e for e in self.enums}

    @cached_property
    def enum_values_by_type(self) -> Mapping[str, tuple[str, ...]]:
        """Each enum's values under every spelling a column type gives it: its key, `schema.name`, and
        its bare name unless another schema's enum has that name."""
        found = {e.name: e.values for e in self.enums if e.spec_key is None}
        found |= {f"{e.schema}.{e.name}": e.values for e in self.enums}
        return found | {e.key: e.values for e in self.enums}

    def enum_of_type(self, type_: str) -> Enum | None:
        """The enum a column type names (an array of it too), if any."""
        base = type_.removesuffix("[]")
        found = self.enums_by_name.get(base)
        if found is None and "." in base:
            schema, _, name = base.rpartition(".")
            found = next((e for e in self.enums if (e.schema, e.name) == (schema, name)), None)
        return found

    @cached_property
    def types_by_name(self) -> Mapping[str, UserType]:
        return {t.key: t for t in self.types}

    @cached_property
    def domains_by_name(self) -> Mapping[str, Domain]:
        return {d.key: d for d in self.domains}

    @cached_property
    def _domain_bases(self) -> Mapping[str, str]:
        """Each domain's type under every domain it is made of, by its name and qualified name (a cycle,
        which the domain check reports, is left where it closes)."""
        direct = {d.name: d.type for d in self.domains if d.spec_key is None}
        direct |= {f"{d.schema}.{d.name}": d.type for d in self.domains}
        # and as a column names one whose name needs quotes: `public."time"`, a domain named time
        direct |= {qname(d.name, d.schema): d.type for d in self.domains}
        bases: dict[str, str] = {}
        for name, type_ in direct.items():
            seen = {name}
            while (bare := type_.removesuffix("[]")) in direct and bare not in seen:
                seen.add(bare)
                type_ = direct[bare] + ("[]" if type_.endswith("[]") else "")
            bases[name] = type_
        return bases

    def base_type(self, type_: str) -> str:
        """`type_` with a domain of the spec replaced by the type under it (`posint[]` → `integer[]`)."""
        bare = type_.removesuffix("[]")
        if bare not in self._domain_bases:
            return type_
        return self._domain_bases[bare] + ("[]" if type_.endswith("[]") else "")

    @cached_property
    def sequences_by_name(self) -> Mapping[str, SequenceGenerator]:
        """The sequences by key: the name, or `schema.name` for one owned by a table keyed so."""
        return {s.key: s for s in self.sequences}

    @cached_property
    def functions_by_name(self) -> Mapping[str, Function]:
        """The functions by key (`name`, or `schema.name` when qualified)."""
        return {f.key: f for f in self.functions}

    @cached_property
    def functions_by_signature(self) -> Mapping[str, Function]:
        """The functions by `key(identity)`: overloads, and functions of one name in two schemas,
        apart."""
        return {f.keyed_signature: f for f in self.functions}

    def table(self, name: str) -> Table | None:
        """The table the spec calls `name` (its key)."""
        return self.tables_by_name.get(name)

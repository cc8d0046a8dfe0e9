"""The shape of a spec: pydantic models over the raw tree, with errors mapped back to YAML lines.

Short forms are expanded before validation (a column written as `varchar(32)?`, a reference written
as `users.id`, a unique constraint written as a list), so each key has one model and one error.
This module checks shape only; what the values mean is the business of `build` and `checks`.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    model_validator,
)

from schemagen.diagnostics import Diagnostic, SpecError, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load.loader import Path_, RawSpec
from schemagen.parse import shortforms
from schemagen.parse.access import (
    DefaultPrivilegesSpec,
    Grant,
    PolicySpec,
    ReplicaIdentitySpec,
    Role,
    RowSecuritySpec,
)
from schemagen.parse.shape import Shape
from schemagen.parse.shortforms import (
    arguments as _arguments,
)
from schemagen.parse.shortforms import (
    check as _check,
)
from schemagen.parse.shortforms import (
    column as _column,
)
from schemagen.parse.shortforms import (
    columns as _columns,
)
from schemagen.parse.shortforms import (
    empty as _empty,
)
from schemagen.parse.shortforms import (
    enum as _enum,
)
from schemagen.parse.shortforms import (
    events as _events,
)
from schemagen.parse.shortforms import (
    foreign_key_target as _foreign_key_target,
)
from schemagen.parse.shortforms import (
    initial_value as _initial_value,
)
from schemagen.parse.shortforms import (
    lower_words as _lower,
)
from schemagen.parse.shortforms import (
    one_or_many as _one_or_many,
)
from schemagen.parse.shortforms import (
    period as _period,
)
from schemagen.parse.shortforms import (
    reference as _reference,
)
from schemagen.parse.shortforms import (
    trigger_arguments as _trigger_arguments,
)
from schemagen.parse.shortforms import (
    using as _using,
)

Action = Literal["cascade", "restrict", "set null", "set default", "no action"]
Scalar = bool | int | float | str | date | datetime | None


LowerAction = Annotated[Action, BeforeValidator(_lower)]


#: `deferrable:` of a key: true (INITIALLY DEFERRED, as for foreign keys), or either initial mode
Deferrable = StrictBool | Literal["initially_immediate", "initially_deferred"]


class ReferenceSpec(Shape):
    table: str
    column: str | None = None
    on_delete: LowerAction | None = None
    on_update: LowerAction | None = None
    deferrable: Deferrable = False
    valid: StrictBool = True
    comment: str | None = None


class IdentitySpec(Shape):
    kind: Literal["always", "by_default"]
    start: StrictInt | None = None
    increment: StrictInt = 1
    min_value: StrictInt | None = Field(default=None, alias="min")
    max_value: StrictInt | None = Field(default=None, alias="max")
    cache: StrictInt = Field(default=1, ge=1)
    cycle: StrictBool = False
    grants: dict[str, Grant] = Field(default_factory=dict)


class UsingSpec(Shape):
    """How a migration that changes the column's type converts its values (a migration hint only)."""

    up: str
    down: str | None = None


class ColumnSpec(Shape):
    type: str
    nullable: StrictBool = False
    default: Any = None
    primary_key: StrictBool = False
    unique: StrictBool = False
    check: str | None = None
    references: Annotated[
        ReferenceSpec | None, BeforeValidator(_reference, json_schema_input_type=str | ReferenceSpec | None)
    ] = None
    identity: Literal["always", "by_default"] | IdentitySpec | None = None
    serial: StrictBool = False
    generated: str | None = None
    collation: str | None = None
    comment: str | None = None
    renamed_from: str | None = None
    using: Annotated[
        UsingSpec | None, BeforeValidator(_using, json_schema_input_type=str | UsingSpec | None)
    ] = None


Column = Annotated[ColumnSpec, BeforeValidator(_column, json_schema_input_type=str | ColumnSpec)]


class UniqueSpec(Shape):
    columns: list[str] = Field(min_length=1)
    name: str | None = None
    nulls_not_distinct: StrictBool = False
    deferrable: Deferrable = False
    comment: str | None = None


class PrimaryKeySpec(Shape):
    columns: list[str] = Field(min_length=1)
    name: str | None = None
    deferrable: Deferrable = False
    comment: str | None = None


class CheckSpec(Shape):
    expression: str
    name: str | None = None
    valid: StrictBool = True
    no_inherit: StrictBool = False
    comment: str | None = None


Check = Annotated[CheckSpec, BeforeValidator(_check, json_schema_input_type=str | CheckSpec)]


PrimaryKey = Annotated[
    PrimaryKeySpec, BeforeValidator(_columns, json_schema_input_type=list[str] | PrimaryKeySpec)
]


class ForeignKeyTargetSpec(Shape):
    table: str
    columns: list[str] | None = None


class ForeignKeySpec(Shape):
    columns: list[str] = Field(min_length=1)
    references: Annotated[
        ForeignKeyTargetSpec,
        BeforeValidator(_foreign_key_target, json_schema_input_type=str | ForeignKeyTargetSpec),
    ]
    on_delete: LowerAction | None = None
    on_update: LowerAction | None = None
    deferrable: Deferrable = False
    valid: StrictBool = True
    # MATCH FULL: a key with some columns null and others not is refused (simple: any null passes)
    match: Literal["simple", "full"] = "simple"
    name: str | None = None
    comment: str | None = None


class ExclusionElementSpec(Shape):
    column: str | None = None
    expression: str | None = None
    with_: str = Field(alias="with", min_length=1)


class ExclusionSpec(Shape):
    using: str = "gist"
    elements: list[ExclusionElementSpec] = Field(min_length=1)
    where: str | None = None
    name: str | None = None
    deferrable: Deferrable = False
    comment: str | None = None


class IndexKeySpec(Shape):
    """One key of an index written as a mapping: a column or an expression, with its modifiers."""

    column: str | None = None
    expression: str | None = None
    opclass: str | None = None
    # SQL's keywords, in either case
    order: Annotated[Literal["asc", "desc"], BeforeValidator(_lower)] = "asc"
    nulls: Annotated[Literal["first", "last"], BeforeValidator(_lower)] | None = None
    collation: str | None = None
    _one_key = model_validator(mode="after")(shortforms.one_index_key)


def _index_key_kind(value: Any) -> str:
    return "Key" if isinstance(value, dict) else "Text"


#: a key of `columns:`: a column (or SQL text) as a string, or a mapping; told apart by its shape, so
#: a mapping's mistakes are reported as a mapping's only (the tags, capitalised, are not spec keys)
IndexKey = Annotated[
    Annotated[str, Tag("Text")] | Annotated[IndexKeySpec, Tag("Key")], Discriminator(_index_key_kind)
]


class IndexSpec(Shape):
    comment: str | None = None
    storage: dict[str, StrictBool | StrictInt | StrictFloat | StrictStr] = Field(default_factory=dict)
    columns: list[IndexKey] | None = Field(default=None, min_length=1)
    expression: str | None = None
    name: str | None = None
    unique: StrictBool = False
    using: Literal["btree", "hash", "gin", "gist", "spgist", "brin"] = "btree"
    where: str | None = None
    include: list[str] = Field(default_factory=list)
    nulls_not_distinct: StrictBool = False
    _one_key = model_validator(mode="after")(shortforms.one_index_definition)


Bound = Scalar


Period = Annotated[
    Literal["day", "week", "month", "quarter", "year"], BeforeValidator(_period, json_schema_input_type=str)
]


Key = str | Annotated[list[str], Field(min_length=1)]


Expire = Literal["detach", "drop", "archive"]


class RangeSpec(Shape):
    key: Key
    every: Period | None = None
    from_: date | datetime | None = Field(default=None, alias="from")
    to: date | datetime | None = None
    default: StrictBool = False
    bounds: dict[str, tuple[Bound, Bound]] | None = None
    # a time window kept over time (`schemagen partitions maintain`, `schemagen_maintain()`)
    premake: StrictInt | None = Field(default=None, ge=0, le=1000)
    retain: str | None = None
    expire: Expire | None = None
    _window_or_bounds = model_validator(mode="after")(shortforms.window_or_bounds)


class ListSpec(Shape):
    key: Key
    # empty: no partitions yet, as a database may hold a table
    values: dict[str, Annotated[list[Scalar], Field(min_length=1)]]
    default: StrictBool = False


class HashSpec(Shape):
    key: Key
    modulus: StrictInt


class PartitionObjectsSpec(Shape):
    """What one partition has of its own: `objects: {p2022_01: {indexes: [...], foreign_keys: [...],
    checks: {...}}}`."""

    indexes: list[IndexSpec] = Field(default_factory=list)
    foreign_keys: list[ForeignKeySpec] = Field(default_factory=list)
    checks: dict[str, Check] = Field(default_factory=dict)


class PartitionSpec(Shape):
    range: RangeSpec | None = None
    list: ListSpec | None = None
    hash: HashSpec | None = None
    then: PartitionSpec | None = None
    names: dict[str, str] = Field(default_factory=dict)
    # keyed by a leaf partition's name or what follows `{table}_` in it
    objects: dict[str, PartitionObjectsSpec] = Field(default_factory=dict)
    _exactly_one = model_validator(mode="after")(shortforms.one_partition_kind)


class ArchiveSpec(Shape):
    after: str
    column: str
    table: str | None = None
    function: str | None = None


class DistributeSpec(Shape):
    by: str
    colocate_with: str | None = None
    shard_count: StrictInt | None = Field(default=None, ge=1, le=64000)


class EntitySpec(Shape):
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    mixins: list[str] = Field(default_factory=list)
    columns: dict[str, Column] = Field(default_factory=dict)
    primary_key: PrimaryKey | None = None
    unique: list[
        Annotated[UniqueSpec, BeforeValidator(_columns, json_schema_input_type=list[str] | UniqueSpec)]
    ] = Field(default_factory=list)
    checks: dict[str, Check] = Field(default_factory=dict)
    foreign_keys: list[ForeignKeySpec] = Field(default_factory=list)
    indexes: list[IndexSpec] = Field(default_factory=list)
    exclude: list[ExclusionSpec] = Field(default_factory=list)
    partition: PartitionSpec | None = None
    archive: ArchiveSpec | None = None
    renamed_from: str | None = None
    storage: dict[str, StrictBool | StrictInt | StrictFloat | StrictStr] = Field(default_factory=dict)
    # CREATE UNLOGGED TABLE: not written to the WAL (faster writes; emptied after a crash, not replicated)
    unlogged: StrictBool = False
    distribute: Literal["reference"] | DistributeSpec | None = None
    triggers: dict[str, TriggerSpec] = Field(default_factory=dict)
    owner: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)
    row_level_security: StrictBool | RowSecuritySpec | None = None
    policies: dict[str, PolicySpec] = Field(default_factory=dict)
    replica_identity: ReplicaIdentitySpec | None = None


class MixinSpec(Shape):
    columns: dict[str, Column] = Field(default_factory=dict)
    checks: dict[str, Check] = Field(default_factory=dict)
    indexes: list[IndexSpec] = Field(default_factory=list)


class EnumSpec(Shape):
    values: list[str] = Field(min_length=1)
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")


class SequenceSpec(Shape):
    type: str = "bigint"
    start: StrictInt | None = None
    increment: StrictInt = 1
    min_value: StrictInt | None = Field(default=None, alias="min")
    max_value: StrictInt | None = Field(default=None, alias="max")
    cache: StrictInt = Field(default=1, ge=1)
    cycle: StrictBool = False
    owned_by: str | None = None
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    owner: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)


Sequence = Annotated[SequenceSpec, BeforeValidator(_empty, json_schema_input_type=SequenceSpec | None)]


class DomainSpec(Shape):
    type: str
    not_null: StrictBool = False
    default: Any = None
    check: str | None = None
    checks: dict[str, str] = Field(default_factory=dict)
    collation: str | None = None
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")


class RangeTypeSpec(Shape):
    subtype: str
    subtype_diff: str | None = None
    collation: str | None = None
    subtype_opclass: str | None = None


class AttributeSpec(Shape):
    """An attribute of a composite type written out: its type, its collation of its own, and its name
    before a rename."""

    type: str
    renamed_from: str | None = None
    collation: str | None = None


class TypeSpec(Shape):
    """A composite type (`composite: {attribute: type}`) or a range type (`range: {subtype: …}`)."""

    composite: dict[str, str | AttributeSpec] | None = None
    range: RangeTypeSpec | None = None
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")


class AggregateSpec(Shape):
    state_function: str
    state_type: str
    final_function: str | None = None
    initial_value: Annotated[
        str | None, BeforeValidator(_initial_value, json_schema_input_type=str | int | float | None)
    ] = None
    combine_function: str | None = None
    parallel: Literal["safe", "restricted", "unsafe"] = "unsafe"


class FunctionSpec(Shape):
    """A function (`returns:` given) or a procedure (`procedure: true`, no `returns:`)."""

    arguments: Annotated[list[str], BeforeValidator(_arguments, json_schema_input_type=str | list[str])] = (
        Field(default_factory=list)
    )
    returns: str | None = None
    procedure: StrictBool = False
    language: Literal["sql", "plpgsql"] | None = None
    body: str | None = None
    # an aggregate (CREATE AGGREGATE) instead of a function: no `language`, `body` or `returns`
    aggregate: AggregateSpec | None = None
    volatility: Literal["immutable", "stable", "volatile"] = "volatile"
    security: Literal["invoker", "definer"] = "invoker"
    strict: StrictBool = False
    comment: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    owner: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)
    # PostgreSQL grants EXECUTE to PUBLIC on every new routine: false revokes it
    public_execute: StrictBool = True
    _function_or_procedure = model_validator(mode="after")(shortforms.function_or_procedure)


class TriggerSpec(Shape):
    function: str
    timing: Annotated[Literal["before", "after", "instead of"], BeforeValidator(_lower)]
    events: Annotated[list[str], BeforeValidator(_events, json_schema_input_type=str | list[str])] = Field(
        min_length=1
    )
    for_each: Literal["row", "statement"] = "statement"
    when: str | None = None
    # what the function reads in TG_ARGV: each one a string literal of `EXECUTE FUNCTION f('…', …)`
    arguments: Annotated[
        list[str], BeforeValidator(_trigger_arguments, json_schema_input_type=list[str | int | float])
    ] = Field(default_factory=list)
    comment: str | None = None


class RelationshipSpec(Shape):
    many_to_many: tuple[str, str]
    through: str
    on_delete: LowerAction | None = None
    columns: dict[str, Column] = Field(default_factory=dict)
    indexes: list[IndexSpec] = Field(default_factory=list)
    comment: str | None = None


class ViewUniqueSpec(Shape):
    columns: list[str] = Field(min_length=1)
    name: str | None = None


ViewUnique = Annotated[
    ViewUniqueSpec, BeforeValidator(_columns, json_schema_input_type=list[str] | ViewUniqueSpec)
]


class ViewSpec(Shape):
    query: str
    materialized: StrictBool = False
    # a materialized view created WITH NO DATA (scanning it fails until it is refreshed)
    populated: StrictBool = True
    # plain views only: CREATE VIEW … WITH (security_barrier, security_invoker, check_option)
    security_barrier: StrictBool = False
    security_invoker: StrictBool = False
    check_option: Literal["local", "cascaded"] | None = None
    unique: ViewUnique | None = None
    # materialized views only: indexes as an entity's (`unique:` is the shorthand for one unique index)
    indexes: list[IndexSpec] = Field(default_factory=list)
    refresh: Literal["concurrently", "blocking"] | None = None
    refresh_function: str | None = None
    comment: str | None = None
    column_comments: dict[str, str] = Field(default_factory=dict)  # COMMENT ON COLUMN view.column
    schema_: str | None = Field(default=None, alias="schema")
    renamed_from: str | None = None
    owner: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)


class NamingSpec(Shape):
    primary_key: str = "{table}_pkey"
    foreign_key: str = "{table}_{columns}_fkey"
    unique: str = "{table}_{columns}_key"
    index: str = "{table}_{columns}_idx"
    check: str = "{table}_{name}_check"
    partition: str = "{table}_{suffix}"
    archive_table: str = "{table}_archive"
    archive_function: str = "archive_{table}"
    refresh_function: str = "refresh_{view}"
    sequence: str = "{table}_{column}_seq"


class CitusSpec(Shape):
    shard_count: StrictInt = Field(default=32, ge=1, le=64000)
    distribute_concurrently: StrictBool = False
    # schema-based sharding (`citus_schema_distribute`): every table of each schema in one shard
    distributed_schemas: list[str] = Field(default_factory=list)


class ExtensionSpec(Shape):
    """An extension written as a mapping: `{name: acme_audit, custom: true}` names one of the user's own,
    whose objects schemagen does not know (it accepts what the spec calls from it)."""

    name: str
    custom: StrictBool = False
    schema_: str | None = Field(default=None, alias="schema")  # CREATE EXTENSION … SCHEMA
    version: StrictStr | None = None  # CREATE EXTENSION … VERSION (quote it: '1.6')


class SchemaSpec(Shape):
    """A schema written as a mapping: `{name: reporting, comment: …}`."""

    name: str
    comment: str | None = None
    owner: str | None = None
    grants: dict[str, Grant] = Field(default_factory=dict)
    # the public schema only: PostgreSQL lets PUBLIC use it; false revokes that
    public_usage: StrictBool = True


class ProjectSpec(Shape):
    name: str | None = None  # default: the name of the folder holding the spec folder
    postgres: StrictInt = Field(default=15, ge=12, le=18)
    schema_: str = Field(default="public", alias="schema")
    extensions: list[str | ExtensionSpec] = Field(default_factory=list)
    naming: NamingSpec = NamingSpec()
    allow_destructive: Annotated[
        list[str], BeforeValidator(_one_or_many, json_schema_input_type=str | list[str])
    ] = Field(default_factory=list)
    citus: CitusSpec | None = None
    # schemas created even when nothing lives in them
    schemas: list[str | SchemaSpec] = Field(default_factory=list)
    default_privileges: list[DefaultPrivilegesSpec] = Field(default_factory=list)


class Spec(Shape):
    """A whole spec folder, merged."""

    project: ProjectSpec | None = None
    mixins: dict[str, MixinSpec] = Field(default_factory=dict)
    enums: dict[
        str, Annotated[EnumSpec, BeforeValidator(_enum, json_schema_input_type=list[str] | EnumSpec)]
    ] = Field(default_factory=dict)
    domains: dict[str, DomainSpec] = Field(default_factory=dict)
    types: dict[str, TypeSpec] = Field(default_factory=dict)
    sequences: dict[str, Sequence] = Field(default_factory=dict)
    entities: dict[str, EntitySpec] = Field(default_factory=dict)
    relationships: list[RelationshipSpec] = Field(default_factory=list)
    views: dict[str, ViewSpec] = Field(default_factory=dict)
    functions: dict[str, FunctionSpec] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)


def json_schema() -> str:
    """The JSON Schema of a spec file, for editors (yaml-language-server): generated from the models above."""
    import json

    schema = Spec.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "schemagen spec file"
    schema["description"] = "One file of a schemagen spec folder; the folder's files are merged."
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(raw: RawSpec) -> Spec:
    """Validate the raw tree's shape; raises SpecError with every shape error at its YAML line."""
    try:
        return Spec.model_validate(raw.data)
    except ValidationError as error:
        raise SpecError(_diagnostics(error, raw)) from None


def _diagnostics(error: ValidationError, raw: RawSpec) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for item in error.errors(include_url=False):
        path = _data_path(raw.data, item["loc"])
        where = ".".join(str(p) for p in path) or "the spec"
        if item["type"] == "extra_forbidden":
            key = str(path[-1])
            allowed = sorted(allowed_keys(path[:-1]))
            found.append(
                rules.UNKNOWN_KEY(
                    raw.locate(path, key=True),
                    key=key,
                    where=".".join(map(str, path[:-1])) or "spec",
                    suggestion=did_you_mean(key, allowed),
                    allowed=", ".join(allowed),
                )
            )
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            field = str(item["loc"][-1])
            found.append(
                rules.INVALID_VALUE(
                    raw.locate(path), where=where, problem=f"`{field}` is required", fix=f"add `{field}:`"
                )
            )
            continue
        found.append(
            rules.INVALID_VALUE(
                raw.locate(path), where=where, problem=_first_lower(message), fix=_fix_for(item["type"], path)
            )
        )
    return found


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fix_for(kind: str, path: Path_) -> str:
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "write a value of the type named in the message"
    if kind == "literal_error":
        return "write one of the values named in the message"
    keys = [p for p in path if isinstance(p, str)]
    return f"see the spec format for `{keys[-1] if keys else 'spec'}` in docs/spec-format.md"


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path_:
    """The part of a pydantic error location that names real keys of the data (union tags dropped)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if _holds(current, part):
            current = current[part]
            path.append(part)
        elif (
            isinstance(current, dict)
            and isinstance(part, str)
            and part not in current
            and part[:1].islower()
            and "[" not in part
            and not part.startswith("function-")
        ):
            # a key the error is about but the data lacks (missing, or expanded from a short form)
            path.append(part)
            current = None
        # anything else is a union branch tag or a key of an expanded short form
    return tuple(path)


def _holds(data: Any, part: int | str) -> bool:
    """Whether `data`, a mapping or a list of the raw tree, has the key or index `part`."""
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def allowed_keys(path: Path_) -> set[str]:
    """The keys the spec format allows in the mapping at `path`."""
    model: Any = Spec
    for part in path:
        model = _step(model, part)
        if model is None:
            return set()
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {f.alias or name for name, f in model.model_fields.items()}
    return set()


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        else:
            return annotation


def _step(model: Any, part: str | int) -> Any:
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(model)
    if origin is dict:
        return typing.get_args(model)[1]
    if origin in (list, tuple):
        return typing.get_args(model)[0]
    return None

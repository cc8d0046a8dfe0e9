"""The snapshot: a Model as deterministic JSON and back, and nothing but SnapshotError on bad text."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_factory import S, col, kitchen_sink, pk, synthetic, table

from schemagen.migrate.snapshot import SnapshotError, dump, load, load_with_migration
from schemagen.model import (
    Archive,
    Column,
    CompositeAttribute,
    CompositeType,
    Default,
    DistributedSchema,
    Distribution,
    Domain,
    DomainCheck,
    Enum,
    ForeignKey,
    Function,
    IdentityOptions,
    Index,
    IndexElement,
    Location,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionObjects,
    PartitionScheme,
    Project,
    RangeType,
    RangeWindow,
    Schema,
    SequenceGenerator,
    StorageParameter,
    Table,
    TextAt,
    Trigger,
    View,
)
from schemagen.model import access as access_module
from schemagen.model import objects as model_module
from schemagen.model.access import DefaultPrivileges, Grant, Policy, Role, TableAccess
from schemagen.model.aggregates import AggregateDef
from schemagen.model.object_access import ObjectAccess
from schemagen.model.objects import (
    CheckConstraint,
    ExclusionConstraint,
    ExclusionElement,
    ExtensionSetting,
    PrimaryKey,
    UniqueConstraint,
)
from schemagen.pipeline import compile_spec

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC = REPO_ROOT / "spec"

TZ = timezone(timedelta(hours=5, minutes=30))


def everything() -> Model:
    """The kitchen sink plus every kind of literal value, two-level partitions and source locations."""
    base = kitchen_sink()
    here = Location("spec/odd.yaml", 7, 3)
    values = table(
        "literal_values",
        (
            col("id", loc=here),
            col("day", "date", default=Default(value=date(2024, 2, 29))),
            col(
                "moment",
                "timestamp with time zone",
                default=Default(value=datetime(2024, 1, 1, 12, tzinfo=UTC)),
            ),
            col(
                "local",
                "timestamp without time zone",
                default=Default(value=datetime(2024, 1, 1, 0, 0, 0, 5)),
            ),
            col(
                "offset",
                "timestamp with time zone",
                default=Default(value=datetime(2024, 6, 1, 9, 30, tzinfo=TZ)),
            ),
            col("tagged", "jsonb", default=Default(value={"$date": "2024-01-01"})),
            col("dollar", "jsonb", default=Default(value={"$dict": {"$datetime": 1}})),
            col("nested", "jsonb", default=Default(value={"a": {"$x": [1, {"$float": "nan"}]}, "$b": None})),
            col("empty", "jsonb", default=Default(value={})),
            col("matrix", "integer[]", default=Default(value=[[1, 2], [], [3]])),
            col("mixed", "jsonb", default=Default(value=[None, True, 0, -1.5, "x", [], {}])),
            col("big", "numeric", default=Default(value=10**30)),
            col("tiny", "double precision", default=Default(value=5e-324)),
            col("negative_zero", "double precision", default=Default(value=-0.0)),
            col("huge", "double precision", default=Default(value=float("inf"))),
            col("text", "text", default=Default(value='naïve — 東京 "q" \\ \n\t\u0000')),
            col("blank", "text", default=Default(value="")),
            col("zero", "integer", default=Default(value=0)),
            col("no", "boolean", default=Default(value=False)),
            col(
                "numbered",
                "integer",
                default=Default(expression="nextval('app.numbers'::regclass)", sequence="numbers"),
            ),
            col("count", "app.posint", nullable=True),
            col("renamed", "text", nullable=True, renamed_from="old_name", comment="was old_name"),
            col(
                "counted",
                "bigint",
                identity="by_default",
                identity_options=IdentityOptions(
                    start=5, increment=-5, min_value=-1000, max_value=1000, cache=3, cycle=True
                ),
                identity_access=ObjectAccess(None, (Grant("app_reader", ("select", "usage"), False),)),
            ),
        ),
        renamed_from="literal_values_old",
        storage=(StorageParameter("autovacuum_enabled", "false"), StorageParameter("fillfactor", "90")),
        unlogged=True,
        loc=here,
    )
    by_day = PartitionScheme(
        kind="range",
        key=(PartitionKey(column="day"), PartitionKey(expression="(id % 10)")),
        children=(
            PartitionChild(
                "by_day_2024",
                PartitionBound(range_from=date(2024, 1, 1), range_to=date(2025, 1, 1)),
                sub=PartitionScheme(
                    kind="list",
                    key=(PartitionKey(column="kind"),),
                    children=(
                        PartitionChild("by_day_2024_ab", PartitionBound(values=("a", "b"))),
                        PartitionChild(
                            "by_day_2024_dates", PartitionBound(values=(date(2024, 1, 1), 3, None))
                        ),
                        PartitionChild("by_day_2024_rest", PartitionBound(is_default=True)),
                    ),
                    has_default=True,
                    loc=here,
                ),
            ),
            PartitionChild(
                "by_day_2025",
                PartitionBound(range_from=datetime(2025, 1, 1, tzinfo=UTC), range_to="MAXVALUE"),
                sub=PartitionScheme(
                    kind="hash",
                    key=(PartitionKey(column="id"),),
                    children=tuple(
                        PartitionChild(
                            f"by_day_2025_p{r}",
                            PartitionBound(modulus=2, remainder=r),
                            schema="archive" if r else None,
                        )
                        for r in (0, 1)
                    ),
                    modulus=2,
                ),
            ),
        ),
        window=RangeWindow(
            "year",
            date(2024, 1, 1),
            date(2026, 1, 1),
            default=False,
            premake=1,
            retain="2 years",
            expire="drop",
            child_name="t_{suffix}",
            open_end=True,
        ),
    )
    by_day_table = table(
        "by_day",
        (col("id"), col("day", "date"), col("kind", "text")),
        primary_key=pk("by_day", "id", "day", "kind"),
        partition=by_day,
        archive=Archive("day", "30 days", "by_day_archive", "archive_by_day"),
        distribution=Distribution("hash", "id", "literal_values", 8, loc=here, colocate_schema="app"),
        spec_key="public.by_day",
        partition_objects=(
            PartitionObjects(
                "by_day_2024_ab",
                indexes=(Index("by_day_2024_ab_kind_idx", "by_day_2024_ab", (IndexElement(column="kind"),)),),
                foreign_keys=(ForeignKey("by_day_2024_ab_id_fkey", ("id",), "public", "t", ("id",)),),
                checks=(CheckConstraint("by_day_2024_ab_kind_check", "kind <> ''"),),
                loc=here,
            ),
        ),
    )
    located = replace(
        base.tables[0],
        indexes=(
            Index(
                "located_idx",
                base.tables[0].name,
                (
                    IndexElement(
                        expression="lower(name)", opclass="text_pattern_ops", nulls="first", collation="C"
                    ),
                ),
                loc=here,
                where_loc=here,
                expression_loc=here,
            ),
        ),
    )
    # every option of a constraint and an index, each set
    states = table(
        "constraint_states",
        (col("id"), col("during", "tstzrange"), col("parent", "bigint")),
        primary_key=PrimaryKey("constraint_states_pkey", ("id",), deferrable="immediate", comment="the key"),
    )
    states = replace(
        states,
        uniques=(UniqueConstraint("states_parent_key", ("parent",), deferrable="deferred", comment="once"),),
        checks=(
            CheckConstraint("states_id_check", "id > 0", not_valid=True, no_inherit=True, comment="positive"),
        ),
        foreign_keys=(
            ForeignKey(
                "states_parent_fkey",
                ("parent",),
                S,
                "constraint_states",
                ("id",),
                deferrable=True,
                initially_immediate=True,
                not_valid=True,
                comment="the parent",
                match_full=True,
            ),
        ),
        exclusions=(
            ExclusionConstraint(
                "states_during_excl",
                (ExclusionElement("&&", column="during"), ExclusionElement("=", expression="id % 2")),
                using="spgist",
                where="id > 10",
                deferrable="deferred",
                loc=here,
                comment="no overlap",
            ),
        ),
        indexes=(
            Index(
                "states_id_idx",
                "constraint_states",
                (IndexElement(column="id"),),
                storage=(StorageParameter("fillfactor", "70"),),
                comment="by id",
            ),
        ),
    )
    options_view = View(
        "guarded",
        S,
        "SELECT 1 AS x",
        security_barrier=True,
        security_invoker=True,
        check_option="cascaded",
        column_comments=(("x", "the one column"),),
        access=ObjectAccess("app_owner", (Grant("app_reader", ("select",), False),)),
    )
    view = View(
        "recent",
        S,
        "SELECT 1",
        materialized=True,
        unpopulated=True,
        indexes=(Index("recent_key", "recent", (IndexElement(column="x"),), unique=True, loc=here),),
        refresh="blocking",
        renamed_from="old_recent",
        spec_key="app.recent",
        loc=here,
    )
    sequences = (
        SequenceGenerator(
            "numbers",
            "app",
            "integer",
            start=10,
            increment=-2,
            min_value=-100,
            max_value=100,
            cache=5,
            cycle=True,
            owned_by=("literal_values", "numbered"),
            comment="counts down",
            access=ObjectAccess(None, (Grant("app_writer", ("usage",), True),)),
            loc=here,
            spec_key="app.numbers",
        ),
    )
    domains = (
        Domain(
            "posint",
            "app",
            "integer",
            not_null=True,
            default=Default(value=1),
            checks=(DomainCheck("posint_check", "VALUE > 0", loc=here),),
            collation="C",
            comment="a positive integer",
            loc=here,
            spec_key="app.posint",
        ),
    )
    access = TableAccess(
        owner="app_owner",
        grants=(
            Grant("app_reader", ("select",)),
            Grant("app_writer", ("insert", "update"), grant_option=True),
        ),
        row_security=True,
        force_row_security=True,
        policies=(
            Policy(
                "own",
                "update",
                permissive=False,
                roles=("app_writer",),
                using="true",
                with_check="true",
                comment="writers update their own",
            ),
        ),
        replica_identity="index",
        replica_index="literal_values_pkey",
    )
    values = replace(values, access=access)
    return Model(
        project=Project(
            "everything",
            postgres=16,
            schema="app",
            extensions=("citext",),
            allow_destructive=("x",),
            shard_count=8,
            distribute_concurrently=True,
            distributed_schemas=(DistributedSchema("tenant_a", loc=here),),
            schemas=(
                Schema(
                    "archive",
                    comment="Old rows.",
                    loc=here,
                    access=ObjectAccess("app_owner", (Grant("app_reader", ("usage",), False),), True),
                ),
            ),
            extension_settings=(ExtensionSetting("citext", "ext", "1.6"),),
        ),
        roles=(Role("app_writer", login=True, inherit=False, member_of=("app_reader",)),),
        default_privileges=(
            DefaultPrivileges("", "functions", (), public_revoked=True),
            DefaultPrivileges(
                "app", "sequences", (Grant("app_writer", ("usage",), True),), for_role="app_owner"
            ),
        ),
        enums=(*base.enums, Enum("status", "app", ("open", "paid"), spec_key="app.status")),
        tables=tuple(sorted((located, *base.tables[1:], values, by_day_table, states), key=lambda t: t.name)),
        views=tuple(sorted((*base.views, view, options_view), key=lambda v: v.name)),
        domains=domains,
        types=(
            CompositeType(
                "address",
                "app",
                (
                    CompositeAttribute("street", "text", collation="C"),
                    CompositeAttribute("zip", "app.posint"),
                ),
                comment="a postal address",
                loc=here,
                spec_key="app.address",
            ),
            RangeType(
                "textrange",
                "app",
                "text",
                "float8mi",
                "C",
                comment="a range",
                loc=here,
                spec_key="app.textrange",
                subtype_opclass="text_pattern_ops",
            ),
        ),
        sequences=sequences,
        functions=(
            Function(
                "touch",
                "app",
                "",
                "",
                "trigger",
                "plpgsql",
                "BEGIN NEW.at := now(); RETURN NEW; END",
                volatility="stable",
                security="definer",
                strict=True,
                comment="stamps a row",
                access=ObjectAccess(None, (), revoked_from_public=True),
                spec_key="app.touch",
                loc=here,
                body_loc=here,
            ),
            Function(
                "total",
                "app",
                "integer",
                "integer",
                "numeric",
                "",
                "",
                comment="folds",
                aggregate=AggregateDef(
                    state_function="int84pl",
                    state_function_schema=None,
                    state_type="bigint",
                    final_function="half",
                    final_function_schema="app",
                    initial_value="0",
                    combine_function="int8pl",
                    combine_function_schema="pg_catalog",
                    parallel="safe",
                ),
            ),
        ),
        triggers=(
            Trigger(
                "literal_values_touch",
                "literal_values",
                "app",
                "touch",
                "app",
                "before",
                ("insert", "update"),
                update_columns=("day",),
                for_each="row",
                when="NEW.day IS NOT NULL",
                arguments=("a", "it's"),
                comment="stamps rows",
                loc=here,
            ),
        ),
    )


def model_classes() -> list[type]:
    return [
        value
        for module in (model_module, access_module)
        for value in vars(module).values()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == module.__name__
        and value not in (Location, TextAt)  # never stored: where the spec says things
    ]


def stored_fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.compare]


def walk(value: Any):
    yield value
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from walk(item)


def json_keys(value: Any):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_keys(item)


@pytest.fixture(scope="module")
def spec_model() -> Model:
    return compile_spec(SPEC).model


@pytest.fixture(scope="module")
def rich() -> Model:
    return everything()


# --- round trips ---------------------------------------------------------------------------------


def test_example_spec_round_trips(spec_model: Model) -> None:
    text = dump(spec_model)
    loaded = load(text)
    assert loaded == spec_model
    assert dump(loaded) == text
    assert text.endswith("}\n")
    assert json.loads(text)["format"] == 2


def test_the_hand_built_model_exercises_every_stored_field(rich: Model) -> None:
    # Fields left at their defaults would not test their decoding; a new Model field belongs here too.
    unset = {(cls.__name__, f.name) for cls in model_classes() for f in stored_fields(cls)}
    for value in walk(rich):
        if dataclasses.is_dataclass(value):
            for f in stored_fields(type(value)):
                if f.default is dataclasses.MISSING or getattr(value, f.name) != f.default:
                    unset.discard((type(value).__name__, f.name))
    assert not unset, f"set these fields in everything(): {sorted(unset)}"


def test_every_field_kind_round_trips(rich: Model) -> None:
    text = dump(rich)
    loaded = load(text)
    assert loaded == rich
    assert dump(loaded) == text
    # Equality of a datetime ignores its offset and of False ignores 0 == False: compare them exactly.
    original = {(t.name, c.name): c.default.value for t in rich.tables for c in t.columns if c.default}
    for t in loaded.tables:
        for c in t.columns:
            if c.default is not None:
                value = c.default.value
                assert type(value) is type(original[t.name, c.name])
                if isinstance(value, datetime):
                    assert value.utcoffset() == original[t.name, c.name].utcoffset()


def test_literal_values_keep_their_types(rich: Model) -> None:
    loaded = load(dump(rich))
    columns = {c.name: c.default.value for c in loaded.table("literal_values").columns if c.default}
    assert columns["day"] == date(2024, 2, 29) and type(columns["day"]) is date
    assert columns["offset"] == datetime(2024, 6, 1, 9, 30, tzinfo=TZ)
    assert columns["offset"].utcoffset() == timedelta(hours=5, minutes=30)
    assert columns["local"].tzinfo is None and columns["local"].microsecond == 5
    # a user's dict that looks like a tag stays a dict
    assert columns["tagged"] == {"$date": "2024-01-01"}
    assert columns["dollar"] == {"$dict": {"$datetime": 1}}
    assert columns["nested"] == {"a": {"$x": [1, {"$float": "nan"}]}, "$b": None}
    assert columns["big"] == 10**30 and type(columns["big"]) is int
    assert columns["no"] is False and columns["zero"] == 0 and type(columns["zero"]) is int
    assert math.copysign(1.0, columns["negative_zero"]) == -1.0
    assert columns["huge"] == float("inf")
    by_day = loaded.table("public.by_day").partition
    assert by_day.children[0].bound.range_from == date(2024, 1, 1)
    assert by_day.children[0].sub.children[1].bound.values == (date(2024, 1, 1), 3, None)
    assert by_day.children[1].bound.range_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert by_day.children[1].sub.children[1].bound.remainder == 1


def test_tags_and_escapes_in_the_text(rich: Model) -> None:
    data = json.loads(dump(rich))
    table_data = next(t for t in data["model"]["tables"] if t["name"] == "literal_values")
    defaults = {c["name"]: c["default"].get("value") for c in table_data["columns"] if "default" in c}
    assert defaults["day"] == {"$date": "2024-02-29"}
    assert defaults["offset"] == {"$datetime": "2024-06-01T09:30:00+05:30"}
    assert defaults["tagged"] == {"$dict": {"$date": "2024-01-01"}}
    assert defaults["dollar"] == {"$dict": {"$dict": {"$dict": {"$datetime": 1}}}}
    assert defaults["nested"] == {"a": {"$dict": {"$x": [1, {"$dict": {"$float": "nan"}}]}}, "$b": None}
    assert defaults["huge"] == {"$float": "inf"}
    assert defaults["empty"] == {}


def test_nan_is_tagged_and_comes_back() -> None:
    nan_table = table("t", (col("id"), col("ratio", "double precision", default=Default(value=float("nan")))))
    text = dump(Model(Project("p"), tables=(nan_table,)))
    assert '"$float": "nan"' in text and "NaN" not in text
    assert math.isnan(load(text).tables[0].columns[1].default.value)


def test_the_text_is_canonical_json(rich: Model) -> None:
    text = dump(rich)
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert "東京" in text  # not \u-escaped


def test_no_locations_in_the_dump(spec_model: Model, rich: Model) -> None:
    assert any(t.loc is not None for t in spec_model.tables)
    for model in (spec_model, rich):
        text = dump(model)
        keys = set(json_keys(json.loads(text)))
        assert not keys & {"loc", "where_loc", "expression_loc", "line", "file"}  # "column" is a real field
        assert str(SPEC) not in text
        assert ".yaml" not in text
        assert all(
            getattr(value, name) is None
            for value in walk(load(text))
            if dataclasses.is_dataclass(value)
            for name in ("loc", "where_loc", "expression_loc")
            if hasattr(value, name)
        )


def test_the_dump_ignores_where_the_spec_was(spec_model: Model) -> None:
    moved = replace(
        spec_model, tables=tuple(replace(t, loc=Location("elsewhere.yaml", 1, 1)) for t in spec_model.tables)
    )
    assert dump(moved) == dump(spec_model)


def test_empty_defaults_are_left_out_and_other_defaults_written() -> None:
    data = json.loads(dump(Model(Project("p"), tables=(table("t", (col("id"),)),))))
    column = data["model"]["tables"][0]["columns"][0]
    assert column == {"name": "id", "type": "bigint"}
    assert data["model"]["project"] == {"name": "p", "postgres": 15, "schema": "public"}


def test_a_field_missing_from_an_old_snapshot_gets_its_default() -> None:
    data = json.loads(dump(Model(Project("p"), tables=(table("t", (col("id"),)),))))
    del data["model"]["project"]["postgres"]
    assert load(json.dumps(data)).project.postgres == 15


def test_a_large_model_round_trips() -> None:
    big = synthetic(10_000)
    text = dump(big)
    assert load(text) == big


def test_dump_refuses_values_outside_the_model_types() -> None:
    bad = table("t", (col("id", default=Default(value={1: "one"})),))
    with pytest.raises(TypeError):
        dump(Model(Project("p"), tables=(bad,)))
    with pytest.raises(TypeError):
        dump(Model(Project("p"), tables=(table("t", (col("id", default=Default(value={1, 2})),)),)))


# --- bad input -----------------------------------------------------------------------------------


def valid() -> dict[str, Any]:
    return json.loads(dump(Model(Project("p"), tables=(table("t", (col("id"),)),))))


def mutated(change) -> str:
    data = valid()
    change(data)
    return json.dumps(data)


def set_column(**fields):
    def change(data):
        data["model"]["tables"][0]["columns"][0].update(fields)

    return change


def drop(*path):
    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


GARBAGE = [
    "",
    "{",
    "[]",
    "null",
    "42",
    '"text"',
    "NaN",
    "[" * 100_000,
    '{"format": 99, "model": {}}',
    '{"format": "1", "model": {}}',
    '{"format": true, "model": {}}',
    '{"format": 1}',
    '{"model": {}}',
    '{"format": 1, "model": {}, "extra": 1}',
    '{"format": 1, "model": []}',
    '{"format": 1, "model": {"project": {"name": "p", "postgres": NaN}}}',
    '{"format": 1, "model": {"project": {"name": "p", "postgres": 1e999}}}',
    '{"format": 1, "model": {"project": {"name": "p", "postgres": ' + "9" * 5000 + "}}}",
    mutated(set_column(nullable="yes")),
    mutated(set_column(nullable=1)),
    mutated(set_column(type=5)),
    mutated(set_column(identity="sometimes")),
    mutated(set_column(identity=True)),
    mutated(set_column(default={"value": {"$date": "2024-13-01"}})),
    mutated(set_column(default={"value": {"$date": 20240101}})),
    mutated(set_column(default={"value": {"$datetime": "yesterday"}})),
    mutated(set_column(default={"value": {"$float": "1.5"}})),
    mutated(set_column(default={"value": {"$dict": [1]}})),
    mutated(set_column(default={"value": {"$unknown": 1}})),
    mutated(set_column(default={"value": [{"$nope": 1}]})),
    mutated(set_column(default="now()")),
    mutated(set_column(colour="red")),
    mutated(drop("model", "tables", 0, "columns", 0, "type")),
    mutated(drop("model", "project")),
    mutated(drop("model", "project", "name")),
    mutated(lambda data: data["model"].update(tables={"t": {}})),
    mutated(lambda data: data["model"]["tables"][0].update(columns=[[]])),
    mutated(lambda data: data["model"]["tables"][0].update(primary_key={"name": "k", "columns": "id"})),
    mutated(lambda data: data["model"]["tables"][0].update(primary_key={"name": "k", "columns": [1]})),
    mutated(
        lambda data: data["model"]["tables"][0].update(
            partition={"kind": "range", "key": [], "children": [{"name": "c", "bound": {}, "sub": 5}]}
        )
    ),
    mutated(
        lambda data: data["model"]["tables"][0].update(
            partition={
                "kind": "range",
                "key": [],
                "children": [],
                "window": {
                    "every": "month",
                    "start": "2024-01-01",
                    "end": {"$date": "2025-01-01"},
                    "default": True,
                },
            }
        )
    ),
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_load_raises_only_snapshot_error(text: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        load(text)
    message = str(caught.value)
    assert message and "\n" not in message


def test_errors_say_where() -> None:
    with pytest.raises(
        SnapshotError, match=r"model\.tables\[0\]\.columns\[0\]\.nullable: expected true or false"
    ):
        load(mutated(set_column(nullable="yes")))
    with pytest.raises(SnapshotError, match=r"model\.tables\[0\]\.columns\[0\]: Column has no 'type'"):
        load(mutated(drop("model", "tables", 0, "columns", 0, "type")))
    with pytest.raises(SnapshotError, match=r"Column has no field 'colour'"):
        load(mutated(set_column(colour="red")))
    with pytest.raises(SnapshotError, match="format 99"):
        load('{"format": 99, "model": {}}')


def test_a_snapshot_of_a_nested_partition_with_a_wrong_value_names_the_path(rich: Model) -> None:
    data = json.loads(dump(rich))
    index = next(i for i, t in enumerate(data["model"]["tables"]) if t["name"] == "by_day")
    data["model"]["tables"][index]["partition"]["children"][1]["sub"]["children"][0]["bound"]["modulus"] = "2"
    with pytest.raises(
        SnapshotError, match=rf"tables\[{index}\]\.partition\.children\[1\]\.sub\.children\[0\]"
    ):
        load(json.dumps(data))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple = ()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


RICH_DATA = json.loads(dump(everything()))
RICH_PATHS = list(paths(RICH_DATA))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RICH_PATHS), JSON | st.sampled_from([{"$date": "x"}, {"$datetime": 1}, {"$dict": 1}]))
def test_any_replaced_value_loads_or_raises_snapshot_error(path: tuple, replacement: Any) -> None:
    data = json.loads(json.dumps(RICH_DATA))
    if not path:
        data = replacement
    else:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = replacement
    try:
        result = load(json.dumps(data))
    except SnapshotError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, Model)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_damaged_text_loads_or_raises_snapshot_error(data: st.DataObject) -> None:
    text = dump(
        Model(Project("p"), tables=(table("t", (col("id", default=Default(value=[1, {"a": None}])),)),))
    )
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 10)))
    damaged = text[:start] + data.draw(st.text(max_size=4)) + text[end:]
    try:
        result = load(damaged)
    except SnapshotError:
        return
    assert isinstance(result, Model)


def test_a_table_built_without_factories_round_trips() -> None:
    # plain constructors, every optional left at its default
    model = Model(Project("bare"), tables=(Table("t", "public", (Column("id", "bigint"),)),))
    assert load(dump(model)) == model


@pytest.mark.parametrize("depth", [100, 990, 5000])
def test_deeply_nested_values_load_or_raise_snapshot_error(depth: int) -> None:
    data = valid()
    data["model"]["tables"][0]["columns"][0]["default"] = {"value": "[" * depth + "]" * depth}
    text = json.dumps(data).replace('"' + "[" * depth + "]" * depth + '"', "[" * depth + "]" * depth)
    try:
        result = load(text)
    except SnapshotError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, Model)
        if depth == 100:
            assert load(dump(result)) == result


def test_the_snapshot_names_its_migration_and_format_1_still_loads() -> None:
    model = Model(Project("p"), tables=(table("t", (col("id"),)),))
    text = dump(model, "0003_add_locale")
    assert json.loads(text)["migration"] == "0003_add_locale"
    assert load_with_migration(text) == (model, "0003_add_locale")
    older = text.replace('"format": 2', '"format": 1').replace('  "migration": "0003_add_locale",\n', "")
    assert load_with_migration(older) == (model, None)
    with pytest.raises(SnapshotError, match="format 1, which has no"):
        load(text.replace('"format": 2', '"format": 1'))

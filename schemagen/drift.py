"""Drift and adoption: what a live database lacks (or has extra) compared with a Model.

Both read the database with `inspect` (spelled as the Model spells equivalent expressions) and plan
from what is there to the Model with the same planner migrations use. `drift` shows that plan; a
baseline is allowed only when it is empty. On a Citus coordinator that includes where each table is
kept: a plan that distributes, undistributes or redistributes a table says first how the table
differs (`placement_differences`), since "redistribute sessions" alone does not say how it is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.build import left_out
from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.places import SpecPlaces
from schemagen.migrate import history
from schemagen.migrate.migration import build_up
from schemagen.model import Distribution, Model, Table, lifecycle
from schemagen.model.partitions import add_periods, bound_value, period_start
from schemagen.plan import Operation, PlanError
from schemagen.plan.changes import (
    AlterDistribution,
    Distribute,
    DistributeSchema,
    Undistribute,
    UndistributeSchema,
)

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Behind:
    """A kept window whose future periods maintenance should have made by now."""

    table: str
    missing: tuple[str, ...]
    since: date  # the first day maintenance would have made the first missing period

    @property
    def problem(self) -> str:
        them = "it" if len(self.missing) == 1 else "them"
        return (
            f"{', '.join(self.missing)} missing (`premake` makes {them} ahead of time): maintenance has not "
            f"run since {self.since}"
        )


@dataclass(frozen=True)
class Drift:
    """The migration from the database to the Model (no operations when in sync), inspect's warnings,
    and (`placement_differences`) how the tables Citus keeps differ, and the kept windows maintenance
    has fallen behind on."""

    operations: list[Operation]
    sql: str
    warnings: list[str]
    differences: list[str] = field(default_factory=list)
    behind: list[Behind] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.operations


def model_schemas(model: Model) -> list[str]:
    """The schemas a Model puts anything in: what drift and baseline read of a database."""
    return sorted(model.used_schemas | {model.project.schema})


def drift(conn_or_dsn: psycopg.Connection | str, model: Model, today: date | None = None) -> Drift:
    """Plan from the database's schemas (those `model` uses) to `model` as it stands on `today`
    (default: today in UTC): a window kept over time holds the periods its policy holds that day, and
    the periods maintenance made ahead or has not expired yet count as in sync (`kept_as_held`).

    Raises `DatabaseError` when the database cannot be read and `PlanError` when the difference
    cannot be planned (the message says why).
    """
    from schemagen.database.inspect import inspect  # imports psycopg: only live commands pay for it

    day = today or datetime.now(UTC).date()
    found = inspect(conn_or_dsn, model_schemas(model), reference=model)
    # what the spec cannot say is warned about (once, in `warnings`) and left as the database has it
    database = left_out.without(found.model, found.spec.left_out if found.spec is not None else ())
    target, behind = kept_as_held(model, database, day)
    differences: list[str] = []

    def said(operations: list[Operation]) -> list[str]:
        differences.extend(placement_differences(operations, found.model, model))
        return differences

    operations, sql = build_up(database, target, "drift: the database → the spec", differences=said)
    return Drift(
        operations=operations, sql=sql, warnings=found.warnings, differences=differences, behind=behind
    )


def placement_differences(operations: list[Operation], database: Model, spec: Model) -> list[str]:
    """One line per table the plan distributes, undistributes or redistributes: how Citus keeps it in
    the database and how the spec says to, naming only what differs (the kind of table, the
    distribution column, the colocation group, the shard count)."""
    lines: dict[str, list[str]] = {}  # table → what differs, in the plan's order
    for op in operations:
        change = op.source
        if isinstance(change, DistributeSchema) and change.name not in database.used_schemas:
            continue  # a schema the database lacks: the plan creates it
        if isinstance(change, DistributeSchema | UndistributeSchema):
            spec_says, database_says = (
                ("distributed", "a plain schema")
                if isinstance(change, DistributeSchema)
                else ("a plain schema", "distributed")
            )
            lines[f"schema {change.name}"] = [f"{database_says} in the database, {spec_says} in the spec"]
            continue
        if isinstance(change, Distribute) and not change.existing:
            continue  # a table the database lacks: the plan creates it
        if not isinstance(change, (Distribute, Undistribute, AlterDistribution)):
            continue
        table = change.table
        before = change.was if not isinstance(change, Distribute) else _distribution(database, table)
        parts = lines.setdefault(table.key, [])
        if not isinstance(change, AlterDistribution):
            what = f"{_kind(before)} in the database, {_kind(table.distribution)} in the spec"
            parts[:] = [what]  # a table made plain, then distributed again: one line, both ends
            continue
        now = table.distribution
        assert now is not None
        if change.column is not None:
            parts.append(f"distributed by {change.was.column} in the database, by {now.column} in the spec")
        if change.colocate_with is not None:
            parts.append(f"{_group(database, table)} in the database, {_group(spec, table)} in the spec")
        if change.shard_count is not None and change.shard_count != change.was.shard_count:
            group = f" (with {', '.join(t.key for t in change.group)})" if change.group else ""
            parts.append(
                f"{change.was.shard_count} shards in the database, {change.shard_count} in the spec{group}"
            )
    return [f"{name}: {'; '.join(parts)}" for name, parts in lines.items() if parts]


def _distribution(model: Model, table: Table) -> Distribution | None:
    """How `model` places the table at `table`'s schema and name (a name may live in several schemas)."""
    found = model.tables_by_place.get((table.schema, table.name))
    return found.distribution if found is not None else None


def _kind(distribution: Distribution | None) -> str:
    if distribution is None:
        return "a plain table"
    if distribution.kind == "reference":
        return "a reference table"
    return f"hash-distributed by {distribution.column} in {distribution.shard_count} shards"


def _group(model: Model, table: Table) -> str:
    """`table`'s colocation group in `model`, by its other tables (as the spec names them)."""
    own = _distribution(model, table)
    if own is None or own.kind != "hash":
        return _kind(own)
    place = (table.schema, table.name)
    root = own.colocation_root(table.schema) or place
    others = sorted(
        t.key
        for t in model.tables
        if (t.schema, t.name) != place
        and t.distribution is not None
        and t.distribution.kind == "hash"
        and (t.distribution.colocation_root(t.schema) or (t.schema, t.name)) == root
    )
    return f"colocated with {', '.join(others)}" if others else "in a colocation group of its own"


def kept_as_held(model: Model, held: Model, today: date) -> tuple[Model, list[Behind]]:
    """`model` on `today`, with each kept window holding what the database (`held`) holds of it where
    the policy allows: the periods the policy holds that day, plus those the database holds before
    them (not expired yet) or after them (made ahead); and the windows whose future periods are
    missing, which maintenance should have made."""
    tables = []
    behind = []
    for table in model.tables:
        live = held.table_at(table.schema, table.name)
        scheme = table.partition
        window = scheme.window if scheme is not None else None
        if scheme is None or window is None or not window.kept or live is None or live.partition is None:
            tables.append(lifecycle.table_at(table, today))
            continue
        start, end = lifecycle.policy_range(window, today)
        expected = lifecycle.periods(table, start, end)
        kind = lifecycle.key_type(table)
        found = {c.bound.range_from: c for c in live.partition.children if not c.bound.is_default}
        low_values = {bound_value(low, kind) for _, low, _ in expected}
        extra = [
            c
            for value, c in found.items()
            if value not in low_values and _outside(value, bound_value(start, kind), bound_value(end, kind))
        ]
        children = sorted(
            [*(child for child, _, _ in expected), *extra], key=lambda c: _sort_key(c.bound.range_from)
        )
        defaults = [c for c in scheme.children if c.bound.is_default]
        first = min([start, *(_day(c.bound.range_from) for c in extra)])
        last = max([end, *(_day(c.bound.range_to) for c in extra)])
        held_window = replace(window, start=first, end=last)
        tables.append(
            replace(table, partition=replace(scheme, children=(*children, *defaults), window=held_window))
        )
        if window.premake is not None:
            ahead = [(child, low) for child, low, _ in expected if low >= period_start(window.every, today)]
            missing = [(child, low) for child, low in ahead if child.bound.range_from not in found]
            if missing:
                first = missing[0][1]
                since = add_periods(window.every, first, -window.premake)
                behind.append(Behind(table.name, tuple(child.name for child, _ in missing), since))
    return replace(model, tables=tuple(tables)), behind


def _outside(value: object, start: object, end: object) -> bool:
    """Whether a bound lies before `start` or at or after `end` (bounds of one key type compare as text
    when they are dates or timestamps written the same way)."""
    return _sort_key(value) < _sort_key(start) or _sort_key(value) >= _sort_key(end)


def _sort_key(value: object) -> str:
    return str(value)


def _day(value: object) -> date:
    """The day a period's bound starts on (the bounds of a window are midnights)."""
    return date.fromisoformat(str(value)[:10])


def expected_model(generated: Path, to: int | None) -> tuple[Model, history.MigrationFiles]:
    """The Model the history builds up to migration `to` (default: the newest).

    The newest is the committed snapshot; an older one is read back from a throwaway database the
    migrations up to it are replayed into.
    """
    files = history.migrations(generated)
    if not files:
        raise history.HistoryError(f"{generated / history.MIGRATIONS_DIR} holds no migration to baseline")
    by_number = {f.number: f for f in files}
    target = files[-1] if to is None else by_number.get(to)
    if target is None:
        raise history.HistoryError(
            f"--to {to}: there is no migration {to:04d} in {generated / history.MIGRATIONS_DIR}"
        )
    newest = history.read_snapshot(generated)
    assert newest is not None  # migrations exist, so read_snapshot raised if the snapshot is missing
    if target is files[-1]:
        return newest, target
    from schemagen.database.replay import replayed_model

    replayed = [f for f in files if f.number <= target.number]
    model = replayed_model(
        [f.up.read_text(encoding="utf-8") for f in replayed],
        newest.project.extensions,
        names=[f.up.name for f in replayed],
        schemas=model_schemas(newest),
    )
    return model, target


def diagnostics(found: Drift, model: Model) -> list[Diagnostic]:
    """One SG707 per planned operation, at the spec line of the object it changes (for CI annotations),
    and one SG712 per kept window maintenance has fallen behind on."""
    places = SpecPlaces(model)
    return [
        *(
            rules.MAINTENANCE_BEHIND(places.of(b.table), table=b.table, problem=b.problem)
            for b in found.behind
        ),
        *(
            rules.DRIFT(places.of(op.target), change=op.comment, kind=op.kind, target=op.target)
            for op in found.operations
        ),
    ]


def baseline_differences(
    conn_or_dsn: psycopg.Connection | str, model: Model, migration: str, today: date | None = None
) -> list[Diagnostic]:
    """What keeps the database from having `model`, the schema of `migration`: one SG710 per operation
    planned from the database to it, or one SG706 when the difference cannot be planned; empty when
    the database has exactly that schema, and a baseline may record it."""
    try:
        found = drift(conn_or_dsn, model, today)
    except PlanError as error:
        what = f"the difference between the database and {migration}"
        return [(error.rule or rules.UNPLANNABLE)(None, what=what, problem=str(error))]
    return [
        rules.BASELINE_DIFFERS(None, migration=migration, change=op.comment, kind=op.kind, target=op.target)
        for op in found.operations
    ]


def unplannable(error: PlanError, spec: str) -> Diagnostic:
    """SG706 about the spec folder `spec`: the planner refuses the difference between the database and
    the spec."""
    return (error.rule or rules.UNPLANNABLE)(
        None, what="the difference between the database and the spec", problem=str(error)
    ).with_file(spec)

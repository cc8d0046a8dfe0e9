"""Drift and adoption: what a live database lacks (or has extra) compared with a Model.

Both read the database with `inspect` (spelled as the Model spells equivalent expressions) and plan
from what is there to the Model with the same planner migrations use. `drift` shows that plan; a
baseline is allowed only when it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemagen.diagnostics import Diagnostic, rules
from schemagen.migrate import history
from schemagen.migrate.migration import build_up
from schemagen.model import Location, Model, all_children
from schemagen.plan import Operation


@dataclass(frozen=True)
class Drift:
    """The migration from the database to the Model (no operations when in sync), and inspect's
    warnings."""

    operations: list[Operation]
    sql: str
    warnings: list[str]

    @property
    def in_sync(self) -> bool:
        return not self.operations


def model_schemas(model: Model) -> list[str]:
    """The schemas a Model puts anything in: what drift and baseline read of a database."""
    return sorted(model.used_schemas | {model.project.schema})


def drift(conn_or_dsn: object, model: Model) -> Drift:
    """Plan from the database's schemas (those `model` uses) to `model`.

    Raises `DatabaseError` when the database cannot be read and `PlanError` when the difference
    cannot be planned (the message says why).
    """
    from schemagen.database.inspect import inspect  # imports psycopg: only live commands pay for it

    found = inspect(conn_or_dsn, model_schemas(model), reference=model)  # type: ignore[arg-type]
    operations, sql = build_up(found.model, model, "drift: the database → the spec")
    return Drift(operations=operations, sql=sql, warnings=found.warnings)


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
    """One SG707 per planned operation, at the spec line of the object it changes (for CI annotations)."""
    places = _places(model)
    return [
        rules.DRIFT(_where(places, model, op), change=op.comment, kind=op.kind, target=op.target)
        for op in found.operations
    ]


def _places(model: Model) -> dict[str, Location | None]:
    """Where the spec declares each named object: relations, constraints, indexes, functions."""
    places: dict[str, Location | None] = {}
    for table in model.tables:
        places[table.name] = table.loc
        constraints = [*table.uniques, *table.checks, *table.foreign_keys, *table.indexes]
        if table.primary_key is not None:
            constraints.append(table.primary_key)
        for item in constraints:
            places.setdefault(item.name, item.loc or table.loc)
        for child in all_children(table.partition):
            places.setdefault(child.name, table.partition.loc if table.partition else table.loc)
        if table.archive is not None:
            places.setdefault(table.archive.function, table.loc)
    for view in model.views:
        places[view.name] = view.loc
        for index in view.indexes:
            places.setdefault(index.name, index.loc or view.loc)
        if view.refresh_function:
            places.setdefault(view.refresh_function, view.loc)
    for enum in model.enums:
        places.setdefault(enum.name, enum.loc)
    return places


def _where(places: dict[str, Location | None], model: Model, op: Operation) -> Location | None:
    """The spec location of what `op` changes: a column of a table, else the named object."""
    first, _, rest = op.target.partition(".")
    if first not in places and first in model_schemas(model) and rest:
        first, _, rest = rest.partition(".")  # a schema-qualified target (`public.users`)
    table = model.table(first)
    if table is not None and rest:
        column = next((c for c in table.columns if c.name == rest), None)
        if column is not None and column.loc is not None:
            return column.loc
        return places.get(rest) or table.loc
    return places.get(first)

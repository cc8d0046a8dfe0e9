"""Drift and adoption: what a live database lacks (or has extra) compared with a Model.

Both read the database with `inspect` (spelled as the Model spells equivalent expressions) and plan
from what is there to the Model with the same planner migrations use. `drift` shows that plan; a
baseline is allowed only when it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.places import SpecPlaces
from schemagen.migrate import history
from schemagen.migrate.migration import build_up
from schemagen.model import Model
from schemagen.plan import Operation, PlanError

if TYPE_CHECKING:
    import psycopg


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


def drift(conn_or_dsn: psycopg.Connection | str, model: Model) -> Drift:
    """Plan from the database's schemas (those `model` uses) to `model`.

    Raises `DatabaseError` when the database cannot be read and `PlanError` when the difference
    cannot be planned (the message says why).
    """
    from schemagen.database.inspect import inspect  # imports psycopg: only live commands pay for it

    found = inspect(conn_or_dsn, model_schemas(model), reference=model)
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
    places = SpecPlaces(model)
    return [
        rules.DRIFT(places.of(op.target), change=op.comment, kind=op.kind, target=op.target)
        for op in found.operations
    ]


def baseline_differences(
    conn_or_dsn: psycopg.Connection | str, model: Model, migration: str
) -> list[Diagnostic]:
    """What keeps the database from having `model`, the schema of `migration`: one SG710 per operation
    planned from the database to it, or one SG706 when the difference cannot be planned; empty when
    the database has exactly that schema, and a baseline may record it."""
    try:
        found = drift(conn_or_dsn, model)
    except PlanError as error:
        what = f"the difference between the database and {migration}"
        return [rules.UNPLANNABLE(None, what=what, problem=str(error))]
    return [
        rules.BASELINE_DIFFERS(None, migration=migration, change=op.comment, kind=op.kind, target=op.target)
        for op in found.operations
    ]


def unplannable(error: PlanError, spec: str) -> Diagnostic:
    """SG706 about the spec folder `spec`: the planner refuses the difference between the database and
    the spec."""
    return rules.UNPLANNABLE(
        None, what="the difference between the database and the spec", problem=str(error)
    ).with_file(spec)

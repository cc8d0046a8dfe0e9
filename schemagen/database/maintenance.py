"""`schemagen partitions maintain`: the windows kept over time brought to a day in a live database.

It reads what the database holds of each kept window (its partitions and their bounds, the rows of
new periods sitting in the DEFAULT partition, the tables a stopped run left behind), plans what is due
(`plan.maintenance`) and runs it as the migration runner runs a no-transaction file: every statement
under the runner's `lock_timeout`, a statement or unit that fails for want of a lock (or as a deadlock
victim) rolled back and retried after a backoff, a unit's LOCK TABLE statements first (only the first
waits). A statement that moves a batch of rows runs again, each time in its own transaction, until it
moves none. A DETACH … CONCURRENTLY found half-done when retried is finalized instead.

One run at a time per database: the command holds a session advisory lock (polled), which the
`schemagen_maintain()` function takes too, for its transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import psycopg
from jinja2 import Environment
from psycopg import sql

from schemagen.database.cluster import DatabaseError, first_line
from schemagen.database.inspect.catalog_text import UnreadableText, partition_bound
from schemagen.database.queries import composed, query
from schemagen.database.runner import RETRIED, Settings, acquire, connection
from schemagen.migrate.migration import render_operations, render_step
from schemagen.model import Model, Table, lifecycle
from schemagen.model.partitions import bound_value
from schemagen.plan import maintenance, steps
from schemagen.plan.changes import CreatePeriod
from schemagen.plan.operations import Operation, Step
from schemagen.postgres.expressions import split_statements
from schemagen.render.templating import make_environment

__all__ = ["LOCK_KEY", "Maintenance", "MaintenanceFailed", "maintain", "observe"]

LOCK_KEY = lifecycle.MAINTAIN_LOCK_KEY
APPLICATION_NAME = "schemagen partitions maintain"

Report = Callable[[str], None]


def _silent(_: str) -> None:
    pass


class MaintenanceFailed(Exception):
    """A statement of a maintenance run failed; what ran before it is done and stays done."""

    def __init__(self, operation: str, statement: str, reason: str, sqlstate: str | None) -> None:
        super().__init__(f"{operation}: {reason}")
        self.operation = operation
        self.statement = statement
        self.reason = reason
        self.sqlstate = sqlstate


@dataclass
class Maintenance:
    """What a run found due on `today`, the operations that do it (and their SQL), the kept tables the
    database lacks, and, once run, the rows it archived and moved out of DEFAULT partitions."""

    today: date
    due: list[maintenance.Due]
    operations: list[Operation]
    sql: str
    missing: list[str]
    archived: int = 0
    from_default: int = 0
    batches: int = 0  # transactions that moved a batch of rows


def maintain(
    dsn: str,
    model: Model,
    today: date,
    *,
    dry_run: bool = False,
    batch: int = maintenance.BATCH_ROWS,
    settings: Settings | None = None,
    report: Report = _silent,
) -> Maintenance:
    """Plan the maintenance of `model`'s kept windows on `today` against the database, and run it
    unless `dry_run`. Raises DatabaseError when the database cannot be used, MaintenanceFailed when a
    statement fails (after its retries)."""
    settings = settings or Settings()
    with connection(dsn, APPLICATION_NAME) as lock, connection(dsn, APPLICATION_NAME) as work:
        try:
            work.execute(query("runner_lock_timeout"), {"value": settings.lock_timeout})
        except psycopg.Error as exc:
            raise DatabaseError(f"--lock-timeout {settings.lock_timeout}: {first_line(exc)}") from exc
        if not dry_run:
            acquire(lock, settings, report, LOCK_KEY, "another maintenance run", "the maintenance lock")
        found = plan(work, model, today, batch=batch)
        if not dry_run:
            _Executor(work, settings, report, found).run()
        return found


def plan(conn: psycopg.Connection, model: Model, today: date, *, batch: int | None) -> Maintenance:
    """What is due on `today` in the database of `conn`, planned."""
    try:
        observed, missing = observe(conn, model, today)
        due = maintenance.due(model, observed, today, batch=batch)
        # rows of a new period sitting in the DEFAULT partition move into it before it is attached
        in_default: dict[str, set[str]] = {}
        for change in due:
            if isinstance(change, CreatePeriod) and change.default and _default_holds_rows(conn, change):
                in_default.setdefault(change.table.name, set()).add(change.child.name)
        if in_default:
            observed = {
                name: replace(held, in_default=frozenset(in_default.get(name, ())))
                for name, held in observed.items()
            }
            due = maintenance.due(model, observed, today, batch=batch)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the partitions to maintain: {first_line(exc)}") from exc
    operations = maintenance.plan(model, due)
    text = render_operations(
        operations, f"partitions maintain on {today}", make_environment(), recorded=False
    )
    return Maintenance(today, due, operations, text, missing)


def _default_holds_rows(conn: psycopg.Connection, change: CreatePeriod) -> bool:
    """Whether the DEFAULT partition holds rows of the period `change` creates."""
    scheme = change.table.partition
    assert scheme is not None and scheme.key[0].column is not None and change.default is not None
    statement = composed(
        "maintain_default_rows",
        table=sql.Identifier(change.table.schema, change.default),
        column=sql.Identifier(scheme.key[0].column),
    )
    bound = change.child.bound
    row = conn.execute(statement, {"low": bound.range_from, "high": bound.range_to}).fetchone()
    return bool(row and row[0])


def observe(
    conn: psycopg.Connection, model: Model, today: date
) -> tuple[dict[str, maintenance.Observed], list[str]]:
    """What the database holds of each kept window, by table name, and the kept tables it lacks (or
    holds unpartitioned)."""
    conn.execute(query("maintain_utc"))
    observed: dict[str, maintenance.Observed] = {}
    missing: list[str] = []
    for table in lifecycle.kept_windows(model):
        parent = sql.Identifier(table.schema, table.name).as_string(conn)
        kind = conn.execute(query("maintain_table"), {"parent": parent}).fetchone()
        if kind is None or kind[0] != "p":
            missing.append(table.name)
            continue
        rows = conn.execute(query("maintain_partitions"), {"parent": parent}).fetchall()
        partitions = tuple(
            replace(
                _partition(table, name, bound, pending), schema=None if schema == table.schema else schema
            )
            for name, bound, pending, schema in rows
        )
        leftovers: tuple[tuple[str | None, str], ...] = ()
        window = table.partition.window if table.partition else None
        if window is not None and window.expire in ("archive", "drop"):
            mark = lifecycle.expiring_comment(table.schema, table.name, window.expire)
            found = conn.execute(query("maintain_leftovers"), {"comment": mark}).fetchall()
            leftovers = tuple((None if schema == table.schema else schema, name) for schema, name in found)
        observed[table.name] = maintenance.Observed(partitions, frozenset(), leftovers)
    return observed, missing


def _partition(table: Table, name: str, text: str, pending: bool) -> maintenance.LivePartition:
    """A partition as the planner reads it: the period its bound holds, when it holds one."""
    key_type = lifecycle.key_type(table)
    try:
        bound = partition_bound(text, [key_type])
    except UnreadableText:
        return maintenance.LivePartition(name, detach_pending=pending)
    if bound.is_default:
        return maintenance.LivePartition(name, is_default=True, detach_pending=pending)
    start, end = _day(bound.range_from, key_type), _day(bound.range_to, key_type)
    if start is None or end is None:
        return maintenance.LivePartition(name, detach_pending=pending)
    return maintenance.LivePartition(name, start, end, detach_pending=pending)


def _day(value: object, key_type: str | None) -> date | None:
    """The day a bound stands for, when it is a midnight written the way the spec writes bounds."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return day if bound_value(day, key_type) == value else None


# --- running ------------------------------------------------------------------------------------


@dataclass
class _Executor:
    conn: psycopg.Connection
    settings: Settings
    report: Report
    found: Maintenance
    env: Environment = field(default_factory=make_environment)

    def run(self) -> None:
        for op in self.found.operations:
            started, moved = time.monotonic(), 0
            for unit in _units(op.up):
                moved += self._unit(op, unit)
            archive = getattr(op.source, "archive", None)
            if archive is not None:
                self.found.archived += moved
            elif isinstance(op.source, CreatePeriod):
                self.found.from_default += moved
            rows = f": {moved} rows moved" if moved else ""
            self.report(f"{op.comment}{rows}, {time.monotonic() - started:.1f} s")

    def _unit(self, op: Operation, unit: Sequence[Step]) -> int:
        """Run one unit (a statement, or a BEGIN … COMMIT group without them); the rows it moved."""
        group = unit[0].statement.opens_unit
        body = [s for s in unit if not (s.statement.opens_unit or s.statement.closes_unit)]
        if not group and len(body) == 1 and body[0].statement.repeats:
            total = 0
            while moved := self._attempt(op, body, in_transaction=False):
                total += moved
                self.found.batches += 1
            return total
        return self._attempt(op, body, in_transaction=group)

    def _attempt(self, op: Operation, body: Sequence[Step], *, in_transaction: bool) -> int:
        for tries in range(self.settings.retries + 1):
            try:
                self.conn.execute(query("runner_lock_timeout"), {"value": self.settings.lock_timeout})
                if in_transaction:
                    with self.conn.transaction():
                        return self._execute(op, body)
                return self._execute(op, body, retried=tries > 0)
            except MaintenanceFailed as failed:
                if failed.sqlstate not in RETRIED or tries == self.settings.retries:
                    raise
                delay = self.settings.backoff_seconds * (tries + 1 + random.random())
                self.report(
                    f"{op.comment}: {failed.reason}; retry {tries + 1}/{self.settings.retries} "
                    f"in {delay:.1f} s (lock_timeout {self.settings.lock_timeout})"
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _execute(self, op: Operation, body: Sequence[Step], *, retried: bool = False) -> int:
        moved = 0
        for planned in body:
            step = self._resumed(planned) if retried else planned
            if step is None:
                continue
            text = render_step(self.env, step)
            for statement in split_statements(text):
                try:
                    cursor = self.conn.execute(statement.text.encode(), prepare=False)
                except psycopg.Error as exc:
                    if self.conn.broken:
                        raise DatabaseError(
                            f"lost the connection while maintaining: {first_line(exc)}"
                        ) from exc
                    raise MaintenanceFailed(
                        op.comment,
                        statement.text,
                        exc.diag.message_primary or first_line(exc),
                        exc.diag.sqlstate,
                    ) from exc
                if step.statement.template == "period_move_rows" and cursor.rowcount > 0:
                    moved += cursor.rowcount
        return moved

    def _resumed(self, step: Step) -> Step | None:
        """A step tried again: a DETACH … CONCURRENTLY that got half-way is finalized instead, and one
        that got through is not run again (None)."""
        args = step.args
        if step.template != "partition_detach" or not args.get("concurrently"):
            return step
        schema, parent, child = str(args["schema"]), str(args["parent"]), str(args["child"])
        child_schema = str(args.get("child_schema") or schema)  # a period may live in another schema
        names = {
            "parent": sql.Identifier(schema, parent).as_string(self.conn),
            "child": sql.Identifier(child_schema, child).as_string(self.conn),
        }
        state = self.conn.execute(query("runner_partition_state"), names).fetchone()
        if state is None:
            return None
        return steps.partition_detach_finalize(schema, parent, child, child_schema) if state[0] else step


def _units(up: Sequence[Step]) -> Iterator[list[Step]]:
    """The steps of an operation as units: a BEGIN … COMMIT group, or one statement."""
    group: list[Step] | None = None
    for step in up:
        if step.statement.opens_unit:
            group = [step]
        elif group is not None:
            group.append(step)
            if step.statement.closes_unit:
                yield group
                group = None
        else:
            yield [step]


def summary(found: Maintenance) -> Mapping[str, int]:
    """Counts for the command's last line: periods created and expired."""
    created = sum(isinstance(c, CreatePeriod) for c in found.due)
    return {"created": created, "expired": len(found.due) - created}

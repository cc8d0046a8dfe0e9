"""Run the migration history against a live database: `migrate apply`, `migrate down`, `migrate status`.

What ran is recorded in `schemagen.schema_migrations` (its own schema, so the application's schemas
stay exactly what schema.sql builds). A whole run holds a session-level advisory lock on a dedicated
connection, and migrations run on a second one, so two deploys at once apply each migration once. A
runner waiting for the lock polls `pg_try_advisory_lock` on an autocommit connection: it holds no
transaction while it waits, which a `CREATE INDEX CONCURRENTLY` of the other runner would wait for.

A transactional file runs in one transaction together with its history row. A `no-transaction` file
runs step by step (a step is one statement, or one `BEGIN … COMMIT` group run as a unit), and the
number of steps done is recorded in the step's own transaction, so the step and its record commit
together and a re-run after a failure, or after the runner was killed at any instant, resumes at the
first step not done. A statement PostgreSQL cannot run in a transaction block (`… CONCURRENTLY`,
`CALL`, and the `SELECT`s of Citus's functions) commits before its record; each is one a re-run
finds done or completes: `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (after an invalid leftover is
dropped), `DROP INDEX CONCURRENTLY IF EXISTS`, a `DETACH … CONCURRENTLY` the runner skips when the
partition is detached and finalizes when it was interrupted, and Citus calls guarded by their own
catalog. Before each step the runner sets its own
`lock_timeout`, which wins over the file's `SET lock_timeout` lines (those are skipped). A step that
fails for want of a lock (lock_timeout or NOWAIT), as a deadlock victim or on a serialization failure
is rolled back and retried a bounded number of times, after a backoff with jitter, each retry
reported. The LOCK TABLE statements a step starts with are taken by the runner: the first waits, the
others NOWAIT, so the migration never waits while holding a lock; when a NOWAIT one finds its table
busy, the retry waits for that table first (the application evidently takes it first). Before a `CREATE INDEX
CONCURRENTLY` the runner drops an INVALID index of that name (what a failed build leaves, and what
`IF NOT EXISTS` would otherwise keep), and each step that moves rows (`INSERT … SELECT`) reports its
step number, operation, row count and time.

All SQL text of the runner is in `sql/runner_*.sql`.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from pglast import ast, parse_sql
from pglast.enums import TransactionStmtKind
from pglast.parser import ParseError
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from schemagen.database.cluster import DatabaseError, connect, first_line
from schemagen.database.queries import composed, query
from schemagen.migrate import history
from schemagen.migrate.header import is_transactional
from schemagen.migrate.history import MigrationFiles
from schemagen.postgres.expressions import ExpressionError, Statement, split_statements

__all__ = [
    "HISTORY_TABLE",
    "LOCK_KEY",
    "MigrationFailed",
    "Outcome",
    "Progress",
    "Recorded",
    "Refused",
    "Settings",
    "Status",
    "StatusLine",
    "acquire",
    "apply",
    "baseline",
    "checksum",
    "connection",
    "down",
    "status",
]

HISTORY_TABLE = "schemagen.schema_migrations"
# The first 63 bits of sha256("schemagen.migrations"): one fixed key, so every schemagen of every
# version excludes every other; advisory locks are per database, so databases do not contend.
LOCK_KEY = 3555903258767732158
APPLICATION_NAME = "schemagen migrate"
MAX_QUOTED_LINE = 200
MAX_LABEL = 100

Direction = Literal["up", "down"]
_DOING = {"up": "applying", "down": "reverting"}
_HISTORY_START = {"up": "runner_history_start_up", "down": "runner_history_start_down"}
_DONE = {"up": "applied", "down": "reverted"}
Report = Callable[[str], None]


def _silent(_: str) -> None:
    pass


class Progress(Protocol):
    """Where a run shows how far it is, besides its report lines (a progress bar on a terminal)."""

    def begin(self, label: str, total: int | None, done: int) -> None:
        """A migration starts: `total` steps, `done` of them done already (None: one transaction)."""

    def step(self, number: int, what: str) -> None:
        """Step `number` starts; `what` is its operation."""

    def end(self) -> None:
        """The migration is over (done, or failed)."""


class _NoProgress:
    def begin(self, label: str, total: int | None, done: int) -> None:
        pass

    def step(self, number: int, what: str) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass(frozen=True)
class Settings:
    """How a run behaves towards other sessions."""

    lock_timeout: str = "5s"  # for every step; the server validates the value
    retries: int = 5  # extra attempts of a step that failed to get a lock in time
    backoff_seconds: float = 0.5  # times the attempt number, between attempts
    poll_seconds: float = 0.5  # between two tries of the migration lock


# What a retry can cure: a lock not had in time (lock_timeout, NOWAIT), being a deadlock's victim, a
# serialization failure. Anything else fails the step at once.
RETRIED = frozenset(
    {errors.LockNotAvailable.sqlstate, errors.DeadlockDetected.sqlstate, errors.SerializationFailure.sqlstate}
)


@dataclass(frozen=True)
class Recorded:
    """One row of the history table."""

    version: int
    name: str
    checksum: str
    applied_at: datetime | None
    in_progress: Direction | None
    steps_done: int | None

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class StatusLine:
    """A migration on disk, in the database, or both."""

    version: int
    name: str
    applied_at: datetime | None
    state: str  # "applied", "pending", or "partial (up|down): k/n steps done"
    checksum: str  # "ok", "MISMATCH", "missing on disk", or "" for a pending migration
    problem: bool
    in_progress: Direction | None = None  # a part-way migration's direction
    steps_done: int | None = None  # of a part-way migration
    steps_total: int | None = None  # of a part-way migration's file, when it is on disk and readable


@dataclass(frozen=True)
class Status:
    lines: list[StatusLine]
    problems: list[str]  # changed or missing files, part-way migrations: what makes `status` exit 1

    @property
    def current(self) -> StatusLine | None:
        """The newest fully applied migration."""
        applied = [line for line in self.lines if line.state == "applied"]
        return applied[-1] if applied else None


@dataclass(frozen=True)
class Outcome:
    """What a run did: the migrations it ran, in order, and the newest applied migration after it."""

    ran: list[MigrationFiles]
    version: int  # 0: none applied


class Refused(Exception):
    """The history on disk and in the database disagree: nothing was run (exit 1)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class MigrationFailed(Exception):
    """A statement of a migration failed; what was done of a no-transaction file is recorded."""

    def __init__(
        self,
        path: Path,
        line: int | None,
        reason: str,
        *,
        sqlstate: str | None = None,
        transactional: bool = True,
        done: int = 0,
        total: int = 0,
    ) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason
        self.sqlstate = sqlstate
        self.transactional = transactional
        self.done = done
        self.total = total

    def because(self, cause: str) -> MigrationFailed:
        """The same failure, its reason saying why (who held the lock it waited for)."""
        return MigrationFailed(
            self.path,
            self.line,
            f"{self.reason}; {cause}",
            sqlstate=self.sqlstate,
            transactional=self.transactional,
            done=self.done,
            total=self.total,
        )

    @property
    def missing_privilege(self) -> bool:
        """The role lacks a privilege: bad input rather than a bad migration."""
        return self.sqlstate == errors.InsufficientPrivilege.sqlstate


def checksum(path: Path) -> str:
    """What the history records of a migration: sha256 of its up file's bytes, hex."""
    return hashlib.sha256(_read_bytes(path)).hexdigest()


# --- the three commands -------------------------------------------------------------------------


def status(dsn: str, generated: Path) -> Status:
    """Every migration on disk and in the database; reads the history without locking or creating it."""
    disk = history.migrations(generated)
    chain = history.checksum_problems(generated)
    with connection(dsn) as conn:
        try:
            recorded = _read_history(conn) if _history_exists(conn) else {}
        except psycopg.Error as exc:
            raise _database_error(exc, f"cannot read {HISTORY_TABLE}") from exc
    lines: list[StatusLine] = []
    problems = [f"the migration history on disk was changed after it was generated: {p}" for p in chain]
    on_disk = {m.number: m for m in disk}
    for version in sorted(on_disk.keys() | recorded.keys()):
        files_ = on_disk.get(version)
        row = recorded.get(version)
        name = files_.name if files_ else row.name if row else ""
        if row is None:
            lines.append(StatusLine(version, name, None, "pending", "", False))
            continue
        mark, problem = _checksum_mark(files_, row)
        if problem:
            problems.append(problem)
        state, total = "applied", None
        if row.in_progress is not None:
            total = _step_count(files_, row.in_progress)
            of = f"/{total}" if total is not None else ""
            state = f"partial ({row.in_progress}): {row.steps_done}{of} steps done"
            # a down resumes with the version it was taking the database back to: the one before it
            finish = (
                "schemagen migrate apply"
                if row.in_progress == "up"
                else f"schemagen migrate down --to {max(version - 1, 0)}"
            )
            problems.append(
                f"{row.label} is part-way through its {row.in_progress} migration: `{finish}` resumes it"
            )
        lines.append(
            StatusLine(
                version,
                name,
                row.applied_at,
                state,
                mark,
                problem is not None or row.in_progress is not None,
                row.in_progress,
                row.steps_done if row.in_progress is not None else None,
                total,
            )
        )
    return Status(lines, problems)


def apply(
    dsn: str,
    generated: Path,
    to: int | None = None,
    settings: Settings = Settings(),
    report: Report = _silent,
    progress: Progress | None = None,
) -> Outcome:
    """Apply the pending migrations up to `to` (default: all), oldest first.

    Raises Refused (nothing run) when the history on disk and in the database disagree,
    MigrationFailed when a statement fails, HistoryError for a bad `to` or unreadable files, and
    DatabaseError when the server cannot be used.
    """
    disk = _intact(generated)
    if to is not None and to not in {m.number for m in disk}:
        raise history.HistoryError(
            f"--to {to}: there is no migration {to:04d} in {generated / history.MIGRATIONS_DIR}"
        )
    with _session(dsn, settings, report) as (conn, observer):
        recorded = _verified(conn, disk)
        if down_part_way := [r for r in recorded.values() if r.in_progress == "down"]:
            raise Refused(
                [
                    f"{r.label} is part-way through its down migration: finish it with "
                    f"`schemagen migrate down --to {max(r.version - 1, 0)}` before going up"
                    for r in down_part_way
                ]
            )
        wanted = [m for m in disk if to is None or m.number <= to]
        pending = [m for m in wanted if m.number not in recorded or recorded[m.number].in_progress == "up"]
        newest = max((v for v, r in recorded.items() if r.in_progress is None), default=0)
        if late := [m for m in pending if m.number < newest]:
            raise Refused(
                [
                    f"{_label(m)} is pending but the newer {recorded[newest].label} is already applied: "
                    "migrations run in order; renumber it after the newest applied one"
                    for m in late
                ]
            )
        for files_ in pending:
            _Runner(conn, settings, report, observer, progress or _NoProgress()).run(
                files_, "up", recorded.get(files_.number)
            )
        return Outcome(pending, max([newest, *(m.number for m in pending)]))


def down(
    dsn: str,
    generated: Path,
    to: int,
    settings: Settings = Settings(),
    report: Report = _silent,
    progress: Progress | None = None,
) -> Outcome:
    """Run the down files of the applied migrations newer than `to`, newest first."""
    disk = _intact(generated)
    if to != 0 and to not in {m.number for m in disk}:
        raise history.HistoryError(
            f"--to {to}: there is no migration {to:04d} in {generated / history.MIGRATIONS_DIR}"
        )
    by_number = {m.number: m for m in disk}
    with _session(dsn, settings, report) as (conn, observer):
        recorded = _verified(conn, disk)
        if up_part_way := [r for r in recorded.values() if r.in_progress == "up"]:
            raise Refused(
                [
                    f"{r.label} is part-way through its up migration: fix what stopped it and finish it with "
                    "`schemagen migrate apply` before going down"
                    for r in up_part_way
                ]
            )
        undo = [by_number[v] for v in sorted(recorded, reverse=True) if v > to]
        for files_ in undo:
            _Runner(conn, settings, report, observer, progress or _NoProgress()).run(
                files_, "down", recorded[files_.number]
            )
        return Outcome(undo, max([0, *(v for v in recorded if v <= to)]))


def baseline(
    dsn: str,
    generated: Path,
    to: int,
    prove: Callable[[psycopg.Connection], Sequence[str]],
    settings: Settings = Settings(),
    report: Report = _silent,
) -> Outcome:
    """Record migrations up to `to` as applied, running none of them, on a database that already has
    their schema: `prove(conn)` lists what differs, and anything listed refuses the baseline.

    Only a database without history can be baselined: one schemagen migrates already has its record.
    """
    disk = _intact(generated)
    wanted = [m for m in disk if m.number <= to]
    if not wanted or wanted[-1].number != to:
        raise history.HistoryError(
            f"--to {to}: there is no migration {to:04d} in {generated / history.MIGRATIONS_DIR}"
        )
    with _session(dsn, settings, report) as (conn, _):
        if recorded := _verified(conn, disk):
            newest = recorded[max(recorded)]
            raise Refused(
                [
                    f"the database already has a migration history (newest {newest.label}): a baseline "
                    "is for a database schemagen has not migrated; `schemagen migrate apply` runs what "
                    "is pending"
                ]
            )
        if differences := list(prove(conn)):
            raise Refused(
                [
                    f"the database does not have the schema of {_label(wanted[-1])}, so nothing was "
                    f"recorded; it differs by {len(differences)} change{'s' * (len(differences) != 1)}:",
                    *(f"  {line}" for line in differences),
                ]
            )
        try:
            with conn.transaction():
                for files_ in wanted:
                    conn.execute(
                        query("runner_history_applied"),
                        {"version": files_.number, "name": files_.name, "checksum": checksum(files_.up)},
                    )
        except psycopg.Error as exc:
            raise _database_error(exc, f"cannot write {HISTORY_TABLE}") from exc
        return Outcome(wanted, to)


# --- checks before anything runs ----------------------------------------------------------------


def _intact(generated: Path) -> list[MigrationFiles]:
    disk = history.migrations(generated)
    if problems := history.checksum_problems(generated):
        raise Refused(
            [f"the migration history on disk was changed after it was generated: {p}" for p in problems]
        )
    return disk


def _verified(conn: psycopg.Connection, disk: Sequence[MigrationFiles]) -> dict[int, Recorded]:
    """The history, refused when a recorded migration is missing on disk or its file changed since."""
    recorded = _read_history(conn)
    on_disk = {m.number: m for m in disk}
    problems = [p for v, row in recorded.items() if (p := _checksum_mark(on_disk.get(v), row)[1])]
    if problems:
        raise Refused(problems)
    return recorded


def _checksum_mark(files_: MigrationFiles | None, row: Recorded) -> tuple[str, str | None]:
    if files_ is None:
        return "missing on disk", f"{row.label} is recorded in the database but its files are not on disk"
    if files_.name != row.name:
        return (
            "MISMATCH",
            f"{row.label} is recorded in the database, but on disk {_label(files_)} has its number",
        )
    if checksum(files_.up) != row.checksum:
        return (
            "MISMATCH",
            f"{files_.up} was changed after it was applied (its checksum differs from the recorded one)",
        )
    return "ok", None


def _step_count(files_: MigrationFiles | None, direction: Direction) -> int | None:
    if files_ is None:
        return None
    path = files_.up if direction == "up" else files_.down
    try:
        return len(_plan(path, _read_text(path)))
    except MigrationFailed:
        return None


# --- connections and the lock -------------------------------------------------------------------


def _named(dsn: str, name: str) -> str:
    """The dsn with an application_name, so the runner's sessions are recognisable in pg_stat_activity."""
    try:
        if "application_name" in conninfo_to_dict(dsn):
            return dsn
        return make_conninfo(dsn, application_name=name)
    except psycopg.Error:
        return dsn  # `connect` reports the bad dsn


@contextmanager
def connection(dsn: str, name: str = APPLICATION_NAME) -> Iterator[psycopg.Connection]:
    """An autocommit connection named `name` (its application_name, unless the dsn says one)."""
    conn = connect(_named(dsn, name), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _session(
    dsn: str, settings: Settings, report: Report
) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    """The connection migrations run on, and a second one holding the migration lock (idle otherwise:
    it watches whom the first waits for while a step runs)."""
    with connection(dsn) as lock, connection(dsn) as work:
        try:
            # A bad --lock-timeout fails here, before waiting for the lock.
            work.execute(query("runner_lock_timeout"), {"value": settings.lock_timeout})
        except psycopg.Error as exc:
            raise _database_error(exc, f"--lock-timeout {settings.lock_timeout}") from exc
        acquire(lock, settings, report)
        try:
            _ensure_history(work)
            yield work, lock
        finally:
            # Closing the session releases the lock anyway; this is for a connection that is pooled.
            if not lock.broken:
                with suppress(psycopg.Error):
                    lock.execute(query("runner_lock_release"), {"key": LOCK_KEY})


def acquire(
    conn: psycopg.Connection,
    settings: Settings,
    report: Report,
    key: int = LOCK_KEY,
    holder: str = "another schemagen migrate",
    lock: str = "the migration lock",
) -> None:
    """Take the advisory lock `key` for the session, polling: a blocking pg_advisory_lock would sit in
    an open transaction."""
    told = False
    try:
        while True:
            row = conn.execute(query("runner_lock_try"), {"key": key}).fetchone()
            if row and row[0]:
                return
            if not told:
                cursor = conn.cursor(row_factory=dict_row)
                found = cursor.execute(query("runner_lock_holder"), {"key": key}).fetchone()
                pid = f" (pid {found['pid']}{_not_a_runner(found)})" if found else ""
                report(f"waiting for {holder}{pid} to release {lock}")
                told = True
            time.sleep(settings.poll_seconds)
    except psycopg.Error as exc:
        raise _database_error(exc, f"cannot take {lock}") from exc


def _history_exists(conn: psycopg.Connection) -> bool:
    row = conn.execute(query("runner_history_exists")).fetchone()
    return bool(row and row[0])


def _ensure_history(conn: psycopg.Connection) -> None:
    # CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege even when the schema exists: only a
    # missing table is created, so a role that may only write the history needs no more.
    try:
        if not _history_exists(conn):
            with conn.transaction():
                conn.execute(query("runner_history_create").encode())
    except psycopg.Error as exc:
        raise _database_error(exc, f"cannot create {HISTORY_TABLE}") from exc


def _read_history(conn: psycopg.Connection) -> dict[int, Recorded]:
    try:
        rows = conn.cursor(row_factory=dict_row).execute(query("runner_history_read")).fetchall()
    except psycopg.Error as exc:
        raise _database_error(exc, f"cannot read {HISTORY_TABLE}") from exc
    return {row["version"]: Recorded(**row) for row in rows}


def _database_error(exc: psycopg.Error, doing: str) -> DatabaseError:
    return DatabaseError(f"{doing}: {exc.diag.message_primary or first_line(exc)}")


# --- a file, as steps -----------------------------------------------------------------------------

StatementKind = Literal[
    "plain", "begin", "commit", "other_transaction", "lock_timeout", "set", "index", "move", "lock"
]


@dataclass(frozen=True)
class _Statement:
    text: str
    line: int
    kind: StatementKind
    index: tuple[str | None, str, str] | None = None  # (schema, table, index) of CREATE INDEX CONCURRENTLY
    target: str | None = None  # the table an INSERT … SELECT moves rows into
    locked: tuple[str | None, str, int] | None = None  # (schema, table, mode) of a one-table LOCK TABLE
    in_block: bool = True  # PostgreSQL runs it inside a transaction block (not `… CONCURRENTLY`, CALL…)
    # (parent, child) of an ALTER TABLE … DETACH … CONCURRENTLY, each its name's parts
    detach: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class _Step:
    """One statement, or a BEGIN … COMMIT group (its statements without the BEGIN and COMMIT)."""

    statements: tuple[_Statement, ...]
    group: bool
    label: str  # the operation comment above it in the file

    @property
    def line(self) -> int:
        return self.statements[0].line if self.statements else 0

    @property
    def moves(self) -> bool:
        return any(s.kind == "move" for s in self.statements)

    @property
    def only_settings(self) -> bool:
        return all(s.kind in ("set", "lock_timeout") for s in self.statements)

    @property
    def with_record(self) -> bool:
        """Whether the step runs in one transaction with the record of its progress."""
        return self.group or (not self.only_settings and all(s.in_block for s in self.statements))


def _classify(statement: Statement) -> _Statement:
    text, line = statement.text, statement.line
    try:
        parsed = parse_sql(text)
    except ParseError:
        return _Statement(text, line, "plain")
    node = parsed[0].stmt if len(parsed) == 1 else None
    if isinstance(node, ast.TransactionStmt):
        if node.kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
            return _Statement(text, line, "begin")
        if node.kind == TransactionStmtKind.TRANS_STMT_COMMIT:
            return _Statement(text, line, "commit")
        return _Statement(text, line, "other_transaction")
    if isinstance(node, ast.VariableSetStmt):
        return _Statement(text, line, "lock_timeout" if node.name == "lock_timeout" else "set")
    if isinstance(node, ast.LockStmt) and node.relations and len(node.relations) == 1:
        locked = node.relations[0]
        if isinstance(locked, ast.RangeVar) and locked.inh and locked.relname and node.mode is not None:
            return _Statement(text, line, "lock", locked=(locked.schemaname, locked.relname, int(node.mode)))
    if isinstance(node, ast.IndexStmt) and node.concurrent and node.idxname:
        table = node.relation
        if table is not None and table.relname:
            index = (table.schemaname, table.relname, node.idxname)
            return _Statement(text, line, "index", index=index, in_block=False)
    if (detach := _concurrent_detach(node)) is not None:
        return _Statement(text, line, "plain", in_block=False, detach=detach)
    if not _runs_in_block(node):
        return _Statement(text, line, "plain", in_block=False)
    if (
        isinstance(node, ast.InsertStmt)
        and isinstance(node.selectStmt, ast.SelectStmt)
        and node.selectStmt.fromClause
        and node.relation is not None
    ):
        relation = node.relation
        target = f"{relation.schemaname}.{relation.relname}" if relation.schemaname else relation.relname
        return _Statement(text, line, "move", target=target)
    return _Statement(text, line, "plain")


def _runs_in_block(node: ast.Node | None) -> bool:
    """Whether PostgreSQL lets the statement run inside a transaction block. A top-level SELECT in a
    migration calls a function, such as Citus's, that may refuse a block or commit on its own."""
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return not node.concurrent
    if isinstance(node, ast.ReindexStmt):
        return not any(p.defname == "concurrently" for p in node.params or ())
    if isinstance(node, ast.AlterTableStmt):
        return not any(
            isinstance(c, ast.AlterTableCmd) and isinstance(c.def_, ast.PartitionCmd) and c.def_.concurrent
            for c in node.cmds or ()
        )
    return not isinstance(
        node,
        ast.VacuumStmt
        | ast.CallStmt
        | ast.SelectStmt
        | ast.CreatedbStmt
        | ast.DropdbStmt
        | ast.AlterSystemStmt,
    )


def _concurrent_detach(node: ast.Node | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(parent, child) of `ALTER TABLE parent DETACH PARTITION child CONCURRENTLY`."""
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None or not node.cmds:
        return None
    if len(node.cmds) != 1:
        return None
    command = node.cmds[0]
    if not (isinstance(command, ast.AlterTableCmd) and isinstance(command.def_, ast.PartitionCmd)):
        return None
    partition = command.def_
    if not partition.concurrent or partition.name is None:
        return None
    return _name_parts(node.relation), _name_parts(partition.name)


def _name_parts(relation: ast.RangeVar) -> tuple[str, ...]:
    return tuple(part for part in (relation.schemaname, relation.relname) if part)


def _plan(path: Path, text: str) -> list[_Step]:
    """The steps of a migration file; a file whose transaction statements do not pair up is refused."""
    try:
        statements = [_classify(s) for s in split_statements(text)]
    except ExpressionError as exc:
        raise MigrationFailed(path, None, exc.message) from exc
    labels = _operation_labels(text)
    transactional = is_transactional(text)
    steps: list[_Step] = []
    group: list[_Statement] | None = None
    opened_at = 0
    for statement in statements:
        if statement.kind == "other_transaction" or (transactional and statement.kind in ("begin", "commit")):
            why = (
                "a transaction statement in a file that runs in one transaction: its header needs "
                "`-- schemagen:no-transaction`"
                if transactional
                else "only BEGIN … COMMIT groups are supported in a no-transaction file"
            )
            raise MigrationFailed(path, statement.line, f"`{statement.text.strip()}`: {why}")
        if statement.kind == "begin":
            if group is not None:
                raise MigrationFailed(
                    path, statement.line, f"BEGIN inside the group opened at line {opened_at}"
                )
            group, opened_at = [], statement.line
        elif statement.kind == "commit":
            if group is None:
                raise MigrationFailed(path, statement.line, "COMMIT without a BEGIN")
            if group:
                steps.append(_Step(tuple(group), True, _label_at(labels, opened_at)))
            group = None
        elif group is not None:
            group.append(statement)
        else:
            steps.append(_Step((statement,), False, _label_at(labels, statement.line)))
    if group is not None:
        raise MigrationFailed(path, opened_at, "BEGIN without a COMMIT")
    return steps


def _operation_labels(text: str) -> list[tuple[int, str]]:
    """(line, text) of each operation comment: a `-- ` line after a blank line, below the header."""
    lines = text.split("\n")
    header = text.split("\n\n", 1)[0].count("\n") + 1
    found = []
    for number, line in enumerate(lines, start=1):
        if number > header and line.startswith("-- ") and not lines[number - 2].strip():
            # The part before the first ": " names the operation; the rest lists its details.
            found.append((number, line[3:].split(": ", 1)[0].strip()))
    return found


def _label_at(labels: list[tuple[int, str]], line: int) -> str:
    above = [text for number, text in labels if number < line]
    return above[-1] if above else ""


# --- who holds a lock ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """A session holding a lock the runner needed: as pg_stat_activity shows it."""

    pid: int
    application_name: str | None
    state: str | None
    query: str | None
    transaction_seconds: float | None = None
    mode: str | None = None  # the lock the runner waited for (or, for a NOWAIT, the one this session holds)
    relation: str | None = None
    locktype: str | None = None

    def describe(self) -> str:
        """`pid 4242 (psql, idle in transaction for 3.2 s: `UPDATE guilds …`)`."""
        parts = [self.application_name or "no application_name"]
        doing = self.state or "unknown state"
        if self.transaction_seconds is not None:
            doing += f" for {self.transaction_seconds:.1f} s"
        text = " ".join((self.query or "").split())
        if text:
            doing += f": `{text[:MAX_QUOTED_QUERY]}{'…' * (len(text) > MAX_QUOTED_QUERY)}`"
        return f"pid {self.pid} ({', '.join([*parts, doing])})"


MAX_QUOTED_QUERY = 120


def blocked_by(blockers: Sequence[Blocker], *, waited: bool = True) -> str:
    """What a lock timeout's message adds: the lock waited for and who held it (`waited`, from
    pg_blocking_pids), or who holds the table a NOWAIT lock found busy."""
    first = blockers[0]
    shown = " and ".join(b.describe() for b in blockers[:3])
    shown += f" and {len(blockers) - 3} more" if len(blockers) > 3 else ""
    if not waited:
        modes = ", ".join(dict.fromkeys(b.mode for b in blockers if b.mode))
        return f"{first.relation} is locked ({modes}) by {shown}"
    wanted = f" for {first.mode} on {first.relation}" if first.mode and first.relation else ""
    return f"waited{wanted}, held by {shown}"


def _not_a_runner(holder: dict[str, Any]) -> str:
    """The holder of the migration lock named by its application_name when it is not another runner
    (someone holding the key by hand): `, psql`."""
    name = holder.get("application_name")
    return f", {name}" if name and name != APPLICATION_NAME else ""


def _poll_seconds(lock_timeout: str) -> float:
    """How often to look for the sessions a step waits for: often enough to see them before
    `lock_timeout` (PostgreSQL's units; a bare number is milliseconds) gives up, 0.1 s at most."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", lock_timeout)
    if match is None or (match.group(2) or "ms") not in units:
        return 0.1
    seconds = float(match.group(1)) * units[match.group(2) or "ms"]
    if seconds <= 0:  # no timeout: a wait is only ever ended by the other session
        return 0.1
    return max(0.005, min(0.1, seconds / 4))


class _Watch:
    """While a step runs, polls on `observer` (the connection holding the migration lock, idle
    otherwise) the sessions the working backend `pid` waits for; keeps the last answer that named one.
    Polling begins after one interval, so a step that takes no lock wait costs no query."""

    def __init__(self, observer: psycopg.Connection | None, pid: int, interval: float) -> None:
        self.observer, self.pid, self.interval = observer, pid, interval
        self.seen: list[Blocker] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Watch:
        if self.observer is not None:
            self._thread = threading.Thread(target=self._poll, name="schemagen-lock-watch", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        assert self.observer is not None
        statement = query("runner_blocking_sessions")
        while not self._stop.wait(self.interval):
            try:
                cursor = self.observer.cursor(row_factory=dict_row)
                rows = cursor.execute(statement, {"pid": self.pid}).fetchall()
            except psycopg.Error:
                return  # the observer is gone: the message will just not name the holder
            if rows:
                self.seen = [Blocker(**row) for row in rows]


# --- running ------------------------------------------------------------------------------------


@dataclass
class _Runner:
    conn: psycopg.Connection
    settings: Settings
    report: Report
    # The connection holding the migration lock: it watches whom a waiting step waits for.
    observer: psycopg.Connection | None = None
    progress: Progress = field(default_factory=_NoProgress)
    _rows: int = field(default=0, init=False)
    # The sessions holding the table a NOWAIT lock found busy, read as it failed.
    _holders: list[Blocker] = field(default_factory=list, init=False)
    # The table a NOWAIT lock found busy in the last attempt: the next attempt waits for it first.
    _busy: tuple[str | None, str] | None = field(default=None, init=False)

    def run(self, files_: MigrationFiles, direction: Direction, recorded: Recorded | None) -> None:
        path = files_.up if direction == "up" else files_.down
        text = _read_text(path)
        steps = _plan(path, text)
        label = _label(files_)
        params = {"version": files_.number, "name": files_.name, "checksum": checksum(files_.up)}
        started = time.monotonic()
        try:
            if is_transactional(text):
                self.report(f"{_DOING[direction]} {label}: {len(steps)} statements in one transaction")
                self.progress.begin(f"{_DOING[direction]} {label}", None, 0)
                self._transactional(path, steps, direction, params)
            else:
                done = recorded.steps_done if recorded and recorded.in_progress == direction else None
                self.progress.begin(f"{_DOING[direction]} {label}", len(steps), done or 0)
                self._stepwise(path, steps, direction, params, done or 0, resume=done is not None)
        finally:
            self.progress.end()
        self.report(f"{_DONE[direction]} {label} in {time.monotonic() - started:.1f} s")

    def _transactional(
        self, path: Path, steps: list[_Step], direction: Direction, params: dict[str, Any]
    ) -> None:
        def attempt() -> None:
            with self.conn.transaction():
                statements = tuple(s for step in steps for s in step.statements)
                self._execute(path, _Step(statements, True, ""), 1, len(steps))
                self.conn.execute(
                    query("runner_history_applied" if direction == "up" else "runner_history_remove"), params
                )

        self._with_retries(path, steps[0] if steps else None, attempt, f"{path.name} (one transaction)")

    def _stepwise(
        self,
        path: Path,
        steps: list[_Step],
        direction: Direction,
        params: dict[str, Any],
        done: int,
        resume: bool,
    ) -> None:
        total = len(steps)
        self._record(path, _HISTORY_START[direction], params, done, total)
        if resume:
            self.report(f"{_DOING[direction]} {_label_of(path)}: resuming at step {done + 1}/{total}")
            # Session settings are not progress: the resumed step runs under the SETs above it.
            for step in steps[:done]:
                if step.only_settings and not step.group:
                    self._execute(path, step, 0, total)
        else:
            self.report(f"{_DOING[direction]} {_label_of(path)}: {total} steps, each committed on its own")
        for number, step in enumerate(steps[done:], start=done + 1):
            started = time.monotonic()
            progress = {"version": params["version"], "done": number}
            self.progress.step(number, step.label or _first_line(step.statements[0].text))

            def attempt(
                step: _Step = step, number: int = number, progress: dict[str, int] = progress
            ) -> None:
                self._rows = 0
                if step.with_record:
                    with self.conn.transaction():
                        self._execute(path, step, number, total)
                        # In the step's transaction: the step and its record commit together.
                        self.conn.execute(query("runner_history_progress"), progress)
                else:
                    self._execute(path, step, number, total)

            try:
                self._with_retries(path, step, attempt, f"step {number}/{total} of {path.name}")
            except MigrationFailed as failed:
                failed.transactional, failed.done, failed.total = False, number - 1, total
                raise
            if not step.with_record:
                self._record(path, "runner_history_progress", progress, number - 1, total)
            if step.moves:
                targets = ", ".join(dict.fromkeys(s.target for s in step.statements if s.target))
                what = step.label or _first_line(step.statements[0].text)
                self.report(
                    f"step {number}/{total}: {what}: {self._rows} rows moved into {targets}, "
                    f"{time.monotonic() - started:.1f} s"
                )
        self._record(
            path,
            "runner_history_finished" if direction == "up" else "runner_history_remove",
            {"version": params["version"]},
            total,
            total,
        )

    def _record(self, path: Path, statement: str, params: dict[str, Any], done: int, total: int) -> None:
        try:
            self.conn.execute(query(statement), params)
        except psycopg.Error as exc:
            raise self._failure(exc, path, None, None, transactional=False, done=done, total=total) from exc

    def _execute(self, path: Path, step: _Step, number: int, total: int) -> None:
        statements = list(step.statements)
        while statements:
            statement = statements.pop(0)
            if statement.kind == "lock":
                run = [statement]
                while statements and statements[0].kind == "lock":
                    run.append(statements.pop(0))
                self._take_locks(path, run)
                continue
            if statement.kind == "lock_timeout":
                continue  # the runner's own lock_timeout applies to every step
            if statement.kind == "index" and self.conn.info.transaction_status == TransactionStatus.IDLE:
                self._drop_invalid_index(statement, number, total)
            if statement.detach is not None and self._detached(statement.detach, number, total):
                continue
            try:
                cursor = self.conn.execute(statement.text.encode(), prepare=False)
            except psycopg.Error as exc:
                raise self._failure(exc, path, statement.text, statement.line) from exc
            if statement.kind == "move" and cursor.rowcount > 0:
                self._rows += cursor.rowcount

    def _take_locks(self, path: Path, run: list[_Statement]) -> None:
        """Take a run of LOCK TABLE statements: the first waits (lock_timeout), the others NOWAIT, with
        the table found busy last time first."""
        ordered = sorted(run, key=lambda s: s.locked is None or s.locked[:2] != self._busy)
        for position, statement in enumerate(ordered):
            assert statement.locked is not None
            schema, table, mode = statement.locked
            statement_name = "runner_lock_table" if position == 0 else "runner_lock_table_nowait"
            lock = composed(
                statement_name,
                table=sql.Identifier(schema, table) if schema else sql.Identifier(table),
                mode=sql.SQL(_LOCK_MODES[mode]),
            )
            try:
                self.conn.execute(lock)
            except psycopg.Error as exc:
                if position > 0 and exc.diag.sqlstate == errors.LockNotAvailable.sqlstate:
                    self._busy = (schema, table)
                    self._holders = self._holding(schema, table)
                raise self._failure(exc, path, statement.text, statement.line) from exc

    def _holding(self, schema: str | None, table: str) -> list[Blocker]:
        """The other sessions holding a lock on the table (read on the observer: the working
        connection's transaction has just failed)."""
        if self.observer is None:
            return []
        relation = (sql.Identifier(schema, table) if schema else sql.Identifier(table)).as_string(self.conn)
        ours = [self.conn.info.backend_pid, self.observer.info.backend_pid]
        shown = f"{schema}.{table}" if schema else table
        try:
            cursor = self.observer.cursor(row_factory=dict_row)
            rows = cursor.execute(query("runner_relation_holders"), {"relation": relation, "ours": ours})
            return [Blocker(**row, relation=shown) for row in rows.fetchall()]
        except psycopg.Error:
            return []

    def _detached(self, detach: tuple[tuple[str, ...], tuple[str, ...]], number: int, total: int) -> bool:
        """Whether a concurrent detach is done already: the partition detached by an earlier run whose
        record did not commit, or (finished now) a detach that was interrupted between its two
        transactions."""
        parent, child = (sql.Identifier(*parts) for parts in detach)
        names = {"parent": parent.as_string(self.conn), "child": child.as_string(self.conn)}
        state = self.conn.execute(query("runner_partition_state"), names).fetchone()
        if state is None:
            self.report(f"step {number}/{total}: {names['child']} is already detached from {names['parent']}")
            return True
        if state[0]:
            self.report(
                f"step {number}/{total}: finishing the interrupted detach of {names['child']} "
                f"from {names['parent']}"
            )
            self.conn.execute(composed("runner_detach_finalize", parent=parent, child=child))
            return True
        return False

    def _drop_invalid_index(self, statement: _Statement, number: int, total: int) -> None:
        assert statement.index is not None
        schema, table, index = statement.index
        found = self.conn.execute(
            query("runner_invalid_index"), {"schema": schema, "table": table, "index": index}
        ).fetchall()
        for index_schema, name in found:
            self.report(
                f"step {number}/{total}: dropping the invalid index {index_schema}.{name} "
                "an earlier failed build left behind, to build it again"
            )
            self.conn.execute(composed("runner_drop_index", index=sql.Identifier(index_schema, name)))

    def _with_retries(self, path: Path, step: _Step | None, attempt: Callable[[], None], what: str) -> None:
        """Run `attempt`; when it fails for want of a lock, as a deadlock victim or on a serialization
        failure (rolled back by then), set the lock_timeout again and retry it after a backoff."""
        self._busy = None
        interval = _poll_seconds(self.settings.lock_timeout)
        for tries in range(self.settings.retries + 1):
            self._holders = []
            watch = _Watch(self.observer, self.conn.info.backend_pid, interval)
            try:
                with watch:
                    self.conn.execute(query("runner_lock_timeout"), {"value": self.settings.lock_timeout})
                    attempt()
                return
            except MigrationFailed as exc:
                failed = exc
            except psycopg.Error as exc:
                # Raised outside a statement: at COMMIT, or by the runner's own queries.
                failure = self._failure(exc, path, None, step.line if step else None)
                if not isinstance(failure, MigrationFailed):
                    raise failure from exc
                failed = failure
            if failed.sqlstate == errors.LockNotAvailable.sqlstate and (watch.seen or self._holders):
                cause = blocked_by(watch.seen) if watch.seen else blocked_by(self._holders, waited=False)
                failed = failed.because(cause)
            if failed.sqlstate not in RETRIED or tries == self.settings.retries:
                raise failed
            # Jitter, so two sessions that failed together do not collide again in step.
            delay = self.settings.backoff_seconds * (tries + 1 + random.random())
            then = f"; then waiting first for {self._busy[1]}" if self._busy else ""
            self.report(
                f"{what}: {failed.reason}; retry {tries + 1}/{self.settings.retries} in {delay:.1f} s "
                f"(lock_timeout {self.settings.lock_timeout}{then})"
            )
            time.sleep(delay)

    def _failure(
        self,
        exc: psycopg.Error,
        path: Path,
        text: str | None,
        first: int | None,
        *,
        transactional: bool = True,
        done: int = 0,
        total: int = 0,
    ) -> Exception:
        if self.conn.broken:
            return DatabaseError(f"lost the connection to PostgreSQL while running {path}: {first_line(exc)}")
        diag = exc.diag
        reason = diag.message_primary or first_line(exc)
        line = first
        if text is not None and diag.statement_position:
            # A 1-based character offset into the statement; PostgreSQL counts lines by "\n" only.
            within = text.count("\n", 0, int(diag.statement_position) - 1)
            line = (first or 1) + within
            quoted = text.split("\n")[within].strip()
            reason += f" (in `{quoted[:MAX_QUOTED_LINE]}`)"
        extras = [
            f"{key}: {value}"
            for key, value in (("detail", diag.message_detail), ("hint", diag.message_hint))
            if value
        ]
        if extras:
            reason += " (" + "; ".join(extras) + ")"
        return MigrationFailed(
            path, line, reason, sqlstate=diag.sqlstate, transactional=transactional, done=done, total=total
        )


# LOCK TABLE's modes by PostgreSQL's lock level, as pglast reports a LockStmt's mode.
_LOCK_MODES = {
    1: "ACCESS SHARE",
    2: "ROW SHARE",
    3: "ROW EXCLUSIVE",
    4: "SHARE UPDATE EXCLUSIVE",
    5: "SHARE",
    6: "SHARE ROW EXCLUSIVE",
    7: "EXCLUSIVE",
    8: "ACCESS EXCLUSIVE",
}


def _label(files_: MigrationFiles) -> str:
    return f"{files_.number:04d}_{files_.name}"


def _label_of(path: Path) -> str:
    return path.name.split(".", 1)[0]


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= MAX_LABEL else line[:MAX_LABEL] + "..."


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise history.HistoryError(f"{path}: {exc.strerror or exc}") from None


def _read_text(path: Path) -> str:
    try:
        return _read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise history.HistoryError(f"{path} is not UTF-8 text: restore it from version control") from None

"""Replay the migration history on an empty database and compare it with schema.sql applied to another.

`check --live` uses this to prove that the two ways of building the schema (every up migration in
order, or schema.sql at once) give the same catalog.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus

from schemagen.database import catalog
from schemagen.database.cluster import (
    DatabaseError,
    ThrowawayCluster,
    connect,
    create_database,
    drop_database,
    first_line,
)
from schemagen.database.live import require_extensions
from schemagen.migrate.migration import is_transactional
from schemagen.model import Model
from schemagen.postgres.expressions import ExpressionError, split_statements

__all__ = ["SIDES", "ReplayError", "replay_differences", "replayed_model"]

# How diff lines name the two databases.
SIDES = ("migrations", "schema.sql")
SCHEMA_LABEL = "schema.sql"
DATABASE_PREFIX = "schemagen_replay"
MAX_QUOTED_LINE = 200


class ReplayError(DatabaseError):
    """A script failed to apply. `script` is its label (a migration file name or schema.sql), `index`
    its place in the migration list (None for schema.sql), `line` the 1-based line when known."""

    def __init__(self, script: str, reason: str, index: int | None = None, line: int | None = None) -> None:
        super().__init__(f"{script} does not apply: {reason}")
        self.script = script
        self.index = index
        self.line = line


def replay_differences(
    migration_sqls: Sequence[str],
    schema_sql: str,
    extensions: Sequence[str] = (),
    dsn: str | None = None,
    *,
    names: Sequence[str] | None = None,
) -> list[str]:
    """Catalog differences between the up migrations replayed in order and schema.sql; [] when equal.

    Runs on a throwaway cluster, or with `dsn` in two new databases on that server, dropped afterwards.
    `names` label the migrations in errors (default "migration N"). Raises ReplayError when a script
    fails to apply, and DatabaseError when the server cannot be used (or lacks an extension).
    """
    count = len(migration_sqls)
    labels = list(names) if names is not None else [f"migration {n}" for n in range(1, count + 1)]
    if len(labels) != count:
        raise ValueError(f"{len(labels)} names for {count} migrations")
    # The connections close before the databases are dropped: the exits run in reverse order.
    with (
        _two_databases(dsn) as (dsn_a, dsn_b, embedded),
        connect(dsn_a, autocommit=True) as a,
        connect(dsn_b, autocommit=True) as b,
    ):
        require_extensions(a, extensions, throwaway=dsn is None, embedded=embedded)
        for index, (label, text) in enumerate(zip(labels, migration_sqls, strict=True)):
            _apply(a, label, text, index)
        _apply(b, SCHEMA_LABEL, schema_sql, None)
        # Whatever schemas either side created are compared, not only the spec's own.
        schemas = sorted(set(catalog.user_schemas(a)) | set(catalog.user_schemas(b)))
        return catalog.diff(catalog.snapshot(a, schemas), catalog.snapshot(b, schemas), sides=SIDES)


def replayed_model(
    migration_sqls: Sequence[str],
    extensions: Sequence[str] = (),
    *,
    names: Sequence[str],
    schemas: Sequence[str] | None = None,
) -> Model:
    """The Model of a throwaway database the migrations were applied to in order (inspected)."""
    from schemagen.database.inspect import inspect  # templates and the spec writer: only baseline needs them

    with ThrowawayCluster() as cluster:
        dsn = cluster.create_database(f"{DATABASE_PREFIX}_history")
        with connect(dsn, autocommit=True) as conn:
            require_extensions(conn, extensions, throwaway=True, embedded=cluster.embedded)
            for index, (label, text) in enumerate(zip(names, migration_sqls, strict=True)):
                _apply(conn, label, text, index)
            return inspect(conn, schemas).model


@contextmanager
def _two_databases(dsn: str | None) -> Iterator[tuple[str, str, bool]]:
    """The dsns of two empty databases, and whether they are on an embedded server."""
    if dsn is None:
        with ThrowawayCluster() as cluster:
            yield (
                cluster.create_database(f"{DATABASE_PREFIX}_migrations"),
                cluster.create_database(f"{DATABASE_PREFIX}_schema"),
                cluster.embedded,
            )
        return
    # A random suffix: concurrent checks against one server must not share databases.
    suffix = secrets.token_hex(4)
    wanted = [f"{DATABASE_PREFIX}_{suffix}_migrations", f"{DATABASE_PREFIX}_{suffix}_schema"]
    created: list[str] = []
    with connect(dsn, autocommit=True) as admin:
        try:
            for name in wanted:
                create_database(admin, name)
                created.append(name)
            yield make_conninfo(dsn, dbname=wanted[0]), make_conninfo(dsn, dbname=wanted[1]), False
        finally:
            for name in created:
                drop_database(admin, name)


def _apply(conn: psycopg.Connection, label: str, text: str, index: int | None) -> None:
    """Run a script the way the migration runner does: in one transaction, or statement by statement
    when its header says it cannot run in one."""
    if is_transactional(text):
        try:
            with conn.transaction():
                conn.execute(text.encode(), prepare=False)
        except psycopg.Error as exc:
            raise _failure(exc, label, index, text, None) from exc
        return
    try:
        statements = split_statements(text)
    except ExpressionError as exc:
        raise ReplayError(label, exc.message, index) from exc
    for statement in statements:
        try:
            conn.execute(statement.text.encode(), prepare=False)
        except psycopg.Error as exc:
            raise _failure(exc, label, index, statement.text, statement.line) from exc
    if conn.info.transaction_status != TransactionStatus.IDLE:
        # The next file would run inside it, and nothing would ever commit it.
        raise ReplayError(label, "it ends inside a transaction it opened (BEGIN without COMMIT)", index)


def _failure(exc: psycopg.Error, label: str, index: int | None, text: str, first: int | None) -> ReplayError:
    """The server's error as one line, at the file's line it points at.

    `first` is the file line `text` starts at when `text` is one statement of the file, else None."""
    diag = exc.diag
    reason = diag.message_primary or first_line(exc)
    line = first
    if diag.statement_position:
        # A 1-based character offset into the text sent; PostgreSQL counts lines by "\n" only.
        within = text.count("\n", 0, int(diag.statement_position) - 1)
        line = (first or 1) + within
        quoted = text.split("\n")[within].strip()
        if len(quoted) > MAX_QUOTED_LINE:
            quoted = quoted[:MAX_QUOTED_LINE] + "..."
        reason = f"{reason} (in `{quoted}`)"
    labelled = (("detail", diag.message_detail), ("hint", diag.message_hint))
    extras = [f"{key}: {value}" for key, value in labelled if value]
    if extras:
        reason += " (" + "; ".join(extras) + ")"
    return ReplayError(label, f"line {line}: {reason}" if line else reason, index, line)

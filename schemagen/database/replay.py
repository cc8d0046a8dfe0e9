"""Replay the migration history on an empty database and compare it with schema.sql applied to another.

`check --live` uses this to prove that the two ways of building the schema (every up migration in
order, or schema.sql at once) give the same catalog.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

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
from schemagen.database.seed import seed
from schemagen.migrate.header import is_transactional
from schemagen.model import Model
from schemagen.postgres.expressions import ExpressionError, split_statements

__all__ = ["SIDES", "ReplayError", "replay_differences", "replayed_model"]

# How diff lines name the two databases.
SIDES = ("migrations", "schema.sql")
AFTER_DOWN = ("replayed", "expected")
SCHEMA_LABEL = "schema.sql"
DATABASE_PREFIX = "schemagen_replay"
MAX_QUOTED_LINE = 200


class ReplayError(DatabaseError):
    """A script failed to apply. `script` is its label (a migration file name or schema.sql), `index`
    its place in the migration list (None for schema.sql), `line` the 1-based line when known."""

    def __init__(
        self,
        script: str,
        reason: str,
        index: int | None = None,
        line: int | None = None,
        *,
        down: bool = False,
    ) -> None:
        super().__init__(f"{script} does not apply: {reason}")
        self.script = script
        self.index = index
        self.line = line
        self.down = down


def replay_differences(
    migration_sqls: Sequence[str],
    schema_sql: str,
    extensions: Sequence[str] = (),
    dsn: str | None = None,
    *,
    names: Sequence[str] | None = None,
    down_sqls: Sequence[str] | None = None,
    down_names: Sequence[str] | None = None,
) -> list[str]:
    """Catalog differences between the up migrations replayed in order and schema.sql; [] when equal.

    With `down_sqls` (one per up migration, in the same order), the history is then walked back: a few
    rows are written into every table, each down migration runs, newest first, and the catalog after
    it must equal the catalog the ups gave at that version, back to the empty database; then every up
    runs again (over the rows) and must give the newest version once more. A difference found on the
    way is a line naming the down (or "the ups again") it follows.

    Runs on a throwaway cluster, or with `dsn` in two new databases on that server, dropped afterwards.
    `names` and `down_names` label the migrations in errors (default "migration N"). Raises ReplayError
    when a script fails to apply (`index` is its place; `down` says which direction), and
    DatabaseError when the server cannot be used (or lacks an extension).
    """
    count = len(migration_sqls)
    labels = list(names) if names is not None else [f"migration {n}" for n in range(1, count + 1)]
    if len(labels) != count:
        raise ValueError(f"{len(labels)} names for {count} migrations")
    if down_sqls is not None and len(down_sqls) != count:
        raise ValueError(f"{len(down_sqls)} down migrations for {count} up migrations")
    # The connections close before the databases are dropped: the exits run in reverse order.
    with (
        _two_databases(dsn) as (dsn_a, dsn_b, embedded),
        connect(dsn_a, autocommit=True) as a,
        connect(dsn_b, autocommit=True) as b,
    ):
        require_extensions(a, extensions, throwaway=dsn is None, embedded=embedded)
        versions = [_catalog(a)] if down_sqls is not None else []
        for index, (label, text) in enumerate(zip(labels, migration_sqls, strict=True)):
            _apply(a, label, text, index)
            if down_sqls is not None:
                versions.append(_catalog(a))
        _apply(b, SCHEMA_LABEL, schema_sql, None)
        # Whatever schemas either side created are compared, not only the spec's own.
        schemas = sorted(set(catalog.user_schemas(a)) | set(catalog.user_schemas(b)))
        found = catalog.diff(catalog.snapshot(a, schemas), catalog.snapshot(b, schemas), sides=SIDES)
        # the history is walked back only once it is right: one problem at a time
        if down_sqls is not None and not found:
            downs = list(down_names) if down_names is not None else [f"down {label}" for label in labels]
            found += _walk_back(
                a,
                list(zip(labels, migration_sqls, strict=True)),
                list(zip(downs, down_sqls, strict=True)),
                versions,
            )
        return found


def _catalog(conn: psycopg.Connection) -> dict[str, object]:
    """The whole catalog but its extensions: a migration creates one only if it is missing (it may have
    been there before, used by more than the schema) and no down migration drops one."""
    found = dict(catalog.snapshot(conn, catalog.user_schemas(conn)))
    found.pop("extensions", None)
    return found


def _walk_back(
    conn: psycopg.Connection,
    ups: list[tuple[str, str]],
    downs: list[tuple[str, str]],
    versions: list[dict[str, object]],
) -> list[str]:
    """Rows written, every down newest first (each compared with its version), every up again."""
    seed(conn)
    found: list[str] = []
    for index in range(len(downs) - 1, -1, -1):
        label, text = downs[index]
        try:
            _apply(conn, label, text, index)
        except ReplayError as error:
            error.down = True
            raise
        found += [
            f"after {label}: {line}"
            for line in catalog.diff(_catalog(conn), versions[index], sides=AFTER_DOWN)
        ]
    for index, (label, text) in enumerate(ups):
        _apply(conn, label, text, index)
    found += [
        f"the ups again: {line}" for line in catalog.diff(_catalog(conn), versions[-1], sides=AFTER_DOWN)
    ]
    return found


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
    try:
        statements = split_statements(text)
    except ExpressionError as exc:
        raise ReplayError(label, exc.message, index) from exc
    # statement by statement, as the runner does: a failure is at the line of its own statement
    with conn.transaction() if is_transactional(text) else nullcontext():
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

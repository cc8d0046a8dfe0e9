"""Apply generated SQL to a real server inside a transaction that is always rolled back."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from pglast import ast, parse_sql
from pglast.enums import TransactionStmtKind
from pglast.parser import ParseError
from psycopg.pq import TransactionStatus

from schemagen.database.cluster import DatabaseError, ThrowawayCluster, connect, first_line
from schemagen.database.queries import query
from schemagen.postgres.expressions import ExpressionError, Statement, split_statements

__all__ = [
    "LiveApplyError",
    "apply_rolled_back",
    "connect",
    "live_check",
    "missing_extensions",
    "require_extensions",
]

LIVE_DATABASE = "schemagen_live"
# A rolled-back check against a shared server must not queue behind (and then block) real traffic.
LOCK_TIMEOUT = "10s"
MAX_QUOTED_LINE = 200
# Savepoints stay inside the transaction; every other transaction statement could end it and commit.
_HARMLESS_TRANSACTION_KINDS = {
    TransactionStmtKind.TRANS_STMT_SAVEPOINT,
    TransactionStmtKind.TRANS_STMT_RELEASE,
    TransactionStmtKind.TRANS_STMT_ROLLBACK_TO,
}


class LiveApplyError(DatabaseError):
    """The server rejected the script; `line` is the 1-based script line when the server pointed at one."""

    def __init__(
        self, message: str, line: int | None = None, sqlstate: str | None = None, statement: str | None = None
    ) -> None:
        super().__init__(message)
        self.line = line
        self.sqlstate = sqlstate
        self.statement = statement  # the statement the server rejected, when known


def missing_extensions(conn: psycopg.Connection, names: Sequence[str]) -> list[str]:
    """The names, in order and without repeats, that are not in pg_available_extensions."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    rows = conn.execute(query("live_available_extensions"), {"names": wanted}).fetchall()
    available = {name for (name,) in rows}
    return [name for name in wanted if name not in available]


def require_extensions(
    conn: psycopg.Connection, names: Sequence[str], *, throwaway: bool, embedded: bool
) -> None:
    """Raise LiveApplyError naming those of `names` the server cannot install, and how to get them:
    on a throwaway cluster (`throwaway`, an `embedded` one ships no contrib modules) or a given one."""
    missing = missing_extensions(conn, names)
    if missing:
        raise LiveApplyError(_missing_message(missing, throwaway=throwaway, embedded=embedded))


def apply_rolled_back(dsn: str, sql: str, extensions: Sequence[str] = ()) -> None:
    """Run the whole script on the server at dsn and roll it back; raise LiveApplyError if it fails."""
    _apply(dsn, sql, extensions)


def live_check(sql: str, extensions: Sequence[str], dsn: str | None) -> None:
    """Check that sql applies: on the server at dsn, or else on a throwaway cluster started for the check."""
    if dsn is not None:
        apply_rolled_back(dsn, sql, extensions)
        return
    with ThrowawayCluster() as cluster:
        target = cluster.create_database(LIVE_DATABASE)
        _apply(target, sql, extensions, throwaway=True, embedded=cluster.embedded)


def _apply(
    dsn: str, sql: str, extensions: Sequence[str], *, throwaway: bool = False, embedded: bool = False
) -> None:
    _refuse_transaction_control(sql)
    with connect(dsn, autocommit=True) as conn:
        require_extensions(conn, extensions, throwaway=throwaway, embedded=embedded)
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(query("live_lock_timeout"), {"value": LOCK_TIMEOUT})
                # statement by statement: the one the server rejects is known, and so is its line
                for statement in _statements(sql):
                    try:
                        conn.cursor().execute(statement.text.encode(), prepare=False)
                    except psycopg.Error as exc:
                        raise _server_error(exc, sql, statement) from exc
                if conn.info.transaction_status != TransactionStatus.INTRANS:
                    raise LiveApplyError("the script ended the transaction itself, so it may have committed")
        except psycopg.Error as exc:
            raise _server_error(exc, sql) from exc


def _missing_message(missing: list[str], *, throwaway: bool, embedded: bool) -> str:
    subject = f"extension {missing[0]} is" if len(missing) == 1 else f"extensions {', '.join(missing)} are"
    it = "it" if len(missing) == 1 else "them"
    note = " (an embedded server ships no contrib modules)" if embedded else ""
    if throwaway:
        remedy = f"install {it} (Debian: postgresql-contrib) or use --dsn"
    else:
        remedy = f"install {it} on that server (Debian: postgresql-contrib)"
    return f"{subject} not available on this server{note}; {remedy}"


def _refuse_transaction_control(sql: str) -> None:
    try:
        statements = parse_sql(sql)
    except ParseError:
        return  # the server will report the syntax error, with its position
    for raw in statements:
        stmt = raw.stmt
        if isinstance(stmt, ast.TransactionStmt) and stmt.kind not in _HARMLESS_TRANSACTION_KINDS:
            location = raw.stmt_location or 0
            line = _line_of(sql, location)
            keyword = sql[location:].split(None, 1)[0].rstrip(";").upper()
            raise LiveApplyError(
                f"line {line}: {keyword} would end the rolled-back transaction and could commit; "
                "remove transaction control statements from the script",
                line=line,
            )


def _line_of(sql: str, offset: int) -> int:
    # PostgreSQL numbers lines by "\n" only, unlike str.splitlines().
    return sql.count("\n", 0, offset) + 1


def _statements(sql: str) -> list[Statement]:
    """The script's statements with their lines; the whole script as one when it cannot be split (the
    server then reports the syntax error, with its position)."""
    try:
        return split_statements(sql)
    except ExpressionError:
        return [Statement(sql, 1)]


def _server_error(exc: psycopg.Error, sql: str, statement: Statement | None = None) -> LiveApplyError:
    """The server's error about the script `sql`, or about one `statement` of it."""
    diag = exc.diag
    message = diag.message_primary or first_line(exc)
    labelled = [("detail", diag.message_detail), ("hint", diag.message_hint)]
    extras = [f"{label}: {detail}" for label, detail in labelled if detail]
    sent, first = (statement.text, statement.line) if statement else (sql, 1)
    line: int | None = statement.line if statement else None
    if diag.statement_position:
        # A 1-based character (not byte) offset into the text sent.
        line = first + _line_of(sent, int(diag.statement_position) - 1) - 1
    if line is not None:
        quoted = sql.split("\n")[line - 1].strip()
        if len(quoted) > MAX_QUOTED_LINE:
            quoted = quoted[:MAX_QUOTED_LINE] + "..."
        message = f"line {line}: {message} (in `{quoted}`)"
    if extras:
        message += " (" + "; ".join(extras) + ")"
    return LiveApplyError(
        message, line=line, sqlstate=diag.sqlstate, statement=statement.text if statement else None
    )

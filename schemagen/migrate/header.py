"""What a migration file's header says to the runner: whether the file runs in one transaction.

A module of its own so that applying migrations does not import the planner."""

from __future__ import annotations

__all__ = ["NO_TRANSACTION_MARK", "is_transactional"]

NO_TRANSACTION_MARK = "-- schemagen:no-transaction"


def is_transactional(sql: str) -> bool:
    """Whether a migration file may run inside one transaction: unless a line of its header (the lines
    before the first blank one) starts with the no-transaction mark."""
    header = sql.split("\n\n", 1)[0]
    return not any(line.startswith(NO_TRANSACTION_MARK) for line in header.splitlines())

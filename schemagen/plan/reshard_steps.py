"""The statements of an online hash split (`recipes.reshard`), one per template, with their builders.

`steps` re-exports the statements, so that it still holds one statement per migration template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemagen.model import StorageParameter
from schemagen.plan.operations import Lock, Statement, Step, TableLock

Relation = tuple[str, str]


@dataclass(frozen=True)
class ReshardCreate(Statement):
    """A new hash partition as a table of its own, its bound held by CHECK `check`."""

    template = "reshard_create"
    table: str
    parent: str
    schema: str
    check: str
    modulus: int
    remainder: int
    key: tuple[str, ...]
    storage: tuple[StorageParameter, ...]

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.schema, self.table)})


@dataclass(frozen=True)
class ReshardCopy(Statement):
    """The rows of old partition `source` that hash to `remainder`, copied into `table`."""

    template = "reshard_copy"
    table: str
    source: str
    parent: str
    schema: str
    modulus: int
    remainder: int
    key: tuple[str, ...]
    columns: tuple[str, ...]

    @property
    def scans_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class ReshardLogCreate(Statement):
    """The change log of old partition `source`: its primary key columns and the operation."""

    template = "reshard_log_create"
    log: str
    source: str
    schema: str
    primary_key: tuple[str, ...]

    def made_relations(self) -> frozenset[Relation]:
        return frozenset({(self.schema, self.log)})


@dataclass(frozen=True)
class ReshardCaptureFunction(Statement):
    """The trigger function that appends the primary key of each row written to `log`."""

    template = "reshard_capture_function"
    function: str
    log: str
    schema: str
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class ReshardCaptureTrigger(Statement):
    template = "reshard_capture_trigger"
    trigger: str
    function: str
    source: str
    schema: str


@dataclass(frozen=True)
class ReshardSnapshot(Statement):
    """A catch-up's first statement: one snapshot for the whole transaction (REPEATABLE READ)."""

    template = "reshard_snapshot"


@dataclass(frozen=True)
class ReshardLogAnalyze(Statement):
    template = "reshard_log_analyze"
    log: str
    schema: str


@dataclass(frozen=True)
class ReshardReplayDelete(Statement):
    """The rows of new table `table` whose primary key is in `log`, deleted."""

    template = "reshard_replay_delete"
    table: str
    log: str
    schema: str
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class ReshardReplayInsert(Statement):
    """The current rows of `source` whose primary key is in `log` and that hash to `remainder`,
    copied into `table`."""

    template = "reshard_replay_insert"
    table: str
    source: str
    log: str
    parent: str
    schema: str
    modulus: int
    remainder: int
    key: tuple[str, ...]
    primary_key: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ReshardLogClear(Statement):
    template = "reshard_log_clear"
    log: str
    schema: str


@dataclass(frozen=True)
class ReshardAttach(Statement):
    template = "reshard_attach"
    parent: str
    child: str
    schema: str
    modulus: int
    remainder: int


@dataclass(frozen=True)
class ReshardDropCapture(Statement):
    template = "reshard_drop_capture"
    trigger: str
    source: str
    schema: str


@dataclass(frozen=True)
class ReshardDropFunction(Statement):
    template = "reshard_drop_function"
    function: str
    schema: str


def reshard_create(
    schema: str,
    parent: str,
    table: str,
    *,
    check: str,
    modulus: int,
    remainder: int,
    key: tuple[str, ...],
    storage: tuple[StorageParameter, ...],
) -> Step:
    """LIKE takes ACCESS SHARE on the parent: reads and writes go on."""
    statement = ReshardCreate(table, parent, schema, check, modulus, remainder, key, storage)
    return Step(statement, Lock.ACCESS_SHARE, parent)


def reshard_copy(
    schema: str,
    parent: str,
    source: str,
    table: str,
    *,
    modulus: int,
    remainder: int,
    key: tuple[str, ...],
    columns: tuple[str, ...],
) -> Step:
    """ROW EXCLUSIVE on the new table (made in the same unit), ACCESS SHARE on the old partition:
    its reads and writes go on."""
    statement = ReshardCopy(table, source, parent, schema, modulus, remainder, key, columns)
    locks = (TableLock(schema, table, Lock.ROW_EXCLUSIVE), TableLock(schema, source, Lock.ACCESS_SHARE))
    return Step(statement, Lock.ROW_EXCLUSIVE, table, locks=locks)


def reshard_log_create(schema: str, source: str, log: str, *, primary_key: tuple[str, ...]) -> Step:
    """ACCESS SHARE on the old partition (its columns' types are read, none of its rows)."""
    statement = ReshardLogCreate(log, source, schema, primary_key)
    return Step(statement, Lock.ACCESS_SHARE, source)


def reshard_capture_function(schema: str, function: str, log: str, *, primary_key: tuple[str, ...]) -> Step:
    return Step(ReshardCaptureFunction(function, log, schema, primary_key), Lock.NONE, function)


def reshard_capture_trigger(schema: str, source: str, function: str) -> Step:
    """SHARE ROW EXCLUSIVE on the old partition, in a short transaction of its own: it waits for the
    writes in flight and holds new ones only until its commit; reads go on."""
    statement = ReshardCaptureTrigger(function, function, source, schema)
    return Step(statement, Lock.SHARE_ROW_EXCLUSIVE, source)


def reshard_snapshot() -> Step:
    return Step(ReshardSnapshot(), Lock.NONE)


def reshard_log_analyze(schema: str, log: str) -> Step:
    """SHARE UPDATE EXCLUSIVE on the log: the writers' inserts into it go on."""
    return Step(ReshardLogAnalyze(log, schema), Lock.SHARE_UPDATE_EXCLUSIVE, log)


def reshard_replay_delete(schema: str, table: str, log: str, *, primary_key: tuple[str, ...]) -> Step:
    """ROW EXCLUSIVE on the new table, which only the split writes; ACCESS SHARE on the log."""
    statement = ReshardReplayDelete(table, log, schema, primary_key)
    locks = (TableLock(schema, table, Lock.ROW_EXCLUSIVE), TableLock(schema, log, Lock.ACCESS_SHARE))
    return Step(statement, Lock.ROW_EXCLUSIVE, table, locks=locks)


def reshard_replay_insert(
    schema: str,
    parent: str,
    source: str,
    table: str,
    log: str,
    *,
    modulus: int,
    remainder: int,
    key: tuple[str, ...],
    primary_key: tuple[str, ...],
    columns: tuple[str, ...],
) -> Step:
    """ROW EXCLUSIVE on the new table; ACCESS SHARE on the old partition and the log."""
    statement = ReshardReplayInsert(
        table, source, log, parent, schema, modulus, remainder, key, primary_key, columns
    )
    locks = (
        TableLock(schema, table, Lock.ROW_EXCLUSIVE),
        TableLock(schema, source, Lock.ACCESS_SHARE),
        TableLock(schema, log, Lock.ACCESS_SHARE),
    )
    return Step(statement, Lock.ROW_EXCLUSIVE, table, locks=locks)


def reshard_log_clear(schema: str, log: str) -> Step:
    """ROW EXCLUSIVE on the log: the writers' inserts into it go on."""
    return Step(ReshardLogClear(log, schema), Lock.ROW_EXCLUSIVE, log)


def reshard_attach(
    schema: str,
    parent: str,
    child: str,
    *,
    modulus: int,
    remainder: int,
    referenced: Sequence[Relation],
    validates: bool,
) -> Step:
    """SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the new partition, SHARE ROW
    EXCLUSIVE on the tables its foreign keys reference. The CHECK proves the bound and the indexes
    are adopted as they are; `validates`: the table's foreign keys are cloned onto the partition and
    its rows checked, under the lock."""
    locks = (
        TableLock(schema, parent, Lock.SHARE_UPDATE_EXCLUSIVE),
        TableLock(schema, child, Lock.ACCESS_EXCLUSIVE),
        *(TableLock(s, t, Lock.SHARE_ROW_EXCLUSIVE) for s, t in referenced),
    )
    statement = ReshardAttach(parent, child, schema, modulus, remainder)
    return Step(statement, Lock.ACCESS_EXCLUSIVE, child, brief=not validates, locks=locks)


def reshard_drop_capture(schema: str, source: str, trigger: str) -> Step:
    """ACCESS EXCLUSIVE on the old partition, catalog only (the swap holds it through the parent)."""
    return Step(ReshardDropCapture(trigger, source, schema), Lock.ACCESS_EXCLUSIVE, source)


def reshard_drop_function(schema: str, function: str) -> Step:
    return Step(ReshardDropFunction(function, schema), Lock.NONE, function)

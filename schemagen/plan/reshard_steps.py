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
class ReshardMirrorFunction(Statement):
    """The trigger function that keeps `targets` ((table, remainder)) in step with an old partition."""

    template = "reshard_mirror_function"
    function: str
    parent: str
    schema: str
    modulus: int
    key: tuple[str, ...]
    primary_key: tuple[str, ...]
    columns: tuple[str, ...]
    targets: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ReshardMirrorTrigger(Statement):
    template = "reshard_mirror_trigger"
    trigger: str
    function: str
    source: str
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
class ReshardDropMirror(Statement):
    template = "reshard_drop_mirror"
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
    """ROW EXCLUSIVE on the new table (made in the same unit), ACCESS SHARE on the old partition."""
    statement = ReshardCopy(table, source, parent, schema, modulus, remainder, key, columns)
    locks = (TableLock(schema, table, Lock.ROW_EXCLUSIVE), TableLock(schema, source, Lock.ACCESS_SHARE))
    return Step(statement, Lock.ROW_EXCLUSIVE, table, locks=locks)


def reshard_mirror_function(
    schema: str,
    parent: str,
    function: str,
    *,
    modulus: int,
    key: tuple[str, ...],
    primary_key: tuple[str, ...],
    columns: tuple[str, ...],
    targets: Sequence[tuple[str, int]],
) -> Step:
    statement = ReshardMirrorFunction(
        function, parent, schema, modulus, key, primary_key, columns, tuple(targets)
    )
    return Step(statement, Lock.NONE, function)


def reshard_mirror_trigger(schema: str, source: str, function: str) -> Step:
    """SHARE ROW EXCLUSIVE on the old partition, held to the end of the unit: its writes wait for the
    copy, its reads go on."""
    statement = ReshardMirrorTrigger(function, function, source, schema)
    return Step(statement, Lock.SHARE_ROW_EXCLUSIVE, source, brief=False)


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


def reshard_drop_mirror(schema: str, function: str) -> Step:
    return Step(ReshardDropMirror(function, schema), Lock.NONE, function)

"""The statements of an online hash split (`recipes.reshard`), one per template, with their builders.

`steps` re-exports the statements, so that it still holds one statement per migration template.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from schemagen.model import Index, StorageParameter, Table
from schemagen.plan.operations import Lock, Part, Statement, Step, TableLock, Taken, Unit
from schemagen.records import dataclass

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


# --- the whole split as one unit (`Unit`): one step, one template ------------------------------------

#: What an index of a new partition becomes: its primary key, a unique key, or none ("").
BuiltKind = Literal["primary_key", "unique", ""]
#: A new partition of a split: its name; its name and its bound CHECK until the swap; its remainder;
#: the temporary name of each of the split's `indexes`, with its position there; their (temporary,
#: final) names in the order they are renamed.
NewPartition = tuple[str, str, str, int, tuple[tuple[str, int], ...], tuple[tuple[str, str], ...]]


def _lock_part(locks: tuple[TableLock, ...]) -> Part:
    """What a unit's LOCK TABLE statement says (as `steps.lock_tables` makes it)."""
    return max(lock.mode for lock in locks), ", ".join(lock.relation for lock in locks), True, locks


@dataclass(frozen=True)
class ReshardSplit(Unit):
    """Every unit of work of one online split of old partition `source` into `new` (see
    `recipes.reshard`), in order: the capture, a copy per new partition, the catch-ups and the swap
    (which drops the old partition and the function too when no foreign key keeps them for later).
    `first` holds one LOCK TABLE list per unit, so its length says how many catch-ups there are.

    `indexes`: the primary key, unique keys and indexes each new partition builds, in that order, with
    the constraint each becomes; `retired`: the old partition renamed out of the way (old name, new
    name, its index renames); `dropped`: its name once detached; `referenced` and `validates`: as
    `reshard_attach` takes them.
    """

    template = "reshard_split"
    macro = "split"
    own = ("source", "function", "log", "new", "retired", "first", "dropped")
    statement_templates = (
        "partition_begin",
        "partition_commit",
        "lock_tables",
        "reshard_capture_function",
        "reshard_capture_trigger",
        "reshard_log_create",
        "reshard_create",
        "reshard_copy",
        "create_index",
        "add_constraint_using_index",
        "reshard_snapshot",
        "reshard_log_analyze",
        "reshard_replay_delete",
        "reshard_replay_insert",
        "reshard_log_clear",
        "reshard_drop_capture",
        "partition_detach",
        "rename_table",
        "rename_index",
        "reshard_attach",
        "drop_constraint",
        "drop_table",
        "reshard_drop_function",
    )
    schema: str
    parent: str
    source: str
    function: str
    log: str
    modulus: int
    key: tuple[str, ...]
    primary_key: tuple[str, ...]
    columns: tuple[str, ...]
    storage: tuple[StorageParameter, ...]
    indexes: tuple[tuple[Index, BuiltKind], ...]
    new: tuple[NewPartition, ...]
    retired: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
    referenced: tuple[tuple[str, str], ...]
    validates: bool
    dropped: str

    @property
    def catch_ups(self) -> int:
        return len(self.first) - len(self.new) - 2

    def steps(self) -> tuple[Step, ...]:
        from schemagen.plan import steps  # `steps` names this module's statements

        schema, parent, source, log, pk = self.schema, self.parent, self.source, self.log, self.primary_key
        modulus, key, columns = self.modulus, self.key, self.columns
        out: list[Step] = []
        firsts = iter(self.first)

        def begin() -> None:
            out.append(steps.partition_begin())
            if locks := next(firsts):
                out.append(steps.lock_tables(locks))

        begin()
        out.append(reshard_capture_function(schema, self.function, log, primary_key=pk))
        out.append(reshard_capture_trigger(schema, source, self.function))
        out.append(reshard_log_create(schema, source, log, primary_key=pk))
        out.append(steps.partition_commit())
        for _, name, check, remainder, index_names, _ in self.new:
            begin()
            out.append(
                reshard_create(
                    schema,
                    parent,
                    name,
                    check=check,
                    modulus=modulus,
                    remainder=remainder,
                    key=key,
                    storage=self.storage,
                )
            )
            out.append(
                reshard_copy(
                    schema,
                    parent,
                    source,
                    name,
                    modulus=modulus,
                    remainder=remainder,
                    key=key,
                    columns=columns,
                )
            )
            as_table = Table(name, schema, ())
            for index_name, position in index_names:
                index, kind = self.indexes[position]
                out.append(steps.create_index(index, name=index_name, table=name, schema=schema))
                if kind:
                    out.append(steps.add_constraint_using_index(as_table, kind, index_name))
            out.append(steps.partition_commit())
        replay = [
            reshard_replay_delete(schema, name, log, primary_key=pk) for _, name, _, _, _, _ in self.new
        ]
        replay += [
            reshard_replay_insert(
                schema,
                parent,
                source,
                name,
                log,
                modulus=modulus,
                remainder=remainder,
                key=key,
                primary_key=pk,
                columns=columns,
            )
            for _, name, _, remainder, _, _ in self.new
        ]
        for _ in range(self.catch_ups):
            begin()
            out += (reshard_snapshot(), reshard_log_analyze(schema, log), *replay)
            out += (reshard_log_clear(schema, log), steps.partition_commit())
        begin()
        out += replay
        out.append(reshard_drop_capture(schema, source, self.function))
        out.append(steps.partition_detach(schema, parent, source, referenced=self.referenced))
        for old, new, indexes in self.retired:
            out.append(steps.rename_table(schema, old, new))
            out += (steps.rename_index(schema, new, old_index, new_index) for old_index, new_index in indexes)
        for child, name, check, remainder, _, renames in self.new:
            out.append(steps.rename_table(schema, name, child))
            out += (steps.rename_index(schema, child, old, new) for old, new in renames)
            out.append(
                reshard_attach(
                    schema,
                    parent,
                    child,
                    modulus=modulus,
                    remainder=remainder,
                    referenced=self.referenced,
                    validates=self.validates,
                )
            )
            out.append(steps.drop_constraint(schema, child, check))
        out.append(steps.drop_table(schema, log))
        if not self.referenced:
            out.append(steps.drop_table(schema, self.dropped))
            out.append(reshard_drop_function(schema, self.function))
        out.append(steps.partition_commit())
        return tuple(out)

    def parts(self) -> Iterator[Part]:
        none, access_share, row_exclusive = Lock.NONE, Lock.ACCESS_SHARE, Lock.ROW_EXCLUSIVE
        share, exclusive, update = Lock.SHARE, Lock.ACCESS_EXCLUSIVE, Lock.SHARE_UPDATE_EXCLUSIVE
        parent, source, log = self.parent, self.source, self.log
        firsts = iter(self.first)
        end: Part = (none, "", True, None)

        def begin() -> Iterator[Part]:
            yield end
            if locks := next(firsts):
                yield _lock_part(locks)

        yield from begin()
        yield none, self.function, True, None
        yield Lock.SHARE_ROW_EXCLUSIVE, source, True, None
        yield access_share, source, True, None
        yield end
        for _, name, _, _, _, _ in self.new:
            yield from begin()
            yield access_share, parent, True, None
            yield row_exclusive, name, True, None
            for _, kind in self.indexes:
                yield share, name, True, None
                if kind:
                    yield exclusive, name, True, None
            yield end
        replay = [(row_exclusive, name, True, None) for _, name, _, _, _, _ in self.new] * 2
        for _ in range(self.catch_ups):
            yield from begin()
            yield end  # SET TRANSACTION: no lock
            yield update, log, True, None
            yield from replay
            yield row_exclusive, log, True, None
            yield end
        yield from begin()
        yield from replay
        yield exclusive, source, True, None
        yield exclusive, parent, True, None
        for old, new, indexes in self.retired:
            yield exclusive, old, True, None
            for _ in indexes:
                yield update, new, True, None
        for child, name, _, _, _, renames in self.new:
            yield exclusive, name, True, None
            for _ in renames:
                yield update, child, True, None
            yield exclusive, child, not self.validates, None
            yield exclusive, child, True, None
        yield exclusive, log, True, None
        if not self.referenced:
            yield exclusive, self.dropped, True, None
            yield none, self.function, True, None
        yield end

    def said(self) -> Iterator[Part]:
        # `parts()` without the statements that take no table lock, the catch-ups after the first
        # and the swap's replay (the first catch-up's again), and an index's locks said once per table
        access_share, row_exclusive = Lock.ACCESS_SHARE, Lock.ROW_EXCLUSIVE
        exclusive, update = Lock.ACCESS_EXCLUSIVE, Lock.SHARE_UPDATE_EXCLUSIVE
        parent, source, log, first = self.parent, self.source, self.log, self.first
        kinds = {kind for _, kind in self.indexes}
        for locks in first[:1]:
            if locks:
                yield _lock_part(locks)
        yield Lock.SHARE_ROW_EXCLUSIVE, source, True, None
        yield access_share, source, True, None
        for (_, name, _, _, _, _), locks in zip(self.new, first[1:], strict=False):
            if locks:
                yield _lock_part(locks)
            yield access_share, parent, True, None
            yield row_exclusive, name, True, None
            if kinds:
                yield Lock.SHARE, name, True, None
            if kinds - {""}:
                yield exclusive, name, True, None
        catch_ups = first[len(self.new) + 1 : -1]
        for locks in catch_ups:
            if locks:
                yield _lock_part(locks)
        if catch_ups:
            yield update, log, True, None
            yield row_exclusive, log, True, None
        for locks in first[-1:]:
            if locks:
                yield _lock_part(locks)
        if not catch_ups:
            for _, name, _, _, _, _ in self.new:
                yield row_exclusive, name, True, None
        yield exclusive, source, True, None
        yield exclusive, parent, True, None
        for old, new, indexes in self.retired:
            yield exclusive, old, True, None
            if indexes:
                yield update, new, True, None
        for child, name, _, _, _, renames in self.new:
            yield exclusive, name, True, None
            if renames:
                yield update, child, True, None
            yield exclusive, child, not self.validates, None
            yield exclusive, child, True, None
        yield exclusive, log, True, None
        if not self.referenced:
            yield exclusive, self.dropped, True, None

    def taken(self) -> Iterator[list[Taken]]:
        # only the locks that can go in a LOCK TABLE list (SHARE and stronger), and what is made: a
        # copy locks nothing that strongly but the table it makes, a catch-up nothing, so only the
        # capture and the swap can need a list
        schema, parent, source, log = self.schema, self.parent, self.source, self.log
        exclusive = Lock.ACCESS_EXCLUSIVE
        nothing: frozenset[tuple[str, str]] = frozenset()
        yield [(((schema, source, Lock.SHARE_ROW_EXCLUSIVE),), nothing), ((), frozenset({(schema, log)}))]
        for _ in range(len(self.new) + self.catch_ups):
            yield []
        referenced = tuple((s, t, Lock.SHARE_ROW_EXCLUSIVE) for s, t in self.referenced)
        swap: list[Taken] = [
            (((schema, source, exclusive),), nothing),
            (((schema, parent, exclusive), (schema, source, exclusive), *referenced), nothing),
        ]
        for old, new, _ in self.retired:
            swap.append((((schema, old, exclusive),), frozenset({(schema, new)})))
        for child, name, _, _, _, _ in self.new:
            swap.append((((schema, name, exclusive),), frozenset({(schema, child)})))
            swap.append((referenced, nothing))  # the attach: the new partition is made by now
        swap.append((((schema, log, exclusive),), nothing))
        if not self.referenced:
            swap.append((((schema, self.dropped, exclusive),), nothing))
        yield swap

"""Table locks taken up front, in the order applications take them, so a migration cannot deadlock.

A migration that waits for a lock while it holds another can close a cycle with an application that
takes the same two in the other order: dropping a foreign key locks the referencing table and then the
referenced one, while a transaction that updated the referenced table goes on to insert into the
referencing one. PostgreSQL then aborts one of the two, possibly the application's.

So every unit of work that locks more than one relation in a mode that conflicts with an
application's writes (SHARE or stronger), or that would strengthen a lock it already holds, starts by
taking all of them with LOCK TABLE, each in the strongest mode the unit needs. A unit is the whole
file when it runs in one transaction, a BEGIN … COMMIT group, or one statement of a no-transaction
file, which is then put in a BEGIN … COMMIT of its own.

Only the first LOCK waits (for at most `lock_timeout`); every later one is NOWAIT. The migration thus
never waits while it holds a lock, so it can never be part of a deadlock: when a later table is busy,
the unit fails at once with everything released, and is tried again (`migrate apply` retries it with
backoff, waiting first for the table that was busy). The order decides only how often that happens:
the strongest mode first (once the migration holds the table every transaction must pass, the others
are seldom busy), then in the order applications take locks: views before tables (a query locks the
view first), the referenced table before the referencing one, a parent before its partitions (LOCK
TABLE on the parent locks them too). Weaker modes (SHARE UPDATE EXCLUSIVE and below) never wait for an
application's reads and writes nor make them wait, so they are not taken up front.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemagen.model import Model, PartitionScheme
from schemagen.model.ordering import order_views
from schemagen.plan import steps
from schemagen.plan.operations import Kind, Lock, Operation, Phase, Statement, Step, TableLock, Taken, Unit
from schemagen.plan.table_order import ordered_tables

__all__ = ["locks_of", "with_lock_order"]

#: The weakest mode that conflicts with an application's writes (ROW EXCLUSIVE).
CONFLICTS_WITH_WRITES = Lock.SHARE
#: What a statement brings into being, unless its class says more (`Statement.made_relations`).
_MAKES_NOTHING = Statement.made_relations


def with_lock_order(operations: Sequence[Operation], before: Model, after: Model) -> list[Operation]:
    """`operations` (in run order) with LOCK TABLE statements where a unit locks several relations.

    The order is that of the tables of `before`; a table only `after` has (created, or renamed by the
    migration) comes after them, in its own dependency order, or where the table it was renamed from
    stood."""
    order = _Order(before, after)
    if all(op.transactional for op in operations):
        locks = order.preamble([step for op in operations for step in op.up])
        if not locks:
            return list(operations)
        names = ", ".join(lock.relation for lock in locks)
        first = Operation(
            Kind.LOCK_TABLES,
            locks[0].qualified,
            f"lock {names} first, in the order applications lock them (only the first waits)",
            (steps.lock_tables(locks),),
            order=Phase.LOCKS,
        )
        return [first, *operations]
    planned = []
    for op in operations:
        up = tuple(_units(_atomic(op), order))
        # most operations need no LOCK TABLE: the same steps, the same operation
        same = len(up) == len(op.up) and all(s is t for s, t in zip(up, op.up, strict=True))
        planned.append(op if same else op.with_up(up))
    return planned


def _atomic(op: Operation) -> tuple[Step, ...]:
    """An atomic operation's statements, as one unit of work in a file run statement by statement."""
    if not op.atomic or not op.transactional:
        return op.up
    return (steps.begin(), *op.up, steps.commit())


def locks_of(step: Step) -> tuple[TableLock, ...]:
    """Every table lock `step` takes: its own list, or its one lock on the table it names."""
    if step.locks:
        return step.locks
    if step.statement.on_sequence:
        return ()
    schema = getattr(step.statement, "schema", None)  # a field of the statement, as `args` has it
    if step.lock is Lock.NONE or not isinstance(schema, str) or not step.on:
        return ()
    return (TableLock(schema, step.on, step.lock),)


def _units(up: Iterable[Step], order: _Order) -> Iterable[Step]:
    group: list[Step] | None = None
    for step in up:
        statement = step.statement
        if isinstance(statement, Unit) and group is None:
            # its units of work, each given the LOCK TABLE list it needs
            first = tuple(order.first_locks(unit) if unit else () for unit in statement.taken())
            yield step if first == statement.first else step.with_statement(statement.with_first(first))
            continue
        if statement.opens_unit:
            group = [step]
            continue
        if group is not None:
            if not step.statement.closes_unit:
                group.append(step)
                continue
            locks = order.preamble(group[1:])
            yield group[0]
            if locks:
                yield steps.lock_tables(locks)
            yield from group[1:]
            yield step
            group = None
            continue
        locks = order.preamble([step]) if step.transactional else ()
        if locks:
            yield steps.begin()
            yield steps.lock_tables(locks)
            yield step
            yield steps.commit()
        else:
            yield step
    if group is not None:
        yield from group


_NOTHING: frozenset[tuple[str, str]] = frozenset()
#: Where a relation the Model before the migration does not have comes in the lock order: last.
_UNRANKED = (2, 0, 0)


def _taken(step: Step) -> Iterable[Taken]:
    """What `step` locks (in a mode that may matter to the LOCK TABLE list) and brings into being: one
    item, or one per statement of a `Unit`'s units of work."""
    statement = step.statement
    if isinstance(statement, Unit):
        for unit in statement.taken():
            yield from unit
        return
    if step.locks:
        taken: tuple[tuple[str, str, Lock], ...] = tuple(
            (lock.schema, lock.relation, lock.mode) for lock in step.locks
        )
    elif step.lock < CONFLICTS_WITH_WRITES or statement.on_sequence or not step.on:
        taken = ()  # its one lock, on the table it names (`locks_of`), is too weak to list
    else:
        schema = getattr(statement, "schema", None)
        taken = ((schema, step.on, step.lock),) if isinstance(schema, str) else ()
    made = statement.made_relations() if type(statement).made_relations is not _MAKES_NOTHING else _NOTHING
    yield taken, made


class _Order:
    """Where each relation of the Model before the migration comes in the application's lock order."""

    def __init__(self, before: Model, after: Model) -> None:
        self.rank: dict[tuple[str, str], tuple[int, int, int]] = {}
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}
        known = len(before.tables)
        for model, first in ((before, 0), (after, known)):
            views = [v for v in reversed(order_views(model.views)) if not v.materialized]
            for position, view in enumerate(views):
                self.rank.setdefault((view.schema, view.name), (0, first + position, 0))
            tables = ordered_tables(model.tables)
            for position, table in enumerate(tables):
                key = (table.schema, table.name)
                if key in self.rank:
                    if model is after:  # partitions only `after` has (a rebuild's) are still its own
                        self._children(key, table.partition, self.rank[key][1], 1, keep=True)
                    continue
                was = before.table(table.renamed_from or "")  # by its key in the spec
                renamed = (was.schema, was.name) if was is not None else key
                at = self.rank[renamed][1] if model is after and renamed in self.rank else first + position
                self.rank[key] = (1, at, 0)
                self._children(key, table.partition, at, 1)

    def _children(
        self, parent: tuple[str, str], scheme: PartitionScheme | None, at: int, depth: int, keep: bool = False
    ) -> None:
        """Rank and parent of each partition under `parent`; `keep`: of those not ranked already."""
        if scheme is None:
            return
        rank, parents, ranked, schema = self.rank, self.parent, (1, at, depth), parent[0]
        for child in scheme.children:  # (a Model may have tens of thousands: a call only for a level)
            key = (child.schema or schema, child.name)  # `names:` may pin another schema
            if not (keep and key in rank):
                rank[key] = ranked
                parents[key] = parent
            if child.sub is not None:
                self._children(key, child.sub, at, depth + 1, keep)

    def preamble(self, steps: Sequence[Step]) -> tuple[TableLock, ...]:
        """The LOCK TABLE list a unit of `steps` starts with; empty when it needs none."""
        return self.first_locks(item for step in steps for item in _taken(step))

    def first_locks(self, statements: Iterable[Taken]) -> tuple[TableLock, ...]:
        """The LOCK TABLE list a unit starts with, from what each of its statements locks and makes
        (`Unit.taken`); empty when it needs none."""
        made: set[tuple[str, str]] = set()
        strongest: dict[tuple[str, str], Lock] = {}
        upgrades = False
        for taken, makes in statements:
            for schema, relation, mode in taken:
                if mode < CONFLICTS_WITH_WRITES:
                    continue
                key = (schema, relation)
                if key in made:
                    continue
                held = strongest.get(key)
                if held is None:
                    strongest[key] = mode
                elif held < mode:
                    upgrades = True
                    strongest[key] = mode
            if makes:
                made |= makes
        if len(strongest) < 2 and not upgrades:
            return ()
        # a partition is left out when a parent of it is locked at least as strongly (LOCK TABLE on
        # the parent locks it too)
        parents, rank, none = self.parent, self.rank, Lock.NONE
        ordered = []
        for key, mode in strongest.items():
            up = parents.get(key)
            while up is not None and strongest.get(up, none) < mode:
                up = parents.get(up)
            if up is None:
                ordered.append((-mode, rank.get(key, _UNRANKED), key, mode))
        if len(ordered) < 2 and not upgrades:
            return ()
        ordered.sort()
        return tuple(TableLock(schema, relation, mode) for _, _, (schema, relation), mode in ordered)

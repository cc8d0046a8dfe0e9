"""Planning changes of a table's partitioning: re-sharding a hash table, moving range windows.

The children of one level are matched by bound. A matched child stays (renamed with its indexes when
its name changes, e.g. after a table rename); the others are replaced by *moves*. A move is one
transaction on one partitioned parent: detach the old children (and a kept DEFAULT whose rows may
belong to a new child), rename the old ones out of the way when a new child takes their name, create
the new children with `PARTITION OF` (so their indexes and constraint clones get the names a fresh
render gives them), re-insert the rows through the parent, drop the old children. The detach holds
ACCESS EXCLUSIVE on the parent until the commit: readers wait instead of seeing the moved rows
missing, and no writer can slip in a row that collides with one being re-inserted. That is why the
moves do not use `DETACH … CONCURRENTLY`, which would also forbid the surrounding transaction.

- hash modulus M → N where one divides the other: min(M, N) moves, each covering the same hash values
  before and after (4 → 8 splits `p0` into `p0` and `p4`; 8 → 4 merges them back), so at most
  1/min(M, N) of the table is locked and copied at a time.
- any other modulus: both moduli cannot coexist, so one move rebuilds every child (flagged).
- range and list: one move per level when rows must move: rows of a kept DEFAULT that belong to new
  children, rows of removed children (into the DEFAULT when B has one, which keeps a moved window
  lossless). A removed child whose rows have nowhere to go is dropped with them (destructive), first,
  while the foreign keys that reference the table still make PostgreSQL refuse to lose referenced rows.
  Without a DEFAULT, new children are created at the edges with no move at all.
- a child whose own partitioning (`then:`) changes kind or key is rebuilt as a removed + added child;
  a changed kind or key at the top, or a table becoming (un)partitioned, is a PlanError.

Foreign keys from other tables that reference the table are dropped before any move (PostgreSQL
refuses to detach a partition whose rows are referenced, and with them gone no ON DELETE action can
fire) and re-added NOT VALID, then validated. PostgreSQL names the per-partition clones of such a key
by numbering them in partition order, so they are re-added too whenever the set of partitions changes
other than by appending: only that gives the names of a fresh render.

A migration holding moves runs statement by statement (`transactional=False` on the BEGIN steps);
each move brings its own BEGIN and COMMIT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from schemagen.model import ForeignKey, Model, PartitionBound, PartitionChild, PartitionScheme, Table
from schemagen.plan import hazards
from schemagen.plan.differ import (
    Phase,
    PlanError,
    _constraints,
    _same_constraint,
    _same_definition,
    _same_index,
    _step,
    foreign_key_locks,
    matched_renames,
)
from schemagen.plan.operations import Hazard, Lock, Operation, Step, TableLock
from schemagen.postgres import expressions
from schemagen.postgres.names import NAMEDATALEN, index_name_addition, make_object_name

if TYPE_CHECKING:
    from schemagen.plan.differ import _Planner

RANGE_KEYWORDS = ("MINVALUE", "MAXVALUE")


def plan_partitioning(planner: _Planner, old: Table, new: Table) -> Iterator[Operation]:
    """The operations that turn `old`'s partitions into `new`'s (none when they are the same)."""
    if old.partition is None and new.partition is None:
        return
    if old.partition is None or new.partition is None:
        change = "becomes partitioned" if old.partition is None else "stops being partitioned"
        raise PlanError(
            f"table {new.name} {change}: PostgreSQL cannot change that in place and it is not planned; "
            f"add a new entity with the wanted partitioning, copy the rows into it, then drop this one"
        )
    if _structure(old.partition) != _structure(new.partition):
        raise PlanError(
            f"the partitioning of {new.name} changes from {_describe(old.partition)} to "
            f"{_describe(new.partition)}: PostgreSQL cannot change a partition key in place and it is not "
            f"planned; add a new entity partitioned the new way, copy the rows into it, then drop this one"
        )
    yield from _Partitioning(planner, old, new).run()


# --- the plan of one table -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """One end of a range: the key prefix compared (as many columns as values) and whether `=` fits."""

    values: tuple[object, ...]
    inclusive: bool


@dataclass(frozen=True)
class _RangeFilter:
    lower: _Side | None
    upper: _Side | None


@dataclass(frozen=True)
class _ListFilter:
    values: tuple[object, ...]
    null: bool


@dataclass
class _Move:
    """One transaction on `parent`: `old` children out, `new` children in, rows re-inserted."""

    kind: str
    parent: str
    scheme: PartitionScheme  # B's scheme of this level: its key filters the rows
    old: list[PartitionChild]
    new: list[PartitionChild]
    comment: str
    default: PartitionChild | None = None  # a kept DEFAULT: its rows that fit `new` move out of it
    filtered: bool = False  # no DEFAULT in B: only rows that fit one of `new` are re-inserted
    hazards: list[Hazard] = field(default_factory=list)


class _Partitioning:
    """Compares the partition trees of one table and turns the differences into operations."""

    def __init__(self, planner: _Planner, old: Table, new: Table) -> None:
        self.planner, self.old, self.new = planner, old, new
        self.schema = new.schema
        self.renames: list[Step] = []  # children kept under a new name, with their indexes
        self.drops: list[tuple[str, PartitionChild, bool]] = []  # (parent, child, concurrently)
        self.creates: list[tuple[str, PartitionScheme, PartitionChild]] = []  # new children, no rows to move
        self.moves: list[_Move] = []
        self.retired: dict[str, str] = {}  # detached child → its temporary name
        self.kept: list[str] = []  # children that stay, by their name in B

    @property
    def a_names(self) -> frozenset[str]:
        return self.planner.relation_names[0]

    @property
    def b_names(self) -> frozenset[str]:
        return self.planner.relation_names[1]

    @property
    def taken(self) -> set[str]:
        """Every name a relation may have in A or B, and the temporary names picked so far (for
        every table of the plan, so no two pick the same)."""
        return self.planner.taken_names

    @cached_property
    def surviving(self) -> set[str]:
        return _surviving_indexes(self.planner, self.old, self.new)

    def run(self) -> Iterator[Operation]:
        assert self.old.partition is not None and self.new.partition is not None
        renamed_keys = _renamed_foreign_keys(self.planner, self.old, self.new)
        if self.old.partition == self.new.partition:
            if not renamed_keys:
                return
            self.kept = [c.name for child in self.new.partition.children for c in _subtree(child)]
        else:
            self.level(self.new.name, self.old.partition, self.new.partition)
        self.renames += self.foreign_key_clone_renames(renamed_keys)
        table, order = self.new.name, Phase.PARTITIONS
        if self.renames:
            yield Operation(
                "rename_partitions",
                table,
                f"rename the partitions of {table} and their indexes",
                tuple(self.renames),
                order=Phase.RENAMES,
            )
        changed = self.moves or self.drops or self.creates
        foreign_keys = self.planner.kept_foreign_keys.get((self.schema, self.new.name), []) if changed else []
        if self.drops:
            yield self.drop_operation(foreign_keys)
        cycle = bool(foreign_keys) and bool(
            self.moves or self.drops or (self.creates and not self.appended_only())
        )
        if cycle:
            yield self.drop_foreign_keys(foreign_keys)
        if self.creates:
            steps = tuple(self.create(parent, scheme, child) for parent, scheme, child in self.creates)
            names = ", ".join(child.name for _, _, child in self.creates)
            yield Operation(
                "create_partitions", table, f"create partitions {names} of {table}", steps, order=order
            )
        for move in self.moves:
            # the table is the target even of moves under its partitions: `allow_destructive` names it
            yield Operation(
                move.kind,
                table,
                move.comment,
                tuple(self.move_steps(move)),
                hazards=tuple(move.hazards),
                order=order,
            )
        if cycle:
            yield from self.restore_foreign_keys(foreign_keys)

    # --- comparing the trees -------------------------------------------------------------------

    def level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        """Plan one level: `a` and `b` partition the same key the same way."""
        if a.kind == "hash":
            self.hash_level(parent, a, b)
        else:
            self.bound_level(parent, a, b)

    def keep(self, parent: str, a: PartitionChild, b: PartitionChild) -> bool:
        """Keep a child whose bound is unchanged; False when its own partitioning needs a rebuild."""
        if _structure(a.sub) != _structure(b.sub):
            return False
        self.kept.append(b.name)
        if a.name != b.name:
            self.renames += self.rename_steps(a.name, b.name, surviving=None, after_taken=self.b_names)
        if a.sub is not None and b.sub is not None and a.sub != b.sub:
            self.level(b.name, a.sub, b.sub)
        return True

    def hash_level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        old = {(c.bound.modulus, c.bound.remainder): c for c in a.children}
        new = {(c.bound.modulus, c.bound.remainder): c for c in b.children}
        if old.keys() == new.keys():
            for key, child in new.items():
                if not self.keep(parent, old[key], child):
                    self.moves.append(self.rebuild_child(parent, b, old[key], child))
            return
        m, n = _modulus(a), _modulus(b)
        if n % m == 0 or m % n == 0:
            shared = min(m, n)
            for group in range(shared):
                olds = [c for c in a.children if (c.bound.remainder or 0) % shared == group]
                news = [c for c in b.children if (c.bound.remainder or 0) % shared == group]
                if n > m:
                    kind, comment = (
                        "split_partition",
                        f"split {olds[0].name} (modulus {m}) into {_names(news)}",
                    )
                else:
                    kind, comment = (
                        "merge_partitions",
                        f"merge {_names(olds)} into {news[0].name} (modulus {n})",
                    )
                self.moves.append(
                    _Move(
                        kind,
                        parent,
                        b,
                        olds,
                        news,
                        comment + self.move_text(parent),
                        hazards=[self.held(parent, f"the rows of {_names(olds)} are copied")],
                    )
                )
            return
        why = f"modulus {m} → {n}: neither divides the other, so the old and new partitions cannot coexist"
        self.moves.append(
            _Move(
                "rebuild_partitions",
                parent,
                b,
                list(a.children),
                list(b.children),
                f"rebuild every partition of {parent} for modulus {n} (was {m})" + self.move_text(parent),
                hazards=[
                    hazards.rebuild(parent, f"{why}; every row is copied in one transaction"),
                    self.held(parent, "every row of the table is copied"),
                ],
            )
        )

    def bound_level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        old = {_bound_key(c.bound): c for c in a.children}
        removed: list[PartitionChild] = []
        added: list[PartitionChild] = []
        rebuilt: list[str] = []
        for child in b.children:
            match = old.get(_bound_key(child.bound))
            if match is None:
                added.append(child)
            elif not self.keep(parent, match, child):
                removed.append(match)
                added.append(child)
                rebuilt.append(child.name)
        new_keys = {_bound_key(c.bound) for c in b.children}
        removed += [c for key, c in old.items() if key not in new_keys]
        if not removed and not added:
            return
        old_default = next((c for c in a.children if c.bound.is_default), None)
        new_default = next((c for c in b.children if c.bound.is_default), None)
        ranged = [c for c in added if not c.bound.is_default]
        moved: list[PartitionChild] = []
        for child in removed:
            # a removed child's rows can only belong to added children (the old ones were disjoint)
            if (
                new_default is not None
                or (child.bound.is_default and ranged)
                or any(_overlaps(a.kind, child.bound, c.bound) for c in ranged)
            ):
                moved.append(child)
            else:
                # DETACH … CONCURRENTLY is not allowed while the parent has a DEFAULT partition
                self.drops.append((parent, child, old_default is None))
        lost = (
            []
            if new_default is not None
            else [c.name for c in moved if not _covered(a.kind, c.bound, [x.bound for x in ranged])]
        )
        kept_default = new_default if old_default is not None and old_default not in removed else None
        from_default = kept_default is not None and bool(ranged)
        if not moved and not from_default:
            self.creates += [(parent, b, c) for c in added]
            return
        what = []
        if added:
            what.append(f"create {_names(added)}")
        if from_default:
            what.append(f"move the rows of {kept_default.name} that belong to them")  # type: ignore[union-attr]
        if moved:
            home = "" if new_default is None else f" (into {new_default.name} where no other partition fits)"
            what.append(
                f"move the rows of {_names(moved)}{home} and drop {'it' if len(moved) == 1 else 'them'}"
            )
        found = [self.held(parent, "rows are copied")]
        if rebuilt:
            found.append(
                hazards.rebuild(parent, f"the partitioning under {', '.join(rebuilt)} changes kind or key")
            )
        if lost:
            found.append(hazards.shrink_window(self.new.name, lost))
        self.moves.append(
            _Move(
                "move_partitions",
                parent,
                b,
                moved,
                added,
                f"repartition {parent}: " + "; ".join(what) + self.move_text(parent),
                default=kept_default if from_default else None,
                filtered=new_default is None,
                hazards=found,
            )
        )

    def rebuild_child(
        self, parent: str, b: PartitionScheme, old: PartitionChild, new: PartitionChild
    ) -> _Move:
        why = f"the partitioning under {new.name} changes to {_describe(new.sub)}"
        return _Move(
            "rebuild_partition",
            parent,
            b,
            [old],
            [new],
            f"rebuild {new.name} as {_describe(new.sub)}" + self.move_text(parent),
            hazards=[hazards.rebuild(new.name, why), self.held(parent, f"the rows of {old.name} are copied")],
        )

    def held(self, parent: str, what: str) -> Hazard:
        why = f"ACCESS EXCLUSIVE from the detach to the commit, while {what}"
        if referenced := self.referenced(Lock.SHARE_ROW_EXCLUSIVE):
            names = ", ".join(lock.relation for lock in referenced)
            why += (
                f"; SHARE ROW EXCLUSIVE on {names} (which its foreign keys reference) as long: "
                "writes to it wait"
            )
        return hazards.long_lock(parent, why)

    def appended_only(self) -> bool:
        """Whether B's partitions are A's followed by new ones, in the order PostgreSQL numbers clones."""
        assert self.old.partition is not None and self.new.partition is not None
        before, after = _clone_order(self.old.partition), _clone_order(self.new.partition)
        return before is not None and after is not None and after[: len(before)] == before

    # --- statements ----------------------------------------------------------------------------

    # --- what the statements lock ----------------------------------------------------------------

    def referenced(self, mode: Lock) -> tuple[TableLock, ...]:
        """The tables the partitions' foreign keys reference: a partition created, detached or dropped
        gets or loses the triggers of each key, on the referenced table too."""
        own = (self.old.schema, self.old.name)
        found = {
            (fk.ref_schema, fk.ref_table)
            for fk in self.old.foreign_keys
            if (fk.ref_schema, fk.ref_table) != own
        }
        return tuple(TableLock(schema, table, mode) for schema, table in sorted(found))

    def move_text(self, parent: str) -> str:
        apart = bool(self.referenced(Lock.ACCESS_EXCLUSIVE))
        return (_MOVE_DROP_APART if apart else _MOVE).format(parent=parent)

    def table_lock(self, relation: str, mode: Lock) -> TableLock:
        return TableLock(self.schema, relation, mode)

    def drop_table(self, name: str) -> Step:
        return _step(
            "drop_table",
            Lock.ACCESS_EXCLUSIVE,
            name,
            locks=(self.table_lock(name, Lock.ACCESS_EXCLUSIVE), *self.referenced(Lock.ACCESS_EXCLUSIVE)),
            name=name,
            schema=self.schema,
        )

    def create(self, parent: str, scheme: PartitionScheme, child: PartitionChild) -> Step:
        return _step(
            "partition_create",
            Lock.ACCESS_EXCLUSIVE,
            parent,
            locks=(
                self.table_lock(parent, Lock.ACCESS_EXCLUSIVE),
                *self.referenced(Lock.SHARE_ROW_EXCLUSIVE),
            ),
            parent=parent,
            schema=self.schema,
            scheme=replace(scheme, children=(child,)),
            storage=self.new.storage,
        )

    def detach(self, parent: str, child: str, *, concurrently: bool = False, brief: bool = True) -> Step:
        if concurrently:
            return _step(
                "partition_detach",
                Lock.SHARE_UPDATE_EXCLUSIVE,
                parent,
                transactional=False,
                locks=(
                    self.table_lock(parent, Lock.SHARE_UPDATE_EXCLUSIVE),
                    self.table_lock(child, Lock.SHARE_UPDATE_EXCLUSIVE),
                    *self.referenced(Lock.SHARE_ROW_EXCLUSIVE),
                ),
                parent=parent,
                child=child,
                schema=self.schema,
                concurrently=True,
            )
        return _step(
            "partition_detach",
            Lock.ACCESS_EXCLUSIVE,
            parent,
            brief=brief,
            locks=(
                self.table_lock(parent, Lock.ACCESS_EXCLUSIVE),
                self.table_lock(child, Lock.ACCESS_EXCLUSIVE),
                *self.referenced(Lock.SHARE_ROW_EXCLUSIVE),
            ),
            parent=parent,
            child=child,
            schema=self.schema,
            concurrently=False,
        )

    def drop_operation(self, foreign_keys: list[tuple[Table, ForeignKey]]) -> Operation:
        steps: list[Step] = []
        for parent, child, concurrently in self.drops:
            steps.append(self.detach(parent, child.name, concurrently=concurrently))
            steps.append(self.drop_table(child.name))
        names = [child.name for _, child, _ in self.drops]
        found = [hazards.shrink_window(self.new.name, names)]
        if foreign_keys:
            found.append(
                hazards.data_dependent(
                    self.new.name,
                    f"fails while rows of {_table_list(foreign_keys)} reference rows of {', '.join(names)}",
                )
            )
        return Operation(
            "drop_partitions",
            self.new.name,
            f"drop partitions {', '.join(names)} of {self.new.name} with their rows",
            tuple(steps),
            hazards=tuple(found),
            order=Phase.PARTITIONS,
        )

    def move_steps(self, move: _Move) -> Iterator[Step]:
        parent, schema = move.parent, self.schema
        yield _step("partition_begin", Lock.NONE, transactional=False)
        if move.default is not None:
            yield self.detach(parent, move.default.name, brief=False)
        for child in move.old:
            yield self.detach(parent, child.name, brief=False)
        sources: list[str] = []
        for child in move.old:
            renamed = yield from self.retire(child)
            sources.append(renamed)
        for child in move.new:
            yield self.create(parent, move.scheme, child)
        columns, overriding = _copied_columns(self.planner, self.old, self.new)
        ranged = [c for c in move.new if not c.bound.is_default]
        filters = [_filter(move.scheme.kind, c.bound) for c in ranged]
        if move.default is not None:
            yield _step(
                "partition_move_rows",
                Lock.ROW_EXCLUSIVE,
                parent,
                parent=parent,
                source=move.default.name,
                schema=schema,
                columns=columns,
                overriding=overriding,
                key=move.scheme.key,
                filters=_merged(filters),
                delete_source=True,
            )
            yield _step(
                "partition_attach_default",
                Lock.ACCESS_EXCLUSIVE,
                move.default.name,
                brief=False,
                locks=(
                    self.table_lock(parent, Lock.SHARE_UPDATE_EXCLUSIVE),
                    self.table_lock(move.default.name, Lock.ACCESS_EXCLUSIVE),
                    *self.referenced(Lock.ACCESS_EXCLUSIVE),
                ),
                parent=parent,
                child=move.default.name,
                schema=schema,
            )
        for source in sources:
            yield _step(
                "partition_move_rows",
                Lock.ROW_EXCLUSIVE,
                parent,
                parent=parent,
                source=source,
                schema=schema,
                columns=columns,
                overriding=overriding,
                key=move.scheme.key,
                filters=_merged(filters) if move.filtered else None,
                delete_source=False,
            )
        # Dropping a table with foreign keys takes ACCESS EXCLUSIVE on the tables they reference (their
        # triggers go): inside the move that would hold them for the whole copy, so those drops commit
        # on their own afterwards, each locking first what it drops from.
        drop_apart = bool(self.referenced(Lock.ACCESS_EXCLUSIVE))
        if not drop_apart:
            for source in sources:
                yield self.drop_table(source)
        yield _step("partition_commit", Lock.NONE, transactional=False)
        if drop_apart:
            for source in sources:
                yield self.drop_table(source)

    def retire(self, child: PartitionChild) -> Iterator[Step]:
        """Rename a detached child (and its partitions) whose names B reuses; returns its name after."""
        for relation in _subtree(child):
            if relation.name in self.b_names:
                retired = self.unused(relation.name, "old")
                self.retired[relation.name] = retired
                yield from self.rename_steps(
                    relation.name, retired, surviving=self.surviving, after_taken=self.taken
                )
        return self.retired.get(child.name, child.name)

    def unused(self, name: str, label: str) -> str:
        candidate, n = make_object_name(name, None, label), 0
        while candidate in self.taken:
            n += 1
            candidate = make_object_name(name, None, f"{label}{n}")
        self.taken.add(candidate)
        return candidate

    def rename_steps(
        self, old: str, new: str, *, surviving: set[str] | None, after_taken: set[str]
    ) -> list[Step]:
        """Rename a partition of A, and the indexes PostgreSQL gave it, to the names it gives `new`."""
        steps = [_step("rename_table", Lock.ACCESS_EXCLUSIVE, old, old=old, new=new, schema=self.schema)]
        before = _clone_index_names(self.old, old, self.a_names)
        after = _clone_index_names(self.old, new, after_taken)
        for key, name in before.items():
            if surviving is not None and key not in surviving:
                continue
            self.taken.add(after[key])
            steps.append(
                _step(
                    "rename_index",
                    Lock.SHARE_UPDATE_EXCLUSIVE,
                    new,
                    old=name,
                    new=after[key],
                    schema=self.schema,
                )
            )
        return steps

    def foreign_key_clone_renames(self, renamed: list[tuple[str, str]]) -> list[Step]:
        """RENAME CONSTRAINT on a partitioned table renames a foreign key's clones on its partitions
        only for CHECK constraints, so the differ's renames of foreign keys are repeated on each kept
        partition (new ones get the new name from their parent)."""
        steps = []
        for old, new in renamed:
            steps += [
                _step(
                    "rename_constraint",
                    Lock.ACCESS_EXCLUSIVE,
                    child,
                    table=child,
                    schema=self.schema,
                    old=old,
                    new=new,
                )
                for child in self.kept
            ]
        return steps

    # --- foreign keys that reference the table ---------------------------------------------------

    def drop_foreign_keys(self, foreign_keys: list[tuple[Table, ForeignKey]]) -> Operation:
        table = self.new.name
        steps = tuple(
            _step(
                "drop_constraint",
                Lock.ACCESS_EXCLUSIVE,
                f"{t.name} and {table}",
                locks=foreign_key_locks(t.schema, t.name, fk, Lock.ACCESS_EXCLUSIVE),
                table=t.name,
                schema=t.schema,
                name=fk.name,
            )
            for t, fk in foreign_keys
        )
        return Operation(
            "drop_referencing_foreign_keys",
            table,
            f"drop the foreign keys referencing {table} while its partitions change: "
            f"{_table_list(foreign_keys, with_keys=True)}",
            steps,
            hazards=(hazards.integrity_gap(table, [f"{t.name}.{fk.name}" for t, fk in foreign_keys]),),
            order=Phase.PARTITIONS,
        )

    def restore_foreign_keys(self, foreign_keys: list[tuple[Table, ForeignKey]]) -> Iterator[Operation]:
        table = self.new.name
        for t, fk in foreign_keys:
            args = {"table": t.name, "schema": t.schema}
            target = f"{t.name}.{fk.name}"
            if t.partition is None:
                steps = (
                    _step(
                        "add_constraint",
                        Lock.SHARE_ROW_EXCLUSIVE,
                        f"{t.name} and {table}",
                        locks=foreign_key_locks(t.schema, t.name, fk, Lock.SHARE_ROW_EXCLUSIVE),
                        kind="foreign_key",
                        constraint=fk,
                        not_valid=True,
                        **args,
                    ),
                    _step("validate_constraint", Lock.SHARE_UPDATE_EXCLUSIVE, t.name, name=fk.name, **args),
                )
                yield Operation(
                    "restore_foreign_key",
                    target,
                    f"re-add foreign key {fk.name} of {t.name} NOT VALID, then validate it",
                    steps,
                    order=Phase.PARTITIONS,
                )
                continue
            why = (
                f"{t.name} is partitioned, where NOT VALID foreign keys are not allowed: every row is checked"
            )
            yield Operation(
                "restore_foreign_key",
                target,
                f"re-add foreign key {fk.name} of partitioned {t.name}",
                (
                    _step(
                        "add_constraint",
                        Lock.SHARE_ROW_EXCLUSIVE,
                        f"{t.name} and {table}",
                        brief=False,
                        locks=foreign_key_locks(t.schema, t.name, fk, Lock.SHARE_ROW_EXCLUSIVE),
                        kind="foreign_key",
                        constraint=fk,
                        not_valid=False,
                        **args,
                    ),
                ),
                hazards=(hazards.long_lock(t.name, why),),
                order=Phase.PARTITIONS,
            )


_MOVE = " in one transaction: detach, create, copy the rows through {parent}, drop the old"
_MOVE_DROP_APART = (
    " in one transaction: detach, create, copy the rows through {parent}; then drop the old, each in a "
    "transaction of its own (dropping its foreign keys locks the tables they reference)"
)


# --- helpers -------------------------------------------------------------------------------------


def _structure(scheme: PartitionScheme | None) -> tuple[object, ...] | None:
    return None if scheme is None else (scheme.kind, scheme.key)


def _describe(scheme: PartitionScheme | None) -> str:
    if scheme is None:
        return "no partitioning"
    keys = ", ".join(k.column or f"({k.expression})" for k in scheme.key)
    return f"{scheme.kind} ({keys})"


def _names(children: list[PartitionChild]) -> str:
    return ", ".join(c.name for c in children)


def _modulus(scheme: PartitionScheme) -> int:
    return scheme.modulus or max((c.bound.modulus or 1 for c in scheme.children), default=1)


def _bound_key(bound: PartitionBound) -> str:
    return repr(bound)  # bounds may hold lists (multi-column ranges), so not hashable themselves


def _subtree(child: PartitionChild) -> Iterator[PartitionChild]:
    yield child
    if child.sub is not None:
        for grandchild in child.sub.children:
            yield from _subtree(grandchild)


def relation_names(model: Model) -> set[str]:
    """Names in the relations' namespace: tables, partitions, indexes, views."""
    names: set[str] = set()
    for table in model.tables:
        names.add(table.name)
        names.update(i.name for i in table.indexes)
        if table.primary_key is not None:
            names.add(table.primary_key.name)
        names.update(u.name for u in table.uniques)
        if table.partition is not None:
            for child in table.partition.children:
                names.update(c.name for c in _subtree(child))
    for view in model.views:
        names.add(view.name)
        names.update(i.name for i in view.indexes)
    return names


def _clone_index_names(table: Table, relation: str, taken: set[str]) -> dict[str, str]:
    """The names PostgreSQL gives the indexes of partition `relation` of `table`, by parent index.

    A partition's indexes are clones of its parent's, created in the parent's index order (primary
    key and unique constraints with CREATE TABLE, then the indexes as schema.sql orders them, by
    name); each is named by ChooseIndexName from the partition's name and the index's column names,
    with a number appended to the label while the name is taken.
    """
    wanted: list[tuple[str, str, list[str]]] = []
    if table.primary_key is not None:
        wanted.append((table.primary_key.name, "pkey", []))
    wanted += [(u.name, "key", list(u.columns)) for u in table.uniques]
    for index in sorted(table.indexes, key=lambda i: i.name):
        columns = [e.column or expressions.expression_label(e.expression or "") for e in index.elements]
        wanted.append((index.name, "idx", _unique_column_names(columns + list(index.include))))
    names: dict[str, str] = {}
    picked: set[str] = set()  # beside `taken`, which is the whole model's and is not copied
    for key, label, columns in wanted:
        addition = index_name_addition(columns) if columns else None
        candidate, n = make_object_name(relation, addition, label), 0
        while candidate in taken or candidate in picked:
            n += 1
            candidate = make_object_name(relation, addition, f"{label}{n}")
        picked.add(candidate)
        names[key] = candidate
    return names


def _unique_column_names(columns: list[str]) -> list[str]:
    """ChooseIndexColumnNames: a name already used by an earlier column gets a number appended."""
    out: list[str] = []
    for name in columns:
        candidate, n = name, 0
        while candidate in out:
            n += 1
            candidate = name.encode()[: NAMEDATALEN - 1 - len(str(n))].decode(errors="ignore") + str(n)
        out.append(candidate)
    return out


def _surviving_indexes(planner: _Planner, old: Table, new: Table) -> set[str]:
    """The parent indexes and index-backed constraints of A that still exist when partitions move.

    The differ drops changed or removed ones before the partitions phase and renames the ones that
    only change name, which leaves the partitions' index names as they were.
    """
    old_indexes = {i.name: i for i in old.indexes}
    new_indexes = {i.name: i for i in new.indexes}
    renamed = matched_renames(old_indexes, new_indexes, _same_index)
    surviving = {
        name
        for name, index in old_indexes.items()
        if name in renamed or (name in new_indexes and _same_index(new_indexes[name], index))
    }
    old_set, new_set = _constraints(old, planner.renames), _constraints(new, planner.renames)
    taken = matched_renames(old_set, new_set, _same_constraint)
    surviving |= {
        key
        for key, (kind, constraint) in old_set.items()
        if kind in ("primary_key", "unique")
        and (key in taken or (key in new_set and _same_definition(new_set[key][1], constraint)))
    }
    return surviving


def _renamed_foreign_keys(planner: _Planner, old: Table, new: Table) -> list[tuple[str, str]]:
    """(old name, new name) of the foreign keys the differ renames: same definition, new name."""
    old_set, new_set = _constraints(old, planner.renames), _constraints(new, planner.renames)
    renamed: list[tuple[str, str]] = []
    for key, (kind, constraint) in new_set.items():
        if key in old_set:
            continue
        same = next(
            (
                k
                for k, (okind, oc) in old_set.items()
                if k not in new_set
                and okind == kind
                and k not in {o for o, _ in renamed}
                and _same_definition(oc, constraint)
            ),
            None,
        )
        if same is not None and kind == "foreign_key":
            renamed.append((same, key))
    return renamed


def kept_foreign_keys(planner: _Planner) -> dict[tuple[str, str], list[tuple[Table, ForeignKey]]]:
    """Foreign keys of B that exist unchanged in A (the differ handles the rest), by the (schema, table)
    they reference: what a change of that table's partitions must drop and re-validate."""
    found: dict[tuple[str, str], list[tuple[Table, ForeignKey]]] = {}
    old_name = {new: old for old, new in planner.renames.tables.items()}
    for other in planner.b.tables:
        if not other.foreign_keys:
            continue
        before = planner.a.table(old_name.get(other.name, other.name))
        if before is None:
            continue
        old_keys = [c for kind, c in _constraints(before, planner.renames).values() if kind == "foreign_key"]
        for fk in other.foreign_keys:
            if any(_same_definition(old, fk) for old in old_keys):
                found.setdefault((fk.ref_schema, fk.ref_table), []).append((other, fk))
    return found


def _table_list(foreign_keys: list[tuple[Table, ForeignKey]], with_keys: bool = False) -> str:
    if with_keys:
        return ", ".join(f"{t.name}.{fk.name}" for t, fk in foreign_keys)
    return ", ".join(dict.fromkeys(t.name for t, _ in foreign_keys))


def _copied_columns(planner: _Planner, old: Table, new: Table) -> tuple[list[str], bool]:
    """The columns a moved row carries when partitions move (after columns are added and renamed,
    before any is dropped), and whether an identity column needs OVERRIDING SYSTEM VALUE."""
    old_names = set(old.column_names)
    matched: set[str] = set()
    for column in new.columns:
        source = column.renamed_from
        if (
            source
            and (new.name, source) in planner.renames.columns
            and source in old_names
            and column.name not in old_names
        ):
            matched.add(source)
        elif column.name in old_names:
            matched.add(column.name)
    columns = [c for c in new.columns if c.generated is None]
    columns += [c for c in old.columns if c.name not in matched and c.generated is None]
    return [c.name for c in columns], any(c.identity == "always" for c in columns)


# --- bounds --------------------------------------------------------------------------------------


def _filter(kind: str, bound: PartitionBound) -> _RangeFilter | _ListFilter:
    """What a row must satisfy to belong to a child with this bound (range or list)."""
    if kind == "list":
        return _ListFilter(tuple(v for v in bound.values if v is not None), None in bound.values)
    return _RangeFilter(_side(bound.range_from, lower=True), _side(bound.range_to, lower=False))


def _side(value: object, *, lower: bool) -> _Side | None:
    """A range bound as a comparison: MINVALUE/MAXVALUE end the compared key prefix."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    for i, v in enumerate(values):
        if isinstance(v, str) and v in RANGE_KEYWORDS:
            if i == 0:
                return None  # MINVALUE below, MAXVALUE above: no limit on this side
            # (a, MINVALUE) from: key[:1] >= a; (a, MAXVALUE) from: key[:1] > a; mirrored for `to`
            return _Side(tuple(values[:i]), inclusive=(v == "MINVALUE") == lower)
    return _Side(tuple(values), inclusive=lower)


def _merged(filters: list[_RangeFilter | _ListFilter]) -> list[_RangeFilter | _ListFilter]:
    """Adjacent ranges joined (a moved window of months is one range), list values gathered."""
    out: list[_RangeFilter | _ListFilter] = []
    for f in filters:
        last = out[-1] if out else None
        if (
            isinstance(f, _RangeFilter)
            and isinstance(last, _RangeFilter)
            and last.upper is not None
            and f.lower is not None
            and not last.upper.inclusive
            and f.lower.inclusive
            and last.upper.values == f.lower.values
        ):
            out[-1] = _RangeFilter(last.lower, f.upper)
        elif isinstance(f, _ListFilter) and isinstance(last, _ListFilter):
            out[-1] = _ListFilter(last.values + f.values, last.null or f.null)
        else:
            out.append(f)
    return out


def _order(value: object) -> tuple[int, object] | None:
    """A sort key for one bound value; None when it cannot be compared safely."""
    if value == "MINVALUE":
        return (0, 0)
    if value == "MAXVALUE":
        return (2, 0)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (1, value.timestamp()) if value.tzinfo else None
    if isinstance(value, date):
        return (1, datetime(value.year, value.month, value.day).timestamp())
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        # a bound without an offset is read in the session's time zone: comparable only with its kind
        return (1, moment.timestamp()) if moment.tzinfo else (1, moment.replace(tzinfo=None).isoformat())
    return None


def _range_key(value: object) -> tuple[tuple[int, object], ...] | None:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    keys = [_order(v) for v in values]
    return None if any(k is None for k in keys) else tuple(keys)  # type: ignore[misc]


def _overlaps(kind: str, a: PartitionBound, b: PartitionBound) -> bool:
    """Whether rows of bound `a` may belong to bound `b` (True when it cannot be told)."""
    if kind == "list":
        return bool({repr(v) for v in a.values} & {repr(v) for v in b.values})
    keys = [_range_key(v) for v in (a.range_from, a.range_to, b.range_from, b.range_to)]
    if any(k is None for k in keys):
        return True
    a_from, a_to, b_from, b_to = keys
    try:
        return a_from < b_to and b_from < a_to  # type: ignore[operator]
    except TypeError:
        return True


def _covered(kind: str, bound: PartitionBound, others: list[PartitionBound]) -> bool:
    """Whether every row of `bound` belongs to one of `others` (False when it cannot be told)."""
    if bound.is_default:
        return False
    if kind == "list":
        return {repr(v) for v in bound.values} <= {repr(v) for o in others for v in o.values}
    low, high = _range_key(bound.range_from), _range_key(bound.range_to)
    spans = [(_range_key(o.range_from), _range_key(o.range_to)) for o in others]
    if low is None or high is None or any(start is None or end is None for start, end in spans):
        return False
    try:
        spans.sort()  # type: ignore[arg-type]
        reached = low
        for start, end in spans:
            if start > reached:  # type: ignore[operator]
                break
            reached = max(reached, end)  # type: ignore[type-var]
        return reached >= high  # type: ignore[operator]
    except TypeError:
        return False


def _clone_order(scheme: PartitionScheme, path: tuple[str, ...] = ()) -> list[tuple[str, ...]] | None:
    """Partitions depth first in PostgreSQL's partition order (range by lower bound, hash by modulus
    and remainder, DEFAULT last): the order a foreign key's clones are numbered in. None when unknown."""
    if scheme.kind == "list":
        return None
    rest = [c for c in scheme.children if not c.bound.is_default]
    if scheme.kind == "hash":
        rest.sort(key=lambda c: (c.bound.modulus or 0, c.bound.remainder or 0))
    else:
        keys = [_range_key(c.bound.range_from) for c in rest]
        if any(k is None for k in keys):
            return None
        try:
            rest = [c for _, c in sorted(zip(keys, rest, strict=True), key=lambda pair: pair[0])]  # type: ignore[arg-type, return-value]
        except TypeError:
            return None
    ordered = rest + [c for c in scheme.children if c.bound.is_default]
    out: list[tuple[str, ...]] = []
    for child in ordered:
        here = (*path, _bound_key(child.bound))
        out.append(here)
        if child.sub is not None:
            below = _clone_order(child.sub, here)
            if below is None:
                return None
            out += below
    return out

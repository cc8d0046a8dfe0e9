"""Comparing the partition trees of a table in A and B: which children stay, are renamed, dropped,
created, or replaced by *moves* (`recipes.partitions` turns each into statements).

The children of one level are matched by bound. A matched child stays (renamed with its indexes when
its name changes, e.g. after a table rename); the others are replaced by moves. A move is one
transaction on one partitioned parent: detach the old children (and a kept DEFAULT whose rows may
belong to a new child), rename the old ones out of the way when a new child takes their name, create
the new children with `PARTITION OF` (so their indexes and constraint clones get the names a fresh
render gives them), re-insert the rows through the parent, drop the old children.

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

The temporary names of detached children are picked here, for the whole plan at once (no two tables
pick the same), in the order the moves run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import cached_property

from schemagen.model import (
    ForeignKey,
    Model,
    PartitionChild,
    PartitionScheme,
    PrimaryKey,
    Table,
    UniqueConstraint,
    lifecycle,
)
from schemagen.model.archive import archive_entry
from schemagen.model.partitions import bound_value
from schemagen.plan import schemes
from schemagen.plan.changes import (
    BoundsChanged,
    Change,
    CreatePartitions,
    CreatePeriod,
    DropPartitions,
    DropReferencingForeignKeys,
    ExpirePeriod,
    HashMerge,
    HashRebuild,
    HashSplit,
    MoveReason,
    PartitionCreate,
    PartitionDrop,
    PartitionMove,
    RelationRename,
    RenamePartitions,
    RestoreForeignKey,
    SubpartitionChanged,
)
from schemagen.plan.errors import PlanError
from schemagen.plan.matching import (
    matched_renames,
    named_constraints,
    recloned,
    relation_names,
    same_definition,
    same_index,
)
from schemagen.plan.renames import Renames, with_new_column_names
from schemagen.postgres.names import make_object_name

ForeignKeys = tuple[tuple[Table, ForeignKey], ...]


class PartitionDiff:
    """The partition changes of every table of one plan: what they share is the relations' namespace
    (temporary names must collide with nothing in A, in B, or picked before) and the foreign keys that
    exist unchanged in both versions."""

    def __init__(self, a: Model, b: Model, renames: Renames) -> None:
        self.a, self.b, self.renames = a, b, renames

    @cached_property
    def a_names(self) -> set[str]:
        return relation_names(self.a)  # (read only, as `b_names`: `taken` is the set names are added to)

    @cached_property
    def b_names(self) -> set[str]:
        return relation_names(self.b)

    @cached_property
    def taken(self) -> set[str]:
        """Every name a relation may have in A or B, and the temporary names picked so far."""
        return self.a_names | self.b_names

    @cached_property
    def kept_foreign_keys(self) -> dict[tuple[str, str], list[tuple[Table, ForeignKey]]]:
        """Foreign keys of B that exist unchanged in A (the diff handles the rest, and adds again those of
        a renamed table), by the (schema, table) they reference: what a change of that table's partitions
        must drop and re-validate."""
        found: dict[tuple[str, str], list[tuple[Table, ForeignKey]]] = {}
        old_name = {new: old for old, new in self.renames.tables.items()}
        for other in self.b.tables:
            if not other.foreign_keys:
                continue
            before = self.a.table(old_name.get(other.key, other.key))
            if before is None:
                continue
            before = with_new_column_names(before, other.key, self.renames)
            # as `named_constraints` has them: naming the place in B of a renamed or moved target
            old_keys = [self.renames.target(old) for old in before.foreign_keys]
            for fk in other.foreign_keys:
                if recloned(self.b, before, other, fk):
                    continue
                # most keys are equal outright (their location is not compared): no copies to compare
                if fk in old_keys or any(same_definition(old, fk) for old in old_keys):
                    found.setdefault((fk.ref_schema, fk.ref_table), []).append((other, fk))
        return found

    def unused(self, name: str, label: str) -> str:
        """A name for relation `name` out of the way, taken from now on."""
        candidate, n = make_object_name(name, None, label), 0
        while candidate in self.taken:
            n += 1
            candidate = make_object_name(name, None, f"{label}{n}")
        self.taken.add(candidate)
        return candidate

    def table(self, old: Table, new: Table, rebuilt: frozenset[str] = frozenset()) -> Iterator[Change]:
        """The changes that turn `old`'s partitions into `new`'s (none when they are the same).

        `rebuilt`: indexes of the table the plan drops before the partitions change and creates again
        after (they read a column converted to a rebuilt enum), so the moves find none of theirs."""
        if old.partition is None and new.partition is None:
            return
        if old.partition is None or new.partition is None:
            change = "becomes partitioned" if old.partition is None else "stops being partitioned"
            raise PlanError(
                f"table {new.name} {change}: PostgreSQL cannot change that in place and it is not planned; "
                f"add a new entity with the wanted partitioning, copy the rows into it, then drop this one",
                new.name,
            )
        # compared with its key columns renamed: RENAME COLUMN runs before the partitions change
        before = schemes.with_renamed_columns(old.partition, _renamed_columns(self.renames, old, new))
        if schemes.structure(before) != schemes.structure(new.partition):
            raise PlanError(
                f"the partitioning of {new.name} changes from {schemes.describe(old.partition)} to "
                f"{schemes.describe(new.partition)}: PostgreSQL cannot change a partition key in place and "
                f"it is not planned; add a new entity partitioned the new way, copy the rows into it, then "
                f"drop this one",
                new.name,
            )
        # every child's schema written out: A's as they are once the table moved (its partitions that
        # follow it move with it, `MoveTable`), a partition that `names:` pins elsewhere where it is
        a, b = schemes.with_schemas(before, new.schema), schemes.with_schemas(new.partition, new.schema)
        yield from _TablePartitions(self, old, new, a, b, rebuilt).changes()


class _TablePartitions:
    """Compares the partition trees of one table and turns the differences into changes (`shared`: what
    the tables of the plan share)."""

    def __init__(
        self,
        shared: PartitionDiff,
        old: Table,
        new: Table,
        a: PartitionScheme,
        b: PartitionScheme,
        rebuilt: frozenset[str] = frozenset(),
    ) -> None:
        self.shared, self.old, self.new, self.a, self.b = shared, old, new, a, b
        self.rebuilt = rebuilt
        self.renames: list[RelationRename] = []  # children kept under a new name, with their indexes
        self.drops: list[PartitionDrop] = []
        self.creates: list[PartitionCreate] = []  # new children, no rows to move
        self.moves: list[PartitionMove] = []  # their `retired` is filled in when they are emitted
        self.kept: list[str] = []  # children that stay, by their name in B
        self.expiring: list[PartitionChild] = []  # periods leaving a window with `expire:` at its start
        self.returning: list[PartitionChild] = []  # periods coming back before such a window's start
        # the tables the partitions' foreign keys reference: a partition created, detached or dropped
        # gets or loses the triggers of each key, on the referenced table too. By their names in B: the
        # partitions change after the renames
        targets = [shared.renames.target(fk) for fk in old.foreign_keys]
        referenced = {(fk.ref_schema, fk.ref_table) for fk in targets}
        self.referenced = tuple(sorted(referenced - {(new.schema, new.name)}))

    @cached_property
    def surviving(self) -> set[str]:
        return _surviving_indexes(self.shared.renames, self.old, self.new) - self.rebuilt

    @cached_property
    def clone_labels(self) -> tuple[schemes.CloneLabel, ...]:
        """What names the indexes of each partition of the table (in A): the same for every one."""
        return schemes.clone_index_labels(self.old)

    @cached_property
    def copied(self) -> tuple[tuple[str, ...], bool]:
        return _copied_columns(self.shared.renames, self.old, self.new)

    def changes(self) -> Iterator[Change]:
        renamed_keys = _renamed_foreign_keys(self.shared.b, self.shared.renames, self.old, self.new)
        if self.a == self.b:
            if not renamed_keys:
                return
            self.kept = [c.name for child in self.b.children for c in schemes.subtree(child)]
        else:
            self.level(self.new.name, self.a, self.b)
        if self.renames or (renamed_keys and self.kept):
            yield RenamePartitions(self.new, tuple(self.renames), tuple(renamed_keys), tuple(self.kept))
        changed = self.moves or self.drops or self.creates or self.expiring or self.returning
        foreign_keys = (
            tuple(self.shared.kept_foreign_keys.get((self.new.schema, self.new.name), [])) if changed else ()
        )
        if self.drops:
            yield DropPartitions(self.new, tuple(self.drops), foreign_keys, self.referenced)
        # with the foreign keys to the table in place: deleting a period's rows runs their ON DELETE actions
        yield from self.expire(foreign_keys)
        cycle = bool(foreign_keys) and bool(
            self.moves
            or self.drops
            or self.expiring
            or self.returning
            or (self.creates and not self.appended_only())
        )
        if cycle:
            yield DropReferencingForeignKeys(self.new, foreign_keys)
        if self.creates:
            yield CreatePartitions(self.new, tuple(self.creates), self.referenced)
        yield from self.bring_back(foreign_keys)
        for move in self.moves:
            yield replace(move, retired=tuple(self.retire(move.old)))
        if cycle:
            for table, fk in foreign_keys:
                yield RestoreForeignKey(table, fk, self.new.name)

    def expire(self, foreign_keys: ForeignKeys) -> Iterator[Change]:
        """The periods leaving the start of a window with `expire:`, as maintenance expires them."""
        window = self.b.window
        if not self.expiring or window is None or window.expire is None:
            return
        old_default = any(c.bound.is_default for c in self.a.children)
        archive = None
        if window.expire == "archive" and self.new.archive is not None:
            archive = archive_entry(self.shared.b, self.new, self.new.archive)
        for child in self.expiring:
            yield ExpirePeriod(
                self.new,
                child.name,
                window.expire,
                "attached",
                concurrently=not old_default and self.old.distribution is None,
                batch=None,
                archive=archive,
                referenced=self.referenced,
                referencing=tuple(dict.fromkeys((t.schema, t.name) for t, _ in foreign_keys)),
                child_schema=child.schema if child.schema != self.new.schema else None,
            )

    def bring_back(self, foreign_keys: ForeignKeys) -> Iterator[Change]:
        """The periods a window with `expire:` gets back before its start: made (or, left detached, taken
        back) and attached, given the rows of the DEFAULT partition that belong to them."""
        default = next((c for c in self.b.children if c.bound.is_default), None)
        for child in self.returning:
            yield CreatePeriod(
                self.new,
                child,
                default.name if default is not None else None,
                default is not None,
                None,
                self.referenced,
                tuple(dict.fromkeys((t.schema, t.name) for t, _ in foreign_keys)),
                returning=True,
                default_schema=default.schema if default is not None else None,
            )

    # --- comparing the trees -------------------------------------------------------------------

    def level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        """Plan one level: `a` and `b` partition the same key the same way."""
        if a.kind == "hash":
            self.hash_level(parent, a, b)
        else:
            self.bound_level(parent, a, b)

    def keep(self, a: PartitionChild, b: PartitionChild) -> bool:
        """Keep a child whose bound is unchanged; False when its own partitioning needs a rebuild."""
        if schemes.structure(a.sub) != schemes.structure(b.sub):
            return False
        self.kept.append(b.name)
        if a.name != b.name or a.schema != b.schema:  # renamed, or pinned to another schema
            self.renames.append(
                self.renamed(
                    a.name,
                    b.name,
                    surviving=None,
                    after_taken=self.shared.b_names,
                    schema=a.schema,
                    to=b.schema,
                )
            )
        if a.sub is not None and b.sub is not None and a.sub != b.sub:
            self.level(b.name, a.sub, b.sub)
        return True

    def move(
        self,
        parent: str,
        scheme: PartitionScheme,
        old: list[PartitionChild],
        new: list[PartitionChild],
        why: MoveReason,
        *,
        default: PartitionChild | None = None,
        filtered: bool = False,
    ) -> None:
        columns, overriding = self.copied
        self.moves.append(
            PartitionMove(
                self.new,
                parent,
                scheme,
                tuple(old),
                tuple(new),
                why,
                columns,
                overriding,
                self.referenced,
                default=default,
                filtered=filtered,
            )
        )

    def hash_level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        old = {(c.bound.modulus, c.bound.remainder): c for c in a.children}
        new = {(c.bound.modulus, c.bound.remainder): c for c in b.children}
        if old.keys() == new.keys():
            for key, child in new.items():
                if not self.keep(old[key], child):
                    self.move(parent, b, [old[key]], [child], SubpartitionChanged())
            return
        if not a.children or not b.children:
            # modulus 0 on one side (no partitions yet): the other side's created, or dropped with
            # their rows (a hazard, as any dropped partition); no row can be in a table without them
            concurrently = self.old.distribution is None
            self.drops += [PartitionDrop(parent, c.name, concurrently, c.schema) for c in a.children]
            self.creates += [PartitionCreate(parent, b, c) for c in b.children]
            return
        m, n = schemes.modulus(a), schemes.modulus(b)
        if n % m == 0 or m % n == 0:
            shared = min(m, n)
            # each side's children by group (remainder modulo the smaller modulus), in their order
            olds: list[list[PartitionChild]] = [[] for _ in range(shared)]
            news: list[list[PartitionChild]] = [[] for _ in range(shared)]
            for children, groups in ((a.children, olds), (b.children, news)):
                for c in children:
                    groups[(c.bound.remainder or 0) % shared].append(c)
            for group in range(shared):
                self.move(parent, b, olds[group], news[group], HashSplit(m) if n > m else HashMerge(n))
            return
        self.move(parent, b, list(a.children), list(b.children), HashRebuild(m, n))

    def bound_level(self, parent: str, a: PartitionScheme, b: PartitionScheme) -> None:
        old = {schemes.bound_key(c.bound): c for c in a.children}
        removed: list[PartitionChild] = []
        added: list[PartitionChild] = []
        rebuilt: list[str] = []
        new_keys: set[str] = set()
        for child in b.children:
            key = schemes.bound_key(child.bound)
            new_keys.add(key)
            match = old.get(key)
            if match is None:
                added.append(child)
            elif not self.keep(match, child):
                removed.append(match)
                added.append(child)
                rebuilt.append(child.name)
        removed += [c for key, c in old.items() if key not in new_keys]
        if parent == self.new.name:
            expiring, returning = self.kept_window_edges(a, b, removed, added)
            removed = [c for c in removed if c not in expiring]
            added = [c for c in added if c not in returning]
            self.expiring += expiring
            self.returning += returning
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
                or any(schemes.overlaps(a.kind, child.bound, c.bound) for c in ranged)
            ):
                moved.append(child)
            else:
                # DETACH … CONCURRENTLY is not allowed while the parent has a DEFAULT partition,
                # nor by Citus on a distributed table
                concurrently = old_default is None and self.old.distribution is None
                self.drops.append(PartitionDrop(parent, child.name, concurrently, child.schema))
        lost = (
            []
            if new_default is not None
            else [c.name for c in moved if not schemes.covered(a.kind, c.bound, [x.bound for x in ranged])]
        )
        kept_default = new_default if old_default is not None and old_default not in removed else None
        from_default = kept_default is not None and bool(ranged)
        if not moved and not from_default:
            self.creates += [PartitionCreate(parent, b, c) for c in added]
            return
        why = BoundsChanged(
            new_default.name if new_default is not None else None, tuple(rebuilt), tuple(lost)
        )
        self.move(
            parent,
            b,
            moved,
            added,
            why,
            default=kept_default if from_default else None,
            filtered=new_default is None,
        )

    def kept_window_edges(
        self,
        a: PartitionScheme,
        b: PartitionScheme,
        removed: list[PartitionChild],
        added: list[PartitionChild],
    ) -> tuple[list[PartitionChild], list[PartitionChild]]:
        """The periods a window with `expire:` loses at its start (its `from:` moved forward), which
        expire as it says instead of moving into the DEFAULT partition; and the periods a window with
        `expire:` gets back before its start (`from:` moved back), which come back as periods do."""
        if a.window is None or b.window is None:
            return [], []
        if b.window.premake is not None and b.window.end < a.window.end:
            raise PlanError(
                f"the window of {self.new.name} ends on {b.window.end}, before {a.window.end}: a window kept "
                f"with `premake` only grows at its end (periods ahead may hold rows already); write `to: "
                f"{a.window.end}`",
                self.new.name,
            )
        kind = lifecycle.key_type(self.new)

        def before(child: PartitionChild, start: date) -> bool:
            return not child.bound.is_default and str(child.bound.range_to) <= str(bound_value(start, kind))

        expiring = [c for c in removed if b.window.expire and before(c, b.window.start)]
        returning = [c for c in added if a.window.expire and before(c, a.window.start)]
        return expiring, returning

    def appended_only(self) -> bool:
        """Whether B's partitions are A's followed by new ones, in the order PostgreSQL numbers clones."""
        before, after = schemes.clone_order(self.a), schemes.clone_order(self.b)
        return before is not None and after is not None and after[: len(before)] == before

    # --- names ---------------------------------------------------------------------------------

    def retire(self, children: tuple[PartitionChild, ...]) -> Iterator[RelationRename]:
        """Detached children (and their partitions) whose names B reuses, renamed out of the way."""
        for child in children:
            for relation in schemes.subtree(child):
                if relation.name in self.shared.b_names:
                    retired = self.shared.unused(relation.name, "old")
                    yield self.renamed(
                        relation.name,
                        retired,
                        surviving=self.surviving,
                        after_taken=self.shared.taken,
                        schema=relation.schema,
                    )

    def renamed(
        self,
        old: str,
        new: str,
        *,
        surviving: set[str] | None,
        after_taken: set[str] | frozenset[str],
        schema: str | None = None,
        to: str | None = None,
    ) -> RelationRename:
        """A partition of A renamed, with the indexes PostgreSQL gave it renamed to the names it gives
        `new` (only those in `surviving`, when given: the others are dropped before the move); `schema`:
        where it is, `to`: the schema it moves to."""
        before = schemes.clone_index_names(self.old, old, self.shared.a_names, self.clone_labels)
        after = schemes.clone_index_names(self.old, new, after_taken, self.clone_labels)
        indexes = []
        for key, name in before.items():
            if surviving is not None and key not in surviving:
                continue
            self.shared.taken.add(after[key])
            indexes.append((name, after[key]))
        return RelationRename(old, new, tuple(indexes), schema, to if to != schema else None)


# --- helpers -------------------------------------------------------------------------------------


def _surviving_indexes(renames: Renames, old: Table, new: Table) -> set[str]:
    """The parent indexes and index-backed constraints of A that still exist when partitions move.

    The diff drops changed or removed ones before the partitions phase and renames the ones that
    only change name, which leaves the partitions' index names as they were; an index over a renamed
    column is renamed with it.
    """
    old = with_new_column_names(old, new.key, renames)
    old_indexes = {i.name: i for i in old.indexes}
    new_indexes = {i.name: i for i in new.indexes}
    renamed = matched_renames(old_indexes, new_indexes, same_index)
    surviving = {
        name
        for name, index in old_indexes.items()
        if name in renamed or (name in new_indexes and same_index(new_indexes[name], index))
    }
    old_set, new_set = named_constraints(old, renames), named_constraints(new)
    taken = matched_renames(old_set, new_set, same_definition)
    surviving |= {
        key
        for key, constraint in old_set.items()
        if isinstance(constraint, (PrimaryKey, UniqueConstraint))
        and (key in taken or (key in new_set and same_definition(new_set[key], constraint)))
    }
    return surviving


def _renamed_foreign_keys(model: Model, renames: Renames, old: Table, new: Table) -> list[tuple[str, str]]:
    """(old name, new name) of the foreign keys the diff renames: same definition, new name (`model`:
    the version `new` is of)."""
    old_set, new_set = named_constraints(old, renames), named_constraints(new)
    renamed: list[tuple[str, str]] = []
    for key, constraint in new_set.items():
        if key in old_set or recloned(model, old, new, constraint):
            continue
        same = next(
            (
                k
                for k, oc in old_set.items()
                if k not in new_set and k not in {o for o, _ in renamed} and same_definition(oc, constraint)
            ),
            None,
        )
        if same is not None and isinstance(constraint, ForeignKey):
            renamed.append((same, key))
    return renamed


def _renamed_columns(renames: Renames, old: Table, new: Table) -> dict[str, str]:
    """The columns of `old` that `new` renames, old name → new name, matched as the diff matches them."""
    before = set(old.column_names)
    return {
        source: name
        for (table, source), name in renames.columns.items()
        if table == new.key and source in before and name not in before
    }


def _copied_columns(renames: Renames, old: Table, new: Table) -> tuple[tuple[str, ...], bool]:
    """The columns a moved row carries when partitions move (after columns are added and renamed,
    before any is dropped), and whether an identity column needs OVERRIDING SYSTEM VALUE."""
    old_names = set(old.column_names)
    # through the plan's renames, not `renamed_from`: the model a down migration goes back to has none
    sources = {name: source for source, name in _renamed_columns(renames, old, new).items()}
    matched = {sources.get(c.name, c.name) for c in new.columns} & old_names
    columns = [c for c in new.columns if c.generated is None]
    columns += [c for c in old.columns if c.name not in matched and c.generated is None]
    return tuple(c.name for c in columns), any(c.identity == "always" for c in columns)

"""Comparing where Citus keeps each table's rows in A and in B: which tables are distributed, made
reference tables, made plain again, or redistributed in place (`recipes.distribution` turns each into
statements).

Citus has no statement that changes a table from one kind to another: a reference table becomes
hash-distributed (or the reverse) by being made plain (`undistribute_table`) and distributed again. A
hash-distributed table that stays one is changed in place by `alter_distributed_table`: a new
distribution column, a new colocation group, a new shard count (for its whole group at once).

Colocation groups are compared as groups, not by the root table each Model names: a B group
*continues* the A group its root belonged to, and when two B groups come from one A group, the one
keeping more of its tables continues it (ties by root name) while the other's root leaves it for a
group of its own. A table whose B group does not continue its A group moves to its B root. A group
that continues with another shard count changes it once, from its root, for every table in it.

The changes come in the order Citus accepts them: tables made plain first; then new reference tables
and new group roots (the groups tables move into); then the tables redistributed in place, roots
before the tables that move to them; then shard counts; then the tables newly colocated with a root,
which so take the root's final shard count.

Foreign keys that touch a table whose rows change place (anything but a shard count) are dropped
before and added again after (`relocated`): Citus refuses to distribute or undistribute a table with
keys to or from other tables, and `alter_distributed_table` drops the keys between tables it
separates. A new shard count keeps the keys of its group, except those of a partitioned table:
`alter_distributed_table` converts its partitions one by one, detaching each (refused while a key
references rows in it), and then adds the table's own keys to each partition, which already has them
("constraint … already exists"), on Citus 13.2.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from schemagen.model import Distribution, Model, Table
from schemagen.plan.changes import (
    AlterDistribution,
    Change,
    Distribute,
    DistributeSchema,
    Undistribute,
    UndistributeSchema,
)
from schemagen.plan.errors import PlanError
from schemagen.plan.matching import same_definition

TablePair = tuple[Table, Table]


class DistributionDiff:
    """One comparison of the distributions of A and B; `pairs`: the tables of A and B that are the same
    table (B's under their new names)."""

    def __init__(self, a: Model, b: Model, pairs: list[TablePair]) -> None:
        self.a, self.b = a, b
        self.old = {new.name: old for old, new in pairs}
        self.new_name = {old.name: new.name for old, new in pairs}

    # --- what each table was and becomes ----------------------------------------------------------

    def was(self, name: str) -> Distribution | None:
        old = self.old.get(name)
        return old.distribution if old is not None else None

    def kept_hash(self, name: str) -> bool:
        """Hash-distributed in A and in B (whatever else changes)."""
        was, table = self.was(name), self.b.tables_by_name.get(name)
        return (
            was is not None
            and was.kind == "hash"
            and table is not None
            and table.distribution is not None
            and table.distribution.kind == "hash"
        )

    def a_group(self, name: str) -> str:
        """The A colocation group of a table hash-distributed in A, by its root's B name (a root that B
        drops keeps its A name, marked so it matches no B table)."""
        was = self.was(name)
        assert was is not None
        root = was.colocate_with or self.old[name].name
        return self.new_name.get(root, f"({root})")

    @staticmethod
    def b_root(table: Table) -> str:
        assert table.distribution is not None
        return table.distribution.colocate_with or table.name

    def column_type(self, table: Table, column: str | None) -> str | None:
        return next((c.type for c in table.columns if c.name == column), None)

    def retyped(self, name: str) -> bool:
        """Its distribution column changes to one of another type: it cannot stay in its group."""
        old, new = self.old[name], self.b.tables_by_name[name]
        assert old.distribution is not None and new.distribution is not None
        return self.column_type(old, old.distribution.column) != self.column_type(
            new, new.distribution.column
        )

    # --- colocation groups -----------------------------------------------------------------------

    @cached_property
    def b_roots(self) -> list[Table]:
        return sorted(
            (
                t
                for t in self.b.tables
                if t.distribution is not None
                and t.distribution.kind == "hash"
                and not t.distribution.colocate_with
            ),
            key=_key,
        )

    @cached_property
    def heirs(self) -> dict[str, str]:
        """A group → the B root whose group continues it."""
        claimants: dict[str, list[str]] = {}
        for root in self.b_roots:
            if self.kept_hash(root.name) and not self.retyped(root.name):
                claimants.setdefault(self.a_group(root.name), []).append(root.name)
        heirs = {}
        for group, roots in claimants.items():
            heirs[group] = min(roots, key=lambda r: (-self.kept_members(r, group), r))
        return heirs

    def kept_members(self, root: str, group: str) -> int:
        """How many tables of `root`'s B group were in the A group `group`."""
        return sum(
            1
            for t in self.b.tables
            if t.distribution is not None
            and t.distribution.kind == "hash"
            and self.b_root(t) == root
            and self.kept_hash(t.name)
            and self.a_group(t.name) == group
        )

    def continues(self, root: str) -> bool:
        """`root`'s B group is its A group, possibly with other members and another shard count."""
        return self.kept_hash(root) and self.heirs.get(self.a_group(root)) == root

    def stays(self, table: Table) -> bool:
        """A table kept hash-distributed that stays in its A group (under B's root)."""
        root = self.b_root(table)
        return (
            self.continues(root)
            and self.a_group(table.name) == self.a_group(root)
            and (table.name == root or not self.retyped(table.name))
        )

    # --- the changes -----------------------------------------------------------------------------

    def changes(self) -> Iterator[Change]:
        yield from self.undistributed_schemas()
        yield from self.undistributed()
        yield from self.distributed(members=False)
        yield from self.altered()
        yield from self.shard_counts()
        yield from self.distributed(members=True)
        yield from self.distributed_schemas()

    # --- schema-based sharding ---------------------------------------------------------------------

    def undistributed_schemas(self) -> Iterator[Change]:
        """Schemas A shards as a whole and B does not, first: their tables become plain tables, which
        B may then distribute by `distribute:`. (A schema B no longer uses goes with its tables.)"""
        b_schemas = self.b.distributed_schema_names
        for name in sorted(self.a.distributed_schema_names - b_schemas):
            tables = tuple(
                t for t in sorted(self.b.tables, key=_key) if t.schema == name and t.name in self.old
            )
            if tables or name in self.b.used_schemas:
                yield UndistributeSchema(name, tables)

    def distributed_schemas(self) -> Iterator[Change]:
        """Schemas B shards as a whole and A does not, last: tables of them that A distributed were made
        plain first (`undistributed`), as Citus requires."""
        for name in sorted(self.b.distributed_schema_names - self.a.distributed_schema_names):
            tables = tuple(t for t in sorted(self.b.tables, key=_key) if t.schema == name)
            yield DistributeSchema(name, tables, tuple(t for t in tables if t.name in self.old))

    def undistributed(self) -> Iterator[Change]:
        """Tables made plain, or of another kind: members of a group before their root."""
        found = []
        for table in self.b.tables:
            was, now = self.was(table.name), table.distribution
            if was is not None and (now is None or now.kind != was.kind):
                self.refuse_identity(table.name, "made a plain table again")
                found.append((was.colocate_with is None, table.schema, table.name, Undistribute(table, was)))
        # (the tables B drops need nothing: DROP TABLE drops their shards)
        for *_, change in sorted(found, key=lambda f: f[:3]):
            yield change

    def distributed(self, *, members: bool) -> Iterator[Change]:
        """Tables that become reference or hash-distributed tables: reference tables and roots first,
        then (`members`) the tables colocated with a root."""
        for table in sorted(self.b.tables, key=_reference_first):
            now = table.distribution
            if now is None:
                continue
            was = self.was(table.name)
            if was is not None and was.kind == now.kind:
                continue
            if bool(now.colocate_with) != members:
                continue
            existing = table.name in self.old
            yield Distribute(table, existing, concurrently=existing and self.concurrently(table))

    def concurrently(self, table: Table) -> bool:
        """Whether its rows are copied while writes keep flowing: when the project asks for it, for a
        hash-distributed table whose primary key (its replica identity) stays through the migration,
        so the copy can follow UPDATE and DELETE too."""
        assert table.distribution is not None
        old = self.old[table.name]
        return (
            self.b.project.distribute_concurrently
            and table.distribution.kind == "hash"
            and old.primary_key is not None
            and table.primary_key is not None
            and same_definition(old.primary_key, table.primary_key)
        )

    def altered(self) -> Iterator[Change]:
        """Tables kept hash-distributed whose distribution column or colocation group changes: roots
        (that leave their A group for a group of their own) before the other tables."""
        for root in self.b_roots:
            if not self.kept_hash(root.name):
                continue
            was, now = self.old[root.name].distribution, root.distribution
            assert was is not None and now is not None
            column = now.column if now.column != was.column else None
            if self.continues(root.name):
                if column is not None:
                    yield self.alter(root, was, column=column)
            else:
                # a group of its own, named explicitly: by default Citus would colocate it with any
                # group of the same column type and shard count
                yield self.alter(root, was, column=column, colocate_with="none", shard_count=now.shard_count)
        for table in sorted(self.b.tables, key=_key):
            now = table.distribution
            if now is None or not now.colocate_with or not self.kept_hash(table.name):
                continue
            was = self.old[table.name].distribution
            assert was is not None
            column = now.column if now.column != was.column else None
            if self.stays(table):
                if column is not None:
                    yield self.alter(table, was, column=column)
            else:
                yield self.alter(table, was, column=column, colocate_with=now.colocate_with)

    def shard_counts(self) -> Iterator[Change]:
        """A group that continues with another shard count: changed from its root for all of it."""
        for root in self.b_roots:
            if not self.continues(root.name):
                continue
            was = self.old[root.name].distribution
            assert was is not None and root.distribution is not None
            if was.shard_count == root.distribution.shard_count:
                continue
            group = tuple(
                t
                for t in sorted(self.b.tables, key=_key)
                if t.name != root.name
                and t.distribution is not None
                and t.distribution.colocate_with == root.name
                and self.kept_hash(t.name)
            )
            yield self.alter(root, was, shard_count=root.distribution.shard_count, cascade=True, group=group)

    def alter(
        self,
        table: Table,
        was: Distribution,
        *,
        column: str | None = None,
        colocate_with: str | None = None,
        shard_count: int | None = None,
        cascade: bool = False,
        group: tuple[Table, ...] = (),
    ) -> AlterDistribution:
        self.refuse_identity(table.name, "redistributed")
        for member in group:
            self.refuse_identity(member.name, "redistributed with its colocation group")
        return AlterDistribution(table, was, column, colocate_with, shard_count, cascade, group)

    def refuse_identity(self, name: str, what: str) -> None:
        """Citus refuses to alter or undistribute a table with an identity column."""
        old = self.old[name]
        identity = next((c for c in old.columns if c.identity is not None), None)
        if identity is not None:
            raise PlanError(
                f"{name} would be {what}, but Citus cannot alter or undistribute a table with an identity "
                f"column ({name}.{identity.name}): not planned; give the column a sequence default instead "
                "of the identity in an earlier migration, or copy the rows into a new entity distributed "
                "the new way",
                name,
            )

    # --- what the rest of the plan must know ------------------------------------------------------

    @cached_property
    def relocated(self) -> frozenset[str]:
        """The tables (B names) whose rows change place other than by a new shard count, and the
        partitioned tables of a group whose shard count changes: the foreign keys that touch them are
        dropped before and added again after."""
        found = set()
        for change in self.changes():
            if (
                isinstance(change, (Undistribute, Distribute))
                and (not isinstance(change, Distribute) or change.existing)
            ) or (isinstance(change, AlterDistribution) and (change.column or change.colocate_with)):
                found.add(change.table.name)
        return frozenset(found | self.rebuilt_partitioned)

    @cached_property
    def rebuilt(self) -> frozenset[str]:
        """The tables (B names) that `alter_distributed_table` (the tables of a group whose shard count
        changes included) or `undistribute_table` builds anew. Citus 13.2 creates them, and the views
        over them, again without their comments, and the materialized views over a partitioned one
        empty."""
        found: set[str] = set()
        for change in self.changes():
            if isinstance(change, AlterDistribution):
                found.update(t.name for t in (change.table, *change.group))
            elif isinstance(change, Undistribute):
                found.add(change.table.name)
            elif isinstance(change, UndistributeSchema):
                found.update(t.name for t in change.tables)
            elif isinstance(change, DistributeSchema):
                # a table Citus made a Citus local table (for a key to a reference table) is built anew
                found.update(t.name for t in change.existing)
        return frozenset(found)

    @cached_property
    def rebuilt_partitioned(self) -> frozenset[str]:
        """The partitioned tables of `rebuilt`, which Citus converts partition by partition."""
        tables = self.b.tables_by_name
        return frozenset(name for name in self.rebuilt if tables[name].partition is not None)


def _key(table: Table) -> tuple[str, str]:
    return (table.schema, table.name)


def _reference_first(table: Table) -> tuple[bool, str, str]:
    return (table.distribution is None or table.distribution.kind != "reference", table.schema, table.name)

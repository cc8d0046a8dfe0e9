"""Model A, Model B → the typed changes between them, in the order the planner considers them.

Pure comparison: which tables, columns, constraints, indexes, enums, views, functions and partitions
are the same object in both (by name, through `renamed_from`, or — for constraints and indexes — by a
definition that is unchanged under a new generated name), and what differs. No SQL, no locks: the
recipes turn each change into statements, the analyzers into hazards. What cannot be planned at all
is refused here with a `PlanError` that says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import cached_property

from schemagen.diagnostics import rules
from schemagen.model import (
    Archive,
    CheckConstraint,
    Column,
    Default,
    Domain,
    Enum,
    ForeignKey,
    Function,
    Index,
    Model,
    SequenceGenerator,
    Table,
    Trigger,
    View,
    all_children,
    lifecycle,
    naming,
)
from schemagen.model import access as access_rules
from schemagen.model.access import TableAccess, access_of
from schemagen.model.aggregates import row_typed_functions
from schemagen.model.archive import archive_entry
from schemagen.model.object_access import AccessTarget, routine_target
from schemagen.model.ordering import order_domains, order_views
from schemagen.plan import casts, partition_objects, rebuilds, usertype_diff
from schemagen.plan.changes import (
    AddColumn,
    AddConstraint,
    AddDomainCheck,
    AddEnumValue,
    AddIndex,
    AlterColumnType,
    AlterIdentity,
    AlterSequence,
    Change,
    ChangeAccess,
    ChangeDefaultPrivileges,
    ChangeRole,
    CheckEmpty,
    CheckRemovedValues,
    Comment,
    Constraint,
    CreateArchiveFunction,
    CreateDomain,
    CreateEnum,
    CreateExtension,
    CreateMaintainFunction,
    CreateRefreshFunction,
    CreateRoutine,
    CreateSchema,
    CreateSequence,
    CreateTable,
    CreateTrigger,
    CreateView,
    DropColumn,
    DropConstraint,
    DropDomain,
    DropDomainCheck,
    DropEnum,
    DropExtension,
    DropFunction,
    DropIndex,
    DropNotNull,
    DropRoutine,
    DropSequence,
    DropTable,
    DropTrigger,
    DropView,
    MoveTable,
    NamePartitionIndexes,
    QuoteStandardBody,
    RebuildEnum,
    RebuildRange,
    RebuildTable,
    RenameColumn,
    RenameConstraint,
    RenameIndex,
    RenameSequence,
    RenameTable,
    ReplaceTrigger,
    ReplaceView,
    SetDefault,
    SetDomainDefault,
    SetDomainNotNull,
    SetIndexStorage,
    SetNotNull,
    SetPersistence,
    SetSequenceOwner,
    SetStandardBody,
    SetStorage,
    ValidateConstraint,
    extension_changes,
)
from schemagen.plan.distribution_diff import DistributionDiff
from schemagen.plan.errors import PlanError
from schemagen.plan.matching import (
    matched_renames,
    named_constraints,
    recloned,
    same_definition,
    same_expression,
    same_index,
    without,
)
from schemagen.plan.object_access_diff import AccessHistory, object_access_changes
from schemagen.plan.partition_diff import PartitionDiff
from schemagen.plan.renames import Renames, table_pairs, with_new_column_names
from schemagen.plan.schema_diff import schema_changes
from schemagen.plan.table_order import ordered_tables
from schemagen.postgres import builtins, expressions, routines
from schemagen.records import dataclass

TablePair = tuple[Table, Table]
ColumnKey = tuple[str, str]  # (table key, column), as B names them


@dataclass(frozen=True)
class _Sequences:
    """The sequences of A and B matched: by name, or (`renamed`, A's name → B's) by the column that owns
    them when that column's table or name changed; those only B has (`created`) and only A has
    (`dropped`), less the ones a column turned from serial to identity, or back, parks (`parked`: the
    sequence's key → the name it has meanwhile)."""

    pairs: list[tuple[SequenceGenerator, SequenceGenerator]]
    renamed: dict[str, str]
    created: list[SequenceGenerator]
    dropped: list[SequenceGenerator]
    # a column that becomes an identity goes on from the sequence that numbered it (A's); one that
    # stops being one, from the identity into the sequence of its new default (B's)
    previous: dict[ColumnKey, SequenceGenerator]
    numbered_by: dict[ColumnKey, SequenceGenerator]
    parked: dict[str, str]


def _has_identity(table: Table) -> bool:
    return any(column.identity for column in table.columns)


def _key_name(change: AddIndex | AddConstraint) -> str:
    return change.index.name if isinstance(change, AddIndex) else change.constraint.name


def role_changes(a: Model, b: Model) -> Iterator[Change]:
    """Roles B declares that A does not, or declares otherwise."""
    before = {r.name: r for r in a.roles}
    for role in b.roles:
        if before.get(role.name) != role:
            yield ChangeRole(before.get(role.name), role)


def default_privilege_changes(a: Model, b: Model) -> Iterator[Change]:
    """Default privileges granted or revoked, per (schema, kind of object, role)."""
    before = {d.key: d for d in a.default_privileges}
    after = {d.key: d for d in b.default_privileges}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        some = old if old is not None else new
        assert some is not None
        empty = replace(some, grants=(), public_revoked=False)
        yield ChangeDefaultPrivileges(old if old is not None else empty, new if new is not None else empty)


def access_changes(table: Table, old: TableAccess, new: TableAccess) -> Iterator[Change]:
    """The policies that go or change dropped early, and the rest of a table's access set last."""
    if access_rules.dropped_policies(old, new):
        yield ChangeAccess(table, old, new, drop_policies=True)
    if access_rules.has_changes(old, new):
        yield ChangeAccess(table, old, new)


def diff(a: Model, b: Model, renames: Renames, *, down: bool = False) -> list[Change]:
    """The changes that take a database at `a` to `b`.

    `down`: `b` is the version the database was at before `a` (a down migration), so every column it
    adds is one the up migration dropped with its values: NOT NULL without a default, it comes back
    nullable (SG906) instead of being refused.
    """
    return list(_Diff(a, b, renames, down=down).changes())


class _Diff:
    """One comparison. What it learns as it goes decides what it finds later: the columns converted to a
    rebuilt enum make their tables compared part by part, and the tables whose columns change shape make
    the views and functions over them recreated, so the enums come first and the views last."""

    def __init__(self, a: Model, b: Model, renames: Renames, *, down: bool) -> None:
        self.a, self.b, self.down = a, b, down
        self.renames = renames.resolved(a, b)
        self.recreated_views: set[str] = set()
        self.recreated_routines: set[AccessTarget] = set()
        self.replaced_views: set[str] = set()
        # tables (by key) whose columns change shape (views over them recreate)
        self.changed_tables: set[str] = set()
        # of those, by table: the columns whose type changes, the names in A of those dropped or renamed,
        # and the names in B of those renamed (a view that reads none of them is left alone)
        self.retyped: dict[str, set[str]] = {}
        self.lost_columns: dict[str, set[str]] = {}
        self.renamed_columns: dict[str, set[str]] = {}
        # of those, the tables rebuilt with their rows: every view over them is created again
        self.reshaped: set[str] = set()
        # tables that gain columns: a view reading their whole rows (`*`) is created again to show them
        self.grown_tables: set[str] = set()
        self.converted: dict[str, set[str]] = {}  # table → its columns converted to a rebuilt enum or range
        # rebuilt with their rows (RebuildTable), by (schema, name)
        self.rebuilt_tables: set[tuple[str, str]] = set()
        # a rebuilt range type's: the views (keys) it recreates, the functions (keyed signatures) it
        # drops and creates again
        self.range_views: set[str] = set()
        self.range_routines: set[str] = set()
        self.range_converted: dict[str, set[str]] = {}  # of `converted`, those of a rebuilt range type

    @cached_property
    def distributions(self) -> DistributionDiff:
        return DistributionDiff(self.a, self.b, self.match_tables()[0])

    @cached_property
    def partitions(self) -> PartitionDiff:
        return PartitionDiff(self.a, self.b, self.renames)

    def changes(self) -> Iterator[Change]:
        pairs, created, dropped = self.match_tables()
        self.refuse_taken_places(pairs, dropped, created)
        yield from self.extensions()
        yield from role_changes(self.a, self.b)
        yield from self.enums(pairs)
        yield from self.sequence_changes()
        yield from usertype_diff.dropped(self.a, self.b)  # before the domains they use go
        yield from self.domains(pairs)
        # after the domains they use
        for change in usertype_diff.created(self.a, self.b, self.kept_columns):
            if isinstance(change, RebuildRange):
                self.rebuilt_range(change)
            yield change
        for old, new in pairs:
            why = rebuilds.rebuild_reason(old, new, self.renames)
            if why is not None and (old.distribution is not None or new.distribution is not None):
                raise PlanError(
                    f"table {new.name} would be rebuilt ({why}), and it is distributed by Citus, which "
                    "the rebuild does not plan: make it a plain table in one migration, then change it",
                    new.name,
                )
            if why is not None:
                yield from self.rebuild_table(old, new, why)
            else:
                yield from self.table_changes(old, new)
        for table in ordered_tables(self.b.tables):
            if table.key in created:
                yield from self.create_table(table)
        for table in reversed(ordered_tables(self.a.tables)):
            if table.key in dropped:
                yield from self.drop_table(table)
        yield from self.distributions.changes()
        yield from self.views()
        yield from self.functions(pairs)
        yield from self.routines()
        yield from self.rebuilt_comments(pairs)
        yield from default_privilege_changes(self.a, self.b)
        yield from object_access_changes(
            self.a,
            self.b,
            frozenset((v.schema, v.name) for v in self.b.views if v.key in self.recreated_views),
            self.access_history(),
        )

    # --- project-wide ----------------------------------------------------------------------------

    def extensions(self) -> Iterator[Change]:
        new = set(self.b.project.extensions) - set(self.a.project.extensions)
        settings = {s.name: s for s in self.b.project.extension_settings}
        for name in builtins.creation_order(new, self.b.project.postgres):
            yield CreateExtension(name, settings.get(name))
        yield from extension_changes(self.a.project, self.b.project, down=self.down)
        for name in sorted(set(self.a.project.extensions) - set(self.b.project.extensions)):
            yield DropExtension(name)
        for name in sorted(self.b.used_schemas - self.a.used_schemas - {"public"}):
            yield CreateSchema(name)
        yield from schema_changes(self.a, self.b)

    # --- enums -----------------------------------------------------------------------------------

    def enums(self, pairs: list[TablePair]) -> Iterator[Change]:
        a_enums, b_enums = self.a.enums_by_name, self.b.enums_by_name
        for name, enum in sorted(b_enums.items()):
            old = a_enums.get(name)
            if old is None:
                yield CreateEnum(enum)
                continue
            yield from self.enum_values(old, enum, pairs)
        for name, enum in sorted(a_enums.items()):
            if name not in b_enums:
                yield DropEnum(enum)

    def enum_values(self, old: Enum, new: Enum, pairs: list[TablePair]) -> Iterator[Change]:
        removed = [v for v in old.values if v not in new.values]
        kept = [v for v in new.values if v in old.values]
        if removed or kept != [v for v in old.values if v in new.values]:
            yield from self.rebuild_enum(new, removed, pairs)
            return
        for i, value in enumerate(new.values):
            if value in old.values:
                continue
            # the values are added in their order: before the next value of A, else after the value just
            # before it (of A, or added by this migration already)
            before = next((v for v in new.values[i + 1 :] if v in old.values), None)
            after = None if before or i == 0 else new.values[i - 1]
            yield AddEnumValue(new, value, before, after, used=self.uses_enum_value(new, value))

    def uses_enum_value(self, enum: Enum, value: str) -> bool:
        """Whether the new spec writes `value` of `enum` anywhere: a default, a check, a predicate, a view."""
        quoted = "'" + value.replace("'", "''") + "'"
        for table in self.b.tables:
            for column in table.columns:
                if enum.is_type_of(column.type) and column.default and column.default.value == value:
                    return True
            texts = [c.expression for c in table.checks] + [i.where or "" for i in table.indexes]
            if any(quoted in text for text in texts):
                return True
        return any(quoted in view.query for view in self.b.views)

    def rebuild_enum(self, new: Enum, removed: list[str], pairs: list[TablePair]) -> Iterator[Change]:
        """Values removed or reordered: the old type parked under another name, the new one created and
        the columns that keep the type converted to it; the parked type is dropped last, once the
        columns this migration drops or retypes are gone."""
        based = sorted(d.name for d in self.a.domains if _type_name(d.type) == new.name)
        if based:
            raise PlanError(
                f"enum `{new.name}` loses or reorders values, which rebuilds it, and domain "
                f"{', '.join(f'`{name}`' for name in based)} is based on it: PostgreSQL cannot move a "
                "domain to the new type; base the domain on another type first, or add values instead",
                new.name,
            )
        parked = naming.truncate(f"{new.name}_old")
        columns, as_they_are = [], []
        for before, (table, column) in self.enum_columns(new, pairs):
            self.changed_tables.add(table.key)
            self.retyped.setdefault(table.key, set()).add(column.name)
            self.converted.setdefault(table.key, set()).add(column.name)
            columns.append((table, column))
            as_they_are.append(before)
        if removed and columns:
            yield CheckRemovedValues(new, tuple(removed), tuple(as_they_are))
        yield RebuildEnum(new, parked, tuple(removed), tuple(columns))
        yield DropEnum(new, parked)

    def enum_columns(
        self, enum: Enum, pairs: list[TablePair]
    ) -> Iterator[tuple[tuple[Table, Column], tuple[Table, Column]]]:
        """The columns of `enum`'s type in both versions: those that exist when the enum is rebuilt
        (after the renames, before any column is added or dropped) and keep the type, each under its
        name before the migration and under its new name.

        A column added later, or in a table created later, is created with the new type; one dropped or
        retyped later keeps the parked type until then.
        """
        for old, new in pairs:
            for before, column in self.match_columns(old, new):
                if before is not None and before.type == column.type and enum.is_type_of(column.type):
                    yield (old, before), (new, column)

    def kept_columns(self, types: frozenset[str]) -> tuple[tuple[Table, Column], ...]:
        """The columns of one of `types` (directly or in an array) that exist when a range type is
        rebuilt and keep their type, under their new names (as for `enum_columns`)."""
        return tuple(
            (new, column)
            for old, new in self.match_tables()[0]
            for before, column in self.match_columns(old, new)
            if before is not None and before.type == column.type and _type_name(column.type) in types
        )

    def rebuilt_range(self, change: RebuildRange) -> None:
        """Its columns are converted (their tables compared part by part, the views reading them
        recreated); the views and functions naming it are made again."""
        for table, column in change.columns:
            if column.name in _partition_key_columns(table):
                raise PlanError(
                    f"{change.what}, which converts {table.name}.{column.name}, and it is in the partition "
                    f"key of {table.name}: PostgreSQL cannot change its type in place; create a range type "
                    "under another name and a new entity partitioned by a column of it, copy the rows "
                    "into it, then drop this one",
                    f"{table.name}.{column.name}",
                )
            self.changed_tables.add(table.key)
            self.retyped.setdefault(table.key, set()).add(column.name)
            self.converted.setdefault(table.key, set()).add(column.name)
            self.range_converted.setdefault(table.key, set()).add(column.name)
        self.range_views |= set(change.views)
        self.range_routines |= {f.keyed_signature for f in change.dropped + change.created}

    # --- sequences -------------------------------------------------------------------------------

    @cached_property
    def old_names(self) -> dict[tuple[str, str, str], ColumnKey]:
        """Each column of B that A has too (`(schema, table, column)`), with the names it has in A."""
        found = {}
        for old, new in self.match_tables()[0]:
            for before, column in self.match_columns(old, new):
                if before is not None:
                    found[(new.schema, new.name, column.name)] = (old.name, before.name)
        return found

    @cached_property
    def was_at(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Each table of B that A has too, by (schema, name) in B, at its (schema, name) in A."""
        return {(new.schema, new.name): (old.schema, old.name) for old, new in self.match_tables()[0]}

    def old_owner(self, schema: str, owner: ColumnKey) -> ColumnKey:
        """A column of B (`(table, column)`, of a table of `schema`) under the names it has in A."""
        return self.old_names.get((schema, *owner), owner)

    @cached_property
    def sequences(self) -> _Sequences:
        # by key: a sequence owned by a table keyed `schema.name` is told apart by its schema too
        a, b = self.a.sequences_by_name, self.b.sequences_by_name
        created = [s for key, s in b.items() if key not in a]
        dropped = {key: s for key, s in a.items() if key not in b}
        renamed: dict[str, str] = {}  # by name, as column defaults name them
        renamed_keys: dict[str, str] = {}
        for new in created:
            if new.owned_by is None:
                continue
            owner = self.old_owner(new.schema, new.owned_by)
            # in its table's schema in A: a sequence owned by a table moves with it
            schema = self.was_at.get((new.schema, new.owned_by[0]), (new.schema, ""))[0]
            old = next((s for s in dropped.values() if s.owned_by == owner and s.schema == schema), None)
            if (
                old is not None
                and replace(
                    old, name=new.name, schema=new.schema, owned_by=new.owned_by, spec_key=new.spec_key
                )
                == new
            ):
                renamed[old.name] = new.name
                renamed_keys[old.key] = new.key
                del dropped[old.key]
        created = [s for s in created if s.key not in renamed_keys.values()]
        pairs = [
            (s, b[renamed_keys.get(key, key)]) for key, s in a.items() if renamed_keys.get(key, key) in b
        ]
        previous: dict[ColumnKey, SequenceGenerator] = {}
        numbered_by: dict[ColumnKey, SequenceGenerator] = {}
        parked: dict[str, str] = {}
        for old_table, new_table in self.match_tables()[0]:
            if not (_has_identity(old_table) or _has_identity(new_table)):
                continue  # no column becomes or stops being an identity (most tables)
            for before, column in self.match_columns(old_table, new_table):
                if before is None or bool(before.identity) == bool(column.identity):
                    continue
                key = (new_table.key, column.name)
                was = before.default.sequence if before.default is not None else None
                will = column.default.sequence if column.default is not None else None
                if was is not None and f"{old_table.schema}.{was}" in a:
                    was = f"{old_table.schema}.{was}"
                if will is not None and f"{new_table.schema}.{will}" in b:
                    will = f"{new_table.schema}.{will}"
                if column.identity and was is not None and was in a:
                    sequence = a[was]
                    previous[key] = sequence
                    if sequence.key in dropped:
                        del dropped[sequence.key]
                        parked[sequence.key] = naming.truncate(f"{sequence.name}_old")
                elif before.identity and will is not None and will in b:
                    sequence = b[will]
                    numbered_by[key] = sequence
                    if sequence in created:
                        created.remove(sequence)
                        parked[sequence.key] = naming.truncate(f"{sequence.name}_new")
        return _Sequences(pairs, renamed, created, list(dropped.values()), previous, numbered_by, parked)

    def sequence_changes(self) -> Iterator[Change]:
        """Sequences created (before the columns that read them), renamed, altered, owned by their
        column once it exists, released before a drop would take them along, and dropped last."""
        found = self.sequences
        for sequence in found.created:
            yield CreateSequence(sequence)
        for old, new in found.pairs:
            if old.name != new.name:
                yield RenameSequence(old, new)
            if old.schema != new.schema and not self.moves_with_owner(old, new):
                raise PlanError(
                    f"sequence `{new.name}` moves from schema `{old.schema}` to `{new.schema}`: only a "
                    "sequence owned by a table moves with it; create a new sequence instead",
                    new.name,
                )
            options = replace(
                old,
                name=new.name,
                schema=new.schema,
                owned_by=None,
                comment=None,
                access=None,
                spec_key=new.spec_key,
            )
            if options != replace(new, owned_by=None, comment=None, access=None):
                yield AlterSequence(old, new)
            owner = self.old_owner(new.schema, new.owned_by) if new.owned_by is not None else None
            if old.owned_by is not None and owner != old.owned_by:
                yield SetSequenceOwner(new, None)
            if new.owned_by is not None and owner != old.owned_by:
                yield SetSequenceOwner(new, new.owned_by)
            if old.comment != new.comment:
                yield Comment("SEQUENCE", (new.schema, new.name), new.comment)
        for sequence in self.b.sequences:
            created = sequence in found.created or sequence.key in found.parked
            if created and sequence.owned_by is not None:
                yield SetSequenceOwner(sequence, sequence.owned_by)
        for sequence in found.dropped:
            yield DropSequence(sequence)

    def access_history(self) -> AccessHistory:
        """What each sequence was before the migration (renamed or moved), and those it creates."""
        found = self.sequences
        return AccessHistory(
            previous={
                AccessTarget("sequence", new.name, new.schema): AccessTarget("sequence", old.name, old.schema)
                for old, new in found.pairs
            },
            created=frozenset(
                AccessTarget("sequence", s.name, s.schema)
                for s in self.b.sequences
                if s in found.created or s.key in found.parked
            )
            | self.recreated_routines,
        )

    def moves_with_owner(self, old: SequenceGenerator, new: SequenceGenerator) -> bool:
        """Whether `old` is owned by a table that moves to the schema `new` is in (it follows)."""
        if old.owned_by is None or new.owned_by is None:
            return False
        before = self.a.table_at(old.schema, old.owned_by[0])
        after = self.b.table_at(new.schema, new.owned_by[0])
        return (
            before is not None
            and after is not None
            and (before.schema, after.schema)
            == (
                old.schema,
                new.schema,
            )
        )

    # --- domains ---------------------------------------------------------------------------------

    def domains(self, pairs: list[TablePair]) -> Iterator[Change]:
        a_domains = self.a.domains_by_name
        for domain in order_domains(self.b.domains):
            old = a_domains.get(domain.key)
            if old is None:
                yield CreateDomain(domain)
                continue
            for what, before, after in (
                ("base type", old.type, domain.type),
                ("collation", old.collation, domain.collation),
                ("schema", old.schema, domain.schema),
            ):
                if before != after:
                    raise PlanError(
                        f"the {what} of domain `{domain.name}` changes from {before or 'none'} to "
                        f"{after or 'none'}: PostgreSQL cannot alter it in place; create a domain under "
                        "another name, move the columns to it, then drop this one",
                        domain.name,
                    )
            if not _same_default(old.default, domain.default):
                yield SetDomainDefault(domain)
            if old.not_null != domain.not_null:
                tables = self.domain_tables(domain, pairs) if domain.not_null else ()
                if domain.not_null:
                    self.refuse_in_arrays(domain, "NOT NULL")
                yield SetDomainNotNull(domain, domain.not_null, tables)
            old_checks = {c.name: c for c in old.checks}
            new_checks = {c.name: c for c in domain.checks}
            kept = {
                name
                for name, check in new_checks.items()
                if name in old_checks and same_expression(old_checks[name].expression, check.expression)
            }
            for name, check in old_checks.items():
                if name not in kept:
                    yield DropDomainCheck(domain, check)
            for name, check in new_checks.items():
                if name not in kept:
                    self.refuse_in_arrays(domain, f"check `{name}`")
                    yield AddDomainCheck(domain, check, self.domain_tables(domain, pairs))
            if old.comment != domain.comment:
                yield Comment("DOMAIN", (domain.schema, domain.name), domain.comment)
        for domain in reversed(order_domains(self.a.domains)):
            if domain.key not in self.b.domains_by_name:
                yield DropDomain(domain)

    def based_on(self, domain: Domain) -> set[str]:
        """`domain` and the domains of B based on it, directly or not."""
        names = {domain.name}
        grew = True
        while grew:
            based = {d.name for d in self.b.domains if _type_name(d.type) in names}
            grew = not based <= names
            names |= based
        return names

    def domain_tables(self, domain: Domain, pairs: list[TablePair]) -> tuple[Table, ...]:
        """The tables of both versions with a column of `domain`'s type (or of a domain based on it),
        which adding NOT NULL or a check reads."""
        names = self.based_on(domain)
        return tuple(new for _, new in pairs if any(_type_name(c.type) in names for c in new.columns))

    def refuse_in_arrays(self, domain: Domain, what: str) -> None:
        """PostgreSQL cannot check the values of a domain held in arrays: it refuses a new NOT NULL or
        check while a column is an array of it ("cannot alter type … because column … uses it")."""
        names = self.based_on(domain)
        arrays = [
            f"{t.name}.{c.name}"
            for t in self.b.tables
            for c in t.columns
            if c.type.endswith("[]") and _type_name(c.type) in names
        ]
        if arrays:
            raise PlanError(
                f"{what} of domain `{domain.name}` cannot be added: {', '.join(arrays)} "
                f"{'is an array' if len(arrays) == 1 else 'are arrays'} of it, and PostgreSQL cannot check "
                "the values of a domain inside arrays; add the check to a new domain and move the columns "
                "to it, or make the array column another type first",
                domain.name,
            )

    # --- tables ----------------------------------------------------------------------------------

    def match_tables(self) -> tuple[list[TablePair], set[str], set[str]]:
        """The tables of A and B paired, those created and those dropped: the same objects at each call
        (read, never changed), worked out once per comparison (a dozen places ask)."""
        return self.matched_tables

    @cached_property
    def matched_tables(self) -> tuple[list[TablePair], set[str], set[str]]:
        # by key: `tenant_b.accounts` is renamed, moved or kept apart from another schema's `accounts`
        pairs = table_pairs(self.a, self.b, self.renames)
        paired = {new.key for _, new in pairs}
        created = {n for n in self.b.tables_by_name if n not in paired}
        dropped = set(self.a.tables_by_name) - {old.key for old, _ in pairs}
        return pairs, created, dropped

    def refuse_taken_places(self, pairs: list[TablePair], dropped: set[str], created: set[str]) -> None:
        """A table renamed or moved to where a table the migration drops still is, or created where a
        partition of A that B no longer has is: PostgreSQL refuses the rename or the CREATE TABLE while
        the other is there (drops come last), and the other's indexes and sequences hold the names the
        arriving table's take. Refused, with the fix (two migrations)."""
        arriving = {(t.schema, t.name): t for t in self.b.tables if t.key in created}
        if arriving:
            b_partitions = {
                (child.schema or t.schema, child.name)
                for t in self.b.tables
                for child in all_children(t.partition)
            }
            for parent in self.a.tables:
                for child in all_children(parent.partition):
                    place = (child.schema or parent.schema, child.name)
                    table = arriving.get(place)
                    if table is not None and place not in b_partitions:
                        raise PlanError(
                            f"table {table.schema}.{table.name} is created where partition {child.name} of "
                            f"{parent.name} is until this migration drops it: detach or drop the partition "
                            "in one migration, then declare the table in the next",
                            table.key,
                        )
        leaving = {(t.schema, t.name): t for t in self.a.tables if t.key in dropped}
        for old, new in pairs:
            there = leaving.get((new.schema, new.name))
            if there is None or (old.schema, old.name) == (new.schema, new.name):
                continue
            how = "renamed" if old.schema == new.schema else "moved"
            raise PlanError(
                f"table {old.schema}.{old.name} is {how} to {new.schema}.{new.name}, where table "
                f"{there.schema}.{there.name} is until this migration drops it: drop it in one migration, "
                f"then rename or move {old.name} in the next",
                new.key,
            )

    def create_table(self, table: Table) -> Iterator[Change]:
        yield CreateTable(table)
        yield from access_changes(table, TableAccess(), access_of(table))
        for index in table.indexes:
            yield AddIndex(table, index, on_new_table=True)
            if index.comment is not None:
                yield Comment("INDEX", (table.schema, index.name), index.comment)
        for fk in table.foreign_keys:
            yield AddConstraint(table, fk, on_new_table=True)
        yield from partition_objects.on_new_table(table)
        for check in table.checks:
            if check.not_valid:  # CREATE TABLE would validate it
                yield AddConstraint(table, check, on_new_table=True)
        for name, constraint in named_constraints(table).items():
            if constraint.comment is not None:
                yield Comment("CONSTRAINT", (table.schema, table.name, name), constraint.comment)

    def drop_table(self, table: Table) -> Iterator[Change]:
        for fk in table.foreign_keys:
            yield DropConstraint(
                table, fk, with_table=True
            )  # first, so the order of table drops never matters
        yield DropTable(table)

    def table_changes(self, old: Table, new: Table) -> Iterator[Change]:
        if self.unchanged(old, new):
            return
        if old.name != new.name:
            yield RenameTable(old, new)
        if old.schema != new.schema:
            yield MoveTable(old, new)
        rebuilt = frozenset(index.name for index in new.indexes if self.reads_converted(new.key, index))
        yield from self.partitions.table(old, new, rebuilt)
        yield from self.columns(old, new)
        renamed = with_new_column_names(old, new.key, self.renames)
        keys = [*self.constraints(renamed, new), *self.indexes(renamed, new)]
        yield from keys
        if new.partition is not None and self.retyped.get(new.key) and _readded_namesake(new, keys):
            yield NamePartitionIndexes(new, converted=True)
        yield from partition_objects.changes(old, new, self.renames)
        if old.partition and new.partition and self.renames.renamed_columns(new.key):
            yield NamePartitionIndexes(new)
        yield from self.storage(old, new)
        if old.unlogged != new.unlogged:
            yield SetPersistence(new, new.unlogged)
        before, after = access_of(old), access_of(new)
        if after.replica_index is not None and any(
            isinstance(c, AddIndex | AddConstraint) and _key_name(c) == after.replica_index for c in keys
        ):  # the index of its replica identity is built again: the identity is set again
            before = replace(before, replica_identity="default", replica_index=None)
        yield from access_changes(new, before, after)
        if old.comment != new.comment:
            yield Comment("TABLE", (new.schema, new.name), new.comment)

    def rebuild_table(self, old: Table, new: Table, why: str) -> Iterator[Change]:
        """`old` moved aside, `new` created and filled with its rows, the old dropped: with its indexes
        and foreign keys created as on a new table, the keys that reference it dropped before and
        added again after, and the views over it and its triggers created again."""
        self.changed_tables.add(new.key)
        self.reshaped.add(new.key)
        self.rebuilt_tables.add((new.schema, new.name))
        if old.name != new.name:
            yield RenameTable(old, new)
            old = replace(old, name=new.name)
        if old.schema != new.schema:
            yield MoveTable(old, new)
            old = replace(old, schema=new.schema)
        a_of = {n.key: o for o, n in self.match_tables()[0]}
        incoming = tuple(
            (table, fk)
            for table in self.b.tables
            if table.key != new.key
            and table.key in a_of
            and (table.schema, table.name) not in self.rebuilt_tables
            for fk in table.foreign_keys
            if (fk.ref_schema, fk.ref_table) == (new.schema, new.name)
            and fk in [self.renames.target(was) for was in a_of[table.key].foreign_keys]
        )
        for table, fk in incoming:
            # dropped first, so the old table can go (the migration is one transaction)
            yield DropConstraint(table, fk)
        columns = tuple(
            (column.name, was.name)
            for was, column in self.match_columns(old, new)
            if was is not None and column.generated is None
        )
        owned = tuple(
            sequence
            for sequence in self.b.sequences
            if sequence.owned_by is not None
            and (sequence.schema, sequence.owned_by[0]) == (new.schema, new.name)
            and sequence.key in self.a.sequences_by_name
        )
        yield RebuildTable(old, new, why, columns, owned)
        for index in new.indexes:
            yield AddIndex(new, index, on_new_table=True)
        for fk in new.foreign_keys:
            yield AddConstraint(new, fk, on_new_table=True)
        yield from partition_objects.on_new_table(new)
        for table, fk in incoming:
            # added again at once: the rows it checks are the rows it checked before
            yield AddConstraint(table, fk, on_new_table=True)
        if new.comment is not None:
            yield Comment("TABLE", (new.schema, new.name), new.comment)

    def continued(self, table: Table, old: Column, new: Column) -> SequenceGenerator | None:
        """The sequence of `new`'s default when the column did not read it before, and it must go on
        past the numbers the rows hold (not for an identity turned serial: that one goes on from the
        identity)."""
        sequence = new.default.sequence if new.default is not None else None
        if sequence is None or (table.key, new.name) in self.sequences.numbered_by:
            return None
        before = old.default.sequence if old.default is not None else None
        if before is not None and self.sequences.renamed.get(before, before) == sequence:
            return None
        return self.b.sequences_by_name.get(sequence)

    def unchanged(self, old: Table, new: Table) -> bool:
        """Nothing of the table changes: equal in both Models, none of its columns is converted to a
        rebuilt enum, and no table it references was renamed (its name may now mean another table)."""
        return (
            old == new
            and new.key not in self.converted
            and not any((fk.ref_schema, fk.ref_table) in self.renames.places for fk in new.foreign_keys)
            and not self.redistributed_keys(new)
        )

    def redistributed_keys(self, table: Table) -> bool:
        """Whether a foreign key of `table` touches a table whose rows change place on the cluster."""
        relocated = self.distributions.relocated
        return bool(relocated) and (
            table.name in relocated or any(fk.ref_table in relocated for fk in table.foreign_keys)
        )

    # --- columns ---------------------------------------------------------------------------------

    def match_columns(self, old: Table, new: Table) -> list[tuple[Column | None, Column]]:
        """Each column of `new` with the column of `old` it continues (renamed or not), or None: added."""
        old_columns = {c.name: c for c in old.columns}
        found: list[tuple[Column | None, Column]] = []
        sources: dict[str, str] = {}  # each column of `new` renamed, by its name: the first rename into it
        for (t, source), n in self.renames.columns.items():
            if t == new.key:
                sources.setdefault(n, source)
        for column in new.columns:
            old_name = sources.get(column.name)
            if old_name and old_name in old_columns and column.name not in old_columns:
                found.append((old_columns[old_name], column))
            else:
                found.append((old_columns.get(column.name), column))
        return found

    def columns(self, old: Table, new: Table) -> Iterator[Change]:
        matched: set[str] = set()
        for before, column in self.match_columns(old, new):
            if before is None:
                yield from self.add_column(new, column, old)
                continue
            matched.add(before.name)
            if before.name != column.name:
                yield RenameColumn(new, before.name, column.name, bool(before.identity and column.identity))
                self.changed_tables.add(new.key)
                self.lost_columns.setdefault(new.key, set()).add(before.name)
                self.renamed_columns.setdefault(new.key, set()).add(column.name)
                before = replace(before, name=column.name)
            yield from self.column_changes(new, before, column)
        for column in old.columns:
            if column.name not in matched:
                self.changed_tables.add(new.key)
                self.lost_columns.setdefault(new.key, set()).add(column.name)
                yield DropColumn(new, column)

    def add_column(self, table: Table, column: Column, before: Table) -> Iterator[Change]:
        """`before`: the table as it is before the migration."""
        self.grown_tables.add(table.key)
        lost = needs_empty = False
        if (
            not column.nullable
            and column.default is None
            and column.identity is None
            and column.generated is None
        ):
            if self.down:
                # the up migration dropped its values: the rows can only get NULL back, which NOT NULL
                # refuses
                column, lost = replace(column, nullable=True), True
            else:
                # PostgreSQL itself refuses it on a table with rows: checked first of all (SG931)
                needs_empty = True
                yield CheckEmpty(table, column, before.schema, before.name)
        yield AddColumn(table, column, not_null_lost=lost, needs_empty=needs_empty)
        if column.comment is not None:
            yield Comment("COLUMN", (table.schema, table.name, column.name), column.comment)

    def column_changes(self, table: Table, old: Column, new: Column) -> Iterator[Change]:
        if old.type != new.type or old.collation != new.collation:
            if new.name in _partition_key_columns(table):
                raise PlanError(
                    f"the type of {table.name}.{new.name} changes, and it is in the partition key of "
                    f"{table.name}: PostgreSQL cannot change it in place and it is not planned; add a new "
                    f"entity with the column of the new type, copy the rows into it, then drop this one",
                    f"{table.name}.{new.name}",
                )
            self.changed_tables.add(table.key)
            self.retyped.setdefault(table.key, set()).add(new.name)
            yield self.retype(table, old, new)
        options_changed = bool(old.identity and new.identity) and old.identity_options != new.identity_options
        if old.identity != new.identity or options_changed:
            if new.identity and not old.identity:
                # PostgreSQL adds identity only to a NOT NULL column without a default
                if old.default is not None:
                    yield SetDefault(table, replace(new, default=None, identity=None))
                if old.nullable:
                    yield SetNotNull(table, new.name)
            found, key = self.sequences, (table.key, new.name)
            previous, numbered_by = found.previous.get(key), found.numbered_by.get(key)
            sequence = previous or numbered_by
            parked = found.parked.get(sequence.key) if sequence is not None else None
            yield AlterIdentity(table, old, new, previous, numbered_by, parked)
        if not same_expression(old.generated, new.generated):
            raise PlanError(
                f"the generated expression of {table.name}.{new.name} changes: PostgreSQL cannot alter it in "
                "place; add a new generated column and drop the old one (`allow_destructive`)",
                f"{table.name}.{new.name}",
            )
        # a literal default is stored cast to the column's type: a new type needs it written again
        retyped = old.type != new.type and new.default is not None
        renamed = self.sequences.renamed
        if (not _same_default(old.default, new.default, renamed) or retyped) and not new.identity:
            yield SetDefault(table, new, continues=self.continued(table, old, new))
        if old.nullable and not new.nullable and (not new.identity or old.identity):
            yield SetNotNull(table, new.name)
        elif not old.nullable and new.nullable:
            yield DropNotNull(table, new.name)
        if old.comment != new.comment:
            yield Comment("COLUMN", (table.schema, table.name, new.name), new.comment)

    def retype(self, table: Table, old: Column, new: Column) -> AlterColumnType:
        """The spec's `using:` converts the values (the down migration's is on the column of the newer
        version); without it a type PostgreSQL cannot cast to is refused (SG952)."""
        change = AlterColumnType(table, old, new)
        if change.conversion == "free":
            return change
        using = old.using_down if self.down else new.using
        if using is not None:
            return replace(change, using=using)
        how = casts.castability(old.type, new.type, self.b.project.postgres)
        depth = _enum_array_depth(self.a, old.type)
        if how == "unknown" and depth is not None and depth == _enum_array_depth(self.b, new.type):
            # two enum types (or arrays of them): PostgreSQL has no cast between them, only their text
            return replace(change, through_text=True, via_text=True)
        if how == "none":
            key = "`using: {up: ..., down: ...}` (down: back to the older type)" if self.down else "`using:`"
            raise PlanError(
                f"the type of {table.name}.{new.name} changes from {old.type} to {new.type}, and PostgreSQL "
                f"has no cast between them (ALTER COLUMN … TYPE would fail); say how to compute the new "
                f"value from the old with {key} on the column",
                f"{table.name}.{new.name}",
                rules.NO_CAST,
            )
        return replace(change, through_text=how == "text")

    # --- constraints and indexes -----------------------------------------------------------------

    def constraints(self, old: Table, new: Table) -> Iterator[Change]:
        old_set = named_constraints(old, self.renames)
        new_set = named_constraints(new)
        # kept NOT VALID until now and valid in the spec: validated in place, not dropped and added
        for key, constraint in new_set.items():
            was = old_set.get(key)
            if (
                isinstance(was, (CheckConstraint, ForeignKey))
                and isinstance(constraint, (CheckConstraint, ForeignKey))
                and was.not_valid
                and not constraint.not_valid
                and same_definition(replace(was, not_valid=False), constraint)
            ):
                old_set[key] = constraint
                yield ValidateConstraint(new, constraint)
        stale = {key for key, constraint in new_set.items() if self.reads_converted(new.key, constraint)}
        # dropped and added again even when unchanged: those whose expression reads a converted column,
        # and the foreign keys whose clones are named after the table
        again = stale | {key for key, c in new_set.items() if recloned(self.b, old, new, c)}
        renamed = matched_renames(without(old_set, again), without(new_set, again), same_definition)
        for old_name, new_name in renamed.items():
            yield RenameConstraint(new, old_name, new_name)
        moved = {key for key, constraint in new_set.items() if self.redistributed(new, constraint)} - again
        for key, constraint in old_set.items():
            if key in renamed:
                continue
            if key not in new_set or not same_definition(new_set[key], constraint) or key in again | moved:
                redistributed = key in moved and same_definition(new_set[key], constraint)
                yield DropConstraint(
                    new,
                    constraint,
                    reread=key in stale,
                    redistributed=redistributed,
                    rebuilt=self.rebuilt_kind(new.key, constraint),
                )
        was_named = {new_name: old_name for old_name, new_name in renamed.items()}
        for key, constraint in new_set.items():
            unchanged = key in old_set and same_definition(old_set[key], constraint)
            if key in renamed.values() or (unchanged and key not in again | moved):
                kept = old_set[was_named.get(key, key)]
                if kept.comment != constraint.comment:
                    yield Comment("CONSTRAINT", (new.schema, new.name, key), constraint.comment)
                continue
            yield AddConstraint(new, constraint)
            if constraint.comment is not None:
                yield Comment("CONSTRAINT", (new.schema, new.name, key), constraint.comment)

    def redistributed(self, table: Table, constraint: Constraint) -> bool:
        """A foreign key between `table` and a table whose rows change place on the cluster."""
        relocated = self.distributions.relocated
        return isinstance(constraint, ForeignKey) and (
            table.name in relocated or constraint.ref_table in relocated
        )

    def rebuilt_kind(self, table: str, item: Constraint | Index) -> str:
        """What the converted columns `item` reads were converted to: "range type" when only columns of
        rebuilt range types, else "enum"."""
        ranges = self.range_converted.get(table, set())
        enums = self.converted.get(table, set()) - ranges
        return "range type" if _reads_columns(ranges, item) and not _reads_columns(enums, item) else "enum"

    def reads_converted(self, table: str, item: Constraint | Index) -> bool:
        """Whether a check's expression, or an index's predicate or expression, reads a column converted to
        a rebuilt enum: PostgreSQL would rebuild it with its values still of the old type (`m <> 'x'::old`
        no longer compares), so it is dropped before the rebuild and created again after."""
        return _reads_columns(self.converted.get(table, set()), item)

    def indexes(self, old: Table, new: Table) -> Iterator[Change]:
        old_indexes = {i.name: i for i in old.indexes}
        new_indexes = {i.name: i for i in new.indexes}
        # only the storage parameters differ: ALTER INDEX … SET/RESET, not a rebuild (but a partitioned
        # table's index is built again: its partitions' indexes hold the parameters too)
        for name, index in new_indexes.items():
            was = old_indexes.get(name)
            if (
                was is not None
                and was.storage != index.storage
                and new.partition is None
                and same_index(replace(was, storage=()), replace(index, storage=()))
            ):
                before = {p.name: p for p in was.storage}
                given = tuple(p for p in index.storage if before.get(p.name) != p)
                reset = tuple(sorted(set(before) - {p.name for p in index.storage}))
                old_indexes[name] = index
                yield SetIndexStorage(new, index, given, reset)
        stale = {name for name, index in new_indexes.items() if self.reads_converted(new.key, index)}
        renamed = matched_renames(without(old_indexes, stale), without(new_indexes, stale), same_index)
        for old_name, new_name in renamed.items():
            yield RenameIndex(new, old_name, new_name)
        for name, index in old_indexes.items():
            if name in renamed:
                continue
            changed = name not in new_indexes or not same_index(new_indexes[name], index)
            if changed or name in stale:
                yield DropIndex(new, index, reread=name in stale, rebuilt=self.rebuilt_kind(new.key, index))
        was_named = {new_name: old_name for old_name, new_name in renamed.items()}
        for name, index in new_indexes.items():
            unchanged = name in old_indexes and same_index(old_indexes[name], index) and name not in stale
            if not unchanged and name not in renamed.values():
                yield AddIndex(new, index)
                if index.comment is not None:
                    yield Comment("INDEX", (new.schema, name), index.comment)
                continue
            kept = old_indexes.get(was_named.get(name, name))
            if kept is not None and kept.comment != index.comment:
                yield Comment("INDEX", (new.schema, name), index.comment)

    def storage(self, old: Table, new: Table) -> Iterator[Change]:
        if old.storage == new.storage:
            return
        before = {p.name: p for p in old.storage}
        changed = tuple(p for p in new.storage if before.get(p.name) != p)
        reset = tuple(sorted(set(before) - {p.name for p in new.storage}))
        yield SetStorage(new, changed, reset)

    # --- views and functions ---------------------------------------------------------------------

    def views(self) -> Iterator[Change]:
        """Views whose query or whose tables' columns change: replaced in place when a plain view keeps
        its columns and reads tables whose columns stand still, else dropped (dependents first) and
        created again (with every view over them). So are the materialized views over a partitioned
        table that Citus rebuilds, which it would leave empty."""
        a_views, b_views = self.a.views_by_name, self.b.views_by_name
        recreate: set[str] = set()
        replace: set[str] = set()
        reindexed: list[tuple[View, View]] = []  # materialized views whose indexes alone change
        # what the migration drops: a kept view that read one of them goes first (PostgreSQL refuses to
        # drop what a view reads), and is created again after
        gone = self.match_tables()[2] | (set(a_views) - set(b_views)) | {n for _, n in self.rebuilt_tables}
        for name, view in b_views.items():
            old = a_views.get(name)
            if old is None:
                continue
            tables_changed = (
                any(self.reads_changed(old, view, dep) for dep in view.depends_on)
                or (view.materialized and self.reads(view, self.distributions.rebuilt_partitioned))
                or any(dep.rsplit(".", 1)[-1] in gone for dep in old.depends_on)
                or name in self.range_views
            )
            if (
                _without_column_comments(_with_access(old, view)) == _without_column_comments(view)
                and not tables_changed
            ):
                continue  # column comments, owner and grants change in place: the view stays
            if (
                view.materialized
                and not tables_changed
                and _without_column_comments(_with_access(_with_indexes(old, view), view))
                == _without_column_comments(view)
            ):
                reindexed.append((old, view))  # its indexes built and dropped: the view and rows stay
                continue
            if not tables_changed and _replaceable(old, view):
                replace.add(name)
            else:
                recreate.add(name)
        changed = True
        while changed:  # a view over a recreated view is recreated too
            changed = False
            for name, view in b_views.items():
                if name in a_views and name not in recreate and any(d in recreate for d in view.depends_on):
                    recreate.add(name)
                    replace.discard(name)
                    changed = True
        reindexed = [(old, view) for old, view in reindexed if view.key not in recreate]
        self.recreated_views = recreate
        self.replaced_views = replace
        for old, view in reindexed:
            relation = Table(name=view.name, schema=view.schema, columns=())
            kept = {index.name: index for index in view.indexes}
            was = {index.name: index for index in old.indexes}
            for name, index in was.items():
                if name not in kept or not same_index(kept[name], index):
                    yield DropIndex(relation, index)
            for name, index in kept.items():
                if name not in was or not same_index(was[name], index):
                    yield AddIndex(relation, index)
                    if index.comment is not None:
                        yield Comment("INDEX", (view.schema, name), index.comment)
                elif was[name].comment != index.comment:
                    yield Comment("INDEX", (view.schema, name), index.comment)
        for view in reversed(order_views(self.a.views)):
            if view.key not in b_views or view.key in recreate:
                yield DropView(view)
        for view in order_views(self.b.views):
            if view.key in replace:
                yield ReplaceView(view)
            elif view.key not in a_views or view.key in recreate:
                yield CreateView(view)
                continue  # created with its columns' comments
            old_comments, new_comments = dict(a_views[view.key].column_comments), dict(view.column_comments)
            for column in sorted(old_comments.keys() | new_comments.keys()):
                if old_comments.get(column) != new_comments.get(column) and (
                    view.key not in replace or column not in new_comments
                ):
                    yield Comment("COLUMN", (view.schema, view.name, column), new_comments.get(column))

    def reads_changed(self, old: View, view: View, table: str) -> bool:
        """Whether a column of `table` that the view reads changes shape: any, when the table is rebuilt;
        else one `old` (the view as A has it) reads that is dropped or renamed, or one `view` reads that
        is retyped or renamed. PostgreSQL refuses to drop or retype a column a view reads, and lets
        the others change under it; a renamed column keeps the view working, but under the column
        name it had (a query naming the new one shows the new one). A view reading whole rows of a
        table that gains columns is made again too: PostgreSQL expands its `*` when it is created."""
        table = self.table_key(table)
        if table in self.grown_tables and _reads_any(view, set()):
            return True
        if table not in self.changed_tables:
            return False
        lost = self.lost_columns.get(table, set())
        changed = self.retyped.get(table, set()) | self.renamed_columns.get(table, set())
        if table in self.reshaped or not (lost or changed):
            return True
        if lost and _reads_any(old, lost):
            return True
        return bool(changed) and _reads_any(view, changed)

    def table_key(self, relation: str) -> str:
        """The key of the table of B a view's query names `relation` (`tenant_b.accounts`, `accounts`)."""
        if relation in self.b.tables_by_name:
            return relation
        schema, dot, name = relation.rpartition(".")
        found = self.b.tables_by_place.get((schema, name)) if dot else None
        return found.key if found is not None else relation

    def reads(self, view: View, tables: frozenset[str]) -> bool:
        """Whether `view` reads one of `tables`, itself or through other views."""
        seen: set[str] = set()
        pending = list(view.depends_on)
        while pending:
            name = pending.pop()
            if name in tables:
                return True
            if name not in seen and (other := self.b.views_by_name.get(name)) is not None:
                seen.add(name)
                pending.extend(other.depends_on)
        return False

    def rebuilt_comments(self, pairs: list[TablePair]) -> Iterator[Change]:
        """The comments of the tables Citus builds anew (`DistributionDiff.rebuilt`), of their columns
        and of the views over them it creates again, which it leaves without them: set again, unless
        the plan sets them anyway (a new comment, a column added, a view created or replaced)."""
        rebuilt = self.distributions.rebuilt
        if not rebuilt:
            return
        for old, new in pairs:
            if new.name not in rebuilt:
                continue
            if new.comment is not None and old.comment == new.comment:
                yield Comment("TABLE", (new.schema, new.name), new.comment)
            for was, column in self.match_columns(old, new):
                if column.comment is not None and was is not None and was.comment == column.comment:
                    yield Comment("COLUMN", (new.schema, new.name, column.name), column.comment)
        a_views = self.a.views_by_name
        for view in order_views(self.b.views):
            old_view = a_views.get(view.key)
            if (
                view.comment is not None
                and old_view is not None
                and old_view.comment == view.comment
                and view.key not in self.recreated_views | self.replaced_views
                and self.reads(view, rebuilt)
            ):
                if view.materialized:
                    yield Comment("MATERIALIZED VIEW", (view.schema, view.name), view.comment)
                else:
                    yield Comment("VIEW", (view.schema, view.name), view.comment)

    def functions(self, pairs: list[TablePair]) -> Iterator[Change]:
        """Archive functions whose table or archive changes, refresh functions whose view changes."""
        old_archives = {t.key: (t, t.archive) for t in self.a.tables if t.archive is not None}
        new_archives = {t.key: (t, t.archive) for t in self.b.tables if t.archive is not None}
        renamed_to = {old.key: new.key for old, new in pairs}
        for name, (table, archive) in old_archives.items():
            after = self.b.table(renamed_to.get(name, "")) if name in renamed_to else None
            if (
                after is None
                or after.archive is None
                or _archive_signature(self.a, table, archive)
                != _archive_signature(self.b, after, after.archive)
                or after.key in self.changed_tables
            ):
                entry = archive_entry(self.a, table, archive)
                yield DropFunction(entry.archive.function, table.schema, entry.cutoff_type)
        old_by_new = {new.key: old for old, new in pairs}
        for key, (table, archive) in new_archives.items():
            before = old_by_new.get(key)
            if (
                before is None
                or before.archive is None
                or _archive_signature(self.a, before, before.archive)
                != _archive_signature(self.b, table, archive)
                or table.key in self.changed_tables
            ):
                yield CreateArchiveFunction(archive_entry(self.b, table, archive))
        old_maintain, new_maintain = lifecycle.maintain_function(self.a), lifecycle.maintain_function(self.b)
        if old_maintain != new_maintain:
            if old_maintain is not None:
                yield DropFunction(old_maintain.name, old_maintain.schema, "date")
            if new_maintain is not None:
                yield CreateMaintainFunction(new_maintain)
        a_views = self.a.views_by_name
        for view in self.b.views:
            old_view = a_views.get(view.key)
            if view.refresh_function and (
                old_view is None
                or old_view.refresh_function != view.refresh_function
                or old_view.refresh != view.refresh
                or view.key in self.recreated_views
            ):
                if old_view is not None and old_view.refresh_function:
                    yield DropFunction(old_view.refresh_function, old_view.schema, "")
                yield CreateRefreshFunction(view)
        for view in self.a.views:
            if view.refresh_function and view.key not in self.b.views_by_name:
                yield DropFunction(view.refresh_function, view.schema, "")

    # --- the spec's functions and triggers ---------------------------------------------------------

    def changing_names(
        self, a_functions: Mapping[str, Function], b_functions: Mapping[str, Function]
    ) -> frozenset[str]:
        """The names of what the migration drops, rebuilds or changes the shape of, which PostgreSQL
        refuses while a SQL-standard body reads it: tables whose columns change, tables dropped or
        rebuilt, views dropped or created again, functions dropped or changed, and enums, domains and
        types that change."""
        gone_tables = {name.rsplit(".", 1)[-1] for name in self.match_tables()[2]}
        views = {v.name for v in self.a.views if v.key not in self.b.views_by_name}
        views |= {name.rsplit(".", 1)[-1] for name in self.recreated_views}
        functions = {
            f.name
            for key, f in a_functions.items()
            if key not in b_functions or b_functions[key] != f or key in self.range_routines
        }
        types: set[str] = set()
        for olds, news in (
            (self.a.enums, self.b.enums),
            (self.a.domains, self.b.domains),
            (self.a.types, self.b.types),
        ):
            kept = {(item.schema, item.name): item for item in news}
            types |= {item.name for item in olds if kept.get((item.schema, item.name)) != item}
        tables = {key.rsplit(".", 1)[-1] for key in self.changed_tables}
        tables |= {name for _, name in self.rebuilt_tables} | gone_tables
        return frozenset(tables | views | functions | types)

    def routines(self) -> Iterator[Change]:
        """Functions created, replaced in place (same arguments and result: CREATE OR REPLACE keeps what
        calls them) or dropped and created again; triggers created, dropped, or replaced in one
        transaction when they or their function change."""
        # matched by signature, `name(types)`: overloads apart; a function whose argument types change is
        # another one, created before what calls it and the old one dropped after
        a_functions, b_functions = self.a.functions_by_signature, self.b.functions_by_signature
        recreated: set[str] = set()
        late = row_typed_functions(self.b)
        # a SQL-standard body is made in quotes (it may read what the migration creates later) and
        # given its body at the end; one kept that reads what changes is put in quotes first
        changing = self.changing_names(a_functions, b_functions)
        standard: list[Function] = []
        # aggregates are created after the functions they fold with, and dropped before them
        for name, function in sorted(b_functions.items(), key=aggregates_last):
            old = a_functions.get(name)
            quoted = function.standard_body is not None
            if name in self.range_routines:  # made again by the rebuild of the range type it names
                standard += [function] if quoted else []
            elif old is None:
                yield CreateRoutine(function, after_tables=function.name in late, quoted=quoted)
                standard += [function] if quoted else []
            elif _with_routine_access(old, function) != function:
                # an aggregate too is replaced in place (CREATE OR REPLACE AGGREGATE keeps the views
                # calling it), unless it becomes a function or the other way round
                same_kind = (old.aggregate is None) == (function.aggregate is None)
                signature = (function.schema, function.arguments, function.returns)
                if same_kind and (old.schema, old.arguments, old.returns) == signature:
                    yield CreateRoutine(function, replace=True, old=old, quoted=quoted)
                    standard += [function] if quoted else []
                else:
                    recreated.add(name)
            elif reads := _standard_reads(old, changing):
                yield QuoteStandardBody(old, reads)
                standard.append(function)
        for name, function in sorted(a_functions.items()):
            if name in self.range_routines:
                continue  # dropped by the rebuild of the range type it names
            if name not in b_functions and (reads := _standard_reads(function, changing)):
                yield QuoteStandardBody(function, reads)  # dropped last, after what it reads
        # by (schema, table, name): tables of one name in two schemas may have triggers of one name
        renamed = {(old.schema, old.name): (new.schema, new.name) for old, new in self.match_tables()[0]}
        a_triggers = {
            (*renamed.get((t.schema, t.table), (t.schema, t.table)), t.name): t for t in self.a.triggers
        }
        b_triggers = {(t.schema, t.table, t.name): t for t in self.b.triggers}
        for key, trigger in sorted(a_triggers.items()):
            new = b_triggers.get(key)
            if new is None or _called(self.a, trigger) in recreated or key[:2] in self.rebuilt_tables:
                yield DropTrigger(trigger)  # before the table's rename, by its old name
        for name in sorted(recreated, key=lambda n: (a_functions[n].aggregate is None, n)):
            old = a_functions[name]
            callers = sorted(
                f"trigger {t.name} on {t.table}" for t in self.a.triggers if _called(self.a, t) == name
            )
            callers += calling_views(self.a, old) if old.aggregate is not None else []
            yield DropRoutine(old, tuple(callers), recreated=True)
        self.recreated_routines = {
            routine_target(b_functions[n]) for n in recreated | (self.range_routines & b_functions.keys())
        }
        for name in sorted(recreated, key=lambda n: (b_functions[n].aggregate is not None, n)):
            function = b_functions[name]
            quoted = function.standard_body is not None
            yield CreateRoutine(function, after_tables=function.name in late, quoted=quoted)
            standard += [function] if quoted else []
        for function in standard:
            yield SetStandardBody(function)
        for name, function in sorted(
            a_functions.items(), key=lambda item: (item[1].aggregate is None, item[0])
        ):
            if name not in b_functions and name not in self.range_routines:
                yield DropRoutine(
                    function,
                    tuple(calling_views(self.a, function)),
                    before_tables=function.name in row_typed_functions(self.a),
                )
        for key, trigger in sorted(b_triggers.items()):
            old_trigger = a_triggers.get(key)
            if old_trigger is None or _called(self.b, trigger) in recreated or key[:2] in self.rebuilt_tables:
                yield CreateTrigger(trigger)
            elif (
                replace(old_trigger, table=trigger.table, schema=trigger.schema, comment=trigger.comment)
                != trigger
            ):
                yield ReplaceTrigger(
                    replace(old_trigger, table=trigger.table, schema=trigger.schema), trigger
                )
            elif old_trigger.comment != trigger.comment:
                yield Comment("TRIGGER", (trigger.schema, trigger.table, trigger.name), trigger.comment)


def _readded_namesake(table: Table, keys: list[Change]) -> bool:
    """Whether an index of `table` dropped and created again under its name has a namesake: another
    index on the same keys, whose partitions' indexes PostgreSQL names like its own (t_p0_c_idx,
    t_p0_c_idx1). While it is gone, a column's new type makes PostgreSQL build the namesake again, and
    name its partitions' indexes anew, perhaps with the names the dropped one's had."""
    dropped = {c.index.name for c in keys if isinstance(c, DropIndex)}
    readded = [c.index for c in keys if isinstance(c, AddIndex) and c.index.name in dropped]

    def stem(index: Index) -> tuple[str | None, ...]:
        return tuple(e.column or e.expression for e in index.elements)

    return any(stem(i) == stem(j) for i in readded for j in table.indexes if j.name != i.name)


def _reads_columns(columns: set[str], item: Constraint | Index) -> bool:
    """Whether a check's expression, or an index's predicate or expression, reads one of `columns`."""
    if not columns:
        return False
    if isinstance(item, CheckConstraint):
        texts = [item.expression]
    elif isinstance(item, Index):
        texts = [item.where or ""] + [e.expression or "" for e in item.elements]
    else:
        return False
    return any(
        columns & expressions.column_refs(expressions.parse_expression(text)) for text in texts if text
    )


def _standard_reads(function: Function, changing: frozenset[str]) -> tuple[str, ...]:
    """What of `changing` the SQL-standard body of `function` names (everything, when it does not
    parse); () for a body in quotes."""
    if function.standard_body is None:
        return ()
    names = routines.standard_body_names(function.body)
    return tuple(sorted(changing if names is None else names & changing))


def _called(model: Model, trigger: Trigger) -> str:
    """The keyed signature (`key()`) of the function `trigger` calls."""
    for function in model.functions:
        if (function.schema, function.name, function.identity) == (
            trigger.function_schema,
            trigger.function,
            "",
        ):
            return function.keyed_signature
    return f"{trigger.function}()"


def _enum_array_depth(model: Model, type_: str) -> int | None:
    """For a type that is one of `model`'s enums, or an array of one: how many `[]` it has; else None."""
    if model.enum_of_type(type_) is None:
        return None
    return (len(type_) - len(type_.rstrip("[]"))) // 2


def _reads_any(view: View, columns: set[str]) -> bool:
    """Whether `view`'s query reads one of `columns` (of any of its tables: the names alone count), or
    whole rows (always, then: with no `columns`, whether it reads whole rows)."""
    read = expressions.columns_read(expressions.parse_query(view.query))
    return read is None or not read.isdisjoint(columns)


def _without_column_comments(view: View) -> View:
    return replace(view, column_comments=())


def aggregates_last(item: tuple[str, Function]) -> tuple[bool, str]:
    return item[1].aggregate is not None, item[0]


def calling_views(model: Model, function: Function) -> list[str]:
    """The views of `model` whose query calls `function` by name: what its DROP waits on."""
    call = re.compile(rf"(?<![\w.]){re.escape(function.name)}\s*\(", re.IGNORECASE)
    return sorted(f"view {v.name}" for v in model.views if call.search(v.query))


def _partition_key_columns(table: Table) -> set[str]:
    """The columns the partition keys of every level of the table name or read."""
    found: set[str] = set()
    levels = [table.partition] if table.partition is not None else []
    while levels:
        scheme = levels.pop()
        for key in scheme.key:
            if key.column is not None:
                found.add(key.column)
            elif key.expression is not None:
                found |= expressions.column_refs(expressions.parse_expression(key.expression))
        levels += [child.sub for child in scheme.children if child.sub is not None]
    return found


def _archive_signature(model: Model, table: Table, archive: Archive) -> tuple[object, ...]:
    entry = archive_entry(model, table, archive)
    return (entry.archive, entry.columns, entry.cutoff_type, entry.overriding_system_value, entry.citus)


def _with_routine_access(old: Function, new: Function) -> Function:
    """`old` with the owner and grants of `new`, which change without replacing the routine."""
    return replace(old, access=new.access)


def _with_indexes(old: View, new: View) -> View:
    """`old` with the indexes of `new`, which are built and dropped without touching the view."""
    return replace(old, indexes=new.indexes)


def _with_access(old: View, new: View) -> View:
    """`old` with the owner and grants of `new`, which change without touching the view."""
    return replace(old, access=new.access)


def _replaceable(old: View, new: View) -> bool:
    """A plain view PostgreSQL can replace in place: same schema and name, not materialized, keeping
    its output columns (and nothing else of it changed but the query, the comment and its options,
    which CREATE OR REPLACE VIEW sets)."""
    if old.materialized or new.materialized:
        return False
    kept = replace(
        old,
        query=new.query,
        depends_on=new.depends_on,
        comment=new.comment,
        column_comments=new.column_comments,
        security_barrier=new.security_barrier,
        security_invoker=new.security_invoker,
        check_option=new.check_option,
        access=new.access,
    )
    if kept != new:
        return False
    try:
        return expressions.replaces_in_place(
            expressions.parse_query(old.query), expressions.parse_query(new.query)
        )
    except expressions.ExpressionError:
        return False


def _same_default(a: Default | None, b: Default | None, renamed: dict[str, str] | None = None) -> bool:
    """Two defaults that are one: equal, one expression spelled two ways, or `nextval` of one sequence
    (renamed by the migration, or moved with its table: the default follows it)."""
    if a is not None and b is not None and a.sequence is not None and b.sequence is not None:
        return (renamed or {}).get(a.sequence, a.sequence) == b.sequence
    if a is None or b is None or not (a.is_expression and b.is_expression):
        return a == b
    return same_expression(a.expression, b.expression)


def _type_name(type_: str) -> str:
    """A column type without its schema and array brackets: a domain's or enum's name when it is one."""
    return type_.removesuffix("[]").rsplit(".", 1)[-1]
